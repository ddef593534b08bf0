"""GN903 config-changed.

What: the change adds, modifies or deletes gitnad's own configuration: `.gitnad.yaml`, or a policy file in
the policy paths (`policies:` of the configuration, else `.gitnad/policies/`). An error when the
configuration the change leaves behind does not load.

Why: `check` applies the configuration and policies of the reviewed state, the base ref, so a change cannot
turn its own findings green by lowering a severity, excluding every file or deleting a policy. Its new
configuration applies to the changes after it, once merged: reviewers should read it like code. If it does
not load (an invalid file, a policy path that does not exist), every check after the merge stops with exit
2, so that is an error now rather than a surprise later.

Example: a pull request that moves a VM to another NAD with a binding change (GN102) and, in the same commit,
sets `severity: {GN102: info}` in `.gitnad.yaml`: GN102 is still an error, and GN903 points at the line.

Fix: review the configuration change, ideally in a pull request of its own; fix the new file when the
finding is an error. Repositories that want a change to be judged by its own configuration run the check
with `--config-from head`.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.configfiles import ConfigFileChange, ConfigRole, ConfigStatus
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN903",
    name="config-changed",
    severity=Severity.WARNING,
    scope=Scope.META,
    summary="The change modifies gitnad's configuration or policies; they apply after merge",
    doc=__doc__ or "",
)


def _what(c: ConfigFileChange) -> str:
    return "gitnad's configuration" if c.role is ConfigRole.CONFIGURATION else "policy file"


def message(c: ConfigFileChange) -> str:
    head = f"{c.file}: {_what(c)} {c.status.value} by this change"
    if c.problem is not None:
        return (
            f"{head}, and the configuration it leaves does not load: every check after the merge would stop with "
            f"exit 2. Fix it before merging: {c.problem}"
        )
    if c.applied_is_new:
        return f"{head}; this check applied the new version (--config-from head)"
    if c.status is ConfigStatus.DELETED:
        return f"{head}; this check still applied it (from {c.applied}), after the merge it no longer applies"
    return f"{head}; this check applied the version at {c.applied}, the new one applies after the merge"


def check(ctx: CheckContext) -> Iterator[Finding]:
    for c in ctx.config_changes:
        severity = Severity.ERROR if c.problem is not None else None
        yield finding(META, message(c), file=c.file, line=c.line, severity=severity)
