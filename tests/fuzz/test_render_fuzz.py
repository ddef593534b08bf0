"""Reports of generated results with hostile text everywhere: text, github, markdown and junit never carry a raw
control or invisible character but the newline (and, with colour on, gitnad's own SGR codes), and the same
result renders to the same bytes twice. json and sarif are machine formats that encode strings themselves:
they must parse back."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from gitnad.config import OutputFormat
from gitnad.report import Result, render, supports
from tests.fuzz import strategies as gen

RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
SGR = re.compile("\x1b\\[[0-9;]*m")
HUMAN = (OutputFormat.TEXT, OutputFormat.GITHUB, OutputFormat.MARKDOWN, OutputFormat.JUNIT)
MACHINE = (OutputFormat.JSON, OutputFormat.SARIF)
results = st.one_of(gen.check_results(), gen.drift_results(), gen.scan_results())


def assert_clean(text: str, color: bool) -> None:
    shown = SGR.sub("", text) if color else text
    bad = RAW.search(shown)
    assert bad is None, (bad.group() if bad else None, text[max(0, (bad.start() if bad else 0) - 60) :][:200])


@given(results, st.booleans())
def test_human_formats_carry_no_raw_control_character(result: Result, color: bool) -> None:
    for fmt in HUMAN:
        if not supports(fmt, result):
            continue
        first = render(result, fmt, color=color)
        assert_clean(first, color=color and fmt is OutputFormat.TEXT)
        assert render(result, fmt, color=color) == first


@given(results)
def test_machine_formats_parse_back_and_are_stable(result: Result) -> None:
    for fmt in MACHINE:
        if not supports(fmt, result):
            continue
        first = render(result, fmt)
        json.loads(first)
        assert render(result, fmt) == first
