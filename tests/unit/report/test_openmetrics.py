"""OpenMetrics for drift and reconcile, parsed by prometheus_client: as OpenMetrics (a Prometheus scrape)
and as the Prometheus text format the node-exporter textfile collector and the Pushgateway read."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.results import DriftItem, DriftResult, DriftState
from gitnad.report import render

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "openmetrics"


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in parse_openmetrics(text):
        assert family.type == "gauge"
        out[family.name] = [(s.labels, s.value) for s in family.samples]
    return out


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.prom")), ids=lambda p: p.name)
def test_golden_parses_as_openmetrics_and_as_prometheus_text(path: Path) -> None:
    text = path.read_text()
    assert text.endswith("\n# EOF\n")
    om = samples(text)
    prom = {f.name: [(s.labels, s.value) for s in f.samples] for f in parse_prometheus(text)}
    assert prom == om
    assert [labels["state"] for labels, _ in om["gitnad_drift_items"]] == [s.value for s in DriftState]


def test_demo_drift_figures() -> None:
    om = samples((GOLDEN / "demo-drift.prom").read_text())
    items = {labels["state"]: value for labels, value in om["gitnad_drift_items"]}
    assert (items["InSync"], items["NADMissing"], items["Unknown"], sum(items.values())) == (2, 2, 0, 13)
    assert om["gitnad_drift_converged"] == [({}, 0)]
    assert om["gitnad_drift_unknown"] == [({}, 0)]
    info = om["gitnad_drift_network_info"]
    assert len(info) == 13 and all(value == 1 for _, value in info)
    assert info[0] == (
        {
            "vm": "prod/batch-1",
            "network": "bridge-net",
            "declared": "prod/vlan-20",
            "state": "Stopped",
            "converged": "true",
        },
        1,
    )
    ((ref, _),) = om["gitnad_drift_ref_info"]
    assert (ref["command"], len(ref["ref"]), ref["base"]) == ("drift", 40, "")


def test_reconcile_counts_actions_per_kind_and_outcome() -> None:
    om = samples((GOLDEN / "demo-reconcile.prom").read_text())
    actions = {(labels["kind"], labels["outcome"]): value for labels, value in om["gitnad_reconcile_actions"]}
    assert len(actions) == 12
    assert {k: v for k, v in actions.items() if v} == {
        ("create-migration", "skipped"): 1,
        ("restart-vm", "planned"): 2,
        ("none", "skipped"): 5,
    }
    assert om["gitnad_reconcile_free_migration_slots"] == [({}, 0)]


def test_hostile_label_values_round_trip_and_every_state_is_there_when_empty() -> None:
    item = DriftItem(
        vm='prod/a"b\\c',
        network="net\nx",
        declared=None,
        state=DriftState.UNKNOWN,
        converged=False,
        detail="d",
    )
    one = samples(render(DriftResult(version=__version__, ref=None, items=(item,)), OutputFormat.OPENMETRICS))
    ((labels, _),) = one["gitnad_drift_network_info"]
    assert (labels["vm"], labels["network"], labels["declared"]) == ('prod/a"b\\c', "net\nx", "")
    assert one["gitnad_drift_unknown"] == [({}, 1)]
    empty = samples(render(DriftResult(version=__version__, ref=None, items=()), OutputFormat.OPENMETRICS))
    assert [v for _, v in empty["gitnad_drift_items"]] == [0] * len(DriftState)
    assert empty["gitnad_drift_converged"] == [({}, 1)]
    assert empty["gitnad_drift_network_info"] == []
