"""The GitOps repository the kustomize tests render: tests/data/kustomize/gitops (a base with a VM, a
VirtualMachinePool and a NAD; overlays/staging with a JSON6902 patch file, namespace and namePrefix;
overlays/prod with an inline patch, a strategic-merge patch file and a Component patching the pool).
"""

from __future__ import annotations

from pathlib import Path

from tests.gitrepo import TempRepo

GITOPS = Path(__file__).resolve().parents[2] / "data" / "kustomize" / "gitops"


def gitops_files() -> dict[str, str]:
    """Every file of the fixture tree, by repo-relative path."""
    return {p.relative_to(GITOPS).as_posix(): p.read_text() for p in sorted(GITOPS.rglob("*")) if p.is_file()}


def gitops_repo(root: Path) -> tuple[TempRepo, str]:
    """A real repository holding the fixture tree in one commit; (repo, sha)."""
    repo = TempRepo(root)
    return repo, repo.commit(gitops_files(), "gitops")


def replace(text: str, old: str, new: str) -> str:
    """`text` with `old` (which must occur exactly once) replaced."""
    assert text.count(old) == 1, (old, text)
    return text.replace(old, new)
