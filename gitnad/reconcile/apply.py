"""Executing a reconcile plan through an `Executor` (the cluster adapter, or a test double). No I/O here.

Only PLANNED actions run; each gets APPLIED (with what was created) or FAILED (with the error), so the
report carries every action and its result. One failure does not stop the others.

A migration's name is derived from the namespace, the VMI and the commit (`migration_name`), never generated
by the server: two runs for one commit — concurrent, or a run killed after its create reached the server and
run again before the next read shows the migration — ask for the same name, and the API server creates it
once (the other gets `EXISTS`: SKIPPED, never a second migration).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from gitnad.models.results import Action, ActionKind, ActionOutcome, Written

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "gitnad"
COMMIT_ANNOTATION = "gitnad.dev/commit"
NAME_PREFIX = "gitnad-"
MAX_NAME = 63
"""Kubernetes names of objects that label themselves with their name stay within a DNS label."""
DIGEST_CHARS = 10


class Executor(Protocol):
    """Cluster writes. A create says what it came to and the name (or the error); a restart (ok, message)."""

    def create_migration(
        self, namespace: str, vmi: str, name: str, labels: dict[str, str], annotations: dict[str, str]
    ) -> tuple[Written, str]: ...

    def restart_vm(self, namespace: str, name: str) -> tuple[bool, str]: ...


def migration_name(namespace: str, vmi: str, commit: str) -> str:
    """`gitnad-<vmi>-<digest>`: the same for one VMI and commit, whoever asks; at most 63 characters."""
    digest = hashlib.sha256(f"{namespace}/{vmi}@{commit}".encode()).hexdigest()[:DIGEST_CHARS]
    prefix = f"{NAME_PREFIX}{vmi}"[: MAX_NAME - DIGEST_CHARS - 1].rstrip("-.")
    return f"{prefix}-{digest}"


def apply(actions: Sequence[Action], executor: Executor, commit: str) -> tuple[Action, ...]:
    return tuple(_run(a, executor, commit) if a.outcome is ActionOutcome.PLANNED else a for a in actions)


def _run(action: Action, executor: Executor, commit: str) -> Action:
    namespace, name = action.vm.split("/", 1)
    if action.kind is ActionKind.CREATE_MIGRATION:
        labels, annotations = {MANAGED_BY_LABEL: MANAGED_BY}, {COMMIT_ANNOTATION: commit}
        migration = migration_name(namespace, name, commit)
        written, message = executor.create_migration(namespace, name, migration, labels, annotations)
        if written is Written.EXISTS:
            why = f"migration {message} exists already: another run for this commit created it (never doubled)"
            return action.model_copy(update={"outcome": ActionOutcome.SKIPPED, "result": why})
        ok = written is Written.CREATED
        message = f"created migration {message}" if ok else message
    elif action.kind is ActionKind.RESTART_VM:
        ok, message = executor.restart_vm(namespace, name)
        message = "restart requested" if ok else message
    else:
        return action
    outcome = ActionOutcome.APPLIED if ok else ActionOutcome.FAILED
    return action.model_copy(update={"outcome": outcome, "result": message})
