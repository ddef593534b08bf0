"""SARIF, checked by its consumer's contract: the official SARIF 2.1.0 schema, and what code scanning needs
(rule metadata for every code, exact regions, stable fingerprints, suppressions)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitnad import __version__
from gitnad.app.rules_catalogue import catalogue
from gitnad.config import OutputFormat
from gitnad.models.findings import Finding, Severity, Skipped, WaiverSource
from gitnad.models.results import CheckResult, Refs, Summary
from gitnad.report import render

TESTS = Path(__file__).resolve().parents[2]
GOLDEN = TESTS / "golden" / "sarif"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads((TESTS / "schemas" / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def schema_errors(doc: Any) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(doc)]


def sarif(*findings: Finding, skipped: tuple[Skipped, ...] = ()) -> dict[str, Any]:
    result = CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=(),
        findings=findings,
        skipped=skipped,
        summary=Summary(),
        cluster_source="offline",
        rules=catalogue(),
    )
    doc: dict[str, Any] = json.loads(render(result, OutputFormat.SARIF))
    assert schema_errors(doc) == []
    return doc


def finding(**kw: Any) -> Finding:
    base: dict[str, Any] = {
        "code": "GN201",
        "rule": "target-nad-missing",
        "severity": Severity.ERROR,
        "message": "m",
        "vm": "prod/db-1",
        "network": "bridge-net",
        "file": "vms/db-1.yaml",
        "line": 31,
    }
    return Finding(**{**base, **kw})


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.sarif")), ids=lambda p: p.name)
def test_golden_sarif_is_valid_against_the_official_schema(path: Path) -> None:
    assert schema_errors(json.loads(path.read_text())) == []


def test_every_rule_policy_and_meta_code_has_metadata() -> None:
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(m.code for m in catalogue())
    by_id = {r["id"]: r for r in rules}
    gn207 = by_id["GN207"]
    assert (gn207["name"], gn207["defaultConfiguration"]["level"]) == ("migration-queue", "warning")
    assert (
        gn207["shortDescription"]["text"]
        == "Affected running VMIs exceed the cluster or per-node parallel migration limits"
    )
    assert gn207["fullDescription"]["text"].startswith("the change makes more running VMIs migrate than KubeVirt runs")
    assert gn207["help"]["markdown"].startswith("**What:** the change makes more running VMIs migrate")
    assert "\n\n**Fix:** nothing is wrong, but plan the time" in gn207["help"]["markdown"]
    assert by_id["GN206"]["defaultConfiguration"]["level"] == "note"
    assert by_id["GN306"]["name"] == "allowed-vlans" and by_id["GN901"]["name"] == "waiver-expired"
    assert all(r["help"]["markdown"] and r["fullDescription"]["text"] for r in rules)


def test_result_region_rule_index_and_properties() -> None:
    (r,) = sarif(finding(policy="p1", code="GN306", rule="allowed-vlans"))["runs"][0]["results"]
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert rules[r["ruleIndex"]]["id"] == "GN306"
    assert r["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "vms/db-1.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 31},
            }
        }
    ]
    assert r["properties"] == {"vm": "prod/db-1", "network": "bridge-net", "policy": "p1"}
    assert (r["level"], r["message"]) == ("error", {"text": "m"})


def test_fingerprints_ignore_line_and_message_but_not_identity() -> None:
    def fp(**kw: Any) -> str:
        (r,) = sarif(finding(**kw))["runs"][0]["results"]
        value: str = r["partialFingerprints"]["gitnad/v1"]
        return value

    same = fp()
    assert fp(line=90, message="other words") == same
    assert len({same, fp(vm="prod/db-2"), fp(network="other"), fp(file="vms/x.yaml"), fp(code="GN205")}) == 5


@pytest.mark.parametrize(
    ("source", "kind"),
    [(WaiverSource.ANNOTATION, "inSource"), (WaiverSource.EXCEPTION, "external")],
    ids=["annotation", "exception"],
)
def test_waived_findings_are_suppressions(source: WaiverSource, kind: str) -> None:
    f = finding(waived=True, waiver="NADPolicyException e (x.yaml:3): migration approved", waiver_source=source)
    (r,) = sarif(f)["runs"][0]["results"]
    assert r["suppressions"] == [
        {"kind": kind, "status": "accepted", "justification": "NADPolicyException e (x.yaml:3): migration approved"}
    ]


def test_findings_without_file_or_line_stay_valid() -> None:
    no_file, no_line = sarif(finding(file=None, line=None), finding(line=None))["runs"][0]["results"]
    assert no_file["locations"] == []
    assert no_line["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "vms/db-1.yaml", "uriBaseId": "%SRCROOT%"}
    }


def test_hostile_file_names_are_uri_encoded() -> None:
    (r,) = sarif(finding(file="vms/a b#?%\nSummary: 0 errors.yaml"))["runs"][0]["results"]
    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "vms/a%20b%23%3F%25%0ASummary%3A%200%20errors.yaml"


def test_skipped_rules_are_notifications_never_passes() -> None:
    run = sarif(skipped=(Skipped(code="GN205", reason="offline"),))["runs"][0]
    (note,) = run["invocations"][0]["toolConfigurationNotifications"]
    assert note["associatedRule"]["id"] == "GN205"
    assert run["tool"]["driver"]["rules"][note["associatedRule"]["index"]]["id"] == "GN205"
    assert note["message"]["text"] == "GN205 was not run (offline): its findings are unknown, not passed"


def test_drift_rules_are_the_states_that_need_attention() -> None:
    doc = json.loads((GOLDEN / "demo-drift.sarif").read_text())
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "drift/InSync" not in ids and "drift/Stopped" not in ids and "drift/Unknown" in ids
    states = sorted({r["ruleId"] for r in run["results"]})
    assert states == [
        "drift/Migrating",
        "drift/MigrationFailed",
        "drift/MigrationPending",
        "drift/NADMissing",
        "drift/OutOfSync",
        "drift/PodDrift",
        "drift/RestartRequired",
    ]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
