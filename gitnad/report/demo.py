"""`gitnad demo` for people: the check report, then the drift report, each under a banner (text only)."""

from __future__ import annotations

from gitnad.config import DEFAULT_WIDTH
from gitnad.models.results import DemoResult
from gitnad.report import text
from gitnad.report.ansi import BOLD, paint
from gitnad.report.common import Options

RULE = "=" * 78


def banner(title: str, color: bool) -> str:
    return paint(f"{RULE}\n {title}\n{RULE}", BOLD, color)


def render_demo(result: DemoResult, *, color: bool = False, width: int = DEFAULT_WIDTH) -> str:
    opts = Options(color=color, quiet=False, width=width)
    parts = [
        banner(f"1. Pull-request check of {result.head[:12]} ({result.commits} commits in {result.repo})", color),
        text.render(result.check, opts),
    ]
    if result.drift is not None:
        parts += [
            banner("2. After Argo CD synced it: drift report (snapshot after sync)", color),
            text.render(result.drift, opts),
        ]
    return "\n".join(parts)
