"""`gitnad check` against a real kube-apiserver: every cluster rule's verdict from live facts read with the
read-only role, and the same verdicts from a snapshot of that cluster.

The session cluster (tests/e2e/conftest.py) runs KubeVirt v1.8.4 with LiveUpdateNADRef and LiveMigrate,
`parallelOutboundMigrationsPerNode: 1`, and a Multus Dynamic Networks Controller DaemonSet. Each VM below
is seeded in the state one rule judges; git moves them all in one change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitnad.app import snapshot as app_snapshot
from gitnad.app.check import CheckRequest, check
from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError, ExitCode
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import CheckResult
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import Net, Seeder, cond, manifest
from tests.gitutil import commit, make_repo

pytestmark = pytest.mark.slow

MIGRATABLE = cond("LiveMigratable", "True")
BLOCKED = cond(
    "LiveMigratable",
    "False",
    "DisksNotLiveMigratable",
    "cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared "
    "(using ReadWriteMany access mode)",
)
REQUIRED = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
TARGET = {
    "db-1": "vlan-20",
    "db-2": "vlan-20",
    "db-3": "vlan-20",
    "db-4": "vlan-20",
    "db-5": "vlan-20",
    "web-1": "vlan-99",
}


def nets(nad: str) -> list[Net]:
    return [Net("default"), Net("bridge-net", nad)]


def _seed(s: Seeder) -> None:
    s.nad("vlan-10", 10)
    s.nad("vlan-20", 20)
    s.running("db-1", nets("vlan-10"))
    s.running("db-2", nets("vlan-10"), vmi_conditions=[BLOCKED], node="node02")
    s.running("db-3", nets("vlan-10"), vmi_conditions=[MIGRATABLE, REQUIRED])
    s.vm("db-4", nets("vlan-10"), run_strategy="Halted")
    s.running("db-5", nets("vlan-30"))
    s.running("web-1", nets("vlan-10"))


@pytest.fixture(scope="module")
def world(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str, str, dict[str, int]]:
    ns = kube.namespace("check")
    _seed(Seeder(kube.api, ns))
    repo_dir = tmp_path_factory.mktemp("gitops") / "repo"
    repo = make_repo(repo_dir)
    base = commit(repo, {f"vms/{n}.yaml": manifest(n, ns, nets("vlan-10")) for n in TARGET}, "fleet on vlan-10")
    head_files = {f"vms/{n}.yaml": manifest(n, ns, nets(t)) for n, t in TARGET.items()}
    head = commit(repo, head_files, "move the fleet")
    lines = {
        n: next(i + 1 for i, line in enumerate(text.splitlines()) if f"networkName: {TARGET[n]}" in line)
        for n, text in head_files.items()
        for n in [n.removeprefix("vms/").removesuffix(".yaml")]
    }
    return ns, repo_dir, base, head, lines


def _check(repo: Path, base: str, head: str, cluster: ClusterSettings) -> CheckResult:
    req = CheckRequest(
        repo=repo,
        config_file=None,
        base=base,
        head=head,
        staged=False,
        fail_on=None,
        policies=(),
        cluster=cluster,
    )
    result, fail_on = check(req)
    assert fail_on is Severity.ERROR
    return result


def _verdicts(findings: tuple[Finding, ...], ns: str) -> list[tuple[str, str, str | None, str | None, int | None]]:
    return sorted(
        (f.code, f.severity.value, f.vm.removeprefix(f"{ns}/") if f.vm else None, f.file, f.line) for f in findings
    )


def _expected(lines: dict[str, int]) -> list[tuple[str, str, str | None, str | None, int | None]]:
    def at(code: str, sev: str, vm: str | None, where: str) -> tuple[str, str, str | None, str | None, int | None]:
        return (code, sev, vm, f"vms/{where}.yaml", lines[where])

    return sorted(
        [
            at("GN201", "error", "web-1", "web-1"),
            at("GN205", "error", "db-2", "db-2"),
            at("GN206", "info", "db-4", "db-4"),
            at("GN207", "warning", None, "db-1"),
            *(at("GN208", "warning", vm, vm) for vm in ("db-1", "db-2", "db-3", "db-5", "web-1")),
            at("GN210", "warning", "db-3", "db-3"),
            at("GN211", "warning", "db-5", "db-5"),
        ]
    )


def test_cluster_rules_live_with_the_read_only_role(
    kube: Kube, world: tuple[str, Path, str, str, dict[str, int]]
) -> None:
    ns, repo, base, head, lines = world
    result = _check(repo, base, head, ClusterSettings(kubeconfig=kube.kubeconfig("reader")))
    assert result.skipped == ()
    assert result.cluster_source == "live:current-context"
    assert _verdicts(result.findings, ns) == _expected(lines)
    messages = {(f.code, f.vm): f.message for f in result.findings}
    assert messages[("GN205", f"{ns}/db-2")].startswith(
        f"VMI {ns}/db-2 is not live-migratable (LiveMigratable=False, reason 'DisksNotLiveMigratable', message "
        "'cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared "
        "(using ReadWriteMany access mode)'): the NAD swap of bridge-net"
    )
    assert messages[("GN207", None)].startswith(
        "this change live-migrates 4 running VMIs on 1 node(s), but parallelOutboundMigrationsPerNode is 1 "
        "(node01 has 4): expect at least 4 migration waves"
    )
    assert messages[("GN208", f"{ns}/db-1")].endswith(
        "(kube-system/dynamic-networks-controller-ds), which KubeVirt documents as unsupported for live NAD updates: "
        "avoid any NIC hotplug/unplug on this VM until it has migrated, and try one VM first"
    )
    assert messages[("GN210", f"{ns}/db-3")].startswith(
        f"VMI {ns}/db-3 already has MigrationRequired=True (reason 'AutoMigrationDueToLiveUpdate')"
    )
    assert messages[("GN211", f"{ns}/db-5")].startswith(
        f"the live VM {ns}/db-5 network bridge-net is on {ns}/vlan-30, while the base ref says {ns}/vlan-10"
    )
    assert messages[("GN201", f"{ns}/web-1")].startswith(
        f"{ns}/web-1 network bridge-net moves to {ns}/vlan-99, which does not exist in the cluster"
    )
    assert result.summary.model_dump() == {"error": 2, "warning": 8, "info": 1, "waived": 0}


def test_snapshot_of_the_cluster_gives_the_same_verdicts(
    kube: Kube, world: tuple[str, Path, str, str, dict[str, int]], tmp_path: Path
) -> None:
    ns, repo, base, head, lines = world
    snap = tmp_path / "cluster.yaml"
    _, code = app_snapshot.run(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns], snap, None)
    assert code is ExitCode.OK
    result = _check(repo, base, head, ClusterSettings(snapshot=snap))
    assert _verdicts(result.findings, ns) == _expected(lines)


def test_no_read_permission_is_exit_3(kube: Kube, world: tuple[str, Path, str, str, dict[str, int]]) -> None:
    _, repo, base, head, _ = world
    with pytest.raises(ClusterError) as e:
        _check(repo, base, head, ClusterSettings(kubeconfig=kube.kubeconfig("user")))
    assert e.value.exit_code is ExitCode.UNDECIDED
    assert "403 Forbidden" in e.value.message


def test_unread_vmis_fail_closed_per_vm(
    kube: Kube, world: tuple[str, Path, str, str, dict[str, int]], tmp_path: Path
) -> None:
    """A snapshot without VMIs: GN212 for every swapped VM, and the rules that need VMIs stay quiet."""
    ns, repo, base, head, lines = world
    snap = tmp_path / "cluster.yaml"
    app_snapshot.run(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns], snap, None)
    doc = yaml.safe_load(snap.read_text())
    annotations = doc["metadata"]["annotations"]
    vmis = "virtualmachineinstances.kubevirt.io"
    annotations["gitnad.dev/captured"] = ",".join(r for r in annotations["gitnad.dev/captured"].split(",") if r != vmis)
    annotations["gitnad.dev/unreadable"] = f"{vmis}=forbidden"
    doc["items"] = [i for i in doc["items"] if i["kind"] != "VirtualMachineInstance"]
    snap.write_text(yaml.safe_dump(doc))
    result = _check(repo, base, head, ClusterSettings(snapshot=snap))
    expected = [("GN201", "error", "web-1", "vms/web-1.yaml", lines["web-1"])]
    for vm in TARGET:
        expected += [
            ("GN208", "warning", vm, f"vms/{vm}.yaml", lines[vm]),
            ("GN212", "error", vm, f"vms/{vm}.yaml", lines[vm]),
        ]
    assert _verdicts(result.findings, ns) == sorted(expected)
    gn212 = next(f for f in result.findings if f.code == "GN212")
    assert f"could not read: {vmis} (forbidden)" in gn212.message
