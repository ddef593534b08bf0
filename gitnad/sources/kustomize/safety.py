"""What gitnad refuses to hand to kustomize: anything that reaches the network or runs code.

Remote references follow kustomize's own parser (api/internal/git/repospec.go `NewRepoSpecFromURL`, and
api/internal/loader `IsRemoteFile`): a URL scheme (`https://`, `ssh://`, `file://`, `git::`), the `github.com/`
shorthand, scp-style `user@host:path`, or a `?ref=`/`?version=` query. Plugin configurations are builtin only
when their apiVersion is exactly `builtin` (api/internal/plugins/loader `isBuiltinPlugin`); anything else is an
exec or Go plugin or a KRM function (`config.kubernetes.io/function`), which kustomize would run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gitnad.sources.kustomize.model import ProblemKind

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^[A-Za-z][A-Za-z0-9-]*@[^/:]+:")
_QUERY = re.compile(r"\?(.*&)?(ref|version|timeout|submodules)=")
FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")
BUILTIN_PLUGINS = frozenset(
    {
        *("AnnotationsTransformer", "ConfigMapGenerator", "IAMPolicyGenerator", "HashTransformer"),
        *("ImageTagTransformer", "LabelTransformer", "NamespaceTransformer", "PatchJson6902Transformer"),
        *("PatchStrategicMergeTransformer", "PatchTransformer", "PrefixSuffixTransformer", "PrefixTransformer"),
        *("SuffixTransformer", "ReplicaCountTransformer", "SecretGenerator", "ValueAddTransformer"),
        *("HelmChartInflationGenerator", "ReplacementTransformer", "SortOrderTransformer"),
    }
)
"""builtinhelpers.BuiltinPluginType (kustomize v5)."""
HELM_PLUGIN = "HelmChartInflationGenerator"


def remote_reason(value: str) -> str | None:
    """Why `value` names something outside the repository that kustomize would fetch, or None when local."""
    v = value.strip()
    low = v.lower()
    if low.startswith("git::"):
        return "a remote git repository (go-getter 'git::' URL)"
    if _SCHEME.match(v):
        return f"a remote URL ({low.split('://', 1)[0]}://)"
    if low.startswith(("github.com/", "github.com:")):
        return "a remote GitHub repository"
    if _SCP.match(v):
        return "a remote git repository (scp-style URL)"
    if _QUERY.search(v):
        return "a remote git reference (?ref=)"
    return None


def check_plugin_doc(doc: Mapping[str, Any], allow_helm: bool) -> tuple[ProblemKind, str] | None:
    """Why a generator/transformer/validator configuration may not run, or None when it is a safe builtin."""
    api = doc.get("apiVersion")
    kind = doc.get("kind")
    meta = doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    if api == "builtin" and kind in BUILTIN_PLUGINS:
        if kind == HELM_PLUGIN and not allow_helm:
            why = "gitnad does not inflate Helm charts unless kustomize.allowHelm is true in .gitnad.yaml"
            return ProblemKind.HELM, f"builtin {kind}: {why}"
        return None
    if isinstance(annotations, Mapping) and any(a in annotations for a in FUNCTION_ANNOTATIONS):
        return ProblemKind.PLUGIN, f"'{kind}' is a KRM function (exec or container): gitnad runs no plugins"
    return ProblemKind.PLUGIN, f"'{kind}' ({api}) is an external plugin (exec or Go): gitnad runs no plugins"
