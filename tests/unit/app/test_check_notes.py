"""`check` reads what `scan` reads: files that are not ours are notes in `warnings` (never GN001), Helm charts and
`.gitnad/` fixtures are not manifests, broken objects of ours are GN001."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.gitutil import Content
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
NADS = nad_yaml("vlan-10") + "---\n" + nad_yaml("vlan-20")
PLAYBOOK = "- hosts: all\n  tasks:\n  - name: x\n    debug: {msg: [unclosed}\n"
NOT_OURS = (
    "playbooks/site.yml:4: skipped, YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
    "sequence); it names no VirtualMachine, VirtualMachinePool or NetworkAttachmentDefinition, so it is not read as "
    "a manifest"
)
HELM = "Helm chart sources not scanned (rendering Helm is out of scope): charts/db (2 file(s))"


def vm(nad: str, name: str = "db-1") -> str:
    return vm_yaml(name, [POD, Net("br", nad=nad)])


# (files changed at head, expected (code, file, line) findings, expected warnings)
CASES = [
    pytest.param({"playbooks/site.yml": PLAYBOOK}, [], [NOT_OURS], id="broken-playbook-is-a-note"),
    pytest.param(
        {"playbooks/site.yml": "- hosts: all\n  roles: [vm]\n", "ci.yaml": "on: [push]\n"},
        [],
        [],
        id="playbook-and-ci-file-are-ignored",
    ),
    pytest.param(
        {"charts/db/Chart.yaml": "apiVersion: v2\nname: db\n", "charts/db/templates/vm.yaml": "{{ .Values.vm }}\n"},
        [],
        [HELM],
        id="helm-chart-is-one-note",
    ),
    pytest.param(
        {"vms/db-1.yaml": vm("vlan-10").replace("namespace: prod", "namespace: prod\n  name: again")},
        [("GN001", "vms/db-1.yaml", 6)],
        [],
        id="duplicate-key-in-a-vm-is-gn001",
    ),
    pytest.param(
        {"vms/db-1.yaml": vm("0777")},
        [("GN001", "vms/db-1.yaml", 24)],
        [],
        id="networkName-read-as-an-integer-is-gn001",
    ),
    pytest.param(
        {"vms/db-1.yaml": vm("vlan-30"), ".gitnad/policies/tests/nads.yaml": nad_yaml("vlan-30")},
        [("GN106", "vms/db-1.yaml", 24)],
        [],
        id="a-fixture-nad-does-not-hide-gn106",
    ),
]


@pytest.mark.parametrize(("files", "findings", "warnings"), CASES)
def test_check_reads_what_scan_reads(
    tmp_path: Path, files: dict[str, Content], findings: list[tuple[str, str, int]], warnings: list[str]
) -> None:
    repo = TempRepo(tmp_path / "r")
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")})
    head = repo.commit(files)
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    r = CliRunner().invoke(main, args)
    doc = json.loads(r.output)
    assert [(f["code"], f["file"], f["line"]) for f in doc["findings"]] == findings
    assert doc["warnings"] == warnings
    assert r.exit_code == (1 if any(f[0] == "GN001" for f in findings) else 0)
