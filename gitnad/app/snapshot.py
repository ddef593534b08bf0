"""`gitnad snapshot`: read the cluster live and write the facts gitnad needs as a `v1` List (SPEC §7)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitnad.config import ClusterSettings
from gitnad.errors import ExitCode
from gitnad.sources import cluster, outfile


def run(
    settings: ClusterSettings, namespaces: Sequence[str], out_file: Path | None, fmt: str | None
) -> tuple[str, ExitCode]:
    """With `-o`: write the file atomically and return a one-line summary; else return the List itself. The
    destination is checked first: reading a big cluster takes minutes, and must not be wasted on a typo."""
    if out_file is not None:
        outfile.check_writable(out_file, "-o")
    capture = cluster.capture_live(settings, tuple(namespaces) or None)
    chosen = cluster.snapshot_format(out_file, fmt)
    if out_file is None:
        return cluster.snapshot_text(capture, chosen), ExitCode.OK
    cluster.write_snapshot(capture, out_file, chosen)
    counts = ", ".join(f"{len(read.items)} {name}" for name, read in capture.reads.items())
    return f"wrote {out_file} ({counts})\n", ExitCode.OK
