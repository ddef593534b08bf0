"""The `drift --wait` display (gitnad.report.progress) fed by the wait loop: a rich live table on a terminal,
plain lines in logs."""

from __future__ import annotations

import io

from drift_builders import cond, declared_vm, world  # type: ignore[import-not-found]

from gitnad.app.drift import WAIT_HEARTBEAT_S
from gitnad.drift.classify import classify
from gitnad.drift.wait import Feed, Progress, WaitOutcome, wait_until_settled
from gitnad.models.cluster import ClusterFacts
from gitnad.models.results import DriftState as S
from gitnad.report.progress import PlainProgress, display


class Steps:
    """A feed that delivers the next fact set on every wait, at once."""

    def __init__(self, *facts: ClusterFacts) -> None:
        self.queue = list(facts)
        self.current = self.queue.pop(0)

    def facts(self) -> ClusterFacts:
        return self.current

    def wait(self, timeout_s: float) -> bool:
        if not self.queue:
            return False
        self.current = self.queue.pop(0)
        return True

    def broken(self) -> str | None:
        return None


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


DECLARED = (declared_vm(),)
PENDING = world(pod_status_nad="prod/nad-a", vmi_conditions=[cond("MigrationRequired", "True")]).facts()


def wait_shown(feed: Feed, stream: io.StringIO, color: bool) -> WaitOutcome:
    """What `gitnad drift --wait` does with a 30 s timeout, its display writing to `stream`."""
    with display(stream, 30.0, color) as on_update:
        return wait_until_settled(DECLARED, feed, 30.0, on_update, heartbeat_s=WAIT_HEARTBEAT_S)


def test_plain_lines_on_change_only() -> None:
    out = io.StringIO()
    outcome = wait_shown(Steps(PENDING, PENDING, world().facts()), out, False)
    assert outcome.items[0].state is S.IN_SYNC
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "NOT CONVERGED: 0 of 1 network(s) converged (1 MigrationPending)",
        "CONVERGED: 1 of 1 network(s) converged (1 InSync)",
    ]


def test_plain_heartbeat() -> None:
    out = io.StringIO()
    printer = PlainProgress(out, every_s=30)
    items = classify([declared_vm()], PENDING)
    for t in (0.0, 10.0, 31.0):
        printer(Progress(t, items, False, 1))
    assert [line.split("]", 1)[0] for line in out.getvalue().splitlines()] == ["[   0.0s", "[  31.0s"]


def test_live_table_on_a_terminal() -> None:
    tty = Tty()
    outcome = wait_shown(Steps(PENDING, world().facts()), tty, True)
    assert outcome.items[0].state is S.IN_SYNC
    screen = tty.getvalue()
    assert "prod/vm1" in screen and "secondary-network" in screen
    assert "\x1b[32mInSync" in screen  # coloured, as asked
    assert "waiting 0s of 30s (watching VMIs, migrations, pods)" in screen
