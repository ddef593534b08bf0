"""Waiting for convergence (`drift --wait`): re-classify whenever the cluster reports a change. Pure logic.

The event source is a `Feed` (the live adapter wraps Kubernetes watches; tests pass a scripted one). The
loop stops early when every item is converged or in a state that cannot change by itself, when the feed
can no longer follow the cluster (a watch broke for good: its facts are unreadable, so nothing could change
the verdict), or at the timeout. `on_update` receives every evaluation and a heartbeat at least every
`heartbeat_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from gitnad.drift.classify import classify
from gitnad.models.cluster import ClusterFacts
from gitnad.models.manifest import VM
from gitnad.models.results import DriftItem

DEFAULT_HEARTBEAT_S = 10.0


class Feed(Protocol):
    """Cluster facts that change over time."""

    def facts(self) -> ClusterFacts:
        """The current facts."""
        ...

    def wait(self, timeout_s: float) -> bool:
        """Block until something changed (True) or `timeout_s` passed (False)."""
        ...

    def broken(self) -> str | None:
        """Why the facts can no longer follow the cluster, or None while they can."""
        ...


@dataclass(frozen=True)
class Progress:
    elapsed_s: float
    items: tuple[DriftItem, ...]
    changed: bool
    """True when this update follows a cluster event (False: a heartbeat)."""
    evaluations: int


@dataclass(frozen=True)
class WaitOutcome:
    items: tuple[DriftItem, ...]
    facts: ClusterFacts
    timed_out: bool
    elapsed_s: float
    evaluations: int
    events: int
    broken: str | None = None
    """Why the wait ended before its timeout with items still moving (the feed could no longer follow)."""


def settled(items: Sequence[DriftItem]) -> bool:
    """Nothing left that could still change by itself."""
    return all(i.converged or i.state.terminal for i in items)


def wait_until_settled(
    declared: Sequence[VM],
    feed: Feed,
    timeout_s: float,
    on_update: Callable[[Progress], None] = lambda _p: None,
    *,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    clock: Callable[[], float] = time.monotonic,
) -> WaitOutcome:
    start = clock()
    facts = feed.facts()
    items = classify(declared, facts)
    evaluations, events = 1, 0
    on_update(Progress(0.0, items, True, evaluations))
    while not settled(items):
        if (why := feed.broken()) is not None:
            return WaitOutcome(items, facts, False, clock() - start, evaluations, events, broken=why)
        remaining = timeout_s - (clock() - start)
        if remaining <= 0:
            return WaitOutcome(items, facts, True, clock() - start, evaluations, events)
        changed = feed.wait(min(remaining, heartbeat_s))
        if changed:
            events += 1
            facts = feed.facts()
            items = classify(declared, facts)
            evaluations += 1
        on_update(Progress(clock() - start, items, changed, evaluations))
    return WaitOutcome(items, facts, False, clock() - start, evaluations, events)
