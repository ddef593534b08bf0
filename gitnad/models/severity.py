"""How much a finding matters: a plain enum with no pydantic behind it, so the settings (`gitnad.config`) and with
them `gitnad --version` and `--help` load without the model machinery (issue 12)."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]
