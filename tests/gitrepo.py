"""`TempRepo`: an object-style handle over `tests.gitutil` for tests that keep one repository in a fixture."""

from __future__ import annotations

from pathlib import Path

from tests.gitutil import Content, commit, make_repo, stage, write


class TempRepo:
    """A real git repository at `root`; every method is one real git operation through tests.gitutil."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = make_repo(root)

    def write(self, files: dict[str, Content]) -> None:
        write(self.repo, files)

    def stage(self, files: dict[str, Content]) -> None:
        stage(self.repo, files)

    def commit(self, files: dict[str, Content], message: str = "change") -> str:
        return commit(self.repo, files, message)

    def move(self, old: str, new: str, message: str = "rename") -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(old, new)
        return commit(self.repo, {}, message)
