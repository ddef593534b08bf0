"""What every rule module shares: the finding constructor and small lookups over the check context."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gitnad.models.changes import Change
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, RuleMeta, Severity

"""Changes that make a VM reference a NAD it did not reference before (the NAD must exist)."""


def finding(
    meta: RuleMeta,
    message: str,
    *,
    vm: str | None = None,
    network: str | None = None,
    file: str | None = None,
    line: int | None = None,
    policy: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of `meta`'s rule at its default severity, or at `severity` when the rule escalates or softens
    it for this case (config overrides are applied later and win over both)."""
    return Finding(
        code=meta.code,
        rule=meta.name,
        severity=severity or meta.severity,
        message=message,
        vm=vm,
        network=network,
        file=file,
        line=line,
        policy=policy,
    )


def describe_swaps(swaps: Iterable[Change]) -> str:
    """`bridge-net (ns/a -> ns/b), ...`: the NAD swaps of a VM, for messages."""
    return ", ".join(f"{c.network} ({c.from_} -> {c.to})" for c in swaps)


def swaps(ctx: CheckContext) -> Iterator[tuple[VMDelta, Change]]:
    """Every NAD swap of the change, with its VM delta."""
    for delta in ctx.deltas:
        for change in delta.swaps:
            yield delta, change
