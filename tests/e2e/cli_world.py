"""TEST HELPER: the worlds the command-line tests run `gitnad` against, and how they run it: in this process,
through gitnad's real command-line entry and its error boundary (click's CliRunner), which is what a process
would run minus the interpreter's start (a second per run, that a matrix of a hundred runs cannot afford).

Two namespaces on the real kube-apiserver, each with a git repository declaring them:
- `converged`: VM db-1 moved from nad-a to nad-b, and VM, VMI and launcher pod are all on nad-b (InSync). Every
  command reading the cluster exits 0 on it when nothing goes wrong: any other code under a fault is the fault's.
  Its repository has the move as a commit (base: nad-a, head: nad-b) for `check`.
- `pending`: VM web-1 declared on nad-b, its VMI too, the pod still on nad-a, `MigrationRequired=True` and
  live-migratable: `reconcile --apply` creates one migration for it (exit 1: not converged yet).

Every run passes `--config` with a fast retry policy (`FAST`, or `STALL` for a server that never answers) so a
fault costs a fraction of a second, not the defaults' minute; the same keys a user sets in `.gitnad.yaml`.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from gitnad import errors
from gitnad.cli import main
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import Net, Seeder, cond, manifest
from tests.gitutil import commit, make_repo

OLD = [Net("default"), Net("bridge-net", "nad-a")]
NEW = [Net("default"), Net("bridge-net", "nad-b")]
RETRIES = 2
DEADLINE_S = 8
FAST = (
    f"cluster:\n  requestTimeoutSeconds: 4\n  deadlineSeconds: {DEADLINE_S}\n  maxRetries: {RETRIES}\n"
    "  backoffBaseSeconds: 0.02\n  backoffMaxSeconds: 0.05\n  maxRetryAfterSeconds: 0.1\n"
)
"""Faults answer at once: two quick retries, then the error (healthy reads keep a generous deadline)."""
STALL_DEADLINE_S = 1.5
STALL = (
    f"cluster:\n  requestTimeoutSeconds: 0.5\n  deadlineSeconds: {STALL_DEADLINE_S}\n  maxRetries: 10\n"
    "  backoffBaseSeconds: 0.02\n  backoffMaxSeconds: 0.05\n"
)
"""A server that never answers: each request gives up after 0.5 s, the read after 1.5 s (its deadline comes
before its retries are spent)."""
COMMANDS = ("check", "drift", "drift-wait", "reconcile", "reconcile-apply", "snapshot")
"""Every command that reads the cluster (`drift --wait` and `reconcile --apply` as commands of their own)."""


@dataclass(frozen=True)
class World:
    ns: str
    repo: Path
    base: str
    head: str


@dataclass(frozen=True)
class Worlds:
    converged: World
    pending: World


@dataclass(frozen=True)
class Run:
    """One finished `gitnad` process."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float


def build(kube: Kube, tmp: Path) -> Worlds:
    ns = kube.namespace("cli-converged")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    s.running("db-1", NEW)
    repo = make_repo(tmp / "converged")
    base = commit(repo, {"vms/db-1.yaml": manifest("db-1", ns, OLD)})
    head = commit(repo, {"vms/db-1.yaml": manifest("db-1", ns, NEW)})
    converged = World(ns, tmp / "converged", base, head)

    ns = kube.namespace("cli-pending")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    required = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
    s.running(
        "web-1", NEW, NEW, {"bridge-net": f"{ns}/nad-a"}, vmi_conditions=[cond("LiveMigratable", "True"), required]
    )
    repo = make_repo(tmp / "pending")
    sha = commit(repo, {"vms/web-1.yaml": manifest("web-1", ns, NEW)})
    return Worlds(converged, World(ns, tmp / "pending", sha, sha))


def config_file(tmp: Path, text: str = FAST) -> Path:
    """`text` as a configuration file for `--config`."""
    path = tmp / f"gitnad-{zlib.crc32(text.encode()):08x}.yaml"
    path.write_text(text)
    return path


def argv(
    command: str,
    worlds: Worlds,
    kubeconfig: Path,
    out: Path,
    fmt: str = "json",
    verbose: bool = False,
    config: Path | None = None,
) -> list[str]:
    """The command line of `command` (one of COMMANDS) on its world, reporting in `fmt` to stdout; `config`: the
    file of `--config` (default: FAST, written into `out`)."""
    w = worlds.pending if command == "reconcile-apply" else worlds.converged
    config = config or config_file(out)
    live = ["--kubeconfig", str(kubeconfig), "--config", str(config), *(["-v"] if verbose else [])]
    report = ["--repo", str(w.repo), "--format", fmt, *live]
    if command == "check":
        return ["check", "--base", w.base, "--head", w.head, *report]
    if command == "drift":
        return ["drift", *report]
    if command == "drift-wait":
        return ["drift", "--wait", "--timeout", "10s", *report]
    if command == "reconcile":
        return ["reconcile", *report]
    if command == "reconcile-apply":
        return ["reconcile", "--apply", *report]
    assert command == "snapshot", command
    return ["snapshot", "--namespace", w.ns, "-o", str(out / "snapshot.yaml"), *live]


def gitnad(args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run `gitnad args` to its end in this process, through the CLI's error boundary (`Gitnad.main`): what escapes
    it is a bug, and fails here rather than turning into CliRunner's exit 1.

    Each run starts with no credential registered, as a new process would: a secret an earlier run registered
    must not hide that this run failed to register it (tests/e2e/test_secrets.py)."""
    with errors._lock:
        errors._secrets.clear()
    environ: dict[str, str | None] = {"GITHUB_STEP_SUMMARY": None, "KUBECONFIG": None, "NO_COLOR": "1"}
    environ.update(env or {})
    t0 = time.monotonic()
    res = CliRunner().invoke(main, list(args), env=environ, catch_exceptions=True)
    seconds = time.monotonic() - t0
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exc_info)
    return Run(tuple(args), res.exit_code, res.stdout, res.stderr, seconds)
