"""GN001 manifest-unreadable.

What: a file cannot be parsed or read safely: YAML syntax error, duplicate mapping keys, invalid UTF-8
or a binary file, a file over the size limit, an alias/anchor expansion bomb, a document nested too
deeply, a symlink leaving the repository, a document that is not a mapping, or a VM/NAD whose shape
cannot be read.

Why: gitnad never passes what it could not read. A VM in an unreadable file may be exactly the one
whose network is about to move.

Example: a VM file with `name:` twice in the same mapping.

Fix: correct the file at the line given; raise `maxFileBytes` in `.gitnad.yaml` for large legitimate files.
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
