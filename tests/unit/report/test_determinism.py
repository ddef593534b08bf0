"""The same input gives the same bytes whatever the hash seed: the golden files are produced again by a
fresh interpreter with hash randomisation off (PYTHONHASHSEED=0), while the suite itself runs under a
random seed, so every run compares two seeds against the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("seed", ["0"])
def test_golden_files_hold_under_another_hash_seed(seed: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("GITNAD_UPDATE_GOLDEN", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # Its own base temp dir: a numbered one would make it delete the oldest of the earlier sessions'
            # (keep 3), tens of thousands of files after a full run of this suite: 20-30 s of a worker.
            "--basetemp",
            str(tmp_path / "inner"),
            "-k",
            "check or drift or reconcile",
            "tests/unit/report/test_golden.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
