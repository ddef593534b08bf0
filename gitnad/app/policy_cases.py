"""Policy test cases (`gitnad-test.yaml`): load them, build the check context from their files, compare findings.

A case is judged like `gitnad check` judges a change: the same classifier, built-in rules, policies and
waivers. Only the findings in scope are compared: policy findings (GN3xx), waiver findings (GN9xx), and
every rule the case names in `expect` or `codes`. Each expectation must match a distinct finding on the
fields it gives (`message` as a substring); every finding in scope must be expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitnad import policy, rules
from gitnad.app.judge import evaluate, referencing, vm_deltas
from gitnad.app.policy_files import load_policies, load_validated
from gitnad.app.settings import known_rule
from gitnad.changes import classify_nads
from gitnad.config import ClusterSettings, RepoConfig
from gitnad.errors import ConfigError
from gitnad.models.changes import ChangeKind
from gitnad.models.cluster import ClusterFacts
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM
from gitnad.policy.loader import problem_at
from gitnad.policy.model import PolicySet
from gitnad.policy.schemas import SchemaName, line_of
from gitnad.sources.scanner import ScanSettings, scan_file

TEST_FILE_NAMES = ("gitnad-test.yaml", "gitnad-test.yml")
ALWAYS_COMPARED = ("GN3", "GN9")
CaseResultParts = tuple[tuple[str, ...], tuple[str, ...]]
EXPECT_FIELDS = ("code", "vm", "network", "policy", "severity", "waived", "line", "message")


@dataclass(frozen=True)
class Case:
    test: str
    file: str
    name: str
    root: Path
    policies: PolicySet
    data: Mapping[str, Any]
    line: int | None = None
    """Where the case starts in its test file."""

    @property
    def label(self) -> str:
        return f"{self.test} / {self.name}"


@dataclass(frozen=True)
class CaseResult:
    case: Case
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def _code(ref: str) -> str:
    meta = rules.lookup(ref) or policy.lookup(ref)
    return meta.code if meta is not None else ref.upper()


def _check_refs(file: str, data: Mapping[str, Any]) -> list[str]:
    errors = []
    for i, case in enumerate(data["cases"]):
        refs = [(["expect", j, "code"], e["code"]) for j, e in enumerate(case["expect"])]
        refs += [(["codes", j], c) for j, c in enumerate(case.get("codes", ()))]
        for path, ref in refs:
            if not known_rule(ref):
                errors.append(problem_at(file, data, ["cases", i, *path], f"{ref!r} is not a rule code or name"))
    return errors


def load_test_file(path: Path) -> list[Case]:
    file, data = load_validated(path, SchemaName.POLICY_TEST, "policy test")
    errors = _check_refs(file, data)
    if errors:
        raise ConfigError("invalid policy test:", errors)
    root = path.parent
    policies = load_policies([root / p for p in data["policies"]], known_rule=known_rule)
    test = data["metadata"]["name"]
    return [
        Case(test, file, c["name"], root, policies, c, line_of(data, ["cases", i])) for i, c in enumerate(data["cases"])
    ]


def load_tests(directory: Path) -> list[Case]:
    files = sorted(p for p in directory.rglob("*") if p.name in TEST_FILE_NAMES and p.is_file())
    if not files:
        raise ConfigError(f"{directory}: no {TEST_FILE_NAMES[0]} found")
    return [c for f in files for c in load_test_file(f)]


# --- building the context -----------------------------------------------------------------------------


@dataclass
class _Side:
    vms: dict[str, VM]
    nads: dict[str, NAD]
    problems: list[Finding]


def _read(case: Case, names: Iterable[str]) -> _Side:
    side = _Side({}, {}, [])
    settings = ScanSettings()
    for name in names:
        path = case.root / name
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ConfigError(f"{case.file}: case {case.name!r}: cannot read {name}: {e.strerror or e}") from e
        scanned = scan_file(name, data, settings, expected=True)  # the case names it: it must be a manifest
        side.vms.update({vm.key: vm for vm in scanned.vms})
        side.nads.update({n.key: n for n in scanned.nads})
        side.problems.extend(scanned.problems)
    return side


def _cluster(case: Case, now: datetime) -> ClusterFacts | None:
    name = case.data.get("snapshot")
    if name is None:
        return None
    from gitnad.sources.cluster import load_facts

    return load_facts(ClusterSettings(snapshot=case.root / name), now=now)


def _now(case: Case) -> datetime:
    raw = case.data.get("now")
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as e:
        raise ConfigError(f"{case.file}: case {case.name!r}: now {raw!r} is not an RFC 3339 time") from e
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def build_context(case: Case) -> CheckContext:
    shared = list(case.data.get("manifests", ()))
    base = _read(case, [*shared, *case.data.get("base", ())])
    head = _read(case, [*shared, *case.data.get("head", ())])
    nad_changes = classify_nads(base.nads, head.nads)
    removed = {c.nad for c in nad_changes if c.kind is ChangeKind.NAD_REMOVED and c.nad}
    now = _now(case)
    return CheckContext(
        deltas=vm_deltas(base.vms, head.vms),
        nad_changes=nad_changes,
        base_nads=base.nads,
        head_nads=head.nads,
        head_references=referencing(head.vms.values(), removed),
        problems=tuple(head.problems),
        cluster=_cluster(case, now),
        now=now,
    )


# --- judging ------------------------------------------------------------------------------------------


def findings(case: Case, ctx: CheckContext) -> list[Finding]:
    """What `gitnad check` would report for the case (before sorting): its own pipeline, without a config."""
    return evaluate(ctx, RepoConfig(), case.policies)[0]


def _matches(expect: Mapping[str, Any], f: Finding) -> bool:
    for key, want in expect.items():
        if key == "code":
            ok = _code(want) == f.code
        elif key == "message":
            ok = want in f.message
        elif key == "severity":
            ok = f.severity.value == want
        else:
            ok = getattr(f, key) == want
        if not ok:
            return False
    return True


def describe(f: Finding) -> str:
    parts = [f.code, f.severity.value]
    parts += [f"{k}={v}" for k, v in (("vm", f.vm), ("network", f.network), ("policy", f.policy)) if v]
    parts += [f"line={f.line}"] if f.line else []
    parts += ["waived"] if f.waived else []
    return " ".join(parts) + f": {f.message}"


def _expectation(expect: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={expect[k]}" for k in EXPECT_FIELDS if k in expect)


def compare(expected: Sequence[Mapping[str, Any]], actual: Sequence[Finding], codes: set[str]) -> CaseResultParts:
    in_scope = [f for f in actual if f.code.startswith(ALWAYS_COMPARED) or f.code in codes]
    left = list(in_scope)
    missing = []
    for e in expected:
        hit = next((f for f in left if _matches(e, f)), None)
        if hit is None:
            missing.append(_expectation(e))
        else:
            left.remove(hit)
    return tuple(missing), tuple(describe(f) for f in left)


def run_case(case: Case) -> CaseResult:
    ctx = build_context(case)
    expected = case.data["expect"]
    codes = {_code(e["code"]) for e in expected} | {_code(c) for c in case.data.get("codes", ())}
    missing, unexpected = compare(expected, findings(case, ctx), codes)
    return CaseResult(case, missing, unexpected)
