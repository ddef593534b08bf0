"""The waiting loop of `drift --wait`, driven by a scripted feed and a fake clock (no sleeps)."""

from __future__ import annotations

from drift_builders import cond, declared_vm, gone, migration, world  # type: ignore[import-not-found]

from gitnad.drift.wait import Progress, settled, wait_until_settled
from gitnad.models.cluster import ClusterFacts, ResourceType
from gitnad.models.results import DriftState as S

REQUIRED = cond("MigrationRequired", "True")


class ScriptedFeed:
    """Each `wait` advances the fake clock; a scheduled fact set is delivered when its time has come."""

    def __init__(
        self, script: list[tuple[float, ClusterFacts]], clock: list[float], breaks_at: float | None = None
    ) -> None:
        self.script = script
        self.clock = clock
        self.current = script.pop(0)[1]
        self.breaks_at = breaks_at

    def facts(self) -> ClusterFacts:
        return self.current

    def wait(self, timeout_s: float) -> bool:
        if self.script and self.script[0][0] <= self.clock[0] + timeout_s:
            at, self.current = self.script.pop(0)
            self.clock[0] = max(self.clock[0], at)
            return True
        self.clock[0] += timeout_s
        return False

    def broken(self) -> str | None:
        if self.breaks_at is not None and self.clock[0] >= self.breaks_at:
            return "pods: watch pods in namespace prod: 403 Forbidden"
        return None


def _run(
    script: list[tuple[float, ClusterFacts]], timeout_s: float, breaks_at: float | None = None
) -> tuple[object, list[Progress]]:
    clock = [0.0]
    seen: list[Progress] = []
    feed = ScriptedFeed(script, clock, breaks_at)
    out = wait_until_settled([declared_vm()], feed, timeout_s, seen.append, heartbeat_s=10, clock=lambda: clock[0])
    return out, seen


def test_follows_events_until_converged() -> None:
    pending = world(pod_status_nad="prod/nad-a", vmi_conditions=[REQUIRED]).facts()
    migrating = world(pod_status_nad="prod/nad-a", vmi_conditions=[REQUIRED], migrations=[migration()]).facts()
    done = world(migrations=[migration(phase="Succeeded")]).facts()
    out, seen = _run([(0, pending), (5, migrating), (42, done)], timeout_s=100)
    assert [p.items[0].state for p in seen] == [S.MIGRATION_PENDING, *[S.MIGRATING] * 4, S.IN_SYNC]
    assert [p.elapsed_s for p in seen] == [0, 5, 15, 25, 35, 42]  # heartbeats every 10s while nothing happened
    assert [p.changed for p in seen] == [True, True, False, False, False, True]
    assert (out.timed_out, out.elapsed_s, out.evaluations, out.events) == (False, 42, 3, 2)  # type: ignore[attr-defined]


def test_stops_at_once_on_terminal_state() -> None:
    out, seen = _run([(0, world(pod_status_nad="prod/nad-a").facts())], timeout_s=100)
    assert (out.timed_out, out.elapsed_s, len(seen)) == (False, 0, 1)  # type: ignore[attr-defined]
    assert seen[0].items[0].state is S.POD_DRIFT


def test_times_out_with_the_last_verdict() -> None:
    out, seen = _run([(0, world(vmi_nad="nad-a", pod_status_nad="prod/nad-a").facts())], timeout_s=25)
    assert (out.timed_out, out.elapsed_s) == (True, 25)  # type: ignore[attr-defined]
    assert [p.elapsed_s for p in seen] == [0, 10, 20, 25]
    assert out.items[0].state is S.NOT_PROPAGATED  # type: ignore[attr-defined]


def test_settled() -> None:
    unknown = world(unreadable=(gone(ResourceType.PODS, "403"),)).facts()
    from gitnad.drift.classify import classify

    assert not settled(classify([declared_vm()], unknown))  # Unknown may still resolve: keep waiting
    assert settled(classify([declared_vm()], world().facts()))


def test_stops_when_the_feed_breaks_for_good() -> None:
    """A watch refused for good makes its facts unreadable (Unknown) for the rest of the wait: waiting on to the
    timeout could not change the verdict, so the wait ends at the next evaluation and says why."""
    pending = world(pod_status_nad="prod/nad-a", vmi_conditions=[REQUIRED]).facts()
    unknown = world(unreadable=(gone(ResourceType.PODS, "403"),)).facts()
    out, seen = _run([(0, pending), (12, unknown)], timeout_s=900, breaks_at=12)
    assert [(p.elapsed_s, p.items[0].state) for p in seen] == [
        (0, S.MIGRATION_PENDING),
        (10, S.MIGRATION_PENDING),
        (12, S.UNKNOWN),
    ]
    assert (out.timed_out, out.elapsed_s, out.broken) == (  # type: ignore[attr-defined]
        False,
        12,
        "pods: watch pods in namespace prod: 403 Forbidden",
    )
