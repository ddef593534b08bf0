"""`gitnad demo` runs on the bundled fixtures with no cluster and no network."""

from __future__ import annotations

from click.testing import CliRunner

from gitnad.cli import main


def test_demo_tells_the_check_story() -> None:
    r = CliRunner().invoke(main, ["demo", "--no-color"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = r.output
    assert "1. Pull-request check" in out
    for expected in (
        "GN101 invalid-nad-reference  clusters/staging/vms/app-1.yaml:",
        "GN104 default-network-swap  clusters/prod/vms/router-1.yaml:",
        "GN109 nad-still-referenced  clusters/staging/vms/app-2.yaml:",
        # A broken ConfigMap is someone else's file: a note, not GN001 (SPEC §3).
        "warning: clusters/staging/vms/notes.yaml:6: skipped, duplicate mapping key 'name' (first on line 4)",
    ):
        assert expected in out
