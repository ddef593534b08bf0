"""Run one command and write its wall time, peak RSS and exit status as JSON: `measure.py OUT LIMIT -- CMD...`.

A separate small process, because Linux charges a child with its parent's peak RSS at the moment it was
forked (the `maxrss` of the exec'd image starts from the forking process's high-water mark): spawned straight
from a test session holding a 100k-object List, every figure would be the session's. Spawned from this
script, the inherited part is this interpreter's ~10 MiB. The child is killed past LIMIT seconds.
Standard library only, imported nothing from gitnad or the tests.
"""

import json
import os
import signal
import sys
import time


def main() -> None:
    out, limit, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, __doc__
    start = time.monotonic()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)
    killed = False

    def kill(_signum: int, _frame: object) -> None:
        nonlocal killed
        killed = True
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, kill)
    signal.setitimer(signal.ITIMER_REAL, float(limit))
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    signal.setitimer(signal.ITIMER_REAL, 0)
    figures = {
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": time.monotonic() - start,
        "rss_kib": usage.ru_maxrss,
        "killed": killed,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f)


main()
