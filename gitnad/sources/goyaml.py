"""How Kubernetes' YAML decoder resolves scalars: `sigs.k8s.io/yaml`'s fork of go-yaml v2 (`goyaml.v2/resolve.go`).

kubectl, Argo CD and Flux turn YAML into JSON with it. It is YAML 1.1 with its own edges, which differ from
PyYAML's where it matters to gitnad: `y`/`n` are booleans, `1e3` and `08` are floats, `0o17` is an integer, but
`52:54:00:12:34:56` (a MAC address) is a string rather than a base-60 integer and `=` is a plain string.
Pure functions of the text; `yamlio` (the one YAML-library user) wires them into the loader.
"""

from __future__ import annotations

import math
import re
from typing import Any

YAML_TAG = "tag:yaml.org,2002:"
MERGE_TAG = YAML_TAG + "merge"
STR_TAG = YAML_TAG + "str"
INT_TAG = YAML_TAG + "int"
FLOAT_TAG = YAML_TAG + "float"
BOOL_TAG = YAML_TAG + "bool"
NULL_TAG = YAML_TAG + "null"

# sigs.k8s.io/yaml (goyaml.v2/resolve.go): the words it resolves, the integers strconv.ParseInt(s, 0, 64) accepts
# once underscores are gone (big ones become big.Int, still integers), and its `yamlStyleFloat`.
WORDS: dict[str, tuple[str, Any]] = {
    **{w: (BOOL_TAG, True) for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{w: (BOOL_TAG, False) for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
    **{w: (NULL_TAG, None) for w in ("", "~", "null", "Null", "NULL")},
    **{w: (FLOAT_TAG, math.nan) for w in (".nan", ".NaN", ".NAN")},
    **{w: (FLOAT_TAG, math.inf) for w in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{w: (FLOAT_TAG, -math.inf) for w in ("-.inf", "-.Inf", "-.INF")},
}
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_OCTAL = re.compile(r"([-+]?)0([0-7]+)")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_NUMBER_START = frozenset("+-0123456789")


def plain_scalar_tag(text: str) -> str:
    """The tag Kubernetes' YAML decoder gives an unquoted scalar (goyaml.v2 `resolve` with no explicit tag)."""
    word = WORDS.get(text)
    if word is not None:
        return word[0]
    if text == "<<":
        return MERGE_TAG
    if text[:1] == ".":
        return FLOAT_TAG if _DOT_FLOAT.fullmatch(text) else STR_TAG
    if text[:1] in _NUMBER_START:
        plain = text.replace("_", "")
        if _GO_INT.fullmatch(plain):
            return INT_TAG
        if _GO_FLOAT.fullmatch(plain):
            return FLOAT_TAG
    return STR_TAG


def go_int(text: str) -> int | None:
    plain = text.replace("_", "")
    if not _GO_INT.fullmatch(plain):
        return None
    octal = _GO_OCTAL.fullmatch(plain)
    return int(octal[1] + octal[2], 8) if octal else int(plain, 0)


def go_float(text: str) -> float | None:
    word = WORDS.get(text)
    if word is not None and word[0] == FLOAT_TAG:
        return float(word[1])
    plain = text.replace("_", "")
    return float(plain) if _GO_FLOAT.fullmatch(plain) or _DOT_FLOAT.fullmatch(text) else None
