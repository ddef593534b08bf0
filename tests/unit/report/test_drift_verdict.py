"""The drift verdict and an empty plan say what the exit code says: UNDECIDED (exit 3) whenever an item is Unknown
or a manifest could not be read, never NOT CONVERGED or "nothing to do" then."""

from __future__ import annotations

import pytest

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.results import DriftItem, DriftResult, DriftState, ReconcileResult, UnreadableManifest
from gitnad.report import render

UNDECIDED_PLAN = "nothing planned: the drift could not be decided (exit 3), so what is left to do is not known"


def _item(state: DriftState, vm: str = "prod/vm-1") -> DriftItem:
    converged = state in (DriftState.IN_SYNC, DriftState.STOPPED)
    return DriftItem(vm=vm, network="br", declared="prod/nad", state=state, converged=converged, detail="d")


UNREAD = UnreadableManifest(file="vms/x.yaml", line=3, reason="duplicate mapping key", ref="c" * 40)


@pytest.mark.parametrize(
    ("states", "unreadable", "verdict", "plan"),
    [
        ([DriftState.IN_SYNC], False, "CONVERGED: 1 of 1 network(s) converged (1 InSync)", "nothing to do"),
        ([DriftState.OUT_OF_SYNC], False, "NOT CONVERGED: 0 of 1 network(s) converged (1 OutOfSync)", "nothing to do"),
        ([], False, "nothing to check: 0 of 0 network(s) converged (0 items)", "nothing to do"),
        ([DriftState.UNKNOWN], False, "UNDECIDED: 0 of 1 network(s) converged (1 Unknown)", UNDECIDED_PLAN),
        (
            [DriftState.IN_SYNC, DriftState.UNKNOWN],
            False,
            "UNDECIDED: 1 of 2 network(s) converged (1 InSync, 1 Unknown)",
            UNDECIDED_PLAN,
        ),
        (
            [DriftState.OUT_OF_SYNC, DriftState.UNKNOWN],
            False,
            "UNDECIDED: 0 of 2 network(s) converged (1 OutOfSync, 1 Unknown)",
            UNDECIDED_PLAN,
        ),
        (
            [DriftState.IN_SYNC],
            True,
            "UNDECIDED: 1 of 1 network(s) converged (1 InSync); 1 manifest(s) could not be read",
            UNDECIDED_PLAN,
        ),
    ],
)
def test_the_verdict_and_an_empty_plan_agree_with_the_exit_code(
    states: list[DriftState], unreadable: bool, verdict: str, plan: str
) -> None:
    items = tuple(_item(s, f"prod/vm-{n}") for n, s in enumerate(states))
    drift = DriftResult(version=__version__, ref="c" * 40, items=items, unreadable=(UNREAD,) if unreadable else ())
    assert drift.decided is (verdict.split(":")[0] != "UNDECIDED")
    text = render(drift, OutputFormat.TEXT)
    assert verdict in text.splitlines()
    reconcile = ReconcileResult(version=__version__, ref="c" * 40, applied=False, drift=drift, actions=())
    text_lines = render(reconcile, OutputFormat.TEXT).splitlines()
    assert verdict in text_lines
    assert text_lines[-1] == f"  {plan}"
    assert f"free migration slots: unknown · {plan}" in render(reconcile, OutputFormat.MARKDOWN).splitlines()
