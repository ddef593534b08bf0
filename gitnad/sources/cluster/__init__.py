"""Cluster facts: the one way gitnad learns about a cluster, live (kubernetes client) or from a snapshot file.

`load_facts` gives ClusterFacts from either source; `capture_live` / `snapshot_text` / `write_snapshot` serve
`gitnad snapshot`. The kubernetes client is imported only when a live read happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError, SnapshotError
from gitnad.models.cluster import ClusterFacts, FactSource
from gitnad.sources import outfile
from gitnad.sources.cluster import assemble
from gitnad.sources.cluster import snapshot as snapshot_file
from gitnad.sources.cluster.kinds import Capture

SNAPSHOT_FORMATS = ("yaml", "json")


def load_facts(
    settings: ClusterSettings, namespaces: Sequence[str] | None = None, now: datetime | None = None
) -> ClusterFacts:
    """Facts from `settings.snapshot` if set, else from the live cluster.

    `namespaces` limits the namespaced facts (VMs, VMIs, migrations, pods, NADs); include the namespaces
    of NADs the repo references across namespaces. None reads all. `ClusterFacts.covers()` tells which.
    """
    if settings.snapshot is not None:
        capture = snapshot_file.read(settings.snapshot, settings.max_snapshot_age, now, settings.max_snapshot_bytes)
        return _facts(capture, FactSource.SNAPSHOT, settings.snapshot)
    return _facts(capture_live(settings, namespaces), FactSource.LIVE, None)


def capture_live(settings: ClusterSettings, namespaces: Sequence[str] | None = None) -> Capture:
    from gitnad.sources.cluster.live import LiveReader

    return LiveReader(settings).capture(namespaces)


def _facts(capture: Capture, source: FactSource, path: Path | None) -> ClusterFacts:
    try:
        return assemble.to_facts(capture, source)
    except assemble.ItemError as e:
        if path is not None:
            where = f"{path}:{e.line}" if e.line else f"{path}: {e.resource.kind} #{e.index + 1}"
            raise SnapshotError(f"{where}: {e.message}") from e
        raise ClusterError(f"list {e.resource.name}: {e.message}") from e


def snapshot_format(out_file: Path | None, fmt: str | None) -> str:
    """Explicit `--format`, else from the -o suffix (`.json`), else yaml."""
    if fmt is not None:
        return fmt
    return "json" if out_file is not None and out_file.suffix.lower() == ".json" else "yaml"


def snapshot_text(capture: Capture, fmt: str) -> str:
    """The snapshot List of a capture, rendered. Checks it converts, so no unusable file is written."""
    _facts(capture, FactSource.LIVE, None)
    return snapshot_file.render(snapshot_file.build_list(capture), fmt)


def write_snapshot(capture: Capture, out_file: Path, fmt: str) -> None:
    """Write the snapshot List (atomically for a file; in place for a device or FIFO), as reports are written."""
    outfile.write_text(out_file, snapshot_text(capture, fmt), "-o")
