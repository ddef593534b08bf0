"""The JSON Schemas shipped in the package (gitnad/data/schemas) describe every JSON golden file exactly."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from gitnad.config import OutputFormat
from gitnad.models.changes import ChangeKind
from gitnad.models.findings import Severity
from gitnad.models.manifest import NetworkSource, VMKind
from gitnad.models.results import (
    ActionKind,
    ActionOutcome,
    CheckResult,
    DriftResult,
    DriftState,
    PlanOutcome,
    PolicyTestResult,
    PolicyValidateResult,
    Refs,
    ScanResult,
    Summary,
)
from gitnad.report import Result, render

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "json"
COMMANDS = ("scan", "check", "drift", "reconcile", "policy-validate", "policy-test")


def schema_dir() -> Any:
    return files("gitnad") / "data" / "schemas"


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, read the way an installed package reads them (package data)."""
    return {p.name: json.loads(p.read_text()) for p in schema_dir().iterdir() if p.name.endswith(".schema.json")}


def validator(command: str) -> jsonschema.Draft202012Validator:
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas().values()
    )
    return jsonschema.Draft202012Validator(schemas()[f"{command}.schema.json"], registry=registry)


def errors(command: str, doc: Any) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(command).iter_errors(doc)]


def test_one_schema_per_command_plus_shared_definitions() -> None:
    assert sorted(schemas()) == sorted([*(f"{c}.schema.json" for c in COMMANDS), "output-defs.schema.json"])


@pytest.mark.parametrize("name", sorted(schemas()))
def test_schemas_are_valid_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schemas()[name])
    assert schemas()[name]["$id"] == f"https://gitnad.dev/schemas/v1/{name}"


@pytest.mark.parametrize("command", COMMANDS)
def test_golden_json_matches_its_schema(command: str) -> None:
    doc = json.loads((GOLDEN / f"demo-{command}.json").read_text())
    assert errors(command, doc) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_schemas_reject_unknown_fields_and_a_wrong_schema_version(command: str) -> None:
    doc = json.loads((GOLDEN / f"demo-{command}.json").read_text())
    assert errors(command, {**doc, "extra": 1}) == ["/: Additional properties are not allowed ('extra' was unexpected)"]
    assert errors(command, {**doc, "schemaVersion": 2}) == ["/schemaVersion: 1 was expected"]


DEFS = "output-defs.schema.json"
ENUMS = [
    ("drift-state", DEFS, ["$defs", "driftState", "enum"], DriftState),
    ("severity", DEFS, ["$defs", "severity", "enum"], Severity),
    ("change-kind", "check.schema.json", ["$defs", "change", "properties", "kind", "enum"], ChangeKind),
    (
        "plan-outcome",
        "check.schema.json",
        ["$defs", "plan", "properties", "entries", "items", "properties", "outcome", "enum"],
        PlanOutcome,
    ),
    (
        "action-kind",
        "reconcile.schema.json",
        ["properties", "actions", "items", "properties", "kind", "enum"],
        ActionKind,
    ),
    (
        "action-outcome",
        "reconcile.schema.json",
        ["properties", "actions", "items", "properties", "outcome", "enum"],
        ActionOutcome,
    ),
    ("vm-kind", "scan.schema.json", ["properties", "vms", "items", "properties", "kind", "enum"], VMKind),
    (
        "network-source",
        "scan.schema.json",
        ["properties", "vms", "items", "properties", "networks", "items", "properties", "source", "enum"],
        NetworkSource,
    ),
]


@pytest.mark.parametrize(("name", "path", "enum"), [e[1:] for e in ENUMS], ids=[e[0] for e in ENUMS])
def test_schema_enums_follow_the_models(name: str, path: list[str], enum: type[Any]) -> None:
    node: Any = schemas()[name]
    for key in path:
        node = node[key]
    assert node == [m.value for m in enum]


EDGES: list[tuple[str, Result]] = [
    (
        "check-staged-offline",
        CheckResult(
            version="0.1.0",
            refs=Refs(base="a" * 40, head="INDEX"),
            changes=(),
            findings=(),
            skipped=(),
            summary=Summary(),
            cluster_source="offline",
        ),
    ),
    ("scan-working-tree", ScanResult(version="0.1.0", ref=None, vms=(), nads=(), findings=())),
    ("drift-nothing", DriftResult(version="0.1.0", ref="c" * 40, items=())),
    ("policy-validate-empty", PolicyValidateResult(version="0.1.0", files=())),
    ("policy-test-empty", PolicyTestResult(version="0.1.0", cases=())),
]


@pytest.mark.parametrize("result", [e[1] for e in EDGES], ids=[e[0] for e in EDGES])
def test_edge_documents_match_their_schema(result: Result) -> None:
    doc = json.loads(render(result, OutputFormat.JSON))
    assert errors(result.command.replace(" ", "-"), doc) == []
