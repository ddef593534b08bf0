"""The hostile suite's session: shared big inputs (generated once, in tmp, never committed) and the figures table.

At the end of the session every run of the real CLI (case, command, exit codes, max wall time, max RSS, bound)
is printed in the terminal summary and written to `hostile-figures.tsv` in the session's tmp directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.hostile.harness import FIGURES, table

_TABLE: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def figures_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Writes the figures of the session's runs when it ends."""
    yield
    if FIGURES:
        path = tmp_path_factory.getbasetemp() / "hostile-figures.tsv"
        path.write_text(table(FIGURES), encoding="utf-8")
        _TABLE.append(path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("hostile input: figures per case and command")
    terminalreporter.write(table(FIGURES).expandtabs(4))
    worst_wall = max(FIGURES, key=lambda r: r.wall_s)
    worst_rss = max(FIGURES, key=lambda r: r.rss_mib)
    terminalreporter.write_line(
        f"{len(FIGURES)} runs; max wall {worst_wall.wall_s:.2f} s ({worst_wall.case}, {worst_wall.command}); "
        f"max RSS {worst_rss.rss_mib:.0f} MiB ({worst_rss.case}, {worst_rss.command})"
    )
    for path in _TABLE:
        terminalreporter.write_line(f"table written to {path}")


@pytest.fixture(scope="session")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> corpus.BigFiles:
    """The 100 MB manifests and the 100k-object snapshots, generated once for every test that needs them."""
    return corpus.big_files(tmp_path_factory.mktemp("big"))
