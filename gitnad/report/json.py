"""The stable machine contract (SPEC §10): sorted, deterministic JSON for every result.

Every document starts with `tool`, `schemaVersion`, `version` and `command`; its shape is the JSON Schema
`gitnad/data/schemas/<command>.schema.json` (tests validate every golden file against it). `schemaVersion`
changes only when a field is removed or changes meaning; new fields do not change it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from gitnad.models.changes import Change
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM
from gitnad.models.results import (
    CheckResult,
    DriftResult,
    DriftState,
    MigrationPlan,
    PolicyTestResult,
    PolicyValidateResult,
    ScanResult,
)
from gitnad.report.common import Result

SCHEMA_VERSION = 1


def header(command: str, version: str) -> dict[str, Any]:
    return {"tool": "gitnad", "schemaVersion": SCHEMA_VERSION, "version": version, "command": command}


def _root(out: dict[str, Any], root: str | None) -> dict[str, Any]:
    """`source_root` (the Kustomize overlay root) on what an overlay rendered; absent for plain manifests."""
    if root is not None:
        out["source_root"] = root
    return out


def finding(f: Finding) -> dict[str, Any]:
    out = {
        "code": f.code,
        "rule": f.rule,
        "severity": f.severity.value,
        "vm": f.vm,
        "network": f.network,
        "file": f.file,
        "line": f.line,
        "message": f.message,
        "waived": f.waived,
        "waiver": f.waiver,
        "policy": f.policy,
    }
    return _root(out, f.source_root)


def change(c: Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": c.kind.value,
        "vm": c.vm,
        "network": c.network,
        "from": c.from_,
        "to": c.to,
        "file": c.file,
        "line": c.line,
    }
    if c.nad is not None:
        out["nad"] = c.nad
    if c.interface is not None:
        out["interface"] = c.interface
    if c.detail is not None:
        out["detail"] = c.detail
    return _root(out, c.source_root)


def _file(out: dict[str, Any], file: str | None) -> dict[str, Any]:
    """`file` on a network or interface set in another file than its VM's (an overlay's patch)."""
    if file is not None:
        out["file"] = file
    return out


def vm(v: VM) -> dict[str, Any]:
    out = {
        "kind": v.kind.value,
        "namespace": v.namespace,
        "name": v.name,
        "file": v.file,
        "line": v.line,
        "networks": [
            _file(
                {"name": n.name, "source": n.source.value, "nad": n.nad, "default": n.default, "line": n.line}, n.file
            )
            for n in v.networks
        ],
        "interfaces": [
            _file(
                {
                    "name": i.name,
                    "binding": i.binding,
                    "model": i.model,
                    "mac": i.mac,
                    "state": i.state,
                    "line": i.line,
                },
                i.file,
            )
            for i in v.interfaces
        ],
    }
    return _root(out, v.source_root)


def nad(n: NAD) -> dict[str, Any]:
    out = {
        "namespace": n.namespace,
        "name": n.name,
        "cni_type": n.cni_type,
        "vlan": n.vlan,
        "resource_name": n.resource_name,
        "file": n.file,
        "line": n.line,
    }
    return _root(out, n.source_root)


def drift_payload(result: DriftResult) -> dict[str, Any]:
    counts = Counter(i.state for i in result.items)
    summary: dict[str, Any] = {s.value: counts[s] for s in DriftState if counts[s]}
    summary["converged"] = result.converged
    return {
        **header("drift", result.version),
        "ref": result.ref,
        "base": result.base,
        "items": [
            {
                "vm": i.vm,
                "network": i.network,
                "declared": i.declared,
                "live_vm": i.live_vm,
                "vmi": i.vmi,
                "pod": i.pod,
                "state": i.state.value,
                "converged": i.converged,
                "detail": i.detail,
                "migration": i.migration,
                "file": i.file,
                "line": i.line,
            }
            for i in result.items
        ],
        "summary": summary,
        "unreadable": [u.model_dump() for u in result.unreadable],
        "warnings": list(result.warnings),
    }


def plan(p: MigrationPlan | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "waves": p.waves,
        "limits": {
            "parallelMigrationsPerCluster": p.parallel_migrations_per_cluster,
            "parallelOutboundMigrationsPerNode": p.parallel_outbound_migrations_per_node,
        },
        "nodes": [{"node": n.node, "migrations": n.migrations} for n in p.nodes],
        "entries": [
            {
                "vm": e.vm,
                "instance": e.instance,
                "networks": list(e.networks),
                "outcome": e.outcome.value,
                "reason": e.reason,
                "node": e.node,
                "takes_slot": e.takes_slot,
                "file": e.file,
                "line": e.line,
            }
            for e in p.entries
        ],
    }


def policy_validate(result: PolicyValidateResult) -> dict[str, Any]:
    return {
        **header(result.command, result.version),
        "valid": result.valid,
        "files": [
            {
                "file": r.file,
                "valid": r.valid,
                "policies": list(r.policies),
                "exceptions": list(r.exceptions),
                "errors": list(r.errors),
            }
            for r in result.files
        ],
    }


def policy_test(result: PolicyTestResult) -> dict[str, Any]:
    return {
        **header(result.command, result.version),
        "passed": result.passed,
        "cases": [
            {
                "test": r.test,
                "file": r.file,
                "case": r.case,
                "line": r.line,
                "passed": r.passed,
                "missing": list(r.missing),
                "unexpected": list(r.unexpected),
            }
            for r in result.cases
        ],
    }


def payload(result: Result) -> dict[str, Any]:
    """The JSON document for a result, as plain data."""
    if isinstance(result, ScanResult):
        return {
            **header("scan", result.version),
            "ref": result.ref,
            "vms": [vm(v) for v in result.vms],
            "nads": [nad(n) for n in result.nads],
            "findings": [finding(f) for f in result.findings],
            "warnings": list(result.warnings),
        }
    if isinstance(result, CheckResult):
        return {
            **header("check", result.version),
            "refs": {"base": result.refs.base, "head": result.refs.head},
            "cluster": result.cluster_source,
            "changes": [change(c) for c in result.changes],
            "findings": [finding(f) for f in result.findings],
            "skipped": [{"code": s.code, "reason": s.reason} for s in result.skipped],
            "summary": result.summary.model_dump(),
            "warnings": list(result.warnings),
            "plan": plan(result.plan),
        }
    if isinstance(result, DriftResult):
        return drift_payload(result)
    if isinstance(result, PolicyValidateResult):
        return policy_validate(result)
    if isinstance(result, PolicyTestResult):
        return policy_test(result)
    drift = drift_payload(result.drift)
    return {
        **header("reconcile", result.version),
        "ref": result.ref,
        "applied": result.applied,
        "free_slots": result.free_slots,
        "actions": [a.model_dump(mode="json") for a in result.actions],
        "items": drift["items"],
        "summary": drift["summary"],
        "unreadable": drift["unreadable"],
    }


def render(result: Result) -> str:
    """One line of JSON: the C encoder (indenting falls back to the pure-Python one, ~10x slower on big scans).

    Pipe through `jq .` (or `python -m json.tool`) to read it.
    """
    return json.dumps(payload(result), separators=(",", ":"), ensure_ascii=False) + "\n"
