"""Built-in rules: one module per rule, registered in the explicit tuple below (never by directory scan)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope
from gitnad.rules import (
    gn001_manifest_unreadable,
    gn101_invalid_nad_reference,
    gn102_binding_change,
    gn103_restart_required,
    gn104_default_network_swap,
    gn105_hotplug_with_swap,
    gn106_target_nad_not_in_repo,
    gn107_cosmetic_rewrite,
    gn108_nad_sync_order,
    gn109_nad_still_referenced,
    gn110_cni_type_change,
    gn111_untested_binding,
    gn112_invalid_nad_config,
    gn113_duplicate_object,
    gn201_target_nad_missing,
    gn202_kubevirt_version,
    gn203_feature_gate_disabled,
    gn204_no_live_migrate_update,
    gn205_vmi_not_migratable,
    gn206_vm_not_running,
    gn207_migration_queue,
    gn208_dynamic_networks_controller,
    gn209_kubevirt_not_ready,
    gn210_migration_in_flight,
    gn211_cluster_diverged,
    gn212_cluster_state_unknown,
    gn903_config_changed,
)

ALL_RULES: tuple[ModuleType, ...] = (
    gn001_manifest_unreadable,
    gn101_invalid_nad_reference,
    gn102_binding_change,
    gn103_restart_required,
    gn104_default_network_swap,
    gn105_hotplug_with_swap,
    gn106_target_nad_not_in_repo,
    gn107_cosmetic_rewrite,
    gn108_nad_sync_order,
    gn109_nad_still_referenced,
    gn110_cni_type_change,
    gn111_untested_binding,
    gn112_invalid_nad_config,
    gn113_duplicate_object,
    gn201_target_nad_missing,
    gn202_kubevirt_version,
    gn203_feature_gate_disabled,
    gn204_no_live_migrate_update,
    gn205_vmi_not_migratable,
    gn206_vm_not_running,
    gn207_migration_queue,
    gn208_dynamic_networks_controller,
    gn209_kubevirt_not_ready,
    gn210_migration_in_flight,
    gn211_cluster_diverged,
    gn212_cluster_state_unknown,
    gn903_config_changed,
)

CheckFn = Callable[[CheckContext], Iterator[Finding]]


def meta(rule: ModuleType) -> RuleMeta:
    m: RuleMeta = rule.META
    return m


def check_fn(rule: ModuleType) -> CheckFn:
    fn: CheckFn = rule.check
    return fn


BY_CODE: dict[str, ModuleType] = {meta(r).code: r for r in ALL_RULES}
BY_NAME: dict[str, ModuleType] = {meta(r).name: r for r in ALL_RULES}


def lookup(code_or_name: str) -> RuleMeta | None:
    """A rule's metadata by code (`GN201`) or name (`target-nad-missing`)."""
    rule = BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name)
    return meta(rule) if rule is not None else None


def needs_cluster(rule: ModuleType) -> bool:
    return meta(rule).scope is Scope.CLUSTER


def run_rules(ctx: CheckContext) -> tuple[list[Finding], list[RuleMeta]]:
    """Run every applicable rule; returns (findings, rules skipped because there is no cluster)."""
    findings: list[Finding] = []
    skipped: list[RuleMeta] = []
    for rule in ALL_RULES:
        if needs_cluster(rule) and ctx.cluster is None:
            skipped.append(meta(rule))
            continue
        findings.extend(check_fn(rule)(ctx))
    return findings, skipped
