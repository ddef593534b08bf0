"""Every VM, VM pool and NAD in fixtures/ and tests/rules/ validates against KubeVirt's real CRD schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.sources.yamlio import load_documents
from tests.schemas import schema_errors

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"VirtualMachine", "VirtualMachinePool", "NetworkAttachmentDefinition"}


def _objects() -> list[tuple[str, dict[str, object]]]:
    out = []
    for base in (ROOT / "fixtures", ROOT / "tests" / "rules"):
        for path in sorted(base.rglob("*.yaml")):
            if path.name == "expected.yaml":
                continue
            loaded = load_documents(path.read_bytes())
            if loaded.problem is not None:
                continue  # deliberately broken inputs (GN001 cases) are not objects
            docs = [d.data for d in loaded.documents]
            for i, doc in enumerate(docs):
                if isinstance(doc, dict) and doc.get("kind") in KINDS:
                    out.append((f"{path.relative_to(ROOT)}#{i}", doc))
                if isinstance(doc, dict) and doc.get("kind") == "List":
                    for j, item in enumerate(doc.get("items") or []):
                        if isinstance(item, dict) and item.get("kind") in KINDS | {
                            "VirtualMachineInstance",
                            "VirtualMachineInstanceMigration",
                            "KubeVirt",
                        }:
                            out.append((f"{path.relative_to(ROOT)}#{i}/items/{j}", item))
    return out


OBJECTS = _objects()


def test_there_are_fixture_objects() -> None:
    assert len(OBJECTS) > 40


@pytest.mark.parametrize(("where", "obj"), OBJECTS, ids=[w for w, _ in OBJECTS])
def test_fixture_object_matches_crd_schema(where: str, obj: dict[str, object]) -> None:
    assert schema_errors(obj) == []


def test_invented_field_is_rejected() -> None:
    from tests.vmfactory import Net, vm_yaml

    doc = load_documents(vm_yaml("x", [Net("br", nad="nad-a", extra={"vlanTag": "10"})])).documents[0].data
    assert schema_errors(doc) == [
        "spec/template/spec/domain/devices/interfaces/0: "
        "Additional properties are not allowed ('vlanTag' was unexpected)"
    ]
