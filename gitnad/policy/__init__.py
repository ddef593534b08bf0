"""User policies (SPEC §6): schema loading, constraints GN301-GN309, waivers and GN901 / GN902.

Pipeline hooks for `gitnad.app.check`: `evaluate`, `apply_waivers`; files are read by
`gitnad.app.policy_files.load_policies`.
"""

from __future__ import annotations

from gitnad.policy.codes import ALL as RULES
from gitnad.policy.codes import lookup
from gitnad.policy.evaluate import evaluate
from gitnad.policy.model import PolicySet
from gitnad.policy.waivers import apply_waivers

__all__ = ["RULES", "PolicySet", "apply_waivers", "evaluate", "lookup"]
