"""`check` parses what the change costs (issue 12): the touched files, the other definitions of their VMs and
of the NADs the change names, and the VMs that still reference a removed NAD; never every NAD of the repo.

Each case builds a real repository with 40 NAD files the change does not name (and one broken file that names
the NAD kind) and asserts the exact files parsed at each ref, with the verdict of the full check beside it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitnad.app.check import CheckRequest, check
from gitnad.app.check_sides import NadIndex, Side, may_define, parse_change
from gitnad.config import ClusterSettings
from gitnad.sources import scanner
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.scanner import ScanSettings
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
OTHER_NADS = {f"nads/other-{i:02d}.yaml": nad_yaml(f"other-{i:02d}") for i in range(40)}
BROKEN = "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: [unclosed\n"
BASE = {
    **OTHER_NADS,
    "nads/broken.yaml": BROKEN,
    "nads/vlan-10.yaml": nad_yaml("vlan-10", vlan=10),
    "nads/vlan-20.yaml": nad_yaml("vlan-20", vlan=20),
    "vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-10")]),
    "vms/web.yaml": vm_yaml("web", [POD, Net("br", nad="vlan-20")]),
    "vms/api.yaml": vm_yaml("api", [POD, Net("br", nad="other-00")]),
}


@dataclass(frozen=True)
class Case:
    id: str
    head: dict[str, str | None]
    base_parsed: set[str]
    head_parsed: set[str]
    codes: list[str]
    before: dict[str, str | None] | None = None
    """A commit between the base fixture and the checked change's base."""


SWAP = {"vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-20")])}
SWAP_FILES = {"vms/db-1.yaml", "nads/vlan-10.yaml", "nads/vlan-20.yaml"}
CASES = [
    Case("swap-reads-the-two-nads-only", SWAP, SWAP_FILES, SWAP_FILES, []),
    Case(
        "stray-copy-of-a-touched-vm-is-found-by-name",
        SWAP,
        {*SWAP_FILES, "vms/zz/db-1.yaml"},
        {*SWAP_FILES, "vms/zz/db-1.yaml"},
        ["GN113"],
        before={"vms/zz/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-10")])},
    ),
    Case(
        "removed-nad-reads-its-referencing-vms",
        {"nads/vlan-20.yaml": None},
        {"nads/vlan-20.yaml"},
        {"vms/web.yaml"},
        ["GN109"],
    ),
    Case(
        "nad-changed-in-place-reads-that-file",
        {"nads/vlan-20.yaml": nad_yaml("vlan-20", vlan=21)},
        {"nads/vlan-20.yaml"},
        {"nads/vlan-20.yaml"},
        [],
    ),
    Case(
        "missing-target-is-looked-up-by-name",
        {"vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-30")])},
        {"vms/db-1.yaml", "nads/vlan-10.yaml"},
        {"vms/db-1.yaml", "nads/vlan-10.yaml"},
        ["GN106"],
    ),
]


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "repo")
    r.commit(BASE, "base")
    return r


def _request(root: Path) -> CheckRequest:
    return CheckRequest(
        repo=root,
        config_file=None,
        base="HEAD~1",
        head="HEAD",
        staged=False,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(offline=True),
    )


def _sides(root: Path) -> tuple[Side, Side]:
    """Both sides of HEAD~1..HEAD after `parse_change`, as `check` builds them."""
    git = GitRepo(root)
    base_sha, head_sha = git.resolve("HEAD~1"), git.resolve("HEAD")
    base = Side(git.reader(base_sha), ScanSettings(workers=1))
    head = Side(git.reader(head_sha), ScanSettings(workers=1))
    parse_change(base, head, git.diff(base_sha, head_sha), base_sha)
    return base, head


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_parses_the_change_and_the_nads_it_names(repo: TempRepo, case: Case) -> None:
    if case.before is not None:
        repo.commit(case.before, "before")
    repo.commit(case.head, case.id)
    result, _ = check(_request(repo.root))
    assert [f.code for f in result.findings] == case.codes
    base, head = _sides(repo.root)
    assert (base.parsed, head.parsed) == (case.base_parsed, case.head_parsed)


def test_gn106_counts_every_nad_only_when_a_target_is_missing(repo: TempRepo) -> None:
    """The count in GN106's message is every NAD of the head (the broken file defines none, and its GN001 is not
    the change's: it names no VM or NAD the change touches)."""
    repo.commit({"vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-30")])}, "move to a missing NAD")
    result, _ = check(_request(repo.root))
    assert [(f.code, f.message) for f in result.findings] == [
        (
            "GN106",
            "prod/db-1 network br moves to prod/vlan-30, which is not among the 42 NADs of this repo; gitnad "
            "cannot prove it exists offline",
        )
    ]
    _, head = _sides(repo.root)
    nads = NadIndex(head)
    assert len(nads) == 42
    assert head.parsed == {"vms/db-1.yaml", "nads/broken.yaml", "nads/vlan-10.yaml", "nads/vlan-20.yaml", *OTHER_NADS}


def test_a_nad_the_change_does_not_name_is_looked_up_by_name_when_asked(repo: TempRepo) -> None:
    repo.commit(SWAP, "move")
    _, head = _sides(repo.root)
    nads = NadIndex(head)
    assert "prod/other-07" in nads
    assert nads["prod/other-07"].file == "nads/other-07.yaml"
    assert "prod/absent" not in nads
    assert head.parsed == {*SWAP_FILES, "nads/other-07.yaml"}


MAY_DEFINE = [
    ("reference", b"      multus:\n        networkName: vlan-10\n", False),
    ("reference-with-namespace", b"        networkName: prod/vlan-10\n", False),
    ("reference-list-item", b"      - networkName: vlan-10\n", False),
    ("reference-json-lines", b'  "multus": {\n    "networkName": "vlan-10"\n  }\n', False),
    ("reference-quoted", b"        networkName: 'vlan-10'\n", False),
    ("longer-name-referenced", b"        networkName: vlan-100\n", False),
    ("definition", b"metadata:\n  name: vlan-10\n", True),
    ("definition-after-a-reference", b"        networkName: vlan-10\n---\nmetadata:\n  name: vlan-10\n", True),
    ("flow-mapping", b"      multus: {networkName: vlan-10}\n", True),
    ("json-one-line", b'{"metadata": {"name": "vlan-10"}}', True),
    ("anchor", b"        networkName: &n vlan-10\nmetadata: {name: *n}\n", True),
    ("name-on-its-own-line", b"metadata:\n  name:\n    vlan-10\n", True),
    ("longer-name-defined", b"metadata:\n  name: vlan-100\n", True),
    ("unreadable", None, True),
    ("absent", b"metadata:\n  name: vlan-20\n", False),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in MAY_DEFINE], ids=[c[0] for c in MAY_DEFINE])
def test_a_file_may_define_a_nad_unless_it_only_references_the_name(text: bytes | None, expected: bool) -> None:
    """Which NAD-bearing files are parsed for a wanted NAD name: never one that may define it is skipped."""
    assert may_define(text, ["vlan-10"]) is expected


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cold-cache"])
def test_a_blob_both_refs_hold_is_parsed_once(repo: TempRepo, cache: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The NAD files the change names are untouched: both refs read them, the parser sees each once (the
    second side decodes it from the run's memory, with or without the on-disk cache). The touched VM file is
    two blobs, one per ref: parsed twice. The verdict is unchanged."""
    repo.commit(SWAP, "move")
    parsed: list[str] = []
    real = scanner._scan_all

    def counting(blobs: dict[str, object], *args: object, **kwargs: object) -> object:
        parsed.extend(blobs)
        return real(blobs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "_scan_all", counting)
    result, _ = check(dataclasses.replace(_request(repo.root), cache=cache))
    assert [f.code for f in result.findings] == []
    assert sorted(parsed) == ["nads/vlan-10.yaml", "nads/vlan-20.yaml", "vms/db-1.yaml", "vms/db-1.yaml"]
