"""Runs the real `gitnad` command line as a subprocess on hostile input, bounded and measured.

Each run's wall time and peak RSS come from `os.wait4` on that very child, taken by a small intermediate
process (`measure.py`, see there why), so the figures are the run's own (git children it waited for
included), not the test session's. A run past its hard limit is killed, so a hang fails the test instead of
blocking the session. Every run is recorded in `FIGURES`, which
the session prints and writes out as a table (`tests/hostile/conftest.py`).

`assert_bounded` is the contract every hostile case is held to: no traceback, no internal error, within the
bounds, an exit code from the expected set, and never exit 0 when a file could not be read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

CLI = (sys.executable, "-m", "gitnad.cli")
MEASURE = Path(__file__).with_name("measure.py")
MEASURE_PY = (sys.executable, "-I", "-S")
"""The interpreter for `measure.py` (standard library only): isolated and without `site`, whose .pth files (the
editable install's finder) cost ~20 ms of each of the hostile suite's ~200 runs."""
HARD_LIMIT_FACTOR = 3.0
"""A run still going after this many times its wall-clock bound is killed (and fails it)."""


@dataclass(frozen=True)
class Bounds:
    """What one run may cost: wall-clock seconds and peak resident memory (MiB)."""

    wall_s: float = 10.0
    rss_mib: float = 500.0


DEFAULT = Bounds()


@dataclass(frozen=True)
class Run:
    """One finished run of the CLI and what it cost."""

    case: str
    command: str
    exit: int
    wall_s: float
    rss_mib: float
    stdout: str
    stderr: str
    bounds: Bounds
    killed: bool = False


FIGURES: list[Run] = []
"""Every run of the session, in order (the summary table groups them by case and command). Under pytest-xdist
each worker holds its own runs and hands them to the controller when it ends (see `tests/conftest.py`)."""


def to_record(run: Run) -> dict[str, object]:
    """`run` as plain data (what pytest-xdist can carry from a worker to the controller), without its output, which
    the table does not show: execnet's serializer took ~13 s over the hostile runs' reports (1 MiB names included)
    at the end of a `.ci/run` worker, holding back its last test's report while the other process sat idle."""
    record = asdict(replace(run, stdout="", stderr=""))
    record["bounds"] = [run.bounds.wall_s, run.bounds.rss_mib]
    return record


def from_record(record: dict[str, object]) -> Run:
    """The inverse of `to_record`."""
    wall_s, rss_mib = record["bounds"]  # type: ignore[misc]
    return Run(**{**record, "bounds": Bounds(wall_s, rss_mib)})  # type: ignore[arg-type]


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    """The caller's environment without what would change a run's meaning (CI summary files, pre-commit refs)."""
    drop = ("GITHUB_STEP_SUMMARY", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "KUBECONFIG", "NO_COLOR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"KUBECONFIG": os.devnull, "PYTHONUTF8": "1"})
    env.update(extra or {})
    return env


def gitnad(
    case: str,
    args: Sequence[str],
    *,
    cwd: Path,
    bounds: Bounds = DEFAULT,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run `gitnad ARGS` in `cwd` through `measure.py` and record what it cost."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.json"
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out.open("wb") as o, err.open("wb") as e:
            subprocess.run(
                [*MEASURE_PY, str(MEASURE), str(figures), str(bounds.wall_s * HARD_LIMIT_FACTOR), "--", *CLI, *args],
                cwd=cwd,
                stdout=o,
                stderr=e,
                stdin=subprocess.DEVNULL,
                env=_env(env),
                check=True,
            )
        measured = json.loads(figures.read_text(encoding="utf-8"))
        run = Run(
            case=case,
            command=_command(args),
            exit=measured["exit"],
            wall_s=measured["wall_s"],
            rss_mib=measured["rss_kib"] / 1024,
            stdout=out.read_bytes().decode("utf-8", "replace"),
            stderr=err.read_bytes().decode("utf-8", "replace"),
            bounds=bounds,
            killed=measured["killed"],
        )
    FIGURES.append(run)
    return run


def _command(args: Sequence[str]) -> str:
    """`scan`, `check --offline`, `check --snapshot`, `drift --snapshot`, `policy validate`."""
    words = [a for a in args if not a.startswith("-")][:2] if args and args[0] == "policy" else [args[0]]
    modes = [a for a in args if a in ("--offline", "--snapshot", "--policy", "--config", "--staged", "--ref")]
    return " ".join([*words, *modes])


def assert_bounded(run: Run, exits: Collection[int], unreadable: bool = True) -> None:
    """The contract of every hostile run (see the module docstring). `unreadable`: something in the input cannot
    be read, so exit 0 would be a green result built on a gap."""
    shown = f"{run.case} [{run.command}] exit {run.exit}\nstderr: {run.stderr[-2000:]}"
    assert not run.killed, f"killed after {run.wall_s:.0f} s: {shown}"
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, shown
    assert "internal error" not in run.stderr, shown
    assert run.exit in exits, shown
    if unreadable:
        assert run.exit != 0, shown
    assert run.wall_s <= run.bounds.wall_s, f"{run.wall_s:.1f} s > {run.bounds.wall_s} s: {shown}"
    assert run.rss_mib <= run.bounds.rss_mib, f"{run.rss_mib:.0f} MiB > {run.bounds.rss_mib} MiB: {shown}"
    if run.exit in (2, 3) and not run.stdout:  # no report: the error says why, naming what it could not use
        assert run.stderr.startswith("gitnad: error: "), shown


def table(runs: Sequence[Run]) -> str:
    """case | command | exits | max wall | max RSS, one row per (case, command), in the order first run."""
    rows: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        rows.setdefault((r.case, r.command), []).append(r)
    head = ["case", "command", "exit", "max wall s", "max RSS MiB", "bound"]
    lines = ["\t".join(head)]
    for (case, command), rs in rows.items():
        exits = ",".join(str(e) for e in sorted({r.exit for r in rs}))
        b = rs[0].bounds
        lines.append(
            "\t".join(
                [
                    case,
                    command,
                    exits,
                    f"{max(r.wall_s for r in rs):.2f}",
                    f"{max(r.rss_mib for r in rs):.0f}",
                    f"{b.wall_s:g} s / {b.rss_mib:g} MiB",
                ]
            )
        )
    return "\n".join(lines) + "\n"
