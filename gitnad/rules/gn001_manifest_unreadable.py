"""GN001 manifest-unreadable.

What: something that could be a manifest cannot be read safely. A file that fails to read or parse (YAML syntax
error, duplicate mapping keys, invalid UTF-8 or binary, over the size limit, an alias/anchor expansion bomb,
nesting too deep, an unknown tag) when its text names VirtualMachine, VirtualMachinePool or
NetworkAttachmentDefinition; a VM, VM pool or NAD with a field of the wrong type (`networkName: 0777` is the
integer 511), without a name, or without an `apiVersion` string; a Git LFS pointer; a symlink that leaves the
repository, loops or dangles. A file that names none of those kinds is someone else's: a note, not this rule.

Why: gitnad never passes what it could not read. A VM in an unreadable file may be exactly the one
whose network is about to move.

Example: a VM file with `domain:` twice in the same mapping; `networkName: 0777`.

Fix: correct the file at the line given (quote values YAML would read as numbers or booleans); raise
`maxFileBytes` in `.gitnad.yaml` for large legitimate files; run `git lfs pull`, or exclude what is not a manifest.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity

META = RuleMeta(
    code="GN001",
    name="manifest-unreadable",
    severity=Severity.ERROR,
    scope=Scope.REPO,
    summary="A file cannot be parsed or read safely",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    """The reader's problems, as findings of this rule."""
    yield from ctx.problems
