"""SARIF 2.1.0 (GitHub code scanning, IDEs): findings with exact regions, rule metadata, suppressions.

- `tool.driver.rules`: every rule that can report (built-in, policy and meta codes, from the result's
  catalogue), each with its documentation; drift and reconcile describe each drift state instead.
- Results point at repo-relative URIs under `%SRCROOT%` (the repository root; `originalUriBaseIds` leaves
  its absolute location to the consumer, so the file is the same on every machine), with `startLine`.
- `partialFingerprints` hash (rule, VM, network, file, and the Kustomize overlay root when there is one): never the
  line, so an alert survives edits above it.
- Waived findings are `suppressions`: `inSource` for a VM annotation, `external` for a NADPolicyException.
- Rules that did not run (offline) are notifications of the invocation, never passed silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from gitnad.models.findings import Finding, RuleMeta, Severity, WaiverSource
from gitnad.models.results import CheckResult, DriftItem, DriftResult, DriftState, ReconcileResult, ScanResult
from gitnad.report import json as json_report
from gitnad.report.common import STATE_MEANING, Result, attention, drift_of
from gitnad.report.github import STUCK

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "gitnad/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SUPPRESSION_KIND = {WaiverSource.ANNOTATION: "inSource", WaiverSource.EXCEPTION: "external"}
LABELS = ("What:", "Why:", "Example:", "Fix:")


def fingerprint(*parts: str | None) -> str:
    """A stable hash of the parts (None and "" alike), independent of lines and messages."""
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:32]


def _paragraphs(doc: str) -> list[str]:
    """The docstring's paragraphs, each on one line; the title line (`GN201 target-nad-missing.`) dropped."""
    paras = [" ".join(line.strip() for line in p.splitlines()) for p in doc.strip().split("\n\n")]
    return paras[1:] if paras and not paras[0].startswith(LABELS) else paras


def rule(meta: RuleMeta) -> dict[str, Any]:
    paras = _paragraphs(meta.doc)
    what = next((p.removeprefix("What:").strip() for p in paras if p.startswith("What:")), meta.summary)
    markdown = "\n\n".join(
        next((f"**{label}**{p[len(label) :]}" for label in LABELS if p.startswith(label)), p) for p in paras
    )
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": what},
        "help": {"text": "\n\n".join(paras) or meta.summary, "markdown": markdown or meta.summary},
        "defaultConfiguration": {"level": LEVEL[meta.severity]},
        "properties": {"tags": ["kubevirt", "networking", meta.scope.value]},
    }


def location(file: str | None, line: int | None) -> list[dict[str, Any]]:
    if file is None:
        return []
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(file), "uriBaseId": SRCROOT}}
    if line:
        physical["region"] = {"startLine": line}
    return [{"physicalLocation": physical}]


def _root(f: Finding) -> tuple[str, ...]:
    """The overlay root as a fingerprint part (none for a plain manifest, whose fingerprint stays what it was)."""
    return () if f.source_root is None else (f"root:{f.source_root}",)


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": location(f.file, f.line),
        "partialFingerprints": {FINGERPRINT: fingerprint(f.code, f.vm, f.network, f.file, *_root(f))},
        "properties": {k: v for k, v in (("vm", f.vm), ("network", f.network), ("policy", f.policy)) if v},
    }
    if f.source_root is not None:  # the Kustomize overlay that rendered the VM: two overlays, two alerts
        out["properties"]["sourceRoot"] = f.source_root
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.waived:
        kind = SUPPRESSION_KIND[f.waiver_source or WaiverSource.EXCEPTION]
        out["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.waiver or "waived"}]
    return out


def _skipped(result: CheckResult, index: dict[str, int]) -> list[dict[str, Any]]:
    notes = []
    for s in result.skipped:
        ref: dict[str, Any] = {"id": s.code}
        if s.code in index:
            ref["index"] = index[s.code]
        text = f"{s.code} was not run ({s.reason}): its findings are unknown, not passed"
        notes.append({"level": "note", "message": {"text": text}, "associatedRule": ref})
    return notes


def _run(
    version: str, rules: Sequence[dict[str, Any]], results: list[dict[str, Any]], props: dict[str, Any]
) -> dict[str, Any]:
    return {
        "tool": {
            "driver": {
                "name": "gitnad",
                "version": version,
                "informationUri": "https://pypi.org/project/gitnad/",
                "rules": list(rules),
            }
        },
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the git repository gitnad read."}}},
        "results": results,
        "properties": {"gitnad": props},
    }


def _findings_run(result: CheckResult | ScanResult) -> dict[str, Any]:
    metas = sorted(result.rules, key=lambda m: m.code)
    index = {m.code: i for i, m in enumerate(metas)}
    results = [_result(f, index) for f in result.findings]
    if isinstance(result, CheckResult):
        props = {
            "command": "check",
            "refs": {"base": result.refs.base, "head": result.refs.head},
            "cluster": result.cluster_source,
            "plan": json_report.plan(result.plan),
        }
        run = _run(result.version, [rule(m) for m in metas], results, props)
        run["invocations"] = [{"executionSuccessful": True, "toolConfigurationNotifications": _skipped(result, index)}]
        return run
    return _run(result.version, [rule(m) for m in metas], results, {"command": "scan", "ref": result.ref})


def _state_rule(state: DriftState) -> dict[str, Any]:
    level = "error" if state in STUCK else "warning"
    meaning = STATE_MEANING[state]
    return {
        "id": f"drift/{state.value}",
        "name": state.value,
        "shortDescription": {"text": f"Not converged: {meaning}"},
        "fullDescription": {"text": f"gitnad drift state {state.value}: {meaning}."},
        "help": {"text": meaning, "markdown": f"**{state.value}**: {meaning}."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["kubevirt", "networking", "drift"]},
    }


def _item(i: DriftItem, index: dict[str, int]) -> dict[str, Any]:
    rule_id = f"drift/{i.state.value}"
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": "error" if i.state in STUCK else "warning",
        "message": {"text": f"{i.vm} network {i.network} is {i.state.value}: {i.detail}"},
        "locations": location(i.file, i.line),
        "partialFingerprints": {FINGERPRINT: fingerprint(rule_id, i.vm, i.network, i.file)},
        "properties": {"vm": i.vm, "network": i.network, "declared": i.declared, "pod": i.pod},
    }


def _drift_run(result: DriftResult | ReconcileResult) -> dict[str, Any]:
    drift = drift_of(result)
    states = [s for s in DriftState if not s.converged]
    index = {f"drift/{s.value}": i for i, s in enumerate(states)}
    summary = json_report.drift_payload(drift)["summary"]
    props = {"command": result.command, "ref": result.ref, "summary": summary}
    return _run(
        result.version, [_state_rule(s) for s in states], [_item(i, index) for i in attention(drift.items)], props
    )


def render(result: Result) -> str:
    if isinstance(result, CheckResult | ScanResult):
        run = _findings_run(result)
    else:
        assert isinstance(result, DriftResult | ReconcileResult)  # `supports` offers sarif for nothing else
        run = _drift_run(result)
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
