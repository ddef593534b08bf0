"""Validate test and fixture objects against KubeVirt v1.9's real CRD schemas (tests/crds/, see its NOTE).

Structural schemas make the API server prune unknown fields silently; here unknown fields are errors
(`additionalProperties: false` wherever a schema lists properties and does not preserve unknown fields),
so no fixture can invent a field shape.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).parent / "crds" / "kubevirt-crds-for-envtest.yaml"


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    return schema


@cache
def validators() -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    """(group, kind) -> validator of the storage version's openAPIV3Schema."""
    out = {}
    for crd in yaml.load_all(CRDS.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: 10x
        if not crd:
            continue
        spec = crd["spec"]
        version = next(v for v in spec["versions"] if v.get("storage"))
        schema = _strict(version["schema"]["openAPIV3Schema"])
        schema.setdefault("properties", {}).update(
            {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
        )
        out[(spec["group"], spec["names"]["kind"])] = jsonschema.Draft4Validator(schema)
    return out


def schema_errors(obj: dict[str, Any]) -> list[str]:
    """Errors of one object; VirtualMachinePool is checked through its VM template (no pool CRD is shipped)."""
    group = obj["apiVersion"].split("/")[0]
    kind = obj["kind"]
    if (group, kind) == ("pool.kubevirt.io", "VirtualMachinePool"):
        vmt = obj["spec"]["virtualMachineTemplate"]
        obj = {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachine",
            "metadata": vmt.get("metadata", {}),
            "spec": vmt["spec"],
        }
        group, kind = "kubevirt.io", "VirtualMachine"
    v = validators()[(group, kind)]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(obj)]
