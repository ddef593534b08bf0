"""The pairing rule of --format and --output (gitnad.app.outputs.pair), as a decision table, and the job summary
that the `github` format appends to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitnad.app.outputs import pair
from gitnad.cli import main
from gitnad.config import OutputFormat, OutputTarget
from gitnad.errors import UsageError
from tests.gitutil import commit, make_repo

T, J = OutputFormat.TEXT, OutputFormat.JSON
A, B = Path("a.out"), Path("b.out")

PAIRS = [
    ((), (), [OutputTarget(T, None)]),
    ((), (A,), [OutputTarget(T, A)]),
    ((J,), (), [OutputTarget(J, None)]),
    ((J,), (A,), [OutputTarget(J, A)]),
    ((J, T), (A,), [OutputTarget(J, None), OutputTarget(T, A)]),
    ((J, T), (A, B), [OutputTarget(J, A), OutputTarget(T, B)]),
    ((J, T), (A, Path("-")), [OutputTarget(J, A), OutputTarget(T, None)]),
    ((J, J), (A, B), [OutputTarget(J, A), OutputTarget(J, B)]),
]


@pytest.mark.parametrize(
    ("formats", "outputs", "targets"), PAIRS, ids=[f"{len(f)}f-{len(o)}o-{i}" for i, (f, o, _t) in enumerate(PAIRS)]
)
def test_pairs(formats: tuple[OutputFormat, ...], outputs: tuple[Path, ...], targets: list[OutputTarget]) -> None:
    assert list(pair(formats, outputs)) == targets


REFUSED = [
    ((J, T), (), "2 reports for stdout (json, text): give all but the first an --output"),
    ((J, T, T), (A,), "2 reports for stdout (json, text)"),
    ((J,), (Path("-"), A), "2 --output for 1 --format: give each --output its --format, in the same order"),
    ((J, T), (Path("-"), Path("-")), "2 reports for stdout (json, text)"),
    ((), (A, B), "2 --output for 0 --format"),
    ((J, T), (A, Path("./a.out")), "--output a.out: the same file as --output a.out"),
    ((J, T), (A, A), "--output a.out: the same file as --output a.out"),
]


@pytest.mark.parametrize(("formats", "outputs", "message"), REFUSED, ids=[m.split(":")[0] for _f, _o, m in REFUSED])
def test_ambiguous_pairs_are_refused(
    formats: tuple[OutputFormat, ...], outputs: tuple[Path, ...], message: str
) -> None:
    with pytest.raises(UsageError) as e:
        pair(formats, outputs)
    assert e.value.message.startswith(message)


@pytest.mark.skipif(
    "github" not in {f.value for f in OutputFormat}, reason="the github format lands with the formats branch"
)
def test_the_github_format_appends_the_job_summary(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit(make_repo(repo), {"README.md": "x\n"})
    base = commit(make_repo(repo), {"README.md": "y\n"})
    summary = tmp_path / "summary.md"
    summary.write_text("# an earlier step\n")
    args = ["check", "--repo", str(repo), "--base", f"{base}~1", "--offline", "--format", "github"]
    r = CliRunner().invoke(main, args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 0, r.output
    text = summary.read_text()
    assert text.startswith("# an earlier step\n") and len(text) > len("# an earlier step\n")
    r = CliRunner().invoke(main, [*args[:-2], "--format", "json"], env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text() == text  # only the github format writes a job summary
