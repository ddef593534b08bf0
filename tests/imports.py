"""What a command line imports: the CLI run in a fresh interpreter, its exit code and every module it loaded."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = (
    "import json, sys\n"
    "from click.testing import CliRunner\n"
    "from gitnad.cli import main\n"
    "r = CliRunner().invoke(main, json.loads(sys.argv[1]))\n"
    "print(json.dumps([r.exit_code, sorted(sys.modules)]))\n"
)


def modules_loaded(argv: list[str]) -> tuple[int, set[str]]:
    """(exit code, names of all modules loaded) of `gitnad <argv>` run in a new Python process."""
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True, timeout=60, check=True
    )
    code, modules = json.loads(res.stdout.splitlines()[-1])
    return code, set(modules)


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The loaded modules that are one of `names` or inside one of them, sorted."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))
