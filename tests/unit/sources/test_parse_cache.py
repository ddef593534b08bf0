"""The parse cache (issue 12): a second run reads parsed files back instead of parsing them, and gives the same
result byte for byte; a damaged entry or file is parsed again, never trusted; the key changes with everything a
file's scan depends on; concurrent runs share one file safely; a cache that cannot be written costs only speed.

Real repositories, the real SQLite file under `.git/gitnad/`, real processes for the concurrent runs.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitnad.app import check as app_check
from gitnad.app import drift as app_drift
from gitnad.app import reconcile as app_reconcile
from gitnad.app import scan as app_scan
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.report import Result, formats_for, render
from gitnad.sources import scanner
from gitnad.sources.fixture_repo import build
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.parsecache import FILE_NAME, ParseCache, RunMemory
from gitnad.sources.scanner import ScanSettings, blob_id, cache_key, scan
from gitnad.sources.yamlio import YamlLimits
from tests.gitrepo import TempRepo
from tests.unit.sources.kustomize_repo import gitops_files, replace
from tests.vmfactory import Net, nad_yaml, vm_yaml

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "fixtures" / "demo"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
POD = Net("default", kind="pod", binding="masquerade")
FILES = {
    "nads/vlan-10.yaml": nad_yaml("vlan-10", vlan=10),
    "vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-10")]),
    "vms/web.yaml": vm_yaml("web", [POD, Net("br", nad="vlan-10")]),
    "vms/broken.yaml": "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: [\n",
}


def cache_file(root: Path) -> Path:
    return root / ".git" / "gitnad" / FILE_NAME


def entries(root: Path) -> dict[bytes, tuple[bytes, bytes]]:
    with sqlite3.connect(cache_file(root)) as db:
        return {k: (d, p) for k, d, p in db.execute("SELECT key, digest, payload FROM entries")}


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "repo")
    r.commit(FILES, "fleet")
    return r


# --- same results, cached or not ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("demo") / "fleet-gitops"
    return repo, build(DEMO / "commits", repo)


def every_format(result: Result) -> str:
    """The result in every format its command offers (what the golden files hold, and JSON)."""
    return "\n".join(f"{fmt.value}:\n{render(result, fmt)}" for fmt in formats_for(type(result)))


def golden_runs(repo: Path, shas: list[str]) -> dict[str, Callable[[bool], str]]:
    """The golden cases' commands (tests/unit/report/test_golden.py), rendered in every format, with the cache on
    or off."""
    before = ClusterSettings(snapshot=DEMO / "snapshots" / "before-sync.yaml")
    after = ClusterSettings(snapshot=DEMO / "snapshots" / "after-sync.yaml")

    as_json = every_format

    def check(cache: bool) -> str:
        req = app_check.CheckRequest(repo, None, shas[-2], shas[-1], False, None, (), before, now=NOW, cache=cache)
        return as_json(app_check.run(req)[0])

    def drift(cache: bool) -> str:
        req = app_drift.DriftRequest(repo, None, shas[-1], shas[0], False, timedelta(1), after, cache=cache)
        return as_json(app_drift.run(req)[0])

    def reconcile(cache: bool) -> str:
        req = app_reconcile.ReconcileRequest(repo, None, shas[-1], None, False, True, None, after, cache=cache)
        return as_json(app_reconcile.run(req)[0])

    def scan_at(sha: str) -> Callable[[bool], str]:
        return lambda cache: as_json(app_scan.run(repo, sha, None, cache=cache)[0])

    runs = {f"scan-{i}": scan_at(sha) for i, sha in enumerate(shas)}
    runs["scan-worktree"] = lambda cache: as_json(app_scan.run(repo, None, None, cache=cache)[0])
    return {**runs, "check": check, "drift": drift, "reconcile": reconcile}


@pytest.mark.parametrize("command", ["scan-0", "scan-1", "scan-worktree", "check", "drift", "reconcile"])
def test_golden_cases_are_the_same_cached_and_uncached(demo: tuple[Path, list[str]], command: str) -> None:
    repo, shas = demo
    run = golden_runs(repo, shas)[command]
    cache_file(repo).unlink(missing_ok=True)
    uncached = run(False)
    assert not cache_file(repo).exists()
    cold = run(True)  # parses and writes
    stored = entries(repo)
    warm = run(True)  # reads back
    assert (cold, warm) == (uncached, uncached)
    assert stored and entries(repo).keys() == stored.keys()


@pytest.fixture(scope="module")
def overlaid(tmp_path_factory: pytest.TempPathFactory) -> tuple[TempRepo, str, str]:
    """The Kustomize GitOps fixture beside plain manifests, and a change to both: a staging overlay's patch and a
    plain VM (its inputs are never parsed as plain files, its resources are; the cache must not mix them up)."""
    r = TempRepo(tmp_path_factory.mktemp("overlaid") / "gitops")
    base = r.commit({**gitops_files(), **FILES}, "fleet with overlays")
    patch = "overlays/staging/nad-patch.yaml"
    head = r.commit(
        {
            patch: replace(gitops_files()[patch], "vlan-20", "vlan-21"),
            "vms/web.yaml": vm_yaml("web", [POD, Net("br", nad="vlan-11")]),
        },
        "swap",
    )
    return r, base, head


@pytest.mark.parametrize("command", ["scan-base", "scan-head", "scan-worktree", "check"])
def test_overlay_repositories_are_the_same_cached_and_uncached(
    overlaid: tuple[TempRepo, str, str], command: str
) -> None:
    r, base, head = overlaid
    offline = ClusterSettings(offline=True)
    runs: dict[str, Callable[[bool], str]] = {
        "scan-base": lambda cache: every_format(app_scan.run(r.root, base, None, cache=cache)[0]),
        "scan-head": lambda cache: every_format(app_scan.run(r.root, head, None, cache=cache)[0]),
        "scan-worktree": lambda cache: every_format(app_scan.run(r.root, None, None, cache=cache)[0]),
        "check": lambda cache: every_format(
            app_check.run(
                app_check.CheckRequest(r.root, None, base, head, False, None, (), offline, now=NOW, cache=cache)
            )[0]
        ),
    }
    cache_file(r.root).unlink(missing_ok=True)
    uncached = runs[command](False)
    assert '"source_root":"overlays/' in uncached  # overlays were rendered (else only plain files are compared)
    cold, warm = runs[command](True), runs[command](True)
    assert (cold, warm) == (uncached, uncached)
    assert entries(r.root)


def test_second_scan_parses_nothing(repo: TempRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    first = app_scan.scan_repo(repo.root, "HEAD", None)
    parsed: list[str] = []
    real = scanner.scan_file

    def counting(file: str, *args: object, **kwargs: object) -> scanner.FileScan:
        parsed.append(file)
        return real(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "scan_file", counting)
    again = app_scan.scan_repo(repo.root, "HEAD", None)
    assert (again, parsed) == (first, [])
    repo.commit({"vms/web.yaml": vm_yaml("web", [POD, Net("br", nad="vlan-20")])}, "move web")
    app_scan.scan_repo(repo.root, "HEAD", None)
    assert parsed == ["vms/web.yaml"]  # only the changed blob
    parsed.clear()
    repo.write({"vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-30")])})
    app_scan.scan_repo(repo.root, None, None)  # the working tree: unchanged files hit by the blob id of their bytes
    assert parsed == ["vms/db-1.yaml"]


# --- never trusted ---------------------------------------------------------------------------------------------


def _tamper(root: Path, change: Callable[[bytes, bytes], tuple[bytes, bytes]]) -> None:
    with sqlite3.connect(cache_file(root)) as db:
        for key, stored, payload in db.execute("SELECT key, digest, payload FROM entries").fetchall():
            new_digest, new_payload = change(stored, payload)
            db.execute("UPDATE entries SET digest = ?, payload = ? WHERE key = ?", (new_digest, new_payload, key))


def _sha256(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


DAMAGE: dict[str, Callable[[bytes, bytes], tuple[bytes, bytes]]] = {
    "payload-flipped": lambda d, p: (d, p.replace(b"db-1", b"db-X").replace(b"web", b"wex")),
    "digest-wrong": lambda d, p: (b"\0" * 32, p),
    "not-json": lambda d, p: (_sha256(b"{not json"), b"{not json"),
    "wrong-shape": lambda d, p: (_sha256(b'{"vms": [{"name": 1}]}'), b'{"vms": [{"name": 1}]}'),
    "truncated": lambda d, p: (_sha256(p[: len(p) // 2]), p[: len(p) // 2]),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_entry_is_parsed_again_and_replaced(repo: TempRepo, damage: str) -> None:
    expected = app_scan.scan_repo(repo.root, "HEAD", None, cache=False)
    app_scan.scan_repo(repo.root, "HEAD", None)
    good = entries(repo.root)
    _tamper(repo.root, DAMAGE[damage])
    assert app_scan.scan_repo(repo.root, "HEAD", None) == expected
    assert entries(repo.root) == good  # every entry written again from the parse


@pytest.mark.parametrize(
    "garbage",
    [b"", b"SQLite format 3\0" + b"\xff" * 5000, os.urandom(8192), b"not a database at all\n" * 100],
    ids=["empty", "header-then-junk", "random", "text"],
)
def test_a_damaged_cache_file_is_set_aside_and_rebuilt(repo: TempRepo, garbage: bytes) -> None:
    expected = app_scan.scan_repo(repo.root, "HEAD", None, cache=False)
    path = cache_file(repo.root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(garbage)
    assert app_scan.scan_repo(repo.root, "HEAD", None) == expected
    set_aside = path.with_name(FILE_NAME + ".corrupt")
    assert (set_aside.read_bytes() if set_aside.exists() else b"") == garbage  # an empty file is an empty database
    app_scan.scan_repo(repo.root, "HEAD", None)
    assert len(entries(repo.root)) == len(FILES)


def test_a_cache_that_cannot_be_written_costs_only_speed(repo: TempRepo) -> None:
    expected = app_scan.scan_repo(repo.root, "HEAD", None, cache=False)
    blocker = repo.root / ".git" / "gitnad"
    blocker.write_text("a file where the cache directory would be\n")
    assert app_scan.scan_repo(repo.root, "HEAD", None) == expected
    assert blocker.read_text() == "a file where the cache directory would be\n"


def test_another_layout_version_is_emptied_not_read(repo: TempRepo) -> None:
    app_scan.scan_repo(repo.root, "HEAD", None)
    with sqlite3.connect(cache_file(repo.root)) as db:
        db.execute("PRAGMA user_version = 99")
    ParseCache(cache_file(repo.root).parent).get_many([b"x" * 32])
    assert entries(repo.root) == {}


# --- the key -----------------------------------------------------------------------------------------------------

BASE_KEY = ("vms/a.yaml", "a" * 40, False, ScanSettings())
KEY_CHANGES = {
    "path": ("vms/b.yaml", "a" * 40, False, ScanSettings()),
    "blob": ("vms/a.yaml", "b" * 40, False, ScanSettings()),
    "expected": ("vms/a.yaml", "a" * 40, True, ScanSettings()),
    "default-namespace": ("vms/a.yaml", "a" * 40, False, ScanSettings(default_namespace="prod")),
    "max-file-bytes": ("vms/a.yaml", "a" * 40, False, ScanSettings(max_file_bytes=1024)),
    "max-depth": ("vms/a.yaml", "a" * 40, False, ScanSettings(limits=YamlLimits(max_depth=8))),
    "max-nodes": ("vms/a.yaml", "a" * 40, False, ScanSettings(limits=YamlLimits(max_nodes=10))),
}


@pytest.mark.parametrize("what", list(KEY_CHANGES), ids=list(KEY_CHANGES))
def test_everything_a_scan_depends_on_changes_the_key(what: str) -> None:
    assert cache_key(*KEY_CHANGES[what]) != cache_key(*BASE_KEY)


def test_paths_git_can_hold_give_distinct_keys() -> None:
    """Paths are keyed by their exact characters: non-UTF-8 names (read as lone surrogates), separators, digits
    that could pass for the flag or the blob id."""
    paths = ["vms/a.yaml", "vms/\udcff.yaml", "vms/\udcfe.yaml", "vms/\u00ff.yaml", "0", "1", "a" * 40, "vms/a b\n"]
    keys = {cache_key(p, "a" * 40, e, ScanSettings()) for p in paths for e in (False, True)}
    assert len(keys) == 2 * len(paths)


def test_worker_count_does_not_change_the_key() -> None:
    assert cache_key(*BASE_KEY[:3], ScanSettings(workers=1)) == cache_key(*BASE_KEY)


def test_a_parser_version_bump_reads_no_older_entry(repo: TempRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry written by the older parser is a valid payload with a valid digest: only the key keeps it out."""
    git = GitRepo(repo.root)
    reader = git.reader("HEAD")
    cache = ParseCache(git.git_dir / "gitnad")
    scan(reader, ScanSettings(workers=1), cache=cache)
    before = entries(repo.root)
    monkeypatch.setattr(scanner, "PARSER_VERSION", scanner.PARSER_VERSION + 1)
    ms = scan(git.reader("HEAD"), ScanSettings(workers=1), cache=cache)
    after = entries(repo.root)
    assert set(before) < set(after) and len(after) == 2 * len(before)
    assert ms == scan(git.reader("HEAD"), ScanSettings(workers=1))


def test_working_tree_keys_are_git_blob_ids(repo: TempRepo) -> None:
    out = subprocess.run(["git", "rev-parse", "HEAD:vms/db-1.yaml"], cwd=repo.root, capture_output=True, check=True)
    assert blob_id(FILES["vms/db-1.yaml"].encode()) == out.stdout.decode().strip()


# --- concurrent runs ---------------------------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from gitnad.app.scan import scan_repo
from gitnad.report import render
from gitnad.config import OutputFormat
print(render(scan_repo(Path(sys.argv[1]), sys.argv[2], None), OutputFormat.JSON), end="")
"""


def test_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "many")
    files = {f"vms/vm-{i:03d}.yaml": vm_yaml(f"vm-{i:03d}", [POD, Net("br", nad=f"vlan-{i % 7}")]) for i in range(300)}
    shas = [repo.commit(dict(list(files.items())[: 100 * (n + 1)]), f"step {n}") for n in range(3)]
    expected = {sha: render(app_scan.scan_repo(repo.root, sha, None, cache=False), OutputFormat.JSON) for sha in shas}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(repo.root), shas[i % 3]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        for i in range(6)
    ]
    outputs = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [(out, rc) for (out, _), rc in outputs] == [(expected[shas[i % 3]].encode(), 0) for i in range(6)]
    assert len(entries(repo.root)) == 300
    assert render(app_scan.scan_repo(repo.root, shas[2], None), OutputFormat.JSON) == expected[shas[2]]


def test_settings_are_a_frozen_dataclass() -> None:
    """The key hashes the settings' fields: a new field must be added to `cache_key` (this test names them)."""
    assert [f.name for f in dataclasses.fields(ScanSettings)] == [
        "default_namespace",
        "max_file_bytes",
        "limits",
        "workers",
    ]
    assert [f.name for f in dataclasses.fields(YamlLimits)] == ["max_depth", "max_nodes"]


def test_run_memory_holds_what_it_saw_and_passes_it_through(tmp_path: Path) -> None:
    """`RunMemory` in front of the on-disk cache: a put reaches the disk, a get reads what is not held from the
    disk and holds it; with no cache below (`--no-cache`) or one that cannot be used, it still holds this run's."""
    disk = ParseCache(tmp_path / "c")
    disk.put_many({b"k" * 32: b"on disk"})
    memory = RunMemory(disk)
    assert memory.get_many([b"k" * 32, b"x" * 32]) == {b"k" * 32: b"on disk"}
    memory.put_many({b"n" * 32: b"new"})
    memory.close()
    assert ParseCache(tmp_path / "c").get_many([b"n" * 32]) == {b"n" * 32: b"new"}
    (tmp_path / "c" / FILE_NAME).unlink()
    assert memory.get_many([b"k" * 32, b"n" * 32]) == {b"k" * 32: b"on disk", b"n" * 32: b"new"}
    alone = RunMemory(None)
    alone.put_many({b"a" * 32: b"this run"})
    assert alone.get_many([b"a" * 32, b"b" * 32]) == {b"a" * 32: b"this run"}
