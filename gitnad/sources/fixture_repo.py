"""Build a real git repository from a fixture history (the demo and tests use it).

A history is a directory of commit directories, applied in name order. Each holds `message.txt`,
a `tree/` of files to write (added or replaced) and optionally `deleted.txt` (paths to remove, one a
line). Uses the git CLI directly: a handful of commits, no object reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from gitnad.errors import GitError

_ENV = {
    "GIT_AUTHOR_NAME": "gitnad demo",
    "GIT_AUTHOR_EMAIL": "demo@gitnad.dev",
    "GIT_COMMITTER_NAME": "gitnad demo",
    "GIT_COMMITTER_EMAIL": "demo@gitnad.dev",
    "GIT_AUTHOR_DATE": "2026-11-02T09:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-02T09:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(dest: Path, *args: str) -> str:
    env = {**os.environ, **_ENV, "HOME": str(dest)}
    try:
        proc = subprocess.run(["git", *args], cwd=dest, env=env, capture_output=True, text=True, check=True)
    except FileNotFoundError as e:
        raise GitError("git is not installed (needed to build the demo repository)") from e
    except subprocess.CalledProcessError as e:
        raise GitError(f"git {' '.join(args)} failed: {e.stderr.strip()}") from e
    return proc.stdout.strip()


def build(history: Path, dest: Path) -> list[str]:
    """Create `dest` as a git repo with one commit per history step; returns the commit shas in order."""
    steps = sorted(p for p in history.iterdir() if p.is_dir())
    if not steps:
        raise GitError(f"{history}: no commit directories")
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    shas = []
    for step in steps:
        tree = step / "tree"
        if tree.is_dir():
            # copy, not copy2: fixture files share mtimes and sizes, and git add would take them as unchanged
            shutil.copytree(tree, dest, dirs_exist_ok=True, copy_function=shutil.copy)
        deleted = step / "deleted.txt"
        if deleted.is_file():
            for rel in deleted.read_text().split():
                (dest / rel).unlink(missing_ok=True)
        (dest / ".git" / "index").unlink(missing_ok=True)  # rebuild from content, never from stat data
        _git(dest, "add", "-A")
        message = (step / "message.txt").read_text() if (step / "message.txt").is_file() else step.name
        _git(dest, "commit", "-q", "--allow-empty", "-m", message)
        shas.append(_git(dest, "rev-parse", "HEAD"))
    return shas
