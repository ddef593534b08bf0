"""Benchmark `gitnad drift` from a snapshot: a repo of ~5,000 VMs (bench/corpus.py) and a matching cluster
snapshot (VM, VMI, launcher pod each; migrations for some), with a realistic mix of states.

Measures the whole command (`gitnad.app.drift.run`: git scan at HEAD, snapshot read, classification,
rendering) for YAML and JSON snapshots, plus the phases separately. Deterministic for a given seed.

Then snapshot I/O on its own, every figure also as a ratio to `json.loads` of the JSON snapshot (GC paused, as
the reader does) measured in the same run and process (the floor): parsing (`yamlio.load_plain`, and the line-tracking
`load_documents` + copy it replaced), `to_facts`, and writing (`yamlio.dump_yaml`, the PyYAML representer +
libyaml emitter it replaced, JSON). The replaced paths run once each (~35 s together); `--no-legacy` skips them.

    .venv/bin/python bench/drift_bench.py [--vms 5000] [--out bench/.drift] [--repeat 3] [--no-legacy]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402
from gitnad.app import drift as app_drift  # noqa: E402
from gitnad.config import ClusterSettings, OutputFormat  # noqa: E402
from gitnad.drift.classify import classify  # noqa: E402
from gitnad.models.cluster import FactSource  # noqa: E402
from gitnad.models.manifest import VM, NetworkSource  # noqa: E402
from gitnad.report import render  # noqa: E402
from gitnad.sources import yamlio  # noqa: E402
from gitnad.sources.cluster import assemble, convert, load_facts  # noqa: E402
from gitnad.sources.cluster import snapshot as snapshot_file  # noqa: E402
from tests.e2e import kubevirt_actor as k  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / ".drift"
MIX = (("InSync", 88), ("MigrationPending", 4), ("Migrating", 2), ("Stopped", 2), ("OutOfSync", 2), ("PodDrift", 2))


def _nets(vm: VM, nad_of: dict[str, str] | None = None) -> list[k.Net]:
    out = []
    for n in vm.networks:
        if n.source is NetworkSource.MULTUS and n.nad:
            out.append(k.Net(n.name, (nad_of or {}).get(n.name, n.nad), n.default))
        elif n.source is NetworkSource.POD:
            out.append(k.Net(n.name))
    return out


def _other(nad: str) -> str:
    ns, name = nad.split("/", 1)
    return f"{ns}/{name}-old"


def live_objects(vm: VM, state: str, i: int) -> list[dict[str, Any]]:
    """The cluster objects of one declared VM in the given state."""
    uid = f"{i:08x}-0000-4000-8000-{i:012x}"
    pod_uid = f"{i:08x}-0001-4000-8000-{i:012x}"
    nets = _nets(vm)
    if state == "Stopped":
        return [k.vm(vm.name, vm.namespace, nets, run_strategy="Halted")]
    multus = [n for n in nets if n.nad]
    old = {n.name: _other(n.nad or "") for n in multus}
    live_nets = _nets(vm, old) if state == "OutOfSync" else nets
    pod_on = {
        n.name: (old[n.name] if state in ("MigrationPending", "Migrating", "PodDrift", "OutOfSync") else n.nad or "")
        for n in multus
    }
    conditions = [k.cond("LiveMigratable", "True")]
    if state in ("MigrationPending", "Migrating"):
        conditions.append(k.cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate"))
    objs = [
        k.vm(vm.name, vm.namespace, live_nets),
        k.vmi(vm.name, vm.namespace, uid, live_nets, node=f"node{i % 40:02d}", pod_uid=pod_uid, conditions=conditions),
        k.launcher_pod(
            vm.name,
            vm.namespace,
            uid,
            f"virt-launcher-{vm.name}-x",
            pod_uid,
            live_nets,
            node=f"node{i % 40:02d}",
            attached=pod_on,
            created="2026-11-24T10:00:00Z",
        ),
    ]
    if state == "Migrating":
        objs.append(
            k.migration(
                f"kubevirt-workload-update-{i:05d}",
                vm.namespace,
                vm.name,
                phase="Running",
                created="2026-11-24T10:01:00Z",
            )
        )
    return objs


def build_snapshot(vms: list[VM], rng: random.Random) -> tuple[dict[str, Any], Counter[str]]:
    states = [s for s, weight in MIX for _ in range(weight)]
    items: list[dict[str, Any]] = [k.kubevirt_cr(parallel=5)]
    nads = sorted({n.nad for vm in vms for n in vm.networks if n.nad})
    for nad in nads:
        ns, name = nad.split("/", 1)
        items += [k.nad(name, ns), k.nad(f"{name}-old", ns)]
    planned: Counter[str] = Counter()
    for i, vm in enumerate(vms):
        state = rng.choice(states)
        planned[state] += 1
        items += live_objects(vm, state, i)
    return {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}, planned


def _timed(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None  # free the previous result outside the clock
        gc.collect()  # each run pays for the GC passes its own allocations trigger, not for earlier ones
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _drift_json(req: app_drift.DriftRequest) -> tuple[str, Any]:
    """What `gitnad drift --format json` does: the use case, then the report."""
    result, code = app_drift.run(req)
    return render(result, OutputFormat.JSON), code


def prepare(out: Path, vm_count: int, seed: int) -> tuple[Path, Path, Path, str]:
    """The repo (`out/repo`, ~`vm_count` VMs), its snapshots (YAML, JSON) and a one-line description; the repo
    and the snapshots are reused when they exist."""
    repo = out / "repo"
    files = round(vm_count / 1.02)  # corpus: every 50th file holds a second VM
    snap_yaml, snap_json = out / "snapshot.yaml", out / "snapshot.json"
    if not (repo / ".git").is_dir():
        corpus.generate(repo, files, 20, seed, nad_every=0)
        snap_yaml.unlink(missing_ok=True)
    declared = app_drift.load_declared(repo, None, "HEAD", None, cache=False)
    vms = list(declared.vms)
    if not snap_yaml.exists() or not snap_json.exists():
        doc, _planned = build_snapshot(vms, random.Random(seed))
        import yaml

        snap_yaml.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
        snap_json.write_text(json.dumps(doc))
    networks = sum(1 for vm in vms for n in vm.networks if n.source is NetworkSource.MULTUS)
    about = (
        f"{len(vms)} VMs, {networks} multus networks; snapshot {snap_yaml.stat().st_size / 1e6:.1f} MB yaml, "
        f"{snap_json.stat().st_size / 1e6:.1f} MB json"
    )
    return repo, snap_yaml, snap_json, about


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--vms", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--no-legacy", action="store_true", help="skip timing the replaced (slow) snapshot paths")
    args = ap.parse_args(argv)
    repo, snap_yaml, snap_json, about = prepare(args.out, args.vms, args.seed)
    print(about)

    for snap in (snap_yaml, snap_json):
        req = app_drift.DriftRequest(
            repo=repo,
            config_file=None,
            ref="HEAD",
            base=None,
            wait=False,
            timeout=timedelta(minutes=1),
            cluster=ClusterSettings(snapshot=snap),
        )
        total, (text, code) = _timed(lambda r=req: _drift_json(r), args.repeat)
        counts = Counter(i["state"] for i in json.loads(text)["items"])
        print(
            f"gitnad drift --snapshot {snap.name}: {total:.2f}s (best of {args.repeat}), "
            f"exit {int(code)}, {dict(counts)}"
        )

    t_scan, declared = _timed(lambda: app_drift.load_declared(repo, None, "HEAD", None), args.repeat)
    for snap in (snap_yaml, snap_json):
        t_facts, facts = _timed(
            lambda s=snap: load_facts(ClusterSettings(snapshot=s), declared.namespaces), args.repeat
        )
        print(f"  read {snap.name}: {t_facts:.2f}s")
    t_classify, items = _timed(lambda: classify(declared.vms, facts), args.repeat)
    result = app_drift.result_of(declared, items, facts)
    t_text, _ = _timed(lambda: render(result, OutputFormat.TEXT), args.repeat)
    t_json, _ = _timed(lambda: render(result, OutputFormat.JSON), args.repeat)
    print(
        f"  git scan at HEAD: {t_scan:.2f}s; classify {len(items)} items: {t_classify:.3f}s; "
        f"render text {t_text:.3f}s, json {t_json:.3f}s"
    )
    snapshot_io(snap_yaml, snap_json, args.repeat, legacy=not args.no_legacy)
    return 0


def _legacy_dump(body: Any) -> str:
    """How snapshots were written before `yamlio.dump_yaml`: PyYAML's representer, then the libyaml emitter."""
    import yaml

    class NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return str(yaml.dump(body, Dumper=NoAliases, sort_keys=False, default_flow_style=False, allow_unicode=True))


def _quiet(fn: Any) -> Any:
    with convert.quiet_gc():
        return fn()


def snapshot_io(snap_yaml: Path, snap_json: Path, repeat: int, legacy: bool) -> None:
    """Snapshot parse/convert/write phases as ratios to json.loads of the same List (same run, same heap: the
    repo scan and the facts above are still alive, as in `gitnad drift`)."""
    yb, jb = snap_yaml.read_bytes(), snap_json.read_bytes()
    limits = yamlio.YamlLimits(max_nodes=len(yb))
    json.loads(jb)  # warm-up: the first parse of a run also pays for growing the heap
    floor, body = _timed(lambda: _quiet(lambda: json.loads(jb)), repeat)
    capture = snapshot_file.read(snap_json)
    written = snapshot_file.build_list(capture)
    rows: list[tuple[str, float, str]] = [("floor: json.loads, GC paused", floor, f"{len(jb) / 1e6:.1f} MB")]
    rows.append(("  json.loads with GC passes", _timed(lambda: json.loads(jb), repeat)[0], ""))
    t, plain = _timed(lambda: yamlio.load_plain(yb, limits), repeat)
    assert plain.documents[0].data == body, "YAML and JSON snapshots differ"
    rows.append(("yaml parse: yamlio.load_plain", t, f"{len(yb) / 1e6:.1f} MB"))
    if legacy:
        t, old = _timed(lambda: yamlio.plain(yamlio.load_documents(yb, limits).documents[0].data), 1)
        assert old == body
        rows.append(("  before: load_documents + copy", t, "once"))
    rows.append(("snapshot.read json", _timed(lambda: snapshot_file.read(snap_json), repeat)[0], ""))
    rows.append(("snapshot.read yaml", _timed(lambda: snapshot_file.read(snap_yaml), repeat)[0], ""))
    rows.append(("assemble.to_facts", _timed(lambda: assemble.to_facts(capture, FactSource.SNAPSHOT), repeat)[0], ""))
    if legacy:
        t = _timed(lambda: assemble._to_facts(capture, FactSource.SNAPSHOT), repeat)[0]
        rows.append(("  before: with cyclic GC passes", t, ""))
    t, text = _timed(lambda: snapshot_file.render(written, "yaml"), repeat)
    rows.append(("write yaml: yamlio.dump_yaml", t, f"{len(text) / 1e6:.1f} MB"))
    if legacy:
        t, old_text = _timed(lambda: _legacy_dump(written), 1)
        assert old_text == text, "dump_yaml differs from the representer's output"
        rows.append(("  before: representer + emitter", t, "once, same bytes"))
    rows.append(("write json (indent=2)", _timed(lambda: snapshot_file.render(written, "json"), repeat)[0], ""))
    print(f"snapshot I/O (best of {repeat}; x = ratio to the json.loads floor):")
    for name, seconds, note in rows:
        print(f"  {name:34s} {seconds:6.2f}s  x{seconds / floor:5.1f}  {note}")


if __name__ == "__main__":
    sys.exit(main())
