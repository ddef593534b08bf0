"""Benchmark `gitnad check` on the 20-file change with Kustomize overlays present: it must cost what the change
costs, not what the number of overlays costs.

Corpora (bench/corpus.py, same seed, so the plain files and the change are identical in all of them):
  plain          no kustomization
  N overlays     one kustomize base (50 VMs + NADs) and N overlays, each with its namespace and a patch file; the
                 change touches plain VM files only (no overlay input): nothing should be rendered
  2N overlays    the same with twice the overlays
  N, 1 touched   N overlays, and the change also edits one overlay's patch (that root renders at base and head)

Each is timed as `gitnad check --offline --base HEAD~1 --head HEAD --format json` in a fresh interpreter, in
interleaved rounds (the machine is shared), best and median of `--repeat`, and as a ratio to `plain`.

    .venv/bin/python bench/overlay_bench.py [--files 2000] [--overlays 20] [--repeat 5] [--out /tmp/gitnad-overlays]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402  (bench/ is a script directory, not a package)


def check(repo: Path) -> tuple[float, dict[str, object]]:
    cmd = [sys.executable, "-m", "gitnad.cli", "check", "--repo", str(repo), "--offline"]
    cmd += ["--base", "HEAD~1", "--head", "HEAD", "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed in {repo}: {proc.stderr.decode()}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000, help="plain VM files")
    ap.add_argument("--overlays", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("/tmp/gitnad-overlays"))
    args = ap.parse_args()
    n = args.overlays
    cases: dict[str, tuple[int, int]] = {  # (overlays, overlay patches changed)
        "plain": (0, 0),
        f"{n} overlays": (n, 0),
        f"{2 * n} overlays": (2 * n, 0),
        f"{n}, 1 touched": (n, 1),
    }
    repos: dict[str, Path] = {}
    for i, (name, (overlays, touched)) in enumerate(cases.items()):
        repos[name] = args.out / f"corpus-{i}"
        stats = generate(repos[name], args.files, 20, 7, overlays=overlays, changed_in_overlays=touched)
        print(f"{name:<16} {json.dumps(stats)}")
    times: dict[str, list[float]] = {name: [] for name in cases}
    changes: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, repo in repos.items():
            elapsed, doc = check(repo)
            times[name].append(elapsed)
            listed = doc["changes"]
            changes[name] = len(listed) if isinstance(listed, list) else 0
    plain = min(times["plain"])
    print(f"\n{'corpus':<16} {'changes':>7} {'best s':>8} {'median s':>9} {'x plain':>8}")
    for name, ts in times.items():
        print(f"{name:<16} {changes[name]:>7} {min(ts):>8.3f} {statistics.median(ts):>9.3f} {min(ts) / plain:>8.2f}")


if __name__ == "__main__":
    main()
