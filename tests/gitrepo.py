"""A real temporary git repository for tests (GitPython; nothing mocked)."""

from __future__ import annotations

from pathlib import Path

from git import Repo


class TempRepo:
    """Write files, commit, stage, rename: each step is a real git operation."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as cw:
            cw.set_value("user", "name", "gitnad tests")
            cw.set_value("user", "email", "tests@gitnad.dev")

    def write(self, files: dict[str, str | bytes | None]) -> None:
        for rel, content in files.items():
            path = self.root / rel
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())

    def stage(self, files: dict[str, str | bytes | None]) -> None:
        self.write(files)
        self.repo.git.add("-A")

    def commit(self, files: dict[str, str | bytes | None], message: str = "change") -> str:
        self.stage(files)
        self.repo.git.commit("-q", "--allow-empty", "-m", message)
        return self.repo.head.commit.hexsha

    def move(self, old: str, new: str, message: str = "rename") -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(old, new)
        self.repo.git.commit("-q", "-m", message)
        return self.repo.head.commit.hexsha
