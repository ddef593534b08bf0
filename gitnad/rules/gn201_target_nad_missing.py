"""GN201 target-nad-missing.

What: a NAD the change newly references (the target of a NAD swap, or the NAD of a hotplugged network)
exists neither in the cluster nor among the NADs this change adds or modifies. A NAD present in the repo
at both refs but absent from the cluster still fires: the cluster lacks it, and nothing in this change
will create it.

Why: KubeVirt does not check at admission that the NAD exists. The migration's target pod then fails
(render error "failed to locate network attachment definition" with NAD lookup, or Multus
`NoNetworkFound` without), the migration fails and is retried forever with backoff; a hotplug never
attaches; a restart never gets its network.

Example: `networkName: vlan-20` while the cluster has only `prod/vlan-10` and the change adds no
`vlan-20` NAD.

Fix: add the NAD to this change (with a lower Argo CD sync-wave than the VM), or create it in the
cluster first; check the namespace of a `namespace/name` reference.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import NEW_REFERENCE_KINDS, ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding
from gitnad.rules.clusterfacts import nads_known

META = RuleMeta(
    code="GN201",
    name="target-nad-missing",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="A NAD newly referenced by the change exists neither in the cluster nor in the change",
    doc=__doc__ or "",
)

WHAT = {
    ChangeKind.NAD_SWAP: "moves to",
    ChangeKind.DEFAULT_NETWORK_SWAP: "(default network) moves to",
    ChangeKind.HOTPLUG: "is hotplugged with",
}


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    created = ctx.changed_nads()
    for delta in ctx.deltas:
        for change in delta.of_kind(*NEW_REFERENCE_KINDS):
            target = change.to
            if not target or "/" not in target or target in created or facts.nad(target) is not None:
                continue
            if not nads_known(facts, target):
                continue  # GN212 reports that the NADs of this namespace could not be read
            in_repo = " (the repo has it, unchanged, but it was never applied)" if target in ctx.head_nads else ""
            yield finding(
                META,
                f"{delta.key} network {change.network} {WHAT[change.kind]} {target}, which does not exist in the "
                f"cluster ({facts.origin}) and is not added by this change{in_repo}: the target pod cannot attach "
                "it and the migration retries forever. Add the NAD to this change or create it first",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
