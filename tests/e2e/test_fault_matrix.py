"""The fault matrix (issue 11, proof 3): every fault between gitnad and a real kube-apiserver x every command that
reads the cluster, each run through gitnad's real command line and error boundary against the worlds of
`cli_world`.

On the converged world every command exits 0 when nothing goes wrong (`reconcile --apply` runs on the pending
world: exit 1, one migration). Under a fault the outcome is never 0 and never a traceback: exit 3 with one line
naming the verb and resource, or — for a fact that only some VMs need — GN212 in `check` (exit 1) / `Unknown` in
drift and reconcile (exit 3), and `reconcile --apply` writes nothing. The exceptions are stated in the table with
their reason (DaemonSets only feed GN208, which only `check` evaluates).

Faults come from the real API server where it can produce them — a wrong token (401) and the real RBAC
authorizer (403: one user per resource type, bound to the reconcile role minus that one resource) — and from a
proxy in front of it (tests/proxy.py) for what a healthy server does not do: a CRD's list answering 404 while
discovery serves it, a CRD that is really absent (list and discovery agree), 429 storms with and without
`Retry-After`, 500s, connection resets, a stalled answer, a truncated JSON body, a body cut by a dropped
connection, 410 Gone on a list. Transport faults hit the VirtualMachineInstance list: a read in the middle, so a
partial result would show. The watch phase of `drift --wait` has its own table below.

Bound per case: `CASE_BOUND_S`. Every run gets `--config` with a fast retry policy (cli_world.FAST: 2 retries,
20-50 ms backoff, Retry-After honoured up to 0.1 s; cli_world.STALL for the stalled server: 0.5 s per request,
1.5 s per read), so the whole matrix costs about as much as its runs' reads.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import proxy
from tests.e2e import cli_world
from tests.e2e.cli_world import COMMANDS, Run, World, Worlds
from tests.e2e.conftest import RBAC, Kube
from tests.envtest import RECONCILER_TOKEN, WITHOUT, Envtest

pytestmark = pytest.mark.slow

CASE_BOUND_S = 5.0
"""The repository scan and the read (well under a second alone), at most the stall's 1.5 s read deadline, with
room for a loaded 2-core machine."""
VMIS = "/virtualmachineinstances?"
KV = "/apis/kubevirt.io/v1"
NAD = "/apis/k8s.cni.cncf.io/v1"
RESOURCE = {
    "kubevirts": ("kubevirts.kubevirt.io", KV, False),
    "virtualmachines": ("virtualmachines.kubevirt.io", KV, True),
    "virtualmachineinstances": ("virtualmachineinstances.kubevirt.io", KV, True),
    "virtualmachineinstancemigrations": ("virtualmachineinstancemigrations.kubevirt.io", KV, True),
    "network-attachment-definitions": ("network-attachment-definitions.k8s.cni.cncf.io", NAD, True),
    "pods": ("pods (labelSelector kubevirt.io=virt-launcher)", "/api/v1", True),
    "daemonsets": ("daemonsets.apps", "/apis/apps/v1", False),
}
"""plural -> (how gitnad names its list, discovery path, namespaced)."""


# --- expected outcomes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one case must end with. `error`: the start of gitnad's one-line error (after `gitnad: error: `),
    with `{ns}` for the world's namespace; `states` / `codes`: drift states per item or check finding codes;
    `migrations`: how many exist afterwards in the pending world."""

    code: int
    error: str | None = None
    cause: str | None = None
    """Text the error line must also contain (the last error of a retried request)."""
    states: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    detail: str | None = None
    """A text every Unknown item's detail (or the GN212 message) contains, with `{ns}`."""
    migrations: int = 0


def list_error(plural: str, what: str) -> str:
    name, _, scoped = RESOURCE[plural]
    where = "in namespace {ns}" if scoped else "in all namespaces"
    return f"list {name} {where}: {what}"


def fatal(error: str) -> dict[str, Outcome]:
    """Every command: exit 3 with this error."""
    return {c: Outcome(3, error=error) for c in COMMANDS}


def unknown(detail: str) -> dict[str, Outcome]:
    """The facts of the VM cannot be read: GN212 in check, Unknown elsewhere; snapshot records what it read."""
    return {
        "check": Outcome(1, codes=("GN212", "GN208", "GN211"), detail=detail),
        "drift": Outcome(3, states=("Unknown",), detail=detail),
        "drift-wait": Outcome(3, states=("Unknown",), detail=detail),
        "reconcile": Outcome(3, states=("Unknown",), detail=detail),
        "reconcile-apply": Outcome(3, states=("Unknown",), detail=detail),
        "snapshot": Outcome(0),
    }


@dataclass(frozen=True)
class Fault:
    """One row: who gitnad is (`who`: a token user) and what the proxy does."""

    id: str
    expect: dict[str, Outcome]
    who: str = "reconciler"
    always: proxy.Fault | None = None
    hide: tuple[str, str] | None = None
    config: str = cli_world.FAST


def _forbidden(plural: str) -> Fault:
    name, _, scoped = RESOURCE[plural]
    resource = plural if plural != "daemonsets" else "daemonsets"
    group = {"pods": "", "daemonsets": "apps", "network-attachment-definitions": "k8s.cni.cncf.io"}.get(
        plural, "kubevirt.io"
    )
    scope = 'in the namespace "{ns}"' if scoped else "at the cluster scope"
    message = (
        f'403 Forbidden: {name.split(" ")[0]} is forbidden: User "gitnad-without-{plural}" cannot list resource '
        f'"{resource}" in API group "{group}" {scope} (the identity lacks RBAC permission; see deploy/rbac/ for the '
        "roles gitnad needs)"
    )
    if plural != "daemonsets":
        return Fault(f"403-{plural}", fatal(list_error(plural, message)), who=f"without-{plural}")
    # DaemonSets only tell whether the Dynamic Networks Controller runs (GN208, a check rule): check cannot
    # decide (GN212); drift and reconcile do not need them; snapshot records them as unreadable.
    return Fault(
        "403-daemonsets",
        {
            "check": Outcome(1, codes=("GN212", "GN211"), detail="daemonsets.apps (list daemonsets.apps"),
            "drift": Outcome(0, states=("InSync",)),
            "drift-wait": Outcome(0, states=("InSync",)),
            "reconcile": Outcome(0, states=("InSync",)),
            "reconcile-apply": Outcome(1, states=("MigrationPending",), migrations=1),
            "snapshot": Outcome(0),
        },
        who="without-daemonsets",
    )


def _list_404(plural: str) -> Fault:
    _, discovery, _ = RESOURCE[plural]
    what = (
        "404 Not Found: injected by the test proxy: 404, although the API server lists "
        f"{plural} in {discovery} (API discovery)"
    )
    return Fault(f"404-list-{plural}", fatal(list_error(plural, what)), always=proxy.status(404, match=f"/{plural}?"))


ABSENT_WHY = {
    "kubevirts": "VirtualMachine {ns}/{vm} needs it",
    "virtualmachines": "it serves virtualmachineinstances.kubevirt.io, and KubeVirt installs both together",
    "virtualmachineinstances": "it serves virtualmachines.kubevirt.io, and KubeVirt installs both together",
    "virtualmachineinstancemigrations": "it serves virtualmachines.kubevirt.io, and KubeVirt installs both together",
    "network-attachment-definitions": "launcher pod {ns}/virt-launcher-{vm}-abcde is attached to {ns}/{pod_nad}",
}
"""What shows each absent API should be there ({vm}: the world's VM, {pod_nad}: the NAD its pod is on)."""


def _absent(plural: str) -> Fault:
    """The CRD is really not installed: its list and its discovery entry are gone. Something in the cluster shows
    it should be there, so its facts are unknown rather than empty."""
    _, discovery, _ = RESOURCE[plural]
    detail = f"the API server answers 404 (not installed), but {ABSENT_WHY[plural]}"
    expect = unknown(detail)
    if plural in ("virtualmachines", "virtualmachineinstances", "virtualmachineinstancemigrations"):
        # GN211 compares the live VM with the base ref: it needs the VM's facts, which are unknown here
        expect["check"] = Outcome(1, codes=("GN212", "GN208"), detail=detail)
    if plural == "kubevirts":
        # The KubeVirt CR sets the migration limits and readiness (check's GN202-GN209, reconcile's slots); the
        # drift proof (VM, VMI, launcher pod) does not use it.
        expect = {
            **expect,
            "drift": Outcome(0, states=("InSync",)),
            "drift-wait": Outcome(0, states=("InSync",)),
            "reconcile": Outcome(0, states=("InSync",)),
            "reconcile-apply": Outcome(1, states=("MigrationPending",)),
        }
    return Fault(f"absent-{plural}", expect, hide=(discovery, plural))


DEADLINE_EXCEEDED = f"deadline of {cli_world.STALL_DEADLINE_S:g}s exceeded"


GAVE_UP_LIST = f"gave up after {cli_world.RETRIES + 1} attempts (last error: "


def _transport(id_: str, fault: proxy.Fault, last: str) -> Fault:
    """A storm on the VMI list: retried under the policy until its retries are spent, then exit 3."""
    expect = {c: Outcome(3, error=list_error("virtualmachineinstances", GAVE_UP_LIST), cause=last) for c in COMMANDS}
    return Fault(id_, expect, always=fault)


FAULTS: tuple[Fault, ...] = (
    Fault(
        "401",
        fatal(
            "list kubevirts.kubevirt.io in all namespaces: 401 Unauthorized: Unauthorized "
            "(check the credentials of the kubeconfig context)"
        ),
        who="bogus",
    ),
    *(_forbidden(p) for p in WITHOUT),
    *(_list_404(p) for p in ABSENT_WHY),
    *(_absent(p) for p in ABSENT_WHY),
    _transport("429-storm-retry-after", proxy.status(429, "1", match=VMIS), "(last error: 429 Too Many Requests"),
    _transport("429-storm", proxy.status(429, match=VMIS), "(last error: 429 Too Many Requests"),
    _transport("500", proxy.status(500, match=VMIS), "(last error: 500 Internal Server Error"),
    _transport("reset", proxy.reset(match=VMIS), "(last error: cannot reach https://127.0.0.1:"),
    Fault(
        "stall",
        {
            c: Outcome(3, error=list_error("virtualmachineinstances", DEADLINE_EXCEEDED), cause="timeout")
            for c in COMMANDS
        },
        always=proxy.stall(30, match=VMIS),  # until the proxy stops, at the end of the case
        config=cli_world.STALL,
    ),
    Fault(
        "truncated-json",
        fatal(list_error("virtualmachineinstances", "the server's answer is not JSON (")),
        always=proxy.truncated(match=VMIS),
    ),
    _transport("body-cut-by-reset", proxy.short_body(match=VMIS), "(last error: cannot reach https://127.0.0.1:"),
    Fault(
        "410-on-list",
        fatal(list_error("virtualmachineinstances", "410 Gone: injected by the test proxy: 410")),
        always=proxy.status(410, match=VMIS),
    ),
)
BASELINE = {
    "check": Outcome(0, codes=("GN208", "GN211")),
    "drift": Outcome(0, states=("InSync",)),
    "drift-wait": Outcome(0, states=("InSync",)),
    "reconcile": Outcome(0, states=("InSync",)),
    "reconcile-apply": Outcome(1, states=("MigrationPending",), migrations=1),
    "snapshot": Outcome(0),
}


# --- fixtures ---------------------------------------------------------------------------------------

MEASURED: list[dict[str, object]] = []
"""Every case's exit code and time, written as JSON to $GITNAD_FAULT_REPORT (if set) when the module ends."""


def note(table: str, fault: str, command: str, run: Run) -> None:
    MEASURED.append({"table": table, "fault": fault, "command": command, "exit": run.code, "seconds": run.seconds})


@pytest.fixture(scope="module", autouse=True)
def _fault_report() -> Iterator[None]:
    yield
    if target := os.environ.get("GITNAD_FAULT_REPORT"):
        Path(target).write_text(json.dumps(MEASURED, indent=1) + "\n")


@pytest.fixture(scope="module")
def worlds(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    """The worlds, and per resource type a user whose role is the reconcile role without `list` on that type."""
    role = yaml.safe_load((RBAC / "clusterrole-reconciler.yaml").read_text())
    for plural in WITHOUT:
        rules = []
        for rule in role["rules"]:
            kept = [r for r in rule["resources"] if r != plural or "create" in rule["verbs"]]
            if kept:
                rules.append({**rule, "resources": kept})
        name = f"gitnad-without-{plural}"
        kube.rbac.create_cluster_role({"metadata": {"name": name}, "rules": rules})
        kube.rbac.create_cluster_role_binding(
            {
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}],
            }
        )
    return cli_world.build(kube, tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def fault_proxy(envtest: Envtest) -> Iterator[proxy.FaultProxy]:
    p = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    yield p
    p.stop()


def token(who: str) -> str:
    return {"reconciler": RECONCILER_TOKEN, "bogus": "not-a-token-the-server-knows"}.get(who, f"envtest-{who}-token")


def migrations(kube: Kube, ns: str) -> list[dict[str, Any]]:
    out = kube.co.list_namespaced_custom_object("kubevirt.io", "v1", ns, "virtualmachineinstancemigrations")
    return list(out["items"])


def clear_migrations(kube: Kube, ns: str) -> None:
    for m in migrations(kube, ns):
        name = m["metadata"]["name"]
        kube.co.delete_namespaced_custom_object("kubevirt.io", "v1", ns, "virtualmachineinstancemigrations", name)


# --- checks -----------------------------------------------------------------------------------------


def check_outcome(run: Run, expect: Outcome, world: World, snapshot: Path) -> None:
    """The exit code, and the one line or the report that explains it; never a traceback."""
    ns = world.ns
    assert run.code == expect.code, (run.code, run.stderr[-2000:], run.stdout[-2000:])
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    if expect.error is not None:
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and run.stdout == "", run.stderr
        assert lines[0].startswith("gitnad: error: " + expect.error.format(ns=ns)), lines[0]
        assert expect.cause is None or expect.cause in lines[0], lines[0]
        assert not snapshot.exists()  # nothing written when the read failed
        return
    if "snapshot" in run.argv:
        assert snapshot.is_file() and run.stdout.startswith(f"wrote {snapshot} (")
        return
    doc = json.loads(run.stdout)
    vm, pod_nad = ("web-1", "nad-a") if world.repo.name == "pending" else ("db-1", "nad-b")
    detail = expect.detail.format(ns=ns, vm=vm, pod_nad=pod_nad) if expect.detail else None
    if expect.codes is not None:
        assert tuple(f["code"] for f in doc["findings"]) == expect.codes, doc["findings"]
        if detail:
            (gn212,) = [f for f in doc["findings"] if f["code"] == "GN212"]
            assert detail in gn212["message"], gn212["message"]
        return
    items = doc["drift"]["items"] if "drift" in doc else doc["items"]
    assert tuple(i["state"] for i in items) == expect.states, items
    if detail:
        assert all(detail in i["detail"] for i in items), items


def run_case(
    command: str,
    fault: Fault,
    worlds: Worlds,
    kube: Kube,
    envtest: Envtest,
    px: proxy.FaultProxy,
    tmp_path: Path,
) -> Run:
    px.always = fault.always
    if fault.hide is not None:
        px.hide(*fault.hide)
    kubeconfig = Path(envtest.write_kubeconfig(f"{fault.who}-{uuid.uuid4().hex[:6]}", token(fault.who), px.url))
    world = worlds.pending if command == "reconcile-apply" else worlds.converged
    config = cli_world.config_file(tmp_path, fault.config)
    try:
        run = cli_world.gitnad(cli_world.argv(command, worlds, kubeconfig, tmp_path, config=config))
        expect = fault.expect[command]
        check_outcome(run, expect, world, tmp_path / "snapshot.yaml")
        assert run.seconds < CASE_BOUND_S, run.seconds
        note("matrix", fault.id, command, run)
        if command == "reconcile-apply":
            assert len(migrations(kube, world.ns)) == expect.migrations
        return run
    finally:
        if command == "reconcile-apply":
            clear_migrations(kube, world.ns)


@pytest.mark.parametrize("command", COMMANDS)
def test_baseline_every_command_passes_without_a_fault(
    command: str,
    worlds: Worlds,
    kube: Kube,
    envtest: Envtest,
    fault_proxy: proxy.FaultProxy,
    tmp_path: Path,
) -> None:
    """The control: without a fault, exit 0 (the pending world: 1 and one migration), so any other outcome
    below is the fault's doing."""
    run_case(command, Fault("none", BASELINE), worlds, kube, envtest, fault_proxy, tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault_never_passes(
    fault: Fault,
    command: str,
    worlds: Worlds,
    kube: Kube,
    envtest: Envtest,
    fault_proxy: proxy.FaultProxy,
    tmp_path: Path,
) -> None:
    run_case(command, fault, worlds, kube, envtest, fault_proxy, tmp_path)


# --- the watch phase of drift --wait ----------------------------------------------------------------

WAIT_TIMEOUT = "2s"
WATCHES = "/virtualmachineinstances?allowWatchBookmarks"


@dataclass(frozen=True)
class WatchFault:
    """`bound`: the case's time limit, by default the first read and at most the 2 s --timeout (retry storms give
    up after 2 retries of 20-50 ms)."""

    id: str
    fault: proxy.Fault | None
    code: int
    broke: str | None
    """The start of why the VMI watch broke (after `watch virtualmachineinstances.kubevirt.io in namespace <ns>: `),
    None when it did not."""
    bound: float = 5.0


RESOURCE_VMIS = "virtualmachineinstances.kubevirt.io"
VMI_WATCH = f"watch {RESOURCE_VMIS} in namespace {{ns}}: "
GAVE_UP = VMI_WATCH + f"gave up after {cli_world.RETRIES + 1} attempts (last error: "
WATCH_FAULTS = (
    WatchFault("none", None, 1, None),  # MigrationPending until --timeout: exit 1, timed out
    WatchFault("watch-403", proxy.status(403, match=WATCHES), 3, VMI_WATCH + "403 Forbidden"),
    WatchFault("watch-429-storm", proxy.status(429, "1", match=WATCHES), 3, GAVE_UP + VMI_WATCH + "429 Too Many"),
    WatchFault("watch-500-storm", proxy.status(500, match=WATCHES), 3, GAVE_UP + VMI_WATCH + "500 Internal"),
    WatchFault("watch-reset-storm", proxy.reset(match=WATCHES), 3, GAVE_UP + "cannot reach https://127.0.0.1:"),
    WatchFault("watch-410-storm", proxy.status(410, match=WATCHES), 3, GAVE_UP + VMI_WATCH + "410 Gone"),
    WatchFault(
        "watch-garbled-stream",  # an HTML page where the stream should be: no line, no event
        proxy.garbage(match=WATCHES),
        3,
        GAVE_UP + VMI_WATCH + "the stream ended in the middle of an event (28 bytes)",
    ),
    WatchFault(
        "watch-empty-at-once",  # 200 and an empty body: no watch at all, not a quiet one (else: re-watch in a loop)
        proxy.Fault("status", status=200, body=b"", match=WATCHES),
        3,
        GAVE_UP + VMI_WATCH + "ended at once, without an event",
    ),
    # Headers, then silence: indistinguishable from a quiet cluster until the client's read timeout, so
    # the wait ends at its --timeout with the last facts it had: not converged (exit 1), never a pass.
    WatchFault("watch-stalled-stream", proxy.stall_stream(60, match=WATCHES), 1, None),
    # No answer at all (not even headers): the same until the read timeout; the process must still end cleanly
    # with a watch thread blocked in its request. There is no stream to cut yet: `LiveFeed.close()` gives that
    # thread CLOSE_WAIT_S (5 s) before it leaves it behind, hence the longer bound.
    WatchFault("watch-stalled-before-headers", proxy.stall(60, match=WATCHES), 1, None, bound=2 + 5 + 3),
)


@pytest.mark.parametrize("fault", WATCH_FAULTS, ids=[f.id for f in WATCH_FAULTS])
def test_watch_fault_during_drift_wait(
    fault: WatchFault,
    worlds: Worlds,
    envtest: Envtest,
    fault_proxy: proxy.FaultProxy,
    tmp_path: Path,
) -> None:
    """`drift --wait` on the pending world (MigrationPending: it waits); the fault hits only the VMI watches.
    A watch refused for good or failing max_retries times in a row ends the wait at once: Unknown, exit 3."""
    fault_proxy.always = fault.fault
    ns = worlds.pending.ns
    kubeconfig = Path(envtest.write_kubeconfig(f"wait-{uuid.uuid4().hex[:6]}", RECONCILER_TOKEN, fault_proxy.url))
    argv = ["drift", "--wait", "--timeout", WAIT_TIMEOUT, "--repo", str(worlds.pending.repo), "--format", "json"]
    config = cli_world.config_file(tmp_path)
    run = cli_world.gitnad([*argv, "--kubeconfig", str(kubeconfig), "--config", str(config)])
    note("watch", fault.id, "drift-wait", run)
    assert run.code == fault.code, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    doc = json.loads(run.stdout)
    (item,) = doc["items"]
    if fault.broke is None:
        assert item["state"] == "MigrationPending"
        assert f"--wait timed out after 0:00:{int(WAIT_TIMEOUT[:-1]):02d}" in doc["warnings"]
    else:
        why = fault.broke.format(ns=ns)
        assert item["state"] == "Unknown"
        assert item["detail"].startswith(f"VirtualMachineInstances could not be read: {RESOURCE_VMIS}: watch broke: ")
        assert why in item["detail"], item["detail"]
        (stopped,) = [w for w in doc["warnings"] if w.startswith("--wait stopped early")]
        assert why in stopped
    assert run.seconds < fault.bound


# --- the writes of reconcile --apply ---------------------------------------------------------------

CREATE = "create virtualmachineinstancemigrations.kubevirt.io {name} in {ns} for VMI web-1: "


@dataclass(frozen=True)
class WriteFault:
    id: str
    who: str
    fault: proxy.Fault | None
    result: str
    migrations: int


WRITE_FAULTS = (
    WriteFault(
        "create-500",
        "reconciler",
        proxy.Fault("status", 500, match="/virtualmachineinstancemigrations", method="POST"),
        CREATE + "500 Internal Server Error: injected by the test proxy: 500",
        0,
    ),
    WriteFault(
        "create-403",
        "reader",  # the read-only role: reads everything, may not create
        None,
        CREATE + '403 Forbidden: virtualmachineinstancemigrations.kubevirt.io is forbidden: User "gitnad-reader" '
        'cannot create resource "virtualmachineinstancemigrations" in API group "kubevirt.io" in the namespace "{ns}"',
        0,
    ),
    WriteFault(
        "create-answer-lost",  # created, but the connection drops before the answer is complete
        "reconciler",
        proxy.Fault("short_body", match="/virtualmachineinstancemigrations", method="POST"),
        CREATE + "no answer (cannot reach https://127.0.0.1:",
        1,
    ),
)


@pytest.mark.parametrize("fault", WRITE_FAULTS, ids=[f.id for f in WRITE_FAULTS])
def test_write_fault_during_reconcile_apply(
    fault: WriteFault,
    worlds: Worlds,
    kube: Kube,
    envtest: Envtest,
    fault_proxy: proxy.FaultProxy,
    tmp_path: Path,
) -> None:
    """A create is sent once (a retried create could double a migration): its failure is the action's, reported
    with the server's answer; the verdict stays the drift's (exit 1: not converged). A lost answer says the
    migration may exist, and it does: the next run sees it (tests/e2e/test_reconcile_kill.py)."""
    from gitnad.reconcile.apply import migration_name

    world = worlds.pending
    fault_proxy.always = fault.fault
    kubeconfig = Path(envtest.write_kubeconfig(f"w-{uuid.uuid4().hex[:6]}", token(fault.who), fault_proxy.url))
    try:
        run = cli_world.gitnad(cli_world.argv("reconcile-apply", worlds, kubeconfig, tmp_path))
        note("write", fault.id, "reconcile-apply", run)
        assert (run.code, run.stderr) == (1, "")
        (action,) = json.loads(run.stdout)["actions"]
        name = migration_name(world.ns, "web-1", world.head)
        assert (action["kind"], action["outcome"]) == ("create-migration", "failed")
        assert action["result"].startswith(fault.result.format(name=name, ns=world.ns)), action["result"]
        assert [m["metadata"]["name"] for m in migrations(kube, world.ns)] == [name] * fault.migrations
        assert run.seconds < CASE_BOUND_S
    finally:
        clear_migrations(kube, world.ns)
