"""What every rule module shares: the finding constructor and small lookups over the check context."""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import Change
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, RuleMeta
from gitnad.models.manifest import NAD


def finding(
    meta: RuleMeta,
    message: str,
    *,
    vm: str | None = None,
    network: str | None = None,
    file: str | None = None,
    line: int | None = None,
    policy: str | None = None,
) -> Finding:
    """A finding of `meta`'s rule at its default severity (config overrides are applied later)."""
    return Finding(
        code=meta.code,
        rule=meta.name,
        severity=meta.severity,
        message=message,
        vm=vm,
        network=network,
        file=file,
        line=line,
        policy=policy,
    )


def swaps(ctx: CheckContext) -> Iterator[tuple[VMDelta, Change]]:
    """Every NAD swap of the change, with its VM delta."""
    for delta in ctx.deltas:
        for change in delta.swaps:
            yield delta, change


def target_nad(ctx: CheckContext, key: str | None) -> NAD | None:
    """The NAD a change points to: the repo at head first, then the cluster."""
    if key is None:
        return None
    nad = ctx.head_nads.get(key)
    if nad is None and ctx.cluster is not None:
        nad = ctx.cluster.nad(key)
    return nad


def source_nad(ctx: CheckContext, key: str | None) -> NAD | None:
    """The NAD a change moves away from: the repo at base first, then the cluster."""
    if key is None:
        return None
    nad = ctx.base_nads.get(key)
    if nad is None and ctx.cluster is not None:
        nad = ctx.cluster.nad(key)
    return nad
