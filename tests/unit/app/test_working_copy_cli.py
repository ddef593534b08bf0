"""`scan`, `check` and `drift` agree on where they run: outside a git working copy or in a bare repository is a
usage error (exit 2) saying to run from a clone or pass --repo; `scan PATH` of a plain directory still reads
it; a repository git refuses to read is a git failure (exit 3) for every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from git import Repo

from gitnad.cli import main
from tests.gitutil import commit, make_repo

VM = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db-1, namespace: prod}\nspec: {}\n"
HINT = "run gitnad from a clone of the repository, or pass --repo PATH"
SNAPSHOT = "apiVersion: v1\nkind: List\nitems: []\n"


def place(tmp_path: Path, case: str) -> Path:
    if case == "bare":
        return Path(str(Repo.init(tmp_path / "fleet.git", bare=True).git_dir))
    if case == "broken-git-config":
        commit(make_repo(tmp_path / "fleet"), {"vms/db-1.yaml": VM})
        (tmp_path / "fleet" / ".git" / "config").write_text("[core\nbroken")
        return tmp_path / "fleet"
    (tmp_path / "fleet" / "vms").mkdir(parents=True)
    (tmp_path / "fleet" / "vms" / "db-1.yaml").write_text(VM)
    return tmp_path / "fleet"


def argv(command: str, where: Path, snapshot: Path) -> list[str]:
    return {
        "scan": ["scan", str(where)],
        "scan-repo": ["scan", "--repo", str(where)],
        "check": ["check", "--repo", str(where), "--offline"],
        "drift": ["drift", "--repo", str(where), "--snapshot", str(snapshot)],
        "reconcile": ["reconcile", "--repo", str(where), "--snapshot", str(snapshot)],
    }[command]


CASES = [
    ("plain", "scan", 0, None),
    ("plain", "scan-repo", 0, None),
    ("plain", "check", 2, "{path} is not inside a git working copy; " + HINT),
    ("plain", "drift", 2, "{path} is not inside a git working copy; " + HINT),
    ("plain", "reconcile", 2, "{path} is not inside a git working copy; " + HINT),
    *[
        ("bare", cmd, 2, "{path} is a bare git repository (no working tree); " + HINT)
        for cmd in ("scan", "scan-repo", "check", "drift", "reconcile")
    ],
    *[
        ("broken-git-config", cmd, 3, "git rev-parse failed in {path}: fatal: bad config line 1 in file .git/config")
        for cmd in ("scan", "check", "drift")
    ],
]


@pytest.mark.parametrize(("case", "command", "code", "message"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_every_command_agrees_on_where_it_runs(
    tmp_path: Path, case: str, command: str, code: int, message: str | None
) -> None:
    where = place(tmp_path, case)
    snapshot = tmp_path / "cluster.yaml"
    snapshot.write_text(SNAPSHOT)
    r = CliRunner().invoke(main, argv(command, where, snapshot), catch_exceptions=False)
    assert r.exit_code == code, r.output
    if message is None:
        assert "prod/db-1" in r.output  # the plain directory was scanned
    else:
        assert r.output == f"gitnad: error: {message.format(path=where)}\n"
