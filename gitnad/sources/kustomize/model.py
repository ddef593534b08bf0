"""The records the kustomize adapter hands out: problems, the kustomization graph, rendered objects and where
each of their fields was written.

Everything here is frozen and line-free: rendered bodies are plain dicts/lists (as kubectl prints them, the
annotations gitnad injected removed), and locations travel beside them as `SourceLocation`s keyed by field path.
"""

from __future__ import annotations

import enum
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FieldPath = tuple[str | int, ...]
"""A path into a rendered object: mapping keys and list indexes of the rendered body."""


class ProblemKind(enum.StrEnum):
    """Why a kustomization (or one of its entries) could not be rendered; a closed set, for callers to branch on."""

    SYNTAX = "syntax"
    """The kustomization file is not readable YAML (or not a mapping)."""
    INVALID = "invalid"
    """Unknown field, wrong type, a Component where a Kustomization is expected, several kustomization files."""
    UNREADABLE = "unreadable"
    """A file the render needs cannot be read safely (over the size limit, a symlink leaving the repository)."""
    MISSING = "missing"
    """A referenced file or directory does not exist at this ref."""
    OUTSIDE = "outside"
    """A reference leaves the repository, or a file outside the kustomization's own directory (load restrictor)."""
    REMOTE = "remote"
    """A remote base or file (URL, `git::`, `github.com/...`, `?ref=`): gitnad renders without network."""
    PLUGIN = "plugin"
    """An exec, Go or KRM-function plugin: gitnad runs no code from the repository."""
    HELM = "helm"
    """Helm chart inflation, refused unless the caller opts in."""
    CYCLE = "cycle"
    """Kustomizations that consume each other."""
    NO_KUBECTL = "no-kubectl"
    """No kubectl to render with."""
    RENDER = "render"
    """kubectl kustomize failed; the message is kustomize's, with paths made repo-relative."""
    TIMEOUT = "timeout"
    """The render ran past its time limit and was killed."""
    TOO_LARGE = "too-large"
    """The render printed more than the output limit and was killed."""
    OUTPUT = "output"
    """kubectl printed something gitnad cannot read as YAML."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters (newlines and terminal escapes from hostile names included) as `\\xNN`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, order=True)
class Problem:
    """One reason a root (or an entry of a kustomization) is not rendered; `line` is 1-based when known."""

    file: str
    line: int | None
    kind: ProblemKind
    message: str
    """What is wrong and what to do, on one printable line; never starts with the file name (callers add
    `file:line`)."""
    root: str | None = None
    """The kustomization root (directory) whose render this stops, when it concerns one root."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))


@dataclass(frozen=True)
class Selector:
    """A patch `target` (types.Selector): regexes for group/version/kind/name/namespace, label selectors."""

    group: str = ""
    version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    label_selector: str = ""
    annotation_selector: str = ""

    @classmethod
    def of(cls, value: object) -> Selector:
        """A selector from a mapping, field names matched case-insensitively (as encoding/json does)."""
        fields = {str(k).lower(): v for k, v in value.items()} if isinstance(value, Mapping) else {}

        def text(name: str) -> str:
            v = fields.get(name.lower())
            return v if isinstance(v, str) else ""

        return cls(
            group=text("group"),
            version=text("version"),
            kind=text("kind"),
            name=text("name"),
            namespace=text("namespace"),
            label_selector=text("labelSelector"),
            annotation_selector=text("annotationSelector"),
        )


@dataclass(frozen=True)
class ReplacementTarget:
    """One `targets` entry of a replacement: which objects, and the fieldPaths it writes (each with its line)."""

    select: Selector
    reject: tuple[Selector, ...]
    field_paths: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ReplacementSpec:
    """One `replacements` entry: inline targets, or a `path` to a file of replacements."""

    line: int
    path: str | None = None
    targets: tuple[ReplacementTarget, ...] = ()


@dataclass(frozen=True)
class PatchSpec:
    """One patch entry of a kustomization: `path` (relative to the kustomization) or `inline` text."""

    field: str
    """patchesStrategicMerge, patches or patchesJson6902."""
    line: int
    path: str | None = None
    inline: str | None = None
    inline_first_line: int | None = None
    """File line of the inline text's first line when lines map one to one (a literal `|` block), else None."""
    inline_line: int = 0
    """Line of the inline value (where every inline line points when they do not map)."""
    target: Selector | None = None


@dataclass(frozen=True)
class Kustomization:
    """One kustomization directory as discovery read it."""

    directory: str
    """Repo-relative directory ("" for the repository root)."""
    file: str
    """Its kustomization file (`kustomization.yaml`, `kustomization.yml` or `Kustomization`)."""
    component: bool
    """`kind: Component`: only ever applied by another kustomization."""
    consumes: tuple[str, ...]
    """Kustomization directories it builds on (resources/bases that are directories, components), in order."""
    files: frozenset[str]
    """Paths it reads itself (its own file, referenced files, referenced-but-missing paths)."""
    resources: frozenset[str]
    """Files listed as `resources`/`bases`: these must be Kubernetes manifests."""
    parsed: bool
    """False when the file could not be read: its references are unknown."""
    patches: tuple[PatchSpec, ...] = ()
    """In the order kustomize applies them: patchesStrategicMerge, patches, patchesJson6902."""
    namespace: tuple[str, int] | None = None
    """`namespace:` and its line."""
    name_prefix: str = ""
    name_suffix: str = ""
    replacements: tuple[ReplacementSpec, ...] = ()


@dataclass(frozen=True)
class KustomizeGraph:
    """Every kustomization of a tree, which of them are roots, and what each root reads."""

    kustomizations: Mapping[str, Kustomization]
    """By directory."""
    roots: tuple[str, ...]
    """Directories to render: kustomizations no other kustomization consumes, Components excepted; sorted."""
    inputs: Mapping[str, frozenset[str]]
    """Root -> every repo path its render depends on (content or existence), its own files included."""
    manifest_files: frozenset[str]
    """Files some kustomization lists as resources: where a manifest is expected (GN001 when broken)."""
    problems: tuple[Problem, ...]
    """Sorted by file, line."""
    allow_helm: bool = False
    """Discovered with Helm inflation allowed (renders then pass `--enable-helm`)."""

    @property
    def named_files(self) -> frozenset[str]:
        """Every path some kustomization reads, rendered or not: never a standalone manifest."""
        return frozenset(f for k in self.kustomizations.values() for f in k.files)

    def by_file(self, file: str) -> Kustomization | None:
        """The kustomization whose file is `file`."""
        k = self.kustomizations.get(posixpath.dirname(file))
        return k if k is not None and k.file == file else None

    def roots_reading(self, paths: Iterable[str]) -> tuple[str, ...]:
        """Roots whose render depends on any of `paths` (e.g. the files a diff touches), sorted."""
        touched = set(paths)
        return tuple(r for r in self.roots if not touched.isdisjoint(self.inputs[r]))

    def problems_of(self, root: str) -> tuple[Problem, ...]:
        """Problems in the files this root reads (they stop its render)."""
        files = self.inputs.get(root, frozenset())
        return tuple(p for p in self.problems if p.file in files or p.root == root)


class Via(enum.StrEnum):
    """What kind of input set a field's value."""

    RESOURCE = "resource"
    """The manifest listed in `resources` (no overlay changed the value)."""
    JSON6902 = "json6902"
    """A JSON6902 patch operation (a patch file, or an inline patch in a kustomization)."""
    STRATEGIC_MERGE = "strategic-merge"
    """A strategic-merge patch (a patch file, or an inline patch in a kustomization)."""
    KUSTOMIZATION = "kustomization"
    """A kustomization field (`namespace:`)."""
    REPLACEMENT = "replacement"
    """A `replacements` entry: the line of the target fieldPath that writes the field."""
    OBJECT = "object"
    """Not pinned down (a replacement, a transformer, a generator): the line of the object in its resource file."""


@dataclass(frozen=True, order=True)
class SourceLocation:
    """The repo-relative file and 1-based line that wrote a value."""

    file: str
    line: int
    via: Via


@dataclass(frozen=True)
class RenderedObject:
    """One VirtualMachine, VirtualMachinePool or NetworkAttachmentDefinition printed by `kubectl kustomize`."""

    root: str
    """The kustomization directory rendered."""
    index: int
    """Position in kubectl's output (0-based)."""
    body: Mapping[str, Any]
    """The object as rendered: plain dicts/lists/scalars; annotations gitnad injected removed."""
    origin: SourceLocation
    """The resource file and the line of the object's `metadata.name` in it (via RESOURCE), or the kustomization
    that generated it (via OBJECT)."""
    kustomizations: tuple[str, ...]
    """Kustomization files whose transformers ran on it, in the order kustomize applied them."""
    locations: Mapping[FieldPath, SourceLocation] = field(default_factory=dict)
    """Where each field gitnad reports on was written (see `locate.tracked_paths`)."""

    def locate(self, path: FieldPath) -> SourceLocation:
        """The location of a tracked field; the object's origin for any other path."""
        return self.locations.get(path, self.origin)


@dataclass(frozen=True)
class RenderResult:
    """The render of one root."""

    root: str
    objects: tuple[RenderedObject, ...]
    problems: tuple[Problem, ...]
    """Non-empty means the root's objects are missing or incomplete: never treat it as clean."""
    inputs: frozenset[str]
    seconds: float = 0.0
    """Wall time of the kubectl run (0 when it did not run)."""

    @property
    def ok(self) -> bool:
        return not self.problems
