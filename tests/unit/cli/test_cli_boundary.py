"""The one error boundary (gitnad.cli.boundary.Gitnad.main): every way a run ends becomes one exit code and one line.

Forced failures are raised from inside a real command (a use case monkeypatched to raise), so they travel the
same path as a real bug; the closed-pipe case runs the real executable with a pipe whose reader is gone.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import uuid
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner, Result

import gitnad.app.scan as app_scan
from gitnad.cli import main
from gitnad.errors import ConfigError, ExitCode, GitError, keep_secret
from tests.gitutil import commit, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    commit(make_repo(tmp_path / "r"), {"README.md": "no VMs\n"})
    return tmp_path / "r"


def _scan(repo: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(repo), *extra])


def _raise(exc: BaseException) -> object:
    def boom(*_a: object, **_k: object) -> NoReturn:
        raise exc

    return boom


def _call_line() -> int:
    """The line of `gitnad.app.scan.run` that calls scan_repo: the innermost gitnad frame of a failure inside it."""
    lines, first = inspect.getsourcelines(app_scan.run)
    return first + next(i for i, line in enumerate(lines) if "scan_repo(" in line)


def test_internal_error_is_exit_3_with_one_line_and_no_traceback(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_scan, "scan_repo", _raise(ValueError("boom")))
    r = _scan(repo)
    assert r.exit_code == ExitCode.UNDECIDED == 3
    assert r.stdout == ""
    assert r.stderr == (
        f"gitnad: internal error: ValueError: boom (at gitnad.app.scan:{_call_line()}); "
        "re-run with -v for the traceback\n"
    )


def test_verbose_shows_the_traceback_then_the_line(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_scan, "scan_repo", _raise(ValueError("boom")))
    r = _scan(repo, "-v")
    assert r.exit_code == 3
    lines = r.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert f'File "{app_scan.__file__}", line {_call_line()}, in run' in r.stderr
    assert lines[-2:] == [
        "ValueError: boom",
        f"gitnad: internal error: ValueError: boom (at gitnad.app.scan:{_call_line()}); traceback above",
    ]


def test_hostile_exception_text_stays_on_one_line(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A message carrying a newline or an escape sequence (from a file name, a server) cannot forge lines."""
    monkeypatch.setattr(app_scan, "scan_repo", _raise(RuntimeError("a\nFAKE: ok\x1b[2J")))
    r = _scan(repo)
    assert r.stderr.count("\n") == 1
    assert "RuntimeError: a\\nFAKE: ok\\x1b[2J (at gitnad.app.scan:" in r.stderr


def test_a_broken_pipe_that_is_not_stdout_is_an_internal_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An EPIPE from a socket or a subprocess is a failure to report, not a reader that left (click: exit 1)."""
    monkeypatch.setattr(app_scan, "scan_repo", _raise(BrokenPipeError(32, "Broken pipe")))
    r = _scan(repo)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gitnad: internal error: BrokenPipeError: [Errno 32] Broken pipe (at gitnad.app.scan:{_call_line()}); "
        "re-run with -v for the traceback\n"
    )


def test_keyboard_interrupt_is_130(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_scan, "scan_repo", _raise(KeyboardInterrupt()))
    r = _scan(repo)
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", "\ngitnad: interrupted\n")


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (ConfigError("x.yaml:3: /failOn: bad"), 2, "gitnad: error: x.yaml:3: /failOn: bad\n"),
        (GitError("git failed"), 3, "gitnad: error: git failed\n"),
        # Lines of a multi-line message stay lines; an escape sequence in a file name does not reach the terminal.
        (
            ConfigError("invalid:\n  \x1b]0;pwned\x07.yaml: bad"),
            2,
            "gitnad: error: invalid:\n  \\x1b]0;pwned\\x07.yaml: bad\n",
        ),
        # A detail names a file of the repository: its newline cannot start a line of its own.
        (
            ConfigError("invalid policy file:", ["p/a\ngitnad: ok.yaml:1: /: bad", "p/b.yaml:2: /spec: bad"]),
            2,
            "gitnad: error: invalid policy file:\np/a\\ngitnad: ok.yaml:1: /: bad\np/b.yaml:2: /spec: bad\n",
        ),
    ],
    ids=["config-2", "git-3", "escapes", "detail-newline"],
)
def test_gitnad_errors_keep_their_codes(
    repo: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, code: int, stderr: str
) -> None:
    monkeypatch.setattr(app_scan, "scan_repo", _raise(error))
    r = _scan(repo)
    assert (r.exit_code, r.stderr) == (code, stderr)


def test_verbose_gitnad_error_shows_the_library_error_beneath(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object) -> NoReturn:
        try:
            raise OSError(5, "Input/output error")
        except OSError as e:
            raise GitError("git cat-file failed") from e

    monkeypatch.setattr(app_scan, "scan_repo", boom)
    r = _scan(repo, "--verbose")
    assert r.exit_code == 3
    assert "OSError: [Errno 5] Input/output error" in r.stderr
    assert "The above exception was the direct cause of the following exception:" in r.stderr
    assert r.stderr.endswith("gitnad.errors.GitError: git cat-file failed\ngitnad: error: git cat-file failed\n")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        (["scan", "--format", "nope"], 2),
        (["no-such-command"], 2),
        ([], 2),
    ],
    ids=["version", "help", "bad-choice", "bad-command", "no-args"],
)
def test_click_endings(args: list[str], code: int) -> None:
    assert CliRunner().invoke(main, args).exit_code == code


def test_a_closed_stdout_is_a_quiet_141(tmp_path: Path) -> None:
    """`gitnad scan | head -0`: the reader is gone before gitnad writes; no traceback, no 'Exception ignored'."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitnad.cli", "scan", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # long before the interpreter has started, let alone written
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (ExitCode.BROKEN_PIPE, b"")


def test_credentials_are_redacted_from_the_line_and_the_traceback(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library exception carrying the server's answer (which a debugging proxy filled with the request's
    headers), raised as the cause of a gitnad error: neither the message nor -v's traceback shows the token."""
    secret = f"tok-{uuid.uuid4().hex}"
    keep_secret(secret)
    echo = RuntimeError(f"HTTP response body: headers Authorization: Bearer {secret}")

    def boom(*_a: object, **_k: object) -> NoReturn:
        try:
            raise echo
        except RuntimeError as e:
            raise ConfigError(f"the server said: Bearer {secret}") from e

    monkeypatch.setattr(app_scan, "scan_repo", boom)
    r = _scan(repo, "-v")
    assert r.exit_code == 2
    assert secret not in r.stderr
    assert "HTTP response body: headers Authorization: Bearer [redacted]" in r.stderr
    assert r.stderr.splitlines()[-1] == "gitnad: error: the server said: Bearer [redacted]"


def test_an_internal_error_cut_short_shows_no_piece_of_a_credential(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The internal-error line is cut at 500 characters: redacted before the cut, never a cut token left over."""
    secret = f"tok-{uuid.uuid4().hex}"
    keep_secret(secret)
    cut_at = 500 - len("RuntimeError: ") - 10  # the cut falls inside the token
    monkeypatch.setattr(app_scan, "scan_repo", _raise(RuntimeError("x" * cut_at + secret)))
    r = _scan(repo)
    assert r.exit_code == 3
    assert secret[:10] not in r.stderr, r.stderr
