"""The documentation users read stays inside the repository: no pointer to the product documents it was
built from (they do not ship), and every relative Markdown link resolves to a file of the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("../shared", "SPEC.md", "SPEC §", "STYLE.md", "product docs", "kubevirt-nadref")


def user_docs() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md", "*.yml", "*.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Test data and fixtures are not documentation; everything else a user opens is.
    return [ROOT / p for p in listed if not p.startswith(("tests/", "fixtures/")) and (ROOT / p).is_file()]


@pytest.mark.parametrize("doc", user_docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pointer_outside_the_repository(doc: Path) -> None:
    text = doc.read_text()
    assert [s for s in OUTSIDE if s in text] == []
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", text):
        if not re.match(r"^[a-z]+:", target):  # a URL is not ours to check offline
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to {target}, which does not exist"


def test_the_docs_are_found() -> None:
    names = {str(p.relative_to(ROOT)) for p in user_docs()}
    assert {"README.md", "deploy/README.md", "policies/README.md", "bench/README.md", "action.yml"} <= names
