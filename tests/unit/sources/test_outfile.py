"""Report and snapshot files (gitnad.sources.outfile) through the real CLI: atomic replace for regular files,
written in place for devices, FIFOs and descriptor aliases, modes kept, bad destinations refused up front."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from gitnad.errors import OutputError, UsageError
from gitnad.sources import outfile
from tests.gitutil import commit, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    commit(make_repo(tmp_path / "r"), {"README.md": "no VMs\n"})
    return tmp_path / "r"


def scan_json(repo: Path, output: Path | str) -> Result:
    return CliRunner().invoke(main, ["scan", str(repo), "--format", "json", "--output", str(output)])


def test_new_file_gets_the_umask_mode(repo: Path, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        r = scan_json(repo, tmp_path / "new.json")
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
    assert json.loads((tmp_path / "new.json").read_text())["command"] == "scan"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "r"]  # no temp file left behind


def test_existing_file_is_replaced_atomically_keeping_its_mode(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old")
    out.chmod(0o604)
    before = out.stat().st_ino
    assert scan_json(repo, out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert out.stat().st_ino != before  # a new inode renamed over the old: readers never see half a report
    assert json.loads(out.read_text())["command"] == "scan"


def test_a_symlink_stays_a_symlink_and_its_target_is_replaced(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert scan_json(repo, link).exit_code == 0
    assert link.is_symlink() and json.loads(target.read_text())["command"] == "scan"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_devices_are_written_in_place(repo: Path, device: str) -> None:
    """As root, a rename over /dev/null used to replace the device with a regular 0600 file."""
    before = os.stat(device)
    assert scan_json(repo, device).exit_code == 0
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_full_device_is_exit_3_naming_it(repo: Path) -> None:
    r = scan_json(repo, "/dev/full")
    assert (r.exit_code, r.stderr) == (
        3,
        "gitnad: error: --output /dev/full: could not write: No space left on device\n",
    )
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_fifo_is_written_in_place(repo: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "reports.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = scan_json(repo, fifo)
    reader.join(timeout=30)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(got[0])["command"] == "scan"


def test_dev_stdout_reaches_the_real_stdout(repo: Path) -> None:
    """`/dev/stdout` is the descriptor the caller gave (a pipe here): appended to, never renamed over."""
    cmd = [sys.executable, "-m", "gitnad.cli", "scan", str(repo), "--format", "json", "--output", "/dev/stdout"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert (res.returncode, res.stderr) == (0, "")
    assert json.loads(res.stdout)["command"] == "scan"


def test_dev_stdout_redirected_to_a_file_appends(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n")
    cmd = [sys.executable, "-m", "gitnad.cli", "scan", str(repo), "--output", "/dev/stdout"]
    with log.open("a") as f:  # `>> log.txt`
        assert subprocess.run(cmd, stdout=f, timeout=60, check=False).returncode == 0
    lines = log.read_text().splitlines()
    assert lines[0] == "earlier line" and lines[1].startswith("gitnad scan")


@pytest.fixture
def world_readable() -> Iterator[Path]:
    """A directory nobody can reach (pytest's tmp_path lies under a 0700 directory of root's)."""
    d = Path(tempfile.mkdtemp(prefix="gitnad-outfile-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d)


def test_an_unwritable_directory_is_exit_2_before_any_work(repo: Path, world_readable: Path) -> None:
    """Run as an unprivileged user (root ignores permission bits): fork, drop to nobody, invoke the CLI."""
    readonly = world_readable / "ro"
    readonly.mkdir(mode=0o555)
    target = readonly / "report.json"
    if os.geteuid() != 0:
        assert scan_json(repo, target).exit_code == 2
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgid(65534)
            os.setuid(65534)
            r = CliRunner().invoke(main, ["scan", "/nonexistent/repo", "--output", str(target)])
            os.write(write_end, f"{r.exit_code}\n{r.stderr}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    why = "the file is written beside it, then renamed"
    assert out == f"2\ngitnad: error: --output {target}: directory {readonly} is not writable ({why})\n"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: p.mkdir(), "is a directory; name a file"),
        (lambda p: None, None),
        (lambda p: p.write_text("x"), None),
    ],
    ids=["directory", "new", "existing"],
)
def test_check_writable(tmp_path: Path, make: object, error: str | None) -> None:
    target = tmp_path / "out"
    make(target)  # type: ignore[operator]
    if error is None:
        outfile.check_writable(target)
        return
    with pytest.raises(UsageError, match=error):
        outfile.check_writable(target)


def test_a_hostile_name_cannot_forge_lines(tmp_path: Path) -> None:
    target = tmp_path / "no\ngitnad: all clear\x1b[2J" / "x.json"
    r = CliRunner().invoke(main, ["scan", "/nonexistent/repo", "--output", str(target)])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert f"--output {str(target)!r}: directory {str(target.parent)!r} does not exist" in r.stderr


def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(UsageError, match="is a socket"):
            outfile.check_writable(path)


def test_append_text_creates_then_appends(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    outfile.append_text(summary, "# one\n", "$GITHUB_STEP_SUMMARY")
    outfile.append_text(summary, "# two\n", "$GITHUB_STEP_SUMMARY")
    assert summary.read_text() == "# one\n# two\n"
    with pytest.raises(OutputError, match=r"\$GITHUB_STEP_SUMMARY /dev/full: could not write"):
        outfile.append_text(Path("/dev/full"), "# three\n", "$GITHUB_STEP_SUMMARY")
