"""Which facts a `ClusterFacts.unreadable` entry blocks, so drift fails closed exactly where it must.

An entry is `<resource>: <reason>` (e.g. `virtualmachineinstancemigrations.kubevirt.io: 403 Forbidden`); the
resource part decides, else the whole text is searched. An entry naming no known resource blocks every fact.
"""

from __future__ import annotations

import enum
import re

from gitnad.models.cluster import ClusterFacts


class Fact(enum.StrEnum):
    VM = "vm"
    VMI = "vmi"
    MIGRATION = "migration"
    POD = "pod"
    NAD = "nad"
    KUBEVIRT = "kubevirt"
    OTHER = "other"


_PATTERNS: dict[Fact, re.Pattern[str]] = {
    Fact.MIGRATION: re.compile(r"virtualmachineinstancemigrations?\b|\bvmims?\b|\bmigrations?\b"),
    Fact.VMI: re.compile(r"\bvirtualmachineinstances?\b|\bvmis?\b"),
    Fact.VM: re.compile(r"\bvirtualmachines?\b|\bvms?\b"),
    Fact.POD: re.compile(r"\bpods?\b|virt-launcher"),
    Fact.NAD: re.compile(r"network-?attachment-?definitions?|\bnads?\b"),
    Fact.KUBEVIRT: re.compile(r"\bkubevirts\b|\bkubevirt (cr|custom resource)\b|^kubevirt\b(?!\.io)"),
    Fact.OTHER: re.compile(r"\bdaemonsets?\b|\bnamespaces?\b"),
}


def facts_of(entry: str) -> frozenset[Fact]:
    """The facts an unreadable entry concerns; every fact when it names none."""
    text = entry.lower()
    head = text.split(":", 1)[0] if ":" in text else ""
    for part in (head, text):
        hit = frozenset(f for f, p in _PATTERNS.items() if p.search(part))
        if hit:
            return hit
    return frozenset(Fact)


def unreadable(facts: ClusterFacts, fact: Fact) -> str | None:
    """The unreadable entries that block `fact`, joined; None when the fact was read."""
    hits = [e for e in facts.unreadable if fact in facts_of(e)]
    return "; ".join(hits) if hits else None
