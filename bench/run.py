"""Benchmark gitnad on the synthetic GitOps corpus (bench/corpus.py); every figure is also given as a ratio to
the raw parse floor measured in the same run, because the machines this runs on are noisy.

    .venv/bin/python bench/run.py [--repeat 3] [--corpus bench/.corpus] [--regenerate] [--rt-sample 1000] [--no-ruamel]

Measures (best of `--repeat`):
  floor        PyYAML `load_all(..., CSafeLoader)` over every manifest blob at HEAD (parse only, no I/O)
  git-read     listing HEAD and reading every blob through GitRepo (ls-tree + one cat-file --batch)
  scan-lib     sources.scanner.scan at HEAD, in process (serial, and with the default worker pool)
  scan-cli     `gitnad scan --ref HEAD --format json` end to end (a fresh interpreter), with and without
               the scanner's worker pool
  ruamel-safe  ruamel.yaml typ=safe over every blob (C parser when ruamel.yaml.clib is installed)
  ruamel-rt    ruamel.yaml round-trip (line-aware, pure Python) on a sample, scaled to the corpus
  check-cli    `gitnad check --offline --base HEAD~1 --head HEAD` on the 20-file change, also as a ratio of scan-cli
Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

from corpus import DEFAULT_OUT, generate  # noqa: E402  (bench/ is a script directory, not a package)

from gitnad.sources.gitrefs import GitRepo  # noqa: E402
from gitnad.sources.scanner import ScanSettings, scan  # noqa: E402

RESULTS = HERE / "results"


@dataclass(frozen=True)
class Timing:
    name: str
    best_s: float
    median_s: float
    runs: int
    note: str = ""


def read_blobs(repo: GitRepo) -> dict[str, bytes]:
    reader = repo.reader("HEAD")
    blobs = reader.read(reader.paths(), 1 << 30)
    return {p: b for p, b in blobs.items() if isinstance(b, bytes)}


def floor(blobs: dict[str, bytes]) -> int:
    return sum(len(list(yaml.load_all(b, Loader=yaml.CSafeLoader))) for b in blobs.values())


def ruamel_parser(typ: str) -> tuple[Callable[[bytes], int], str] | None:
    try:
        from ruamel.yaml import YAML
    except ImportError:
        return None
    loader = YAML(typ=typ, pure=False)
    parser = getattr(loader.Parser, "__module__", "?") + "." + getattr(loader.Parser, "__name__", "?")

    def parse(data: bytes) -> int:
        return len(list(loader.load_all(data)))

    return parse, parser


ENTRY = "from gitnad.cli import main; main()"
SERIAL_ENTRY = "import gitnad.sources.scanner as s; s.PARALLEL_MIN_BYTES = 1 << 62; " + ENTRY
"""The same command with the scanner's worker pool switched off: the end-to-end serial baseline."""


def gitnad_cli(*args: str, entry: str = ENTRY) -> tuple[int, bytes]:
    """Run the `gitnad` command in a fresh interpreter from this checkout (exit code, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    cmd = [sys.executable, "-c", entry, *args]
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=PROJECT)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"gitnad {' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return proc.returncode, proc.stdout


def scan_cli(corpus: Path, entry: str = ENTRY) -> dict[str, Any]:
    _, out = gitnad_cli("scan", "--repo", str(corpus), "--ref", "HEAD", "--format", "json", entry=entry)
    data: dict[str, Any] = json.loads(out)
    return data


def check_cli(corpus: Path) -> dict[str, Any]:
    args = ("check", "--repo", str(corpus), "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    _, out = gitnad_cli(*args)
    data: dict[str, Any] = json.loads(out)
    return data


def app_available(module: str) -> bool:
    return (PROJECT / "gitnad" / "app" / f"{module}.py").exists()


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[[], Any]
    note: str = ""
    once: bool = False
    """Run in the first round only (slow comparison points)."""


def round_robin(cases: list[Case], repeat: int) -> tuple[list[Timing], dict[str, Any]]:
    """Time every case once per round, rounds interleaved, so load changes on a shared machine hit all alike."""
    times: dict[str, list[float]] = {c.name: [] for c in cases}
    last: dict[str, Any] = {}
    for round_no in range(repeat):
        for case in cases:
            if case.once and round_no:
                continue
            start = time.perf_counter()
            last[case.name] = case.fn()
            times[case.name].append(time.perf_counter() - start)
    timings = [
        Timing(c.name, min(times[c.name]), statistics.median(times[c.name]), len(times[c.name]), c.note) for c in cases
    ]
    return timings, last


def ruamel_cases(blobs: dict[str, bytes], rt_sample: int) -> tuple[list[Case], float]:
    """ruamel.yaml safe (C parser when available) over everything; round-trip (pure Python) on a sample.
    Returns the cases and the factor that scales the sample to the corpus."""
    cases: list[Case] = []
    everything = list(blobs.values())
    sample = everything[:rt_sample]
    scale = sum(len(b) for b in everything) / max(1, sum(len(b) for b in sample))
    safe = ruamel_parser("safe")
    if safe is not None:
        parse, parser = safe
        cases.append(Case("ruamel-safe", lambda: sum(parse(b) for b in everything), f"parser {parser}"))
    rt = ruamel_parser("rt")
    if rt is not None:
        parse_rt, parser_rt = rt
        note = f"parser {parser_rt}, {len(sample)} files scaled x{scale:.1f}"
        cases.append(Case("ruamel-rt", lambda: sum(parse_rt(b) for b in sample), note, once=True))
    return cases, scale


def _scaled(t: Timing, factor: float) -> Timing:
    return Timing(t.name, t.best_s * factor, t.median_s * factor, t.runs, t.note)


def measure(corpus: Path, repeat: int, rt_sample: int) -> tuple[list[Timing], dict[str, Any]]:
    repo = GitRepo(corpus)
    blobs = read_blobs(repo)
    reference = scan(repo.reader("HEAD"), ScanSettings(workers=1))
    info: dict[str, Any] = {"files": len(blobs), "bytes": sum(len(b) for b in blobs.values())}
    info["scan"] = {"vms": len(reference.vms), "nads": len(reference.nads), "problems": len(reference.problems)}

    def pooled() -> bool:
        return scan(repo.reader("HEAD"), ScanSettings()) == reference

    cases = [
        Case("floor", lambda: floor(blobs), "PyYAML CSafeLoader load_all, parse only"),
        Case("git-read", lambda: len(read_blobs(repo)), "ls-tree + one cat-file --batch"),
        Case("scan-lib serial", lambda: len(scan(repo.reader("HEAD"), ScanSettings(workers=1)).vms), "workers=1"),
        Case("scan-lib pool", pooled, "default: fork pool, one worker per CPU"),
    ]
    if app_available("scan"):
        cases.append(Case("scan-cli", lambda: scan_cli(corpus), "gitnad scan --ref HEAD --format json"))
        cases.append(Case("scan-cli serial", lambda: scan_cli(corpus, SERIAL_ENTRY), "same, worker pool off"))
    extra, scale = ruamel_cases(blobs, rt_sample) if rt_sample else ([], 1.0)
    cases += extra
    if app_available("check"):
        cases.append(Case("check-cli", lambda: check_cli(corpus), "check --offline --base HEAD~1 --head HEAD"))
    timings, last = round_robin(cases, repeat)
    timings = [_scaled(t, scale) if t.name == "ruamel-rt" else t for t in timings]
    info["documents"] = last["floor"]
    info["pool_equals_serial"] = last["scan-lib pool"]
    for name, key in (("ruamel-safe", "ruamel_safe_parser"), ("ruamel-rt", "ruamel_rt_parser")):
        info[key] = next((c.note.split(",")[0].removeprefix("parser ") for c in cases if c.name == name), None)
    if "scan-cli" in last:
        info["scan_cli"] = {"vms": len(last["scan-cli"].get("vms", [])), "nads": len(last["scan-cli"].get("nads", []))}
    if "check-cli" in last:
        changes = last["check-cli"].get("changes", [])
        info["check_cli"] = {
            "changes": len(changes),
            "kinds": sorted({c["kind"] for c in changes}),
            "findings": sorted(f["code"] for f in last["check-cli"].get("findings", [])),
        }
    return timings, info


def table(timings: list[Timing], info: dict[str, Any]) -> str:
    by_name = {t.name: t for t in timings}
    base = by_name["floor"].best_s
    files = info["files"]
    rows = [f"{'measure':<18}{'best s':>9}{'median s':>10}{'x floor':>9}{'files/s':>10}  note"]
    for t in timings:
        rows.append(
            f"{t.name:<18}{t.best_s:>9.3f}{t.median_s:>10.3f}{t.best_s / base:>9.2f}{files / t.best_s:>10.0f}  {t.note}"
        )
    if "scan-cli serial" in by_name and "scan-cli" in by_name:
        rows.append(
            f"scan-cli / scan-cli serial = {by_name['scan-cli'].best_s / by_name['scan-cli serial'].best_s:.3f}"
        )
    if "check-cli" in by_name and "scan-cli" in by_name:
        ratio = by_name["check-cli"].best_s / by_name["scan-cli"].best_s
        rows.append(f"check-cli / scan-cli = {ratio:.3f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gitnad benchmark (see module docstring)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--regenerate", action="store_true", help="rebuild the corpus even if it exists")
    ap.add_argument("--rt-sample", type=int, default=1000, help="files parsed by ruamel round-trip (then scaled)")
    ap.add_argument("--no-ruamel", action="store_true", help="skip the ruamel.yaml comparison points")
    args = ap.parse_args(argv)
    if args.regenerate or not (args.corpus / ".git").exists():
        print("corpus:", json.dumps(generate(args.corpus, 10_000, 20, 7)), flush=True)
    timings, info = measure(args.corpus, args.repeat, 0 if args.no_ruamel else args.rt_sample)
    print(table(timings, info))
    print(json.dumps(info, sort_keys=True))
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    floor_s = timings[0].best_s
    report = {
        "when": now.isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadavg_after": os.getloadavg(),
        },
        "corpus": info,
        "timings": [{**t.__dict__, "x_floor": t.best_s / floor_s} for t in timings],
    }
    out = RESULTS / f"bench-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
