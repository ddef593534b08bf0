"""GN106 target-nad-not-in-repo.

What: checking offline, the repository holds NetworkAttachmentDefinitions, but not the one a NAD swap
moves to.

Why: without a cluster gitnad cannot prove the target exists; when the repo manages NADs, a target that
is not among them is most likely a typo or a NAD that nobody deploys. A missing NAD makes the migration
retry forever (target pod stuck or render error).

Example: the repo has `nads/vlan-10.yaml` and `nads/vlan-20.yaml`; a VM moves to `vlan-30`.

Fix: add the NAD to the repo (with a lower Argo CD sync-wave than the VM), or run the check against
the cluster (`--snapshot` or live) so GN201 decides.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.names import nad_reference_problem
from gitnad.rules.base import finding, swaps

META = RuleMeta(
    code="GN106",
    name="target-nad-not-in-repo",
    severity=Severity.WARNING,
    scope=Scope.REPO,
    summary="Offline, the repo holds NADs but not the swap target",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    if not ctx.offline:
        return
    for delta, change in swaps(ctx):
        net = delta.head.network(change.network or "") if delta.head else None
        if net is not None and net.nad_raw is not None and nad_reference_problem(net.nad_raw):
            continue  # GN101 already reports an invalid reference
        # Looking one NAD up is cheap; counting them all reads every NAD of the repo: only for a missing target.
        if change.to and change.to not in ctx.head_nads and len(ctx.head_nads):
            yield finding(
                META,
                f"{delta.key} network {change.network} moves to {change.to}, which is not among the "
                f"{len(ctx.head_nads)} NADs of this repo; gitnad cannot prove it exists offline",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
