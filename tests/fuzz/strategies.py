"""Hypothesis strategies for the fuzz suite: hostile text, VM manifests as dicts, VM models, reports.

Text is drawn from an alphabet that mixes what names are made of with what breaks readers and terminals
(newline, CR, ESC, C1 controls, bidi overrides, zero-width characters, surrogates escaped from bytes). VMs are
built as Kubernetes dicts and read into models by the scanner's own `to_vm`, so the models carry the real
canonical forms and lines.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.findings import Finding, Severity, Skipped
from gitnad.models.manifest import VM, VMKind
from gitnad.models.results import CheckResult, DriftItem, DriftResult, DriftState, Refs, ScanResult, Summary
from gitnad.sources.manifests import identity, to_vm

HOSTILE_CHARS = "\n\r\t\x00\x1b\x07\x7f\x85\x9b\u200b\u202e\u2066\u2028\ufeff"
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from("abz-./:019 " + HOSTILE_CHARS), st.characters(codec="utf-8")), max_size=40
)
NADS = ["nad-a", "nad-b", "prod/nad-a", "other/nad-b", "Bad_Name", "a/b/c", ""]
BINDINGS = ["bridge", "masquerade", "sriov", "plugin:passt-x"]


@st.composite
def network_specs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Unique-named networks, each with its interface's binding, model and state."""
    names = draw(st.lists(st.sampled_from(["default", "net-a", "net-b", "net-c", "net-d"]), unique=True, max_size=5))
    return [
        {
            "name": n,
            "source": draw(st.sampled_from(["pod", "multus", "default-multus"])),
            "nad": draw(st.sampled_from(NADS)),
            "binding": draw(st.sampled_from(BINDINGS)),
            "model": draw(st.sampled_from([None, "virtio", "e1000"])),
            "state": draw(st.sampled_from([None, None, "absent"])),
        }
        for n in names
    ]


def vm_dict(name: str, specs: list[dict[str, Any]], namespace: str = "prod") -> dict[str, Any]:
    networks, interfaces = [], []
    for s in specs:
        if s["source"] == "pod":
            networks.append({"name": s["name"], "pod": {}})
        else:
            multus: dict[str, Any] = {"networkName": s["nad"]}
            if s["source"] == "default-multus":
                multus["default"] = True
            networks.append({"name": s["name"], "multus": multus})
        iface: dict[str, Any] = {"name": s["name"]}
        binding = s["binding"]
        if binding.startswith("plugin:"):
            iface["binding"] = {"name": binding.split(":", 1)[1]}
        else:
            iface[binding] = {}
        for key in ("model", "state"):
            if s[key] is not None:
                iface[key] = s[key]
        interfaces.append(iface)
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "runStrategy": "Always",
            "template": {"spec": {"domain": {"devices": {"interfaces": interfaces}}, "networks": networks}},
        },
    }


def vm_model(body: dict[str, Any], file: str = "vms/vm.yaml") -> VM:
    ident = identity(body)
    assert ident is not None
    return to_vm(body, ident, VMKind.VIRTUAL_MACHINE, "prod", file, 0)


findings = st.builds(
    Finding,
    code=st.sampled_from(["GN001", "GN101", "GN201", "GN301"]),
    rule=st.sampled_from(["manifest-unreadable", "invalid-nad-reference"]),
    severity=st.sampled_from(list(Severity)),
    message=hostile_text,
    vm=st.none() | hostile_text,
    network=st.none() | hostile_text,
    file=st.none() | hostile_text,
    line=st.none() | st.integers(min_value=1, max_value=10**6),
    waived=st.booleans(),
    waiver=st.none() | hostile_text,
)
changes = st.builds(
    Change,
    kind=st.sampled_from(list(ChangeKind)),
    vm=st.none() | hostile_text,
    network=st.none() | hostile_text,
    nad=st.none() | hostile_text,
    from_=st.none() | hostile_text,
    to=st.none() | hostile_text,
    file=st.none() | hostile_text,
    line=st.none() | st.integers(min_value=1, max_value=10**6),
    detail=st.none() | hostile_text,
)


@st.composite
def check_results(draw: st.DrawFn) -> CheckResult:
    found = draw(st.lists(findings, max_size=6))
    return CheckResult(
        version="0.0.0",
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=tuple(draw(st.lists(changes, max_size=6))),
        findings=tuple(found),
        skipped=tuple(draw(st.lists(st.builds(Skipped, code=st.just("GN205"), reason=hostile_text), max_size=2))),
        summary=Summary(error=sum(f.severity is Severity.ERROR for f in found)),
        warnings=tuple(draw(st.lists(hostile_text, max_size=3))),
    )


@st.composite
def drift_items(draw: st.DrawFn) -> DriftItem:
    state = draw(st.sampled_from(list(DriftState)))
    text = st.none() | hostile_text
    return DriftItem(
        vm=draw(hostile_text),
        network=draw(hostile_text),
        declared=draw(text),
        live_vm=draw(text),
        vmi=draw(text),
        pod=draw(text),
        state=state,
        converged=state.converged,
        detail=draw(hostile_text),
        migration=draw(text),
        file=draw(text),
        line=draw(st.none() | st.integers(min_value=1, max_value=10**6)),
    )


@st.composite
def drift_results(draw: st.DrawFn) -> DriftResult:
    return DriftResult(
        version="0.0.0",
        ref="c" * 40,
        items=tuple(draw(st.lists(drift_items(), max_size=6))),
        warnings=tuple(draw(st.lists(hostile_text, max_size=3))),
    )


@st.composite
def scan_results(draw: st.DrawFn) -> ScanResult:
    return ScanResult(
        version="0.0.0",
        ref=None,
        vms=(),
        nads=(),
        findings=tuple(draw(st.lists(findings, max_size=6))),
        warnings=tuple(draw(st.lists(hostile_text, max_size=3))),
    )
