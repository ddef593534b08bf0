"""gitnad's performance targets (issue 12) in one command: every figure measured vs its target, each ratio taken
against a baseline measured in the same run, in interleaved rounds (the machine is shared: rounds of one
measure in a row would each see a different load).

    bench/run                  # full: 10k-file corpus, 5,000-VM drift, scaling 1k/10k/50k, live 10/2,000 VMs
    bench/run --quick          # 1k smoke for CI: every measure runs once and must not crash; no time verdicts
    bench/run --peers          # also checkov (dev extra) and ruamel.yaml on the same corpus
    bench/run --only repo --repeat 5
    bench/run --only repo --profile   # also where a check, a staged check and a warm scan spend their time

Beside each target that a run's fixed costs can decide (T1, T2, T5) it measures those costs in the same rounds:
the interpreter and the modules the command imports, doing nothing else (`import floor`; the third-party share
apart), and the wall time the command waits on git. What is left is gitnad's own work.

Targets (T1-T7, README "Benchmarks"):
  T1 check --offline of the 20-file change: <= 3% of a full scan, < 1 s; files parsed constant in repo size
  T2 check --staged --offline, one staged file: <= 0.5 s, <= 8x `python -c "import click, yaml"`; heavy modules
     unimported
  T3 full scan: <= 1.0x the single-process C-parse floor; peak RSS <= 300 MB; >= 20x faster than checkov
  T4 drift of 5,000 VMs from a JSON snapshot <= 2x (scan at the ref + json.loads of the snapshot); YAML <= 2x JSON
  T5 a second scan/check of the unchanged repo (parse cache) <= 20% of the first
  T6 scan time per file at 1k, 10k, 50k files within 15% of each other (table and bench/scaling.png)
  T7 live drift: requests flat in VM count; <= 2x the raw LIST calls it makes (real kube-apiserver)
Writes bench/results/run-<time>.json; the figures in bench/RESULTS.md come from these files.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

import corpus  # noqa: E402  (bench/ is a script directory, not a package)

from gitnad.sources.gitrefs import GitRepo  # noqa: E402

RESULTS = HERE / "results"
WORK = HERE / ".corpus"
ENTRY = "from gitnad.cli import run; run()"  # what the `gitnad` script runs
HEAVY = ("kubernetes", "rich", "jsonschema", "referencing", "multiprocessing", "concurrent", "xml")


# --- timing ------------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_mb: float | None = None
    cpu_s: float | None = None
    """CPU (user + system) of the process and every child it waited for (a scan's worker pool)."""


@dataclass
class Measure:
    name: str
    fn: Callable[[], Sample]
    note: str = ""
    samples: list[Sample] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def rss_mb(self) -> float | None:
        known = [s.rss_mb for s in self.samples if s.rss_mb is not None]
        return max(known) if known else None

    @property
    def cpu(self) -> float:
        """The least CPU of the rounds (less disturbed by the machine's load than wall time)."""
        return min(s.cpu_s if s.cpu_s is not None else s.seconds for s in self.samples)


def timed(fn: Callable[[], object]) -> Callable[[], Sample]:
    """In process: wall and CPU time (this process and the children it reaped: a worker pool)."""

    def run() -> Sample:
        c0 = _cpu()
        t0 = time.perf_counter()
        fn()
        return Sample(time.perf_counter() - t0, cpu_s=_cpu() - c0)

    return run


def command(
    argv: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1), prepare: Callable[[], None] | None = None
) -> Callable[[], Sample]:
    """A process, timed from spawn to exit, with its CPU (wait4) and peak RSS; `prepare` runs before the clock.

    The peak RSS comes from `/usr/bin/time` when it is there: a child forked from this (large) process starts
    with this process's RSS in its own, so wait4's figure would be this process's size, not the command's.
    """

    def run() -> Sample:
        if prepare is not None:
            prepare()
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        with tempfile.NamedTemporaryFile("r") as rss:
            wrapped = [TIME, "-f", "%M", "-o", rss.name, *argv] if TIME else argv
            t0 = time.perf_counter()
            proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            assert proc.stderr is not None
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
            peak = float(rss.read().split()[-1]) / 1024 if TIME else None
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err.decode()[-2000:]}")
        return Sample(seconds, peak, usage.ru_utime + usage.ru_stime)

    return run


TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def _cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def gitnad(*args: str) -> list[str]:
    return [sys.executable, "-c", ENTRY, *args]


def rounds(measures: list[Measure], repeat: int) -> None:
    """Every measure once per round, rounds interleaved."""
    for _ in range(repeat):
        for m in measures:
            m.samples.append(m.fn())


# --- the report ---------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    target: str
    what: str
    measured: str
    goal: str
    ok: bool | None
    """None: not judged (quick mode, or nothing to compare)."""


@dataclass
class Report:
    quick: bool
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def keep(self, *ms: Measure) -> None:
        for m in ms:
            self.measures[m.name] = {
                "best_s": round(m.best, 4),
                "median_s": round(m.median, 4),
                "runs": len(m.samples),
                "peak_rss_mb": None if m.rss_mb is None else round(m.rss_mb, 1),
                "cpu_s": round(m.cpu, 4),
                "note": m.note,
            }

    def judge(self, target: str, what: str, value: float, goal: float, unit: str, *, at_most: bool = True) -> None:
        fmt = (lambda v: f"{v:.3f}") if unit in ("x", "s") else (lambda v: f"{v:.0f}")
        ok = None if self.quick else (value <= goal if at_most else value >= goal)
        sign = "<=" if at_most else ">="
        self.verdicts.append(Verdict(target, what, f"{fmt(value)}{unit}", f"{sign} {fmt(goal)}{unit}", ok))

    def note(self, target: str, what: str, measured: str, ok: bool | None = None) -> None:
        self.verdicts.append(Verdict(target, what, measured, "", None if self.quick else ok))

    def table(self) -> str:
        rows = [f"{'':3}{'target':<4} {'what':<62} {'measured':>14}  {'goal':<12}"]
        for v in self.verdicts:
            mark = {True: "ok", False: "MISS", None: "  "}[v.ok]
            rows.append(f"{mark:<4}{v.target:<4} {v.what:<62} {v.measured:>14}  {v.goal:<12}")
        width = max(len(r) for r in rows)
        measures = [f"{'measure':<34}{'best s':>9}{'median s':>10}{'cpu s':>9}{'runs':>6}{'RSS MB':>8}  note"]
        for name, m in self.measures.items():
            rss = "" if m["peak_rss_mb"] is None else f"{m['peak_rss_mb']:.0f}"
            row = f"{name:<34}{m['best_s']:>9.3f}{m['median_s']:>10.3f}{m['cpu_s']:>9.3f}{m['runs']:>6}{rss:>8}"
            measures.append(f"{row}  {m['note']}")
        return "\n".join([*rows, "-" * width, *measures])


# --- corpora -------------------------------------------------------------------------------------------------------


OVERLAYS = 40
"""Kustomize overlays in the "overlays present" corpus (each its own namespace and patch; the change touches none)."""


def repo_corpus(files: int, overlays: int = 0) -> Path:
    """The synthetic GitOps repo with `files` VM files (a NAD in every 10th) and `overlays` Kustomize overlays of
    one base, generated once per size."""
    out = WORK / f"files-{files}{f'-overlays-{overlays}' if overlays else ''}"
    stamp = out / ".git" / "bench-corpus.json"
    if not stamp.exists():
        stats = corpus.generate(out, files, 20, 7, nad_every=10, overlays=overlays)
        stamp.write_text(json.dumps(stats))
    return out


def staged_clone(repo: Path) -> Path:
    """A clone of `repo` with one VM file changed and staged: the pre-commit case."""
    out = repo.with_name(repo.name + "-staged")
    if out.exists():
        shutil.rmtree(out)
    subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(out)], check=True)
    target = sorted((out / "apps" / "team-03" / "vms").glob("*.yaml"))[1]
    text = target.read_text()
    at = text.index("networkName: vlan-10") + len("networkName: vlan-10")
    target.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :])  # the next NAD of the team
    subprocess.run(["git", "-C", str(out), "add", "-A"], check=True)
    return out


def parse_floor(repo: Path) -> tuple[Callable[[], object], dict[str, bytes]]:
    """PyYAML's C parser over every manifest blob at HEAD, in this process: the single-process parse floor."""
    reader = GitRepo(repo).reader("HEAD")
    blobs = {p: b for p, b in reader.read(reader.paths(), 1 << 30).items() if isinstance(b, bytes)}

    def parse() -> int:
        return sum(len(list(yaml.load_all(b, Loader=yaml.CSafeLoader))) for b in blobs.values())

    return parse, blobs


def clear_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".git" / "gitnad", ignore_errors=True)


# --- targets -------------------------------------------------------------------------------------------------------


def scan_in_process(repo: Path) -> object:
    from gitnad.app.scan import scan_repo

    return scan_repo(repo, "HEAD", None, cache=False)


def check_request(repo: Path, staged: bool = False) -> Any:
    from gitnad.app import check as app_check
    from gitnad.config import ClusterSettings

    return app_check.CheckRequest(
        repo=repo,
        config_file=None,
        base=None if staged else "HEAD~1",
        head=None if staged else "HEAD",
        staged=staged,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(offline=True),
        cache=False,
    )


def check_in_process(repo: Path) -> object:
    return app_check_run(check_request(repo))


def app_check_run(request: Any) -> object:
    from gitnad.app import check as app_check

    return app_check.run(request)


def files_parsed_by_check(repo: Path, staged: bool = False) -> int:
    """Files `check` parses (both refs), counted in process with the cache off: what reaches the YAML parser (a
    blob both refs hold at the same path is parsed once and read back the second time)."""
    from gitnad.app import check as app_check
    from gitnad.sources import scanner

    real = scanner._scan_all
    count = 0

    def counting(blobs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += len(blobs)
        return real(blobs, *args, **kwargs)

    scanner._scan_all = counting  # type: ignore[assignment]
    try:
        app_check.run(check_request(repo, staged))
    finally:
        scanner._scan_all = real  # type: ignore[assignment]
    return count


def modules_imported_by(args: list[str], cwd: Path) -> list[str]:
    """Every module a `gitnad` run imports, in import order (`sys.modules` once it has run)."""
    code = (
        "import sys\nfrom gitnad.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print('\\nMODULES:', *sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    (line,) = [x for x in out.stdout.splitlines() if x.startswith("MODULES:")]
    return [m for m in line.split()[1:] if m != "__main__"]


def import_floor(modules: list[str]) -> list[str]:
    """A process that imports `modules` and does nothing else: what a run pays before its first step of work."""
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    return [sys.executable, "-c", code]


def import_floors(name: str, what: str, modules: list[str], cwd: Path) -> list[Measure]:
    """`<name> import floor` (`modules`, doing nothing else) and its third-party share, as measures."""
    outside = third_party(modules)
    return [
        Measure(
            f"{name} import floor",
            command(import_floor(modules), cwd),
            f"interpreter + the {len(modules)} modules `{what}` imports, no work",
        ),
        Measure(
            f"{name} import floor, third-party",
            command(import_floor(outside), cwd),
            f"the {len(outside)} of them not gitnad's own (pydantic, PyYAML, click, stdlib)",
        ),
    ]


def third_party(modules: list[str]) -> list[str]:
    """The modules not gitnad's own: what importing gitnad costs beyond its own code and model classes."""
    return [m for m in modules if m.split(".")[0] != "gitnad" and not m.startswith("__editable__")]


def git_seconds(fn: Callable[[], object]) -> float:
    """Wall time `fn` spends waiting on git processes (every git call of a check goes through subprocess.run)."""
    real = subprocess.run
    spent = 0.0

    def run(argv: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal spent
        t0 = time.perf_counter()
        try:
            return real(argv, *args, **kwargs)
        finally:
            if isinstance(argv, list | tuple) and argv and argv[0] == "git":
                spent += time.perf_counter() - t0

    subprocess.run = run  # type: ignore[assignment]
    try:
        fn()
    finally:
        subprocess.run = real
    return spent


def cached_payloads(repo: Path) -> list[bytes]:
    """Every entry of the repository's parse cache, emptied and then filled by one scan: what a warm scan decodes."""
    import sqlite3

    from gitnad.sources.parsecache import FILE_NAME

    clear_cache(repo)
    subprocess.run(
        gitnad("scan", "--repo", str(repo), "--ref", "HEAD", "--format", "json"),
        cwd=repo,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    db = sqlite3.connect(repo / ".git" / "gitnad" / FILE_NAME)
    try:
        return [bytes(row[0]) for row in db.execute("SELECT payload FROM entries ORDER BY key")]
    finally:
        db.close()


def decode_all(payloads: list[bytes]) -> int:
    from gitnad.sources.scanner import _decode

    return sum(_decode(p) is not None for p in payloads)


def profile(fn: Callable[[], object], out: Path, title: str) -> None:
    """cProfile of `fn` (after one warm-up run), the top of it by cumulative and by own time, written to `out`."""
    import cProfile
    import io
    import pstats

    fn()
    prof = cProfile.Profile()
    prof.runcall(fn)
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    out.write_text(f"# {title}\n{text.getvalue()}")


def write_profiles(repo: Path, staged: Path, prefix: Path) -> list[str]:
    """cProfile of a check, a staged check and a warm working-tree scan (in process), and the import times of a
    check (`python -X importtime`, the 40 largest by cumulative time); the names of the files written."""
    from gitnad.app.scan import scan_repo

    outs = {
        "check": (lambda: check_in_process(repo), "app.check.run, check --offline HEAD~1..HEAD, cache off"),
        "staged": (lambda: app_check_run(check_request(staged, staged=True)), "app.check.run, --staged, cache off"),
        "warm-scan": (lambda: scan_repo(repo, None, None, cache=True), "app.scan.scan_repo of the working tree, warm"),
    }
    written = []
    for name, (fn, title) in outs.items():
        out = prefix.with_name(f"{prefix.name}-{name}.txt")
        profile(fn, out, title)
        written.append(out.name)
    args = ["check", "--repo", str(repo), "--offline", "--base", "HEAD~1", "--head", "HEAD", "--no-cache"]
    code = f"from gitnad.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0]), parts[2].rstrip()))
    rows.sort(reverse=True)
    table = [f"{'cumulative us':>14}{'self us':>10}  module", *(f"{c:>14}{o:>10}  {n}" for c, o, n in rows[:40])]
    out = prefix.with_name(f"{prefix.name}-imports.txt")
    out.write_text("# python -X importtime: gitnad check --offline HEAD~1..HEAD --no-cache\n" + "\n".join(table) + "\n")
    written.append(out.name)
    return written


def heavy_modules_on_staged(repo: Path) -> list[str]:
    """The heavy libraries (`HEAVY`) and the renderers it does not use that `check --staged` imports."""
    modules = modules_imported_by(["check", "--staged", "--offline"], repo)
    renderers = ("github", "json", "junit", "markdown", "openmetrics", "sarif")
    heavy = {m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY}
    return sorted(heavy | {m for m in modules if m.startswith("gitnad.report.") and m.split(".")[-1] in renderers})


def repo_targets(report: Report, repeat: int, files: int, profiles: Path | None = None) -> None:
    """T1, T2, T3, T5 on one corpus, all in the same interleaved rounds; `profiles`: also write where the time of
    a check, a staged check and a warm scan goes (cProfile, import times) to files named `<profiles>-*.txt`."""
    repo = repo_corpus(files)
    overlaid = repo_corpus(files, overlays=OVERLAYS)
    staged = staged_clone(repo)
    floor_fn, blobs = parse_floor(repo)
    report.info["corpus"] = json.loads((repo / ".git" / "bench-corpus.json").read_text())
    scan_args = ("scan", "--repo", str(repo), "--ref", "HEAD", "--format", "json")
    worktree_args = ("scan", "--repo", str(repo), "--format", "json")
    check_args = ("check", "--repo", str(repo), "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    check_modules = modules_imported_by([*check_args, "--no-cache"], repo)
    staged_modules = modules_imported_by(["check", "--staged", "--offline", "--no-cache"], staged)
    payloads = cached_payloads(repo)
    measures = [
        Measure("parse floor (in process)", timed(floor_fn), "PyYAML CSafeLoader load_all over every blob"),
        Measure(
            "import floor",
            command([sys.executable, "-c", "import click, yaml"], repo),
            'python -c "import click, yaml"',
        ),
        Measure("gitnad --version", command(gitnad("--version"), repo), "interpreter + gitnad's CLI imports"),
        Measure("scan", command(gitnad(*scan_args, "--no-cache"), repo), "gitnad scan --ref HEAD --no-cache"),
        Measure(
            "scan, cold cache",
            command(gitnad(*scan_args), repo, prepare=lambda: clear_cache(repo)),
            "first run: parses and writes .git/gitnad/",
        ),
        Measure("scan, warm cache", command(gitnad(*scan_args), repo), "second run of the same"),
        Measure(
            "scan (working tree), cold cache",
            command(gitnad(*worktree_args), repo, prepare=lambda: clear_cache(repo)),
            "gitnad scan of the checkout (no --ref: the default), first run",
        ),
        Measure("scan (working tree), warm cache", command(gitnad(*worktree_args), repo), "second run of the same"),
        Measure("check", command(gitnad(*check_args, "--no-cache"), repo), "check --offline HEAD~1..HEAD --no-cache"),
        Measure(
            "check, overlays present",
            command(gitnad(*check_args[:2], str(overlaid), *check_args[3:], "--no-cache"), overlaid),
            f"the same change, {OVERLAYS} untouched Kustomize overlays present (corpus.py --overlays {OVERLAYS})",
        ),
        Measure(
            "check, cold cache",
            command(gitnad(*check_args), repo, prepare=lambda: clear_cache(repo)),
            "first run: parses and writes",
        ),
        Measure("check, warm cache", command(gitnad(*check_args), repo), "second run of the same"),
        Measure("staged", command(gitnad("check", "--staged", "--offline"), staged), "check --staged --offline"),
        Measure("scan in process", timed(lambda: scan_in_process(repo)), "app.scan.scan_repo, cache off"),
        Measure("check in process", timed(lambda: check_in_process(repo)), "app.check.run, cache off"),
        # What bounds T1, T2 and T5: the part of a run no change to gitnad's own work can remove.
        *import_floors("check", "check", check_modules, repo),
        *import_floors("staged", "check --staged", staged_modules, staged),
        Measure(
            "git inside check",
            lambda: Sample(git_seconds(lambda: check_in_process(repo))),
            "wall time app.check.run waits on git processes",
        ),
        Measure(
            "git inside staged check",
            lambda: Sample(git_seconds(lambda: app_check_run(check_request(staged, staged=True)))),
            "the same for check --staged",
        ),
        Measure(
            "decode cached entries",
            timed(lambda: decode_all(payloads)),
            f"validate_json of the {len(payloads):,} entries a warm scan reads (in process)",
        ),
        Measure("json.loads cached entries", timed(lambda: [json.loads(p) for p in payloads]), "the same bytes"),
    ]
    rounds(measures, repeat)
    report.keep(*measures)
    if profiles is not None:
        report.info["profiles"] = write_profiles(repo, staged, profiles)
    m = {x.name: x for x in measures}
    report.info["files"] = len(blobs)
    report.info["files_parsed_by_check"] = files_parsed_by_check(repo)
    report.info["files_parsed_by_check_with_overlays"] = files_parsed_by_check(overlaid)
    report.info["files_parsed_by_staged_check"] = files_parsed_by_check(staged, staged=True)
    scan_s = m["scan"].best
    report.judge("T1", f"check / scan ({files:,}-file corpus, 20-file change)", m["check"].best / scan_s, 0.03, "x")
    report.judge("T1", "check wall", m["check"].best, 1.0, "s")
    report.note("T1", "files check parses (both refs)", str(report.info["files_parsed_by_check"]))
    report.judge("T1", "check with overlays present / scan", m["check, overlays present"].best / scan_s, 0.03, "x")
    report.note("T1", "files check parses, overlays present", str(report.info["files_parsed_by_check_with_overlays"]))
    in_process = m["check in process"].best / m["scan in process"].best
    report.note("T1", "check / scan, both in process (no interpreter start)", f"{in_process:.3f}x", in_process <= 0.03)
    check_floor = m["check import floor"].best + m["git inside check"].best
    report.note("T1", "  bound: check import floor (interpreter + imports)", f"{m['check import floor'].best:.3f}s")
    third = m["check import floor, third-party"].best
    report.note("T1", "  of which third-party imports (pydantic, PyYAML, click)", f"{third:.3f}s")
    report.note("T1", "  bound: git processes inside the check", f"{m['git inside check'].best:.3f}s")
    lowest_t1 = check_floor / scan_s
    report.note("T1", "  bound: (import floor + git) / scan", f"{lowest_t1:.3f}x", lowest_t1 <= 0.03)
    report.judge("T2", "check --staged --offline wall", m["staged"].best, 0.5, "s")
    staged_floor = m["staged import floor"].best + m["git inside staged check"].best
    report.note("T2", "  bound: staged import floor", f"{m['staged import floor'].best:.3f}s")
    staged_third = m["staged import floor, third-party"].best
    report.note("T2", "  of which third-party imports (pydantic, PyYAML, click)", f"{staged_third:.3f}s")
    report.note("T2", "  bound: git processes inside the staged check", f"{m['git inside staged check'].best:.3f}s")
    report.note("T2", "  bound: import floor + git", f"{staged_floor:.3f}s", staged_floor <= 0.5)
    outside = staged_third + m["git inside staged check"].best
    report.note("T2", "  bound: third-party imports + git (no gitnad code at all)", f"{outside:.3f}s", outside <= 0.5)
    ratio = m["staged"].best / m["import floor"].best
    report.judge("T2", 'check --staged / python -c "import click, yaml"', ratio, 8.0, "x")
    heavy = heavy_modules_on_staged(staged)
    report.note("T2", "heavy modules imported by check --staged", " ".join(heavy) or "none", not heavy)
    report.judge("T3", "scan / single-process parse floor", scan_s / m["parse floor (in process)"].best, 1.0, "x")
    cpu_ratio = m["scan"].cpu / m["parse floor (in process)"].cpu
    report.note("T3", "scan CPU (all its processes) / parse floor CPU", f"{cpu_ratio:.3f}x")
    report.judge("T3", "scan peak RSS (MB)", m["scan"].rss_mb or 0.0, 300, " MB")
    report.judge(
        "T5",
        "second scan / first scan (parse cache)",
        m["scan, warm cache"].best / m["scan, cold cache"].best,
        0.2,
        "x",
    )
    report.judge(
        "T5",
        "second scan / first scan, working tree (the default scan)",
        m["scan (working tree), warm cache"].best / m["scan (working tree), cold cache"].best,
        0.2,
        "x",
    )
    report.judge(
        "T5",
        "second check / first check (parse cache)",
        m["check, warm cache"].best / m["check, cold cache"].best,
        0.2,
        "x",
    )
    lowest = check_floor / m["check, cold cache"].best
    report.note("T5", "  bound: (check import floor + git) / first check", f"{lowest:.3f}x", lowest <= 0.2)
    decode = m["decode cached entries"].best
    report.note("T5", "  decode of the cached entries / second scan", f"{decode / m['scan, warm cache'].best:.3f}x")
    report.note("T5", "  decode / json.loads of the same bytes", f"{decode / m['json.loads cached entries'].best:.3f}x")


def peer_targets(report: Report, files: int) -> None:
    """checkov on the corpus, beside a scan in the same round (once: checkov takes minutes), and ruamel.yaml's
    parsers over 1,000 of its files."""
    repo = repo_corpus(files)
    scan = Measure(
        "scan (peers round)", command(gitnad("scan", "--ref", "HEAD", "--format", "json", "--no-cache"), repo)
    )
    measures = [scan]
    checkov = shutil.which("checkov") or str(Path(sys.executable).with_name("checkov"))
    if Path(checkov).exists():
        # `-d .` from inside: checkov skips every path with a hidden directory in it (bench/.corpus/...).
        # --skip-download: it would otherwise try to fetch its guidelines from the network.
        args = [
            checkov,
            "-d",
            ".",
            "--framework",
            "kubernetes",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ]
        measures.append(Measure("checkov", command(args, repo, ok=(0, 1)), "checkov -d . --framework kubernetes"))
    else:
        report.note("T3", "checkov", "not installed: pip install -e '.[dev]'")
    rounds(measures, 1)
    report.keep(*measures)
    if len(measures) == 2:
        ck = measures[1]
        report.judge("T3", f"checkov / scan ({files:,} files)", ck.best / scan.best, 20.0, "x", at_most=False)
        report.note("T3", "checkov CPU / scan CPU", f"{ck.cpu / scan.cpu:.1f}x")
        if ck.rss_mb and scan.rss_mb:
            report.note("T3", "checkov / scan peak RSS", f"{ck.rss_mb / scan.rss_mb:.1f}x")
    try:
        from ruamel.yaml import YAML
    except ImportError:
        return
    blobs = parse_floor(repo)[1]
    sample = list(blobs.values())[:1000]
    for typ in ("safe", "rt"):
        loader = YAML(typ=typ, pure=typ == "rt")
        m = Measure(f"ruamel.yaml {typ} (1,000 files)", timed(lambda y=loader: [list(y.load_all(b)) for b in sample]))
        rounds([m], 1)
        report.keep(m)


def drift_targets(report: Report, repeat: int, vms: int) -> None:
    """T4: drift from a JSON and a YAML snapshot vs a scan of the repo at the ref + json.loads of the snapshot."""
    import drift_bench

    repo, snap_yaml, snap_json, about = drift_bench.prepare(WORK / f"drift-{vms}", vms, 11)
    report.info["drift"] = about
    drift = ("drift", "--repo", str(repo), "--ref", "HEAD", "--format", "json", "--no-cache")
    loads = "import json, sys; json.loads(open(sys.argv[1], 'rb').read())"
    measures = [
        Measure("drift, JSON snapshot", command(gitnad(*drift, "--snapshot", str(snap_json)), repo), about),
        Measure("drift, YAML snapshot", command(gitnad(*drift, "--snapshot", str(snap_yaml)), repo)),
        Measure(
            "drift floor: scan at the ref",
            command(gitnad("scan", "--repo", str(repo), "--ref", "HEAD", "--format", "json", "--no-cache"), repo),
        ),
        Measure("drift floor: json.loads", command([sys.executable, "-c", loads, str(snap_json)], repo)),
    ]
    rounds(measures, repeat)
    report.keep(*measures)
    m = {x.name: x for x in measures}
    floor = m["drift floor: scan at the ref"].best + m["drift floor: json.loads"].best
    report.judge(
        "T4",
        f"drift ({vms:,} VMs, JSON snapshot) / (scan + json.loads)",
        m["drift, JSON snapshot"].best / floor,
        2.0,
        "x",
    )
    report.judge(
        "T4",
        "drift YAML snapshot / JSON snapshot",
        m["drift, YAML snapshot"].best / m["drift, JSON snapshot"].best,
        2.0,
        "x",
    )


def scaling_targets(report: Report, sizes: list[int], repeat: int, plot: Path | None) -> None:
    """T6: scan (in process, cache off) per file at each size, the sizes interleaved in the same rounds; the
    files `check` parses at each size."""
    from gitnad.app.scan import scan_repo

    repos = {files: repo_corpus(files) for files in sizes}
    measures = [
        Measure(f"scan in process, {files:,} files", timed(lambda r=repo: scan_repo(r, "HEAD", None, cache=False)))
        for files, repo in repos.items()
    ]
    rounds(measures, repeat)
    report.keep(*measures)
    rows = []
    for repo, m in zip(repos.values(), measures, strict=True):
        manifests = json.loads((repo / ".git" / "bench-corpus.json").read_text())["files"]
        rows.append(
            {
                "files": manifests,
                "seconds": m.best,
                "us_per_file": m.best / manifests * 1e6,
                "cpu_us_per_file": m.cpu / manifests * 1e6,
                "check_parses": files_parsed_by_check(repo),
            }
        )
    report.info["scaling"] = rows
    sizes_text = " / ".join(f"{r['files']:,}" for r in rows)
    for key, what in (("cpu_us_per_file", "CPU"), ("us_per_file", "wall time")):
        per_file = [r[key] for r in rows]
        spread = max(per_file) / min(per_file) - 1
        report.judge("T6", f"scan {what} per file at {sizes_text} files: spread", spread * 100, 15, " %")
        report.note("T6", f"  {what} per file (us): " + " / ".join(f"{p:.0f}" for p in per_file), "")
    parses = [r["check_parses"] for r in rows]
    report.note("T1", f"files check parses at {sizes_text}", " / ".join(map(str, parses)), len(set(parses)) == 1)
    if plot is not None:
        draw(rows, plot)
        report.info["plot"] = str(plot.relative_to(PROJECT))


def draw(rows: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    files = [r["files"] for r in rows]
    seconds = [r["seconds"] for r in rows]
    slope = seconds[len(seconds) // 2] / files[len(files) // 2]
    left.plot(files, seconds, "o-", label="gitnad scan (in process, no cache)")
    left.plot([0, max(files)], [0, slope * max(files)], "--", color="grey", label="linear through the middle size")
    left.set_xlabel("manifest files")
    left.set_ylabel("seconds (best of the rounds)")
    left.legend()
    at = range(len(rows))
    right.bar([x - 0.2 for x in at], [r["us_per_file"] for r in rows], width=0.4, label="wall")
    right.bar([x + 0.2 for x in at], [r["cpu_us_per_file"] for r in rows], width=0.4, label="CPU, all processes")
    right.set_xticks(list(at), [f"{f:,}" for f in files])
    right.legend()
    right.set_ylabel("microseconds per file")
    right.set_xlabel("manifest files")
    fig.suptitle("gitnad scan: time grows linearly with the repository (bench/run, T6)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def live_targets(report: Report, counts: list[int], repeat: int) -> None:
    if not os.environ.get("KUBEBUILDER_ASSETS"):
        report.note("T7", "live drift", "skipped: KUBEBUILDER_ASSETS unset")
        return
    import live_bench

    with tempfile.TemporaryDirectory() as work:
        results = live_bench.run(counts, repeat, Path(work))
    report.info["live"] = [asdict(r) | {"ratio": r.ratio, "ratio_uncached": r.ratio_uncached} for r in results]
    requests = [r.requests for r in results]
    report.note(
        "T7",
        "live drift requests at " + " / ".join(f"{r.vms:,}" for r in results) + " VMs",
        " / ".join(map(str, requests)),
        len(set(requests)) == 1 or requests[-1] <= 7 + 3 * (counts[-1] // 500 - 1),
    )
    big = results[-1]
    report.judge("T7", f"live drift / raw LIST calls ({big.vms:,} VMs, parse cache warm)", big.ratio, 2.0, "x")
    report.judge("T7", f"live drift --no-cache / raw LIST calls ({big.vms:,} VMs)", big.ratio_uncached, 2.0, "x")


# --- main -------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1k smoke: every measure once, no time verdicts (CI)")
    ap.add_argument("--repeat", type=int, default=None, help="rounds per measure [full: 3, quick: 1]")
    ap.add_argument("--peers", action="store_true", help="also checkov and ruamel.yaml")
    ap.add_argument(
        "--only", default="repo,drift,scaling,live", help="comma-separated: repo, peers, drift, scaling, live"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also write where a check, a staged check and a warm scan spend their time (cProfile, import times)",
    )
    args = ap.parse_args(argv)
    now = datetime.now(UTC)
    stem = f"run-{now.strftime('%Y%m%dT%H%M%SZ')}{'-quick' if args.quick else ''}"
    RESULTS.mkdir(exist_ok=True)
    repeat = args.repeat or (1 if args.quick else 3)
    only = set(args.only.split(","))
    report = Report(quick=args.quick)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "gitnad")], check=True)  # as pip does
    started = time.perf_counter()
    if "repo" in only:
        repo_targets(report, repeat, 1_000 if args.quick else 10_000, RESULTS / stem if args.profile else None)
    if args.peers or "peers" in only:
        peer_targets(report, 1_000 if args.quick else 10_000)
    if "drift" in only:
        drift_targets(report, repeat, 200 if args.quick else 5_000)
    if "scaling" in only:
        sizes = [200, 500, 1_000] if args.quick else [1_000, 10_000, 50_000]
        plot = None if args.quick else HERE / "scaling.png"
        scaling_targets(report, sizes, repeat, plot)
    if "live" in only:
        live_targets(report, [10, 50] if args.quick else [10, 2_000], repeat)
    print(report.table())
    out = RESULTS / f"{stem}.json"
    doc = {
        "when": now.isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "loadavg_after": os.getloadavg()},
        "verdicts": [asdict(v) for v in report.verdicts],
        "measures": report.measures,
        "info": report.info,
    }
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(PROJECT)} ({doc['seconds']} s, load {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
