"""The hostile suite's shared big inputs (generated once per test process, in tmp, never committed).

The figures table of every run of the real CLI is printed and written out by the root conftest
(`tests/conftest.py`), which also gathers it from pytest-xdist workers.
"""

from __future__ import annotations

import pytest

from tests.hostile import corpus


@pytest.fixture(scope="session")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> corpus.BigFiles:
    """The 100 MB manifests and the 100k-object snapshots, generated once for every test that needs them."""
    return corpus.big_files(tmp_path_factory.mktemp("big"))
