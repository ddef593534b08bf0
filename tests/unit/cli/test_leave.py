"""How the `gitnad` program ends (`gitnad.cli.run` -> `boundary.leave`): without the interpreter's teardown, and
otherwise exactly as `sys.exit` would end it.

Each case runs the real program (`python -c <prelude>; run()`) in a fresh process. The prelude plants what a
teardown would show: an object in `__main__` whose finaliser writes `teardown` to stderr (it runs only when the
interpreter tears its modules down), an atexit handler that prints without flushing, a thread still running.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitutil import commit, make_repo
from tests.pki import Authority

TEARDOWN = (
    "import sys\n"
    "class Teardown:\n"
    "    def __del__(self):\n"
    "        sys.stderr.write('teardown\\n')\n"
    "witness = Teardown()\n"
)
ATEXIT = "import atexit\natexit.register(lambda: print('atexit ran'))\n"  # buffered: only a flush after it shows it
THREAD = (
    "import threading, time, pathlib\n"
    "def late():\n"
    "    time.sleep(0.3)\n"
    "    pathlib.Path(MARK).write_text('done')\n"
    "threading.Thread(target=late).start()\n"
)
EXIT_TEXT = "import gitnad.cli\ngitnad.cli.main = lambda: sys.exit('gitnad: a message')\n"
"""A run ending with a message instead of a number (click does this for some errors): sys.exit prints it, exit 1."""


@dataclass(frozen=True)
class Case:
    id: str
    prelude: str
    args: tuple[str, ...]
    code: int
    teardown: bool
    """Whether the interpreter's own exit ran (the finaliser wrote to stderr)."""
    last_line: str = ""
    """What stdout's last line starts with."""
    stderr_has: str = ""
    thread_file: bool = False


CASES = [
    Case("version", TEARDOWN, ("--version",), 0, teardown=False, last_line="gitnad, version 0"),
    Case("usage-error", TEARDOWN, ("scan", "--bogus"), 2, teardown=False, stderr_has="No such option"),
    Case("atexit-output", TEARDOWN + ATEXIT, ("--version",), 0, teardown=False, last_line="atexit ran"),
    Case("thread-alive", TEARDOWN + THREAD, ("--version",), 0, teardown=True, thread_file=True),
    Case("exit-text", TEARDOWN + EXIT_TEXT, (), 1, teardown=True, stderr_has="gitnad: a message"),
]


def program(prelude: str, argv0_file: Path) -> list[str]:
    head = "import sys\nMARK = sys.argv[1]\n"
    code = f"{head}{prelude}sys.argv = ['gitnad', *sys.argv[2:]]\nfrom gitnad.cli import run\nrun()\n"
    return [sys.executable, "-c", code, str(argv0_file)]


BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
"""The environment without PYTHONUNBUFFERED: stdout to a pipe is then block-buffered, as for most users."""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_program_ends_as_sys_exit_would(case: Case, tmp_path: Path) -> None:
    marker = tmp_path / "thread-done"
    proc = subprocess.run(
        [*program(case.prelude, marker), *case.args], capture_output=True, text=True, timeout=60, env=BUFFERED
    )
    assert proc.returncode == case.code, proc.stderr
    assert ("teardown" in proc.stderr) is case.teardown, proc.stderr
    assert (proc.stdout.splitlines() or [""])[-1].startswith(case.last_line), proc.stdout
    assert case.stderr_has in proc.stderr
    assert marker.exists() is case.thread_file


def test_a_big_report_reaches_a_pipe_and_a_file_whole(tmp_path: Path) -> None:
    """Over 256 KiB of JSON through a pipe (more than its buffer) and to --output: the same bytes as a run
    that ends through the interpreter's own exit."""
    repo = tmp_path / "r"
    nets = range(8)
    vm = (
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm-{i}\n  namespace: ns\n"
        "spec:\n  runStrategy: Always\n  template:\n    spec:\n      domain:\n        devices:\n"
        "          interfaces:\n"
        + "".join(f"          - name: net{n}\n            bridge: {{{{}}}}\n" for n in nets)
        + "      networks:\n"
        + "".join(f"      - name: net{n}\n        multus:\n          networkName: vlan-{n}\n" for n in nets)
    )
    commit(make_repo(repo), {f"vms/vm-{i:04}.yaml": vm.format(i=i) for i in range(500)})
    args = ("scan", str(repo), "--format", "json", "--format", "json", "--output")
    fast = subprocess.run(
        [sys.executable, "-m", "gitnad.cli", *args, str(tmp_path / "fast.json")],
        capture_output=True,
        timeout=120,
        env=BUFFERED,
    )
    normal = subprocess.run(
        [sys.executable, "-c", "from gitnad.cli import main; main()", *args, str(tmp_path / "n.json")],
        capture_output=True,
        timeout=120,
        env=BUFFERED,
    )
    assert fast.returncode == normal.returncode == 0, fast.stderr
    assert len(fast.stdout) > 4 * 65_536, len(fast.stdout)  # four times a pipe's buffer
    assert fast.stdout == normal.stdout
    assert (tmp_path / "fast.json").read_bytes() == (tmp_path / "n.json").read_bytes() == normal.stdout


KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "https://127.0.0.1:1", certificate-authority-data: {ca}}}
users:
- name: u
  user: {{client-certificate-data: {cert}, client-key-data: {key}}}
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
"""
RECORD_TEMP_FILES = (
    "import tempfile\n"
    "made = tempfile.mkstemp\n"
    "def mkstemp(*a, **k):\n"
    "    fd, name = made(*a, **k)\n"
    "    with open(MARK, 'a') as log:\n"
    "        log.write(name + '\\n')\n"
    "    return fd, name\n"
    "tempfile.mkstemp = mkstemp\n"
)


def test_the_client_key_files_of_a_live_read_are_removed_at_the_end(tmp_path: Path) -> None:
    """The Kubernetes client writes a kubeconfig's embedded CA, certificate and private key to temporary files
    and removes them in an atexit handler: the program runs it before it ends (here the server refuses the
    connection, so the run ends with an error, after the files were written)."""
    cert = Authority(tmp_path / "ca").issue("someone")
    ca = base64.b64encode(Path(tmp_path / "ca" / "gitnad-test-client-ca.crt").read_bytes()).decode()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG.format(ca=ca, cert=cert.cert_data, key=cert.key_data))
    log = tmp_path / "made"
    env = {**BUFFERED, "TMPDIR": str(tmp_path)}
    config = tmp_path / ".gitnad.yaml"
    config.write_text("cluster:\n  maxRetries: 0\n")  # one attempt: the refusal ends the run at once
    args = ["snapshot", "--kubeconfig", str(kubeconfig), "--config", str(config), "--out", str(tmp_path / "s.json")]
    proc = subprocess.run([*program(RECORD_TEMP_FILES, log), *args], capture_output=True, text=True, env=env)
    assert proc.returncode != 0, proc.stderr
    assert "teardown" not in proc.stderr
    made = log.read_text().split()
    assert len(made) == 3, made  # the CA, the certificate, the key
    assert [m for m in made if Path(m).exists()] == []
