"""Session-wide test settings: the hypothesis profiles of the property-based fuzz suite (tests/fuzz), and the
figures table of the hostile suite (tests/hostile), gathered from every pytest-xdist worker.

`ci` (the default) is deterministic and bounded so `.ci/run` stays fast and gives the same verdict every run:
derandomized examples, a fixed budget per property, a per-example deadline, no example database written into
the work tree. `long` is for deeper local runs: `pytest tests/fuzz --hypothesis-profile long` (random, ten
times the examples). Registered here, the root conftest, because hypothesis loads `--hypothesis-profile`
before conftests below the root are read.

The hostile figures: every run of the real CLI in tests/hostile is measured (`tests/hostile/harness.py`); at the
end of the session the table (case, command, exits, max wall time, max RSS, bound) is printed in the terminal
summary and written to `hostile-figures.tsv` in pytest's base tmp directory. Under pytest-xdist (`-n 2`, as
`.ci/run` runs) each worker sends its runs to the controller when it ends; the hooks live here because the
controller reads no conftest below the root.
"""

from __future__ import annotations

import compileall
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.envtest import STOP_WHEN_DONE
from tests.hostile.harness import FIGURES, from_record, table, to_record

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=150,
    deadline=timedelta(seconds=5),
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=1500,
    deadline=timedelta(seconds=20),
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile gitnad once, in the controller (or the only process), before any test runs.

    Hundreds of tests start the real `gitnad` (the hostile corpus, the snapshot files, the CLI, kustomize and
    cluster tests): each would otherwise compile every module it imports from source when no `__pycache__` is
    there (a fresh checkout; and PYTHONDONTWRITEBYTECODE, as CI machines set it, stops any process from
    keeping what it compiled), ~0.3 s of a ~0.45 s `gitnad scan`. `pip install` does the same for a user's
    installed gitnad (and bench/run does it too, before it measures)."""
    if getattr(config, "workerinput", None) is None:
        compileall.compile_dir(Path(__file__).resolve().parents[1] / "gitnad", quiet=1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this worker's hostile runs to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["hostile_figures"] = [to_record(r) for r in FIGURES]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: gather a finished worker's hostile runs."""
    FIGURES.extend(from_record(r) for r in node.workeroutput.get("hostile_figures", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not FIGURES or getattr(config, "workeroutput", None) is not None:
        return
    text = table(FIGURES)
    path = config._tmp_path_factory.getbasetemp() / "hostile-figures.tsv"  # the session's base tmp directory
    path.write_text(text, encoding="utf-8")
    terminalreporter.section("hostile input: figures per case and command")
    terminalreporter.write(text.expandtabs(4))
    worst_wall = max(FIGURES, key=lambda r: r.wall_s)
    worst_rss = max(FIGURES, key=lambda r: r.rss_mib)
    terminalreporter.write_line(
        f"{len(FIGURES)} runs; max wall {worst_wall.wall_s:.2f} s ({worst_wall.case}, {worst_wall.command}); "
        f"max RSS {worst_rss.rss_mib:.0f} MiB ({worst_rss.case}, {worst_rss.command})"
    )
    terminalreporter.write_line(f"table written to {path}")


E2E_FIRST = "gitnad_e2e_first"
"""workerinput flag: this session's scheduler hands out every e2e test before any other (tests/xdist_groups.py)."""


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the xdist controller, for `--dist loadgroup`: tell each worker that the e2e tests come first."""
    if node.config.getvalue("dist") == "loadgroup":
        node.workerinput[E2E_FIRST] = True


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In a worker whose e2e tests come first: the first other test means this process has run its last e2e test
    (the e2e modules' fixtures were finalised in its teardown), so its API server is stopped now, not at the end of
    the session (tests/envtest.py: STOP_WHEN_DONE)."""
    workerinput = getattr(item.config, "workerinput", None)
    if workerinput and workerinput.get(E2E_FIRST) and STOP_WHEN_DONE and not item.nodeid.startswith("tests/e2e/"):
        while STOP_WHEN_DONE:
            STOP_WHEN_DONE.pop().stop()


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """On the xdist controller, for `--dist loadgroup` (as `.ci/run` runs): group by path (tests/xdist_groups.py).
    `tryfirst`: pytest-xdist's own implementation answers every mode, and the first answer is taken."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.xdist_groups import PathGroupScheduling

    return PathGroupScheduling(config, log)
