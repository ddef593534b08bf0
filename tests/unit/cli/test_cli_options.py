"""Shared option groups: a flag that would do nothing, or a combination that is ambiguous, is exit 2 with a
message naming it, checked before any work (no repo read, no cluster read)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from gitnad.report import RESULT_TYPE_OF
from tests.gitutil import commit, make_repo
from tests.imports import among, modules_loaded


def gitnad(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    s = tmp_path / "s.yaml"
    s.write_text("apiVersion: v1\nkind: List\nitems: []\n")
    return s


# Every case runs against a repo path that does not exist: the refusal must come first, before any work.
NO_REPO = "/nonexistent/gitnad-repo"
USAGE = [
    (["drift", "--timeout", "5m"], "--timeout bounds --wait; add --wait or drop --timeout"),
    (["check", "--offline", "--max-snapshot-age", "2h"], "--offline cannot be combined with --max-snapshot-age"),
    (["check", "--max-snapshot-age", "2h"], "--max-snapshot-age needs --snapshot"),
    (["drift", "--max-snapshot-age", "2h", "--context", "c"], "--max-snapshot-age needs --snapshot"),
    (["check", "--offline", "--context", "c"], "--offline cannot be combined with --context"),
    (["reconcile", "--snapshot", "{snap}", "--kubeconfig", "k"], "--snapshot cannot be combined with --kubeconfig"),
    (["check", "--staged", "--head", "HEAD"], "--staged compares HEAD with the index"),
    (["scan", "--format", "json", "--format", "text"], "2 reports for stdout (json, text): give all but the first"),
    (["scan", "--format", "json", "--format", "text", "--output", "-"], "2 reports for stdout (json, text)"),
    (["scan", "--format", "text", "--format", "json", "--format", "json", "--output", "{tmp}/a"], "(text, json)"),
    (["scan", "--output", "{tmp}/a", "--output", "{tmp}/b"], "2 --output for 0 --format: give each --output its"),
    (["scan", "--format", "json", "--output", "{tmp}/a", "--output", "-"], "2 --output for 1 --format"),
    (["scan", "--format", "json", "--format", "text", "--output", "{tmp}/a", "--output", "{tmp}/./a"], "the same file"),
    (["scan", "--format", "json", "--output", "{tmp}/missing/x.json"], "directory {tmp}/missing does not exist"),
    (["scan", "--output", "{tmp}"], "--output {tmp}: is a directory"),
    (["scan", "--output", "{snap}/x"], "--output {snap}/x: Not a directory"),
    (["snapshot", "-o", "{tmp}/missing/s.yaml", "--kubeconfig", "/nonexistent/kubeconfig"], "directory {tmp}/missing"),
]


@pytest.mark.parametrize(("args", "message"), USAGE, ids=[" ".join(a[:3]) for a, _m in USAGE])
def test_refused_before_any_work(args: list[str], message: str, tmp_path: Path, snap: Path) -> None:
    fill = {"tmp": str(tmp_path), "snap": str(snap)}
    argv = [a.format(**fill) for a in args]
    if argv[0] not in ("snapshot",):
        argv[1:1] = [NO_REPO] if argv[0] == "scan" else ["--repo", NO_REPO]
    r = gitnad(*argv)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("gitnad: error: ") and message.format(**fill) in r.stderr
    assert r.stderr.count("\n") == 1 and r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # nothing written


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "'0': must be more than zero"),
        ("0.0s", "'0.0s': must be more than zero"),
        ("-5m", "'-5m' is not a duration"),
        ("99999999999h", "'99999999999h': longer than 366 days"),
        ("367d", "'367d': longer than 366 days"),
        ("nan", "'nan' is not a duration"),
        ("inf", "'inf' is not a duration"),
        ("1e9", "'1e9' is not a duration"),
        ("15 minutes", "'15 minutes' is not a duration"),
        ("\x1b[2J", "'\\x1b[2J' is not a duration"),
    ],
    ids=["zero", "zero-s", "negative", "overflow", "over-a-year", "nan", "inf", "exponent", "words", "escape"],
)
def test_durations_are_bounded(value: str, message: str) -> None:
    r = gitnad("drift", "--repo", NO_REPO, "--wait", "--timeout", value)
    assert r.exit_code == 2
    assert f"Invalid value for '--timeout': {message}" in r.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    commit(make_repo(tmp_path / "r"), {"nads/n.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"})
    return tmp_path / "r"


def test_one_run_many_reports(repo: Path, tmp_path: Path) -> None:
    """The first --format goes to stdout when there is one more format than outputs; the rest pair in order."""
    r = gitnad("scan", str(repo), "--format", "json", "--format", "text", "--output", str(tmp_path / "scan.txt"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["command"] == "scan"
    assert (tmp_path / "scan.txt").read_text().startswith("gitnad scan")


def test_formats_pair_with_outputs_in_order_and_dash_is_stdout(repo: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.json"
    r = gitnad("scan", str(repo), "--format", "text", "--format", "json", "--output", str(a), "--output", str(b))
    assert (r.exit_code, r.stdout) == (0, "")
    assert a.read_text().startswith("gitnad scan") and json.loads(b.read_text())["command"] == "scan"
    r = gitnad("scan", str(repo), "--format", "json", "--format", "text", "--output", "-", "--output", str(a))
    assert json.loads(r.stdout)["command"] == "scan" and a.read_text().startswith("gitnad scan")


def test_default_text_may_go_to_one_file(repo: Path, tmp_path: Path) -> None:
    r = gitnad("scan", str(repo), "--output", str(tmp_path / "scan.txt"))
    assert (r.exit_code, r.stdout) == (0, "")
    assert (tmp_path / "scan.txt").read_text().startswith("gitnad scan")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))
        else:
            yield " ".join((*path, name)), cmd


def test_every_command_with_reports_names_its_result_by_its_command_field() -> None:
    """`output_options` takes the command's name, not its result type (defining the commands loads no models):
    each such command's path is the `command` field of exactly one result type."""
    with_reports = {path for path, cmd in _commands(main) if any(p.name == "outputs" for p in cmd.params)}
    assert with_reports == set(RESULT_TYPE_OF)


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["check", "--help"]], ids=["version", "help", "check-help"]
)
def test_version_and_help_load_no_models_and_no_yaml(args: list[str]) -> None:
    """Issue 12: what needs no repository reads none of it, and loads neither pydantic nor YAML."""
    code, modules = modules_loaded(args)
    heavy = ("pydantic", "pydantic_core", "yaml", "ruamel", "gitnad.models.base", "gitnad.report", "gitnad.app")
    assert (code, among(modules, heavy)) == (0, [])
