"""Every rule's good and bad examples: a real two-commit git repo, `check --offline`, exact codes and lines.

Each case directory holds `base/` and `head/` (whole trees of the two commits) and `expected.yaml`: the
complete list of findings (code, file, line) the check must report, nothing more. Cases of cluster rules
also hold `snapshot.yaml` (the cluster facts, a v1 List) and run against it instead of offline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from git import Repo

from gitnad.app.check import CheckRequest, check
from gitnad.config import ClusterSettings

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.glob("gn*/*") if (p / "expected.yaml").is_file())


def two_commit_repo(tmp: Path, base: Path, head: Path) -> tuple[Path, str, str]:
    repo = Repo.init(tmp, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "t")
        cw.set_value("user", "email", "t@example.com")
    shas = []
    for tree in (base, head):
        for item in tmp.iterdir():
            if item.name != ".git":
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        shutil.copytree(tree, tmp, dirs_exist_ok=True, copy_function=shutil.copy)  # fresh mtimes
        repo.git.add("-A")
        repo.index.commit(tree.name)
        shas.append(repo.head.commit.hexsha)
    return tmp, shas[0], shas[1]


def cluster_settings(case: Path) -> ClusterSettings:
    """Offline, unless the case holds the cluster facts (`snapshot.yaml`) its cluster rules judge."""
    snapshot = case / "snapshot.yaml"
    return ClusterSettings(snapshot=snapshot) if snapshot.is_file() else ClusterSettings(offline=True)


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_rule_example(case: Path, tmp_path: Path) -> None:
    repo, base, head = two_commit_repo(tmp_path / "repo", case / "base", case / "head")
    req = CheckRequest(
        repo=repo,
        config_file=None,
        base=base,
        head=head,
        staged=False,
        fail_on=None,
        policies=(),
        cluster=cluster_settings(case),
    )
    result, _ = check(req)
    got = sorted((f.code, f.file, f.line) for f in result.findings)
    expected = sorted((e["code"], e["file"], e["line"]) for e in yaml.safe_load((case / "expected.yaml").read_text()))
    assert got == expected, "\n".join(f"{f.code} {f.file}:{f.line} {f.message}" for f in result.findings)


def test_every_repo_rule_has_good_and_bad_examples() -> None:
    from gitnad.models.findings import Scope
    from gitnad.rules import ALL_RULES, meta

    names = {p.parent.name for p in CASES}
    for rule in ALL_RULES:
        m = meta(rule)
        if m.scope is Scope.CLUSTER:
            continue
        d = f"{m.code.lower()}-{m.name}"
        assert d in names, f"no examples for {m.code}"
        assert {p.name for p in CASES if p.parent.name == d} == {"good", "bad"}
