"""One kustomization file -> a line-marked record of what it references, patches and sets.

Read the way kustomize reads it (api/types/kustomization.go, decoded by encoding/json): field names match
case-insensitively, unknown fields are an error, `bases` joins `resources`. Every entry keeps its 1-based line
so a problem or a location can point at it. Entries that would make kustomize reach the network, run code or
inflate Helm charts are refused here, before anything runs (`safety`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gitnad.sources.kustomize.model import PatchSpec, Problem, ProblemKind, ReplacementSpec, Selector
from gitnad.sources.kustomize.replacements import replacement_targets
from gitnad.sources.kustomize.safety import check_plugin_doc, remote_reason
from gitnad.sources.yamlio import LMap, LSeq, load_documents

FIELDS = (
    *("apiVersion", "kind", "metadata", "openapi", "namePrefix", "nameSuffix", "namespace", "commonLabels"),
    *("labels", "commonAnnotations", "patchesStrategicMerge", "patchesJson6902", "patches", "images"),
    *("imageTags", "replacements", "replicas", "vars", "sortOptions", "resources", "components", "crds"),
    *("bases", "configMapGenerator", "secretGenerator", "helmGlobals", "helmCharts", "helmChartInflationGenerator"),
    *("generatorOptions", "configurations", "generators", "transformers", "validators", "buildMetadata"),
)
"""Every field of types.Kustomization (kustomize v5)."""
_BY_FOLDED = {f.lower(): f for f in FIELDS}
HELM_FIELDS = ("helmCharts", "helmChartInflationGenerator", "helmGlobals")
_LITERAL_BLOCK = re.compile(r"(^|[\s:-])\|[-+0-9]*\s*(#.*)?$")


@dataclass(frozen=True)
class Ref:
    """A path-valued entry. `role` says what kustomize does with it."""

    field: str
    value: str
    line: int
    role: str
    """resource (file or directory), component (directory), file (loaded file), source (generator file or
    directory), plugin (plugin configuration file), chart-home (directory)."""


@dataclass(frozen=True)
class KFile:
    """What one kustomization file says."""

    directory: str
    file: str
    parsed: bool
    component: bool = False
    refs: tuple[Ref, ...] = ()
    patches: tuple[PatchSpec, ...] = ()
    """In the order kustomize applies them: patchesStrategicMerge, patches, patchesJson6902."""
    namespace: tuple[str, int] | None = None
    name_prefix: str = ""
    name_suffix: str = ""
    build_metadata: tuple[str, ...] = ()
    replacements: tuple[ReplacementSpec, ...] = ()
    problems: tuple[Problem, ...] = ()


class _Reader:
    """Collects problems while walking one kustomization document."""

    def __init__(self, file: str, text: str, allow_helm: bool) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.allow_helm = allow_helm
        self.problems: list[Problem] = []

    def problem(self, kind: ProblemKind, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, kind, message))

    def strings(self, doc: LMap, key: str, fname: str) -> Iterator[tuple[str, int]]:
        """A list of strings (each with its line); anything else is a problem."""
        value = doc[key]
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(ProblemKind.INVALID, doc.key_line(key), f"'{fname}' must be a list of strings")
            return
        for i, item in enumerate(value):
            line = value.item_line(i) if isinstance(value, LSeq) else doc.key_line(key)
            if isinstance(item, str) and item.strip():
                yield item, line
            else:
                self.problem(ProblemKind.INVALID, line, f"'{fname}' entries must be non-empty strings")

    def literal_first_line(self, value_line: int) -> int | None:
        """Content of a literal block scalar starts on the line after its `|` indicator."""
        text = self.lines[value_line - 1] if 0 < value_line <= len(self.lines) else ""
        return value_line + 1 if _LITERAL_BLOCK.search(text) else None


def fold_fields(doc: LMap, known: Mapping[str, str], where: str, r: _Reader) -> dict[str, str]:
    """Canonical field name -> the key as written; unknown and twice-given fields become problems."""
    out: dict[str, str] = {}
    for key in doc:
        canonical = known.get(key.lower()) if isinstance(key, str) else None
        if canonical is None:
            hint = difflib.get_close_matches(str(key), list(known.values()), n=1)
            tip = f" (did you mean '{hint[0]}'?)" if hint else ""
            r.problem(ProblemKind.INVALID, doc.key_line(key), f"unknown field '{key}' in {where}{tip}")
        elif canonical in out:
            twice = f"field '{canonical}' is given twice ('{out[canonical]}', '{key}')"
            r.problem(ProblemKind.INVALID, doc.key_line(key), twice)
        else:
            out[canonical] = key
    return out


def _sub(value: Any, known: tuple[str, ...], where: str, r: _Reader) -> dict[str, Any]:
    """A nested mapping (patch entry, target, generator) with case-insensitive known fields."""
    if not isinstance(value, LMap):
        return {}
    keys = fold_fields(value, {k.lower(): k for k in known}, where, r)
    return {name: value[key] for name, key in keys.items()}


def _line_of(mapping: Any, key: str, default: int) -> int:
    if not isinstance(mapping, LMap):
        return default
    for k in mapping:
        if isinstance(k, str) and k.lower() == key.lower():
            return mapping.key_line(k)
    return default


def _value_line(mapping: Any, key: str, default: int) -> int:
    if not isinstance(mapping, LMap):
        return default
    for k in mapping:
        if isinstance(k, str) and k.lower() == key.lower():
            return mapping.value_line(k)
    return default


_SELECTOR_FIELDS = ("group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector")
_PATCH_FIELDS = ("path", "patch", "target", "options")
_GENERATOR_FIELDS = ("name", "namespace", "behavior", "literals", "files", "envs", "env", "options")


def _selector(value: Any, line: int, r: _Reader) -> Selector | None:
    if value is None:
        return None
    if not isinstance(value, LMap):
        r.problem(ProblemKind.INVALID, line, "patch 'target' must be a mapping")
        return None
    _sub(value, _SELECTOR_FIELDS, "a patch target", r)  # reports unknown fields
    return Selector.of(value)


def _patch_entry(fname: str, entry: Any, line: int, r: _Reader) -> PatchSpec | None:
    """An entry of `patches` / `patchesJson6902`: {path | patch, target, options}."""
    if not isinstance(entry, LMap):
        r.problem(ProblemKind.INVALID, line, f"'{fname}' entries must be mappings with 'path' or 'patch'")
        return None
    f = _sub(entry, _PATCH_FIELDS, f"a '{fname}' entry", r)
    target = _selector(f.get("target"), _line_of(entry, "target", line), r)
    path, inline = f.get("path"), f.get("patch")
    if isinstance(path, str) and path:
        return PatchSpec(fname, _value_line(entry, "path", line), path=path, target=target)
    if isinstance(inline, str) and inline.strip():
        vline = _value_line(entry, "patch", line)
        return PatchSpec(
            fname, line, inline=inline, inline_first_line=r.literal_first_line(vline), inline_line=vline, target=target
        )
    r.problem(ProblemKind.INVALID, line, f"'{fname}' entry needs 'path' or 'patch'")
    return None


def _patches(doc: LMap, keys: dict[str, str], r: _Reader) -> list[PatchSpec]:
    out: list[PatchSpec] = []
    if "patchesStrategicMerge" in keys:
        key = keys["patchesStrategicMerge"]
        for text, line in r.strings(doc, key, "patchesStrategicMerge"):
            if "\n" in text or ":" in text:
                out.append(
                    PatchSpec(
                        "patchesStrategicMerge",
                        line,
                        inline=text,
                        inline_first_line=r.literal_first_line(line),
                        inline_line=line,
                    )
                )
            else:
                out.append(PatchSpec("patchesStrategicMerge", line, path=text))
    for fname in ("patches", "patchesJson6902"):
        if fname not in keys:
            continue
        value = doc[keys[fname]]
        if value is None:
            continue
        if not isinstance(value, LSeq):
            r.problem(ProblemKind.INVALID, doc.key_line(keys[fname]), f"'{fname}' must be a list")
            continue
        for i, entry in enumerate(value):
            spec = _patch_entry(fname, entry, value.item_line(i), r)
            if spec is not None:
                out.append(spec)
    return out


def _generator_sources(fname: str, value: Any, line: int, r: _Reader) -> Iterator[Ref]:
    """configMapGenerator / secretGenerator: `files` (`key=path` or `path`), `envs`, `env`."""
    if value is None:
        return
    if not isinstance(value, LSeq):
        r.problem(ProblemKind.INVALID, line, f"'{fname}' must be a list")
        return
    for i, gen in enumerate(value):
        f = _sub(gen, _GENERATOR_FIELDS, f"a '{fname}' entry", r)
        gline = value.item_line(i)
        for key in ("files", "envs"):
            items = f.get(key)
            if isinstance(items, LSeq):
                for j, item in enumerate(items):
                    if isinstance(item, str) and item:
                        path = item.split("=", 1)[1] if key == "files" and "=" in item else item
                        yield Ref(fname, path, items.item_line(j), "source")
        env = f.get("env")
        if isinstance(env, str) and env:
            yield Ref(fname, env, _value_line(gen, "env", gline), "source")


def _replacements(value: Any, line: int, r: _Reader) -> list[ReplacementSpec]:
    """`replacements`: entries with a `path` (a file of replacements) or inline source/targets."""
    if value is None:
        return []
    if not isinstance(value, LSeq):
        r.problem(ProblemKind.INVALID, line, "'replacements' must be a list")
        return []
    out: list[ReplacementSpec] = []
    for i, entry in enumerate(value):
        path = entry.get("path") if isinstance(entry, LMap) else None
        if isinstance(path, str) and path:
            out.append(ReplacementSpec(_value_line(entry, "path", value.item_line(i)), path=path))
        elif isinstance(entry, LMap):
            out.append(ReplacementSpec(value.item_line(i), targets=replacement_targets(entry)))
    return out


def _refs(
    doc: LMap, keys: dict[str, str], patches: list[PatchSpec], replacements: list[ReplacementSpec], r: _Reader
) -> list[Ref]:
    refs: list[Ref] = []
    for fname, role in (("resources", "resource"), ("bases", "resource"), ("components", "component")):
        if fname in keys:
            refs.extend(Ref(fname, v, line, role) for v, line in r.strings(doc, keys[fname], fname))
    for fname in ("crds", "configurations"):
        if fname in keys:
            refs.extend(Ref(fname, v, line, "file") for v, line in r.strings(doc, keys[fname], fname))
    refs.extend(Ref(p.field, p.path, p.line, "file") for p in patches if p.path is not None)
    for fname in ("configMapGenerator", "secretGenerator"):
        if fname in keys:
            refs.extend(_generator_sources(fname, doc[keys[fname]], doc.key_line(keys[fname]), r))
    refs.extend(Ref("replacements", x.path, x.line, "file") for x in replacements if x.path is not None)
    if "openapi" in keys:
        api = doc[keys["openapi"]]
        path = api.get("path") if isinstance(api, LMap) else None
        if isinstance(path, str) and path:
            refs.append(Ref("openapi", path, _value_line(api, "path", doc.key_line(keys["openapi"])), "file"))
    return refs


def _plugins(doc: LMap, keys: dict[str, str], r: _Reader) -> list[Ref]:
    """generators / transformers / validators: inline configurations are checked now, files by discovery."""
    refs: list[Ref] = []
    for fname in ("generators", "transformers", "validators"):
        if fname not in keys:
            continue
        for text, line in r.strings(doc, keys[fname], fname):
            docs = load_documents(text).documents if "\n" in text or ":" in text else ()
            configs = [d.data for d in docs if isinstance(d.data, Mapping)]
            if not configs:
                refs.append(Ref(fname, text, line, "plugin"))
                continue
            first = r.literal_first_line(line)
            for d in docs:
                if isinstance(d.data, Mapping):
                    where = first + d.line - 1 if first is not None else line
                    reason = check_plugin_doc(d.data, r.allow_helm)
                    if reason is not None:
                        r.problem(reason[0], where, f"{fname}: {reason[1]}")
    return refs


def _scalar(doc: LMap, keys: dict[str, str], name: str, r: _Reader) -> tuple[str, int] | None:
    if name not in keys:
        return None
    value = doc[keys[name]]
    line = doc.key_line(keys[name])
    if value is None:
        return None
    if not isinstance(value, str):
        r.problem(ProblemKind.INVALID, line, f"'{name}' must be a string")
        return None
    return value, line


def _helm(doc: LMap, keys: dict[str, str], r: _Reader) -> list[Ref]:
    present = [k for k in HELM_FIELDS if k in keys and doc[keys[k]]]
    if not present:
        return []
    if not r.allow_helm:
        for k in present:
            r.problem(
                ProblemKind.HELM,
                doc.key_line(keys[k]),
                f"'{k}': gitnad does not inflate Helm charts unless kustomize.allowHelm is true in .gitnad.yaml",
            )
        return []
    globals_ = doc.get(keys["helmGlobals"]) if "helmGlobals" in keys else None
    home = globals_.get("chartHome") if isinstance(globals_, LMap) else None
    line = doc.key_line(keys.get("helmGlobals", keys[present[0]]))
    refs = [Ref("helmGlobals", home if isinstance(home, str) and home else "charts", line, "chart-home")]
    charts = doc.get(keys["helmCharts"]) if "helmCharts" in keys else None
    if not isinstance(charts, LSeq):
        return refs
    for i, chart in enumerate(charts):
        if not isinstance(chart, LMap):
            continue
        repo = chart.get("repo")
        if isinstance(repo, str) and repo:
            r.problem(
                ProblemKind.REMOTE,
                _value_line(chart, "repo", charts.item_line(i)),
                f"helmCharts: chart repository '{repo}' needs the network; vendor the chart under the chart home",
            )
        for key in ("valuesFile",):
            v = chart.get(key)
            if isinstance(v, str) and v:
                refs.append(Ref("helmCharts", v, _value_line(chart, key, charts.item_line(i)), "file"))
    return refs


def refused_remote(ref: Ref) -> str | None:
    """The problem message when `ref` names something remote, else None."""
    reason = remote_reason(ref.value)
    if reason is None:
        return None
    return (
        f"{ref.field}: '{ref.value}' is {reason}; gitnad renders without network, so vendor it into the repository "
        "(or commit the rendered output)"
    )


def _remote_refs(refs: list[Ref], r: _Reader) -> list[Ref]:
    """Refuse every remote entry (kustomize would clone or download it); keep the local ones."""
    local: list[Ref] = []
    for ref in refs:
        message = refused_remote(ref)
        if message is None:
            local.append(ref)
        else:
            r.problem(ProblemKind.REMOTE, ref.line, message)
    return local


def _kind(doc: LMap, keys: dict[str, str], r: _Reader) -> bool:
    """True for a Component; a kind kustomize does not know is a problem."""
    kind = doc.get(keys["kind"]) if "kind" in keys else None
    if kind in (None, "", "Kustomization"):
        return False
    if kind == "Component":
        return True
    r.problem(ProblemKind.INVALID, doc.key_line(keys["kind"]), f"kind '{kind}': should be Kustomization or Component")
    return False


def _build_metadata(doc: LMap, keys: dict[str, str], r: _Reader) -> tuple[str, ...]:
    if "buildMetadata" not in keys:
        return ()
    return tuple(v for v, _ in r.strings(doc, keys["buildMetadata"], "buildMetadata"))


def read_kustomization(directory: str, file: str, data: bytes, allow_helm: bool) -> KFile:
    """Parse one kustomization file; never raises (problems are in the record)."""
    loaded = load_documents(data)
    text = data.decode("utf-8", "replace")
    r = _Reader(file, text, allow_helm)
    docs = [d for d in loaded.documents if d.data is not None]
    if loaded.problem is not None:
        r.problem(ProblemKind.SYNTAX, loaded.problem.line, loaded.problem.message)
        return KFile(directory, file, parsed=False, problems=tuple(r.problems))
    if len(docs) != 1 or not isinstance(docs[0].data, LMap):
        what = "several YAML documents" if len(docs) > 1 else "no mapping"
        r.problem(ProblemKind.SYNTAX, docs[1].line if len(docs) > 1 else 1, f"a kustomization file holds {what}")
        return KFile(directory, file, parsed=False, problems=tuple(r.problems))
    doc = docs[0].data
    keys = fold_fields(doc, _BY_FOLDED, "a kustomization", r)
    component = _kind(doc, keys, r)
    patches = _patches(doc, keys, r)
    key = keys.get("replacements")
    replacements = _replacements(doc[key], doc.key_line(key), r) if key is not None else []
    plugin_refs = _plugins(doc, keys, r)
    refs = _remote_refs([*_refs(doc, keys, patches, replacements, r), *plugin_refs, *_helm(doc, keys, r)], r)
    prefix = _scalar(doc, keys, "namePrefix", r)
    suffix = _scalar(doc, keys, "nameSuffix", r)
    return KFile(
        directory,
        file,
        parsed=True,
        component=component,
        refs=tuple(refs),
        patches=tuple(p for p in patches if p.path is None or remote_reason(p.path) is None),
        replacements=tuple(x for x in replacements if x.path is None or remote_reason(x.path) is None),
        namespace=_scalar(doc, keys, "namespace", r),
        name_prefix=prefix[0] if prefix else "",
        name_suffix=suffix[0] if suffix else "",
        build_metadata=_build_metadata(doc, keys, r),
        problems=tuple(r.problems),
    )
