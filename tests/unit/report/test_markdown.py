"""Markdown, rendered by GitHub's own Markdown library (cmark-gfm, through cmarkgfm): tables stay tables,
hostile names stay text, the marker stays hidden and first, and the size limits hold with a note."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import CheckResult, Refs, Summary
from gitnad.report import render, step_summary
from gitnad.report.markdown import COMMENT_LIMIT, SUMMARY_LIMIT

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "markdown"
OURS = {"details", "summary", "br"}
"""The only HTML gitnad writes itself (besides its marker comment)."""
MARKDOWN_TAGS = {"h2", "h3", "p", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "strong"}
"""What gitnad's Markdown syntax turns into."""


class Html(HTMLParser):
    """What GitHub would show: tables as rows of cells, every element, every comment, the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.comments: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def github_html(markdown: str) -> Html:
    # UNSAFE keeps raw HTML in the output, so the test sees every tag the Markdown would produce.
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parsed = Html()
    parsed.feed(html)
    return parsed


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.md")), ids=lambda p: p.name)
def test_golden_markdown_renders_as_github_renders_it(path: Path) -> None:
    text = path.read_text()
    command = path.stem.removeprefix("demo-")
    assert text.splitlines()[0] == f"<!-- gitnad:{command} -->"
    html = github_html(text)
    assert html.comments == [f" gitnad:{command} "]
    assert set(html.tags) - MARKDOWN_TAGS <= OURS
    for table in html.tables:
        assert table and all(len(row) == len(table[0]) for row in table), table[0]
    assert len(text.encode()) < COMMENT_LIMIT


def check(*findings: Finding) -> CheckResult:
    return CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=(),
        findings=findings,
        skipped=(),
        summary=Summary(error=len(findings)),
    )


def finding(n: int = 1, **kw: object) -> Finding:
    base: dict[str, object] = {
        "code": "GN201",
        "rule": "target-nad-missing",
        "severity": Severity.ERROR,
        "message": f"message {n}: " + "x" * 200,
        "vm": f"prod/vm-{n:05d}",
        "network": "bridge-net",
        "file": f"vms/vm-{n:05d}.yaml",
        "line": 31,
    }
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


HOSTILE_FILE = (
    "vms/x|y`z <img src=x onerror=alert(1)> [ok](https://evil.example) <!-- gitnad:check -->\n## Summary.yaml"
)
HOSTILE_MESSAGE = (
    "**bold** _it_ @octo-org/admins ~~gone~~ <script>alert(1)</script> & [link](javascript:x) \x1b]8;;x\x07"
)


def test_hostile_values_stay_plain_text_in_one_cell() -> None:
    md = render(check(finding(file=HOSTILE_FILE, message=HOSTILE_MESSAGE, vm="prod/a|b")), OutputFormat.MARKDOWN)
    html = github_html(md)
    assert set(html.tags) & {"img", "a", "script", "em", "del", "h1", "h2 "} == set()
    assert html.tags.count("h2") == 1  # only gitnad's own title
    assert html.comments == [" gitnad:check "]  # the forged marker is text, not a second marker
    errors = next(t for t in html.tables if t[0] == ["VM", "Network", "Rule", "Where", "Message"])
    assert len(errors) == 2 and len(errors[1]) == 5
    vm, _, _, where, message = errors[1]
    assert vm == "prod/a|b"
    assert where == HOSTILE_FILE.replace("\n", "\\n") + ":31"
    assert message == HOSTILE_MESSAGE.replace("@", "@\u200b").replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    assert "\x1b" not in md and "\x07" not in md


def test_comment_is_cut_under_the_limit_with_a_note_saying_how_many() -> None:
    findings = [finding(n) for n in range(1, 1001)]
    md = render(check(*findings), OutputFormat.MARKDOWN)
    assert len(md.encode()) <= COMMENT_LIMIT
    html = github_html(md)
    shown_vm_rows = next(t for t in html.tables if t[0][0] == "VM" and t[0][1] == "Errors")[1:]
    shown_findings = next(t for t in html.tables if t[0] == ["VM", "Network", "Rule", "Where", "Message"])[1:]
    left_out = 2 * 1000 - len(shown_vm_rows) - len(shown_findings)
    assert left_out > 0
    assert md.rstrip().endswith(
        f"> **{left_out} more row(s) not shown**: this report is limited to 65,536 bytes. Run gitnad with "
        "`--format text` or `--format json` (e.g. in the job log or as an artifact) to read all."
    )
    assert [row[0] for row in shown_findings] == [f"prod/vm-{n:05d}" for n in range(1, len(shown_findings) + 1)]


def test_step_summary_has_room_for_what_the_comment_cannot_hold() -> None:
    findings = [finding(n) for n in range(1, 1001)]
    summary = step_summary(check(*findings))
    assert "more row(s) not shown" not in summary
    assert len(summary.encode()) <= SUMMARY_LIMIT
    table = next(t for t in github_html(summary).tables if t[0] == ["VM", "Network", "Rule", "Where", "Message"])
    assert len(table) == 1001
    many = step_summary(check(*[finding(n) for n in range(1, 5001)]))
    assert len(many.encode()) <= SUMMARY_LIMIT and "more row(s) not shown" in many
