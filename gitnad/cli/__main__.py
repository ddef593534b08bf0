"""`python -m gitnad.cli`: the same command line as the `gitnad` script."""

from gitnad.cli import run

run()
