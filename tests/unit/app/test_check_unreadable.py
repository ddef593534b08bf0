"""What `check` could not read counts the same at base and at head.

A touched file unreadable at base is GN001 (its message says it is the base version, with the sha) and the
VMs and NADs of its head version are not "added"; unreadable at head, they are not "removed". The same holds
for files the check's `git grep` pulls in (a VM moved from or into another file). Real repos, through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
W = {"argocd.argoproj.io/sync-wave": "-1"}
NADS = nad_yaml("vlan-10", vlan=10, annotations=W) + "---\n" + nad_yaml("vlan-20", vlan=20, annotations=W)
SYNTAX_ERROR = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: [\n"


def vm(target: str, name: str = "db-1", binding: str = "bridge") -> str:
    return vm_yaml(name, [POD, Net("bridge-net", nad=target, binding=binding)])


def duplicate_name(text: str) -> str:
    """The same manifest with `name:` twice in `metadata` (line 6; the first is on line 4)."""
    return text.replace("  namespace: prod\n", "  namespace: prod\n  name: again\n", 1)


def check(repo: TempRepo, base: str, head: str) -> tuple[int, dict[str, Any]]:
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    return r.exit_code, json.loads(r.output)


def changes(doc: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(c["kind"], c["vm"], c["file"]) for c in doc["changes"]]


def findings(doc: dict[str, Any]) -> list[tuple[str, str, int, str]]:
    return [(f["code"], f["file"], f["line"], f["message"]) for f in doc["findings"]]


def at_base(message: str, sha: str) -> str:
    return (
        f"{message}; this is the base version ({sha}): what the file held before the change is unknown, so its "
        "VMs and NADs are not compared"
    )


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    return TempRepo(tmp_path / "fleet")


def test_file_unreadable_at_base_is_gn001_and_its_vm_is_not_added(repo: TempRepo) -> None:
    """The head version swaps the NAD and changes the binding; with a clean base that is GN102. With a broken base
    the check must not report `vm-added` and pass."""
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": duplicate_name(vm("vlan-10"))}, "broken")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "swap and rebind")
    code, doc = check(repo, base, head)
    assert code == 1
    assert changes(doc) == []
    assert findings(doc) == [
        (
            "GN001",
            "vms/db-1.yaml",
            6,
            at_base("vms/db-1.yaml:6: duplicate mapping key 'name' (first on line 4)", base),
        )
    ]


def test_clean_base_with_the_same_head_is_gn102(repo: TempRepo) -> None:
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "clean")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "swap and rebind")
    code, doc = check(repo, base, head)
    assert code == 1
    assert [(f["code"], f["line"]) for f in doc["findings"]] == [("GN102", 18), ("GN103", 18), ("GN111", 24)]


def test_file_unreadable_at_head_is_gn001_and_its_vm_is_not_removed(repo: TempRepo) -> None:
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "clean")
    head = repo.commit({"vms/db-1.yaml": duplicate_name(vm("vlan-20"))}, "broken")
    code, doc = check(repo, base, head)
    assert code == 1
    assert changes(doc) == []
    assert findings(doc) == [
        ("GN001", "vms/db-1.yaml", 6, "vms/db-1.yaml:6: duplicate mapping key 'name' (first on line 4)")
    ]


def test_unreadable_at_both_refs_is_reported_once_for_head(repo: TempRepo) -> None:
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": SYNTAX_ERROR}, "broken")
    head = repo.commit({"vms/db-1.yaml": duplicate_name(vm("vlan-20"))}, "still broken")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert findings(doc) == [
        ("GN001", "vms/db-1.yaml", 6, "vms/db-1.yaml:6: duplicate mapping key 'name' (first on line 4)")
    ]


def test_renamed_file_unreadable_at_base_names_the_old_path(repo: TempRepo) -> None:
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": duplicate_name(vm("vlan-10"))}, "broken")
    repo.move("vms/db-1.yaml", "clusters/prod/db-1.yaml")
    head = repo.commit({"clusters/prod/db-1.yaml": vm("vlan-10")}, "move and fix")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert findings(doc) == [
        (
            "GN001",
            "vms/db-1.yaml",
            6,
            at_base("vms/db-1.yaml:6: duplicate mapping key 'name' (first on line 4)", base),
        )
    ]


def test_renamed_file_unreadable_at_head_is_not_a_removal(repo: TempRepo) -> None:
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10") + "# padding\n" * 20}, "clean")
    repo.move("vms/db-1.yaml", "clusters/prod/db-1.yaml")
    head = repo.commit({"clusters/prod/db-1.yaml": duplicate_name(vm("vlan-10")) + "# padding\n" * 20}, "broken")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert [(f["code"], f["file"], f["line"]) for f in doc["findings"]] == [("GN001", "clusters/prod/db-1.yaml", 6)]


def test_deleted_file_unreadable_at_base_is_gn001(repo: TempRepo) -> None:
    """What a deleted file removed cannot be known when its last version cannot be read: never a silent pass."""
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": SYNTAX_ERROR}, "broken")
    head = repo.commit({"vms/db-1.yaml": None}, "delete it")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert findings(doc) == [
        (
            "GN001",
            "vms/db-1.yaml",
            3,
            at_base(
                "vms/db-1.yaml:3: YAML syntax error: did not find expected node content (while parsing a flow node)",
                base,
            ),
        )
    ]


# --- files pulled in by git grep ------------------------------------------------------------------------------


def test_vm_new_in_its_file_but_named_in_an_unreadable_file_at_base_is_not_added(repo: TempRepo) -> None:
    """vms/legacy.yaml (untouched, unreadable at both refs) names db-2: the check's grep for db-2 finds it at both
    refs, so db-2 may have been defined there and is not "added"; the unreadable file is GN001, once, for head."""
    legacy = duplicate_name(vm("vlan-10", name="db-2"))
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/legacy.yaml": legacy}, "legacy")
    head = repo.commit({"vms/db-2.yaml": vm("vlan-20", name="db-2")}, "db-2 in its own file")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert findings(doc) == [
        ("GN001", "vms/legacy.yaml", 6, "vms/legacy.yaml:6: duplicate mapping key 'name' (first on line 4)")
    ]


def test_vm_gone_from_its_file_but_named_in_an_unreadable_file_at_head_is_not_removed(repo: TempRepo) -> None:
    legacy = duplicate_name(vm("vlan-10", name="db-2"))
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/legacy.yaml": legacy, "vms/db-2.yaml": vm("vlan-10", "db-2")})
    head = repo.commit({"vms/db-2.yaml": None}, "db-2 leaves its own file")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert findings(doc) == [
        ("GN001", "vms/legacy.yaml", 6, "vms/legacy.yaml:6: duplicate mapping key 'name' (first on line 4)")
    ]


def test_an_unreadable_file_not_naming_the_vm_does_not_hide_its_removal(repo: TempRepo) -> None:
    other = duplicate_name(vm("vlan-10", name="web-1"))
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-2.yaml": vm("vlan-10", "db-2"), "vms/web-1.yaml": other})
    head = repo.commit({"vms/db-2.yaml": None, "vms/web-1.yaml": other + "# touched\n"}, "remove db-2")
    code, doc = check(repo, base, head)
    assert code == 1
    assert changes(doc) == [("vm-removed", "prod/db-2", "vms/db-2.yaml")]
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("GN001", "vms/web-1.yaml")]


def test_nads_of_a_file_unreadable_at_base_are_not_added(repo: TempRepo) -> None:
    broken = NADS.replace("  namespace: prod\n", "  namespace: prod\n  namespace: prod\n", 1)
    base = repo.commit({"nads/vlan.yaml": broken, "vms/db-1.yaml": vm("vlan-10")}, "broken NADs")
    head = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-20")}, "fix them, move db-1")
    code, doc = check(repo, base, head)
    assert code == 1
    assert changes(doc) == [("nad-swap", "prod/db-1", "vms/db-1.yaml")]
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("GN001", "nads/vlan.yaml")]


def test_nads_of_a_file_unreadable_at_head_are_not_removed(repo: TempRepo) -> None:
    """A removed NAD still referenced would be GN109; an unreadable NAD file is not a removal."""
    broken = NADS.replace("  namespace: prod\n", "  namespace: prod\n  namespace: prod\n", 1)
    base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "clean")
    head = repo.commit({"nads/vlan.yaml": broken}, "break the NAD file")
    code, doc = check(repo, base, head)
    assert (code, changes(doc)) == (1, [])
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("GN001", "nads/vlan.yaml")]
