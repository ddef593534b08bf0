"""Executing a reconcile plan through an `Executor` (the cluster adapter, or a test double). No I/O here.

Only PLANNED actions run; each gets APPLIED (with what was created) or FAILED (with the error), so the
report carries every action and its result. One failure does not stop the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from gitnad.models.results import Action, ActionKind, ActionOutcome

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "gitnad"
COMMIT_ANNOTATION = "gitnad.dev/commit"


class Executor(Protocol):
    """Cluster writes. Each returns (ok, message): the created object's name, or the error."""

    def create_migration(
        self, namespace: str, vmi: str, labels: dict[str, str], annotations: dict[str, str]
    ) -> tuple[bool, str]: ...

    def restart_vm(self, namespace: str, name: str) -> tuple[bool, str]: ...


def apply(actions: Sequence[Action], executor: Executor, commit: str) -> tuple[Action, ...]:
    return tuple(_run(a, executor, commit) if a.outcome is ActionOutcome.PLANNED else a for a in actions)


def _run(action: Action, executor: Executor, commit: str) -> Action:
    namespace, name = action.vm.split("/", 1)
    if action.kind is ActionKind.CREATE_MIGRATION:
        ok, message = executor.create_migration(
            namespace, name, {MANAGED_BY_LABEL: MANAGED_BY}, {COMMIT_ANNOTATION: commit}
        )
        message = f"created migration {message}" if ok else message
    elif action.kind is ActionKind.RESTART_VM:
        ok, message = executor.restart_vm(namespace, name)
        message = "restart requested" if ok else message
    else:
        return action
    outcome = ActionOutcome.APPLIED if ok else ActionOutcome.FAILED
    return action.model_copy(update={"outcome": outcome, "result": message})
