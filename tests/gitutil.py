"""Real temporary git repositories for tests (GitPython + the git CLI; nothing is mocked).

    repo = make_repo(tmp_path)                                  # empty repo on branch main
    sha = commit(repo, {"vms/a.yaml": VM_A, "old.yaml": None})  # write / delete, then commit -> sha
    stage(repo, {"vms/a.yaml": VM_B})                           # write and `git add` without committing
    write(repo, {"notes.yaml": "x: 1"})                         # only write to the working tree
    commit(repo, {"link.yaml": Symlink("../outside.yaml")})     # a symlink (mode 120000)

Values: `str` (UTF-8 text), `bytes` (written as is), `Symlink(target)`, or `None` (delete the file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from git import Repo

__all__ = ["Content", "Symlink", "commit", "make_repo", "stage", "write"]


@dataclass(frozen=True)
class Symlink:
    """A symbolic link to `target` (relative or absolute, as written)."""

    target: str


Content = str | bytes | Symlink | None


def make_repo(path: Path, branch: str = "main") -> Repo:
    """`git init` at `path` with an identity and settings that make tests independent of the user's config."""
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo.init(path, initial_branch=branch)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "gitnad tests")
        cfg.set_value("user", "email", "tests@gitnad.invalid")
        cfg.set_value("commit", "gpgsign", "false")
        cfg.set_value("core", "autocrlf", "false")
        cfg.set_value("core", "symlinks", "true")
        cfg.set_value("core", "hooksPath", os.devnull)
    return repo


def write(repo: Repo, files: dict[str, Content]) -> None:
    """Apply `files` to the working tree only (parents created; `None` deletes)."""
    root = Path(str(repo.working_tree_dir))
    for rel, content in files.items():
        full = root / rel
        if full.is_symlink() or full.exists():
            full.unlink()
        if content is None:
            continue
        full.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            os.symlink(content.target, full)
        elif isinstance(content, bytes):
            full.write_bytes(content)
        else:
            full.write_text(content, encoding="utf-8")


def stage(repo: Repo, files: dict[str, Content]) -> None:
    """Write `files` and stage exactly those paths (deletions included)."""
    write(repo, files)
    if files:
        repo.git.add("--all", "--", *files)


def commit(repo: Repo, files: dict[str, Content], message: str = "change") -> str:
    """Write and stage `files`, commit (empty commits allowed), and return the new commit's full sha."""
    stage(repo, files)
    repo.git.commit("--allow-empty", "--no-verify", "-q", "-m", message)
    return str(repo.head.commit.hexsha)
