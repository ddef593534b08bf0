"""OpenMetrics text for drift and reconcile: alert on drift that persists (Prometheus).

Written for the node-exporter textfile collector (`--output /var/lib/node_exporter/textfile/gitnad.prom`)
or a Pushgateway. Every family is a gauge, so the same bytes parse as OpenMetrics and as the Prometheus
text format those two read (`# EOF` is a comment there). Every state is present, with 0 when no network
is in it, so `rate()` and `absent()` behave; no timestamps (the collector stamps the scrape).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from gitnad.models.results import ActionKind, ActionOutcome, DriftResult, DriftState, ReconcileResult
from gitnad.report.common import drift_of

Labels = Iterable[tuple[str, str]]


def label_value(value: str) -> str:
    """Escaped as OpenMetrics requires: backslash, double quote and line feed."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def sample(name: str, labels: Labels, value: int) -> str:
    pairs = ",".join(f'{k}="{label_value(v)}"' for k, v in labels)
    return f"{name}{{{pairs}}} {value}" if pairs else f"{name} {value}"


def family(name: str, help_text: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples]


def _drift(result: DriftResult, command: str) -> list[str]:
    counts = Counter(i.state for i in result.items)
    unknown = counts[DriftState.UNKNOWN]
    return [
        *family(
            "gitnad_drift_items",
            "VM networks declared in git, per drift state (every state listed).",
            (sample("gitnad_drift_items", [("state", s.value)], counts[s]) for s in DriftState),
        ),
        *family(
            "gitnad_drift_converged",
            "1 when every VM network runs on the NAD declared in git, else 0.",
            [sample("gitnad_drift_converged", [], int(result.converged))],
        ),
        *family(
            "gitnad_drift_unknown",
            "VM networks whose state could not be determined (something could not be read).",
            [sample("gitnad_drift_unknown", [], unknown)],
        ),
        *family(
            "gitnad_drift_network_info",
            "One series per VM network declared in git, labelled with its declared NAD and drift state.",
            (
                sample(
                    "gitnad_drift_network_info",
                    [
                        ("vm", i.vm),
                        ("network", i.network),
                        ("declared", i.declared or ""),
                        ("state", i.state.value),
                        ("converged", "true" if i.converged else "false"),
                    ],
                    1,
                )
                for i in result.items
            ),
        ),
        *family(
            "gitnad_drift_ref_info",
            "The git commit the declared state was read from.",
            [
                sample(
                    "gitnad_drift_ref_info",
                    [
                        ("command", command),
                        ("ref", result.ref or ""),
                        ("base", result.base or ""),
                        ("version", result.version),
                    ],
                    1,
                )
            ],
        ),
    ]


def _actions(result: ReconcileResult) -> list[str]:
    counts = Counter((a.kind, a.outcome) for a in result.actions)
    lines = family(
        "gitnad_reconcile_actions",
        "Reconcile actions per kind and outcome (planned in a dry run).",
        (
            sample("gitnad_reconcile_actions", [("kind", k.value), ("outcome", o.value)], counts[(k, o)])
            for k in ActionKind
            for o in ActionOutcome
        ),
    )
    if result.free_slots is not None:
        lines += family(
            "gitnad_reconcile_free_migration_slots",
            "Free migration slots under parallelMigrationsPerCluster when reconcile ran.",
            [sample("gitnad_reconcile_free_migration_slots", [], result.free_slots)],
        )
    return lines


def render(result: DriftResult | ReconcileResult) -> str:
    lines = _drift(drift_of(result), result.command)
    if isinstance(result, ReconcileResult):
        lines += _actions(result)
    return "\n".join([*lines, "# EOF"]) + "\n"
