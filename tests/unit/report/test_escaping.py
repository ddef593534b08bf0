"""Hostile names: nothing read from a file or the cluster may print a fake line or reach the terminal as an
escape sequence, in any human-facing format. The repository is real (git), its files named by an attacker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitnad.app import check as app_check
from gitnad.app.scan import scan_repo
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import DriftItem, DriftState, ScanResult
from gitnad.report import Result, render, step_summary
from gitnad.report.ansi import BOLD, BOLD_RED, BOLD_YELLOW, CYAN, DIM, GREEN, MAGENTA, RED, RESET, YELLOW
from gitnad.report.escape import clean, cleaned
from gitnad.report.text_drift import drift_table
from tests.gitutil import commit, make_repo
from tests.vmfactory import Net, vm_yaml

CASES = [
    ("newline", "a\nb", "a\\nb"),
    ("carriage-return", "ok\rFAKE", "ok\\rFAKE"),
    ("tab", "a\tb", "a\\tb"),
    ("csi", "\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
    ("osc-hyperlink", "\x1b]8;;https://evil\x07x\x1b]8;;\x1b\\", "\\x1b]8;;https://evil\\x07x\\x1b]8;;\\x1b\\"),
    ("c1-csi", "\x9b31m", "\\x9b31m"),
    ("delete", "a\x7fb", "a\\x7fb"),
    ("nul", "a\x00b", "a\\x00b"),
    ("bidi-override", "abc\u202edcba", "abc\\u202edcba"),
    ("bidi-isolate", "\u2066x\u2069", "\\u2066x\\u2069"),
    ("line-separator", "a\u2028b", "a\\u2028b"),
    ("zero-width", "a\u200bb\ufeff", "a\\u200bb\\ufeff"),
    ("plain-unicode", "prod/vlan-10 é 日本 → ✓", "prod/vlan-10 é 日本 → ✓"),
]


@pytest.mark.parametrize(("raw", "shown"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown
    assert clean(shown) == shown  # idempotent


def test_cleaned_walks_every_string_and_keeps_clean_results_as_they_are() -> None:
    f = Finding(code="GN001", rule="manifest-unreadable", severity=Severity.ERROR, message="m\n", file="a\rb")
    result = ScanResult(version="1", ref=None, vms=(), nads=(), findings=(f,))
    safe = cleaned(result)
    assert (safe.findings[0].message, safe.findings[0].file) == ("m\\n", "a\\rb")
    assert safe.findings[0].severity is Severity.ERROR
    assert cleaned(safe) is safe


OUR_SGR = {BOLD, DIM, RED, GREEN, YELLOW, MAGENTA, CYAN, BOLD_RED, BOLD_YELLOW, RESET}
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
HOSTILE_FILE = "vms/x\nSummary: 0 errors.yaml"
HOSTILE_NAME = "web\x1b]0;pwned\x07\x1b[2J\u202e"


def without_our_colours(text: str) -> str:
    for sgr in OUR_SGR:
        text = text.replace(sgr, "")
    return text


def assert_safe(text: str) -> None:
    """Only line feeds separate lines, and no escape sequence is left but gitnad's own colours."""
    assert UNSAFE.search(without_our_colours(text)) is None, repr(text)


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("hostile") / "repo"
    repo = make_repo(root)
    nets = [Net("default", kind="pod", binding="masquerade"), Net("bridge-net", nad="vlan-10")]
    vm = vm_yaml("web", nets).replace("name: web", 'name: "web\\e]0;pwned\\a\\e[2J\\u202e"')
    base = commit(repo, {"vms/web.yaml": vm})
    moved = vm.replace("networkName: vlan-10", 'networkName: "vlan-20\\r\\nSummary: 0 errors"')
    broken = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: a, name: b}\n"
    head = commit(repo, {"vms/web.yaml": moved, HOSTILE_FILE: broken})
    return root, base, head


def results(hostile_repo: tuple[Path, str, str]) -> list[Result]:
    root, base, head = hostile_repo
    req = app_check.CheckRequest(root, None, base, head, False, None, (), ClusterSettings(offline=True))
    return [scan_repo(root, head, None), app_check.check(req)[0]]


HUMAN = [OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.GITHUB, OutputFormat.JUNIT]


@pytest.mark.parametrize("fmt", HUMAN, ids=str)
def test_no_format_for_people_lets_a_control_character_through(
    hostile_repo: tuple[Path, str, str], fmt: OutputFormat
) -> None:
    for result in results(hostile_repo):
        for color in (False, True):
            text = render(result, fmt, color=color)
            assert_safe(text)
            assert "web\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in text.replace("\\\\", "\\")
        assert_safe(step_summary(result))


def test_text_shows_the_hostile_file_on_its_own_line_and_one_summary(hostile_repo: tuple[Path, str, str]) -> None:
    scan, check = results(hostile_repo)
    assert {f.file for f in scan.findings} == {HOSTILE_FILE, "vms/web.yaml"}  # the file was really read
    text = render(check, OutputFormat.TEXT, color=True)
    summaries = [line for line in text.splitlines() if without_our_colours(line).startswith("Summary:")]
    assert summaries == [text.splitlines()[-1]]
    assert "  \x1b[31;1mERROR  \x1b[0m GN001 manifest-unreadable  vms/x\\nSummary: 0 errors.yaml:3" in text
    scan_text = render(scan, OutputFormat.TEXT)
    assert not any(line.startswith("Summary") for line in scan_text.splitlines())


def test_the_live_drift_table_cleans_what_comes_straight_from_the_cluster() -> None:
    item = DriftItem(
        vm=f"prod/{HOSTILE_NAME}",
        network="net\r",
        declared="prod/a",
        state=DriftState.MIGRATING,
        converged=False,
        detail="migration \x1b[8mhidden\x1b[0m running",
    )
    lines = drift_table([item], color=True)
    assert_safe("\n".join(lines))
    assert "migration \\x1b[8mhidden\\x1b[0m running" in "\n".join(lines)
