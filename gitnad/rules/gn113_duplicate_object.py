"""GN113 duplicate-object.

What: the same VirtualMachine (or VirtualMachinePool) or NetworkAttachmentDefinition — same kind family,
namespace and name — is defined more than once at one ref: in two files (a base manifest and a stray copy),
or twice in one file. `scan` reports every duplicate of the repository; `check` those of the VMs and NADs the
change touches, as the change leaves them (head). A symlink to another manifest is that file, not a copy.

Why: the cluster holds one object. Which definition wins depends on the tool (kubectl applies both, the last
one sticks; kustomize refuses to build; Argo CD reports a repeated resource), so the NAD a VM ends up on is
not what either file says for sure. gitnad reads the first definition in path order and says so.

Example: `apps/db-1.yaml` and `backup/db-1.yaml` both define `prod/db-1`, one on `vlan-10`, one on `vlan-20`.
Kustomize overlays count by what they render: one base VM rendered by `overlays/prod` and `overlays/staging` is
two VMs when the overlays give it different namespaces or name prefixes, and a duplicate only when both render
the same namespace and name.

Fix: delete all but one definition (or give the copies different names or namespaces).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.manifest import VM, Definition, identity_key, path_order
from gitnad.models.names import printable
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN113",
    name="duplicate-object",
    severity=Severity.ERROR,
    scope=Scope.REPO,
    summary="The same VM or NAD is defined more than once at one ref",
    doc=__doc__ or "",
)


def groups(definitions: Iterable[Definition]) -> list[tuple[Definition, ...]]:
    """Every object defined more than once: its definitions in path order (a stable sort keeps document and List
    order within a file, even on one line of minified JSON); groups sorted by identity."""
    by_key: dict[tuple[str, str], list[Definition]] = {}
    for d in sorted(definitions, key=path_order):
        by_key.setdefault(identity_key(d), []).append(d)
    return [tuple(defs) for _, defs in sorted(by_key.items()) if len(defs) > 1]


def _kind(d: Definition) -> str:
    return d.kind.value if isinstance(d, VM) else "NetworkAttachmentDefinition"


def _where(d: Definition) -> str:
    """`file:line`, and the overlay root for a rendered object (one base file rendered by two overlays)."""
    at = f"{printable(d.file or '-')}:{d.line}" if d.line else printable(d.file or "-")
    return f"{at} (rendered by {printable(d.source_root or '.')})" if d.source_root is not None else at


def findings(duplicates: Iterable[tuple[Definition, ...]]) -> Iterator[Finding]:
    """One finding at each definition after the first, naming both places."""
    for group in duplicates:
        first = group[0]
        for d in group[1:]:
            as_first = "" if _kind(first) == _kind(d) else f" (as a {_kind(first)})"
            yield finding(
                META,
                f"{_kind(d)} {d.key} is defined at {_where(first)}{as_first} and again at {_where(d)}: one object, "
                f"one definition; gitnad reads the first in path order ({_where(first)}) until the others go",
                vm=d.key if isinstance(d, VM) else None,
                file=d.file,
                line=d.line,
            ).model_copy(update={"source_root": d.source_root})


def check(ctx: CheckContext) -> Iterator[Finding]:
    """The duplicates among the VMs and NADs the change touches, at head."""
    yield from findings(ctx.duplicates)
