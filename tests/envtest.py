"""Run etcd + kube-apiserver from $KUBEBUILDER_ASSETS on loopback for tests (stdlib only).

The fixture class of shared/envtest/README.md, typed, with extra static-token users for RBAC tests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Sequence

ADMIN_TOKEN = "envtest-admin-token"  # user envtest-admin, group system:masters (RBAC bypass)
USER_TOKEN = "envtest-user-token"  # user envtest-user, no bindings: 403 until you bind a Role
READER_TOKEN = "envtest-reader-token"  # user gitnad-reader: tests bind deploy/rbac's read-only ClusterRole to it
RECONCILER_TOKEN = "envtest-reconciler-token"  # user gitnad-reconciler: bound to the reconcile ClusterRole
NS_READER_TOKEN = "envtest-ns-reader-token"  # user gitnad-ns-reader: tests give it namespaced bindings only
SECRET_TOKEN = "gitnad-SECRET-bearer-8c1f4e9a2d7b5063"  # gitnad-reconciler too: a token no output may show
WITHOUT = (
    "kubevirts",
    "virtualmachines",
    "virtualmachineinstances",
    "virtualmachineinstancemigrations",
    "pods",
    "network-attachment-definitions",
    "daemonsets",
)
"""Each has a user `gitnad-without-<plural>` (token `envtest-without-<plural>-token`): tests bind it to the reader
role minus that one resource, so exactly one list is forbidden by the real RBAC authorizer."""
TOKENS = (
    (ADMIN_TOKEN, "envtest-admin", "1", "system:masters"),
    (USER_TOKEN, "envtest-user", "2", ""),
    (READER_TOKEN, "gitnad-reader", "3", ""),
    (RECONCILER_TOKEN, "gitnad-reconciler", "4", ""),
    (SECRET_TOKEN, "gitnad-reconciler", "4", ""),
    (NS_READER_TOKEN, "gitnad-ns-reader", "5", ""),
    *((f"envtest-without-{r}-token", f"gitnad-without-{r}", str(10 + i), "") for i, r in enumerate(WITHOUT)),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ok(url: str, proc: subprocess.Popen[bytes], log: str, timeout: float, token: str | None = None) -> None:
    """Poll url until HTTP 200; fail fast if proc exits."""
    ctx = ssl._create_unverified_context()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2, context=ctx) as r:
                if r.status == 200:
                    return
        except OSError:  # connection refused, 500 while post-start hooks run, timeouts
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s; see {log}")


STOP_WHEN_DONE: list[Envtest] = []
"""Servers of a test process's session fixture (tests/e2e/conftest.py) that tests/conftest.py stops as soon as the
process has run its last e2e test, rather than at the end of the session: an idle kube-apiserver with KubeVirt's
CRDs still burns ~0.04 CPU-s a second, and under `.ci/run` the e2e tests are done in the first third."""


class Envtest:
    """etcd + kube-apiserver in a private temp dir; kubeconfigs for the admin and the token users."""

    def __init__(
        self, assets: str | None = None, extra_args: Sequence[str] = (), client_ca_file: str | None = None
    ) -> None:
        self.assets = assets or os.environ["KUBEBUILDER_ASSETS"]
        self.extra_args = list(extra_args)
        if client_ca_file is not None:  # client certificates signed by it authenticate as CN (user), O (groups)
            self.extra_args.append(f"--client-ca-file={client_ca_file}")
        self.dir = tempfile.mkdtemp(prefix="envtest-")
        self.procs: list[subprocess.Popen[bytes]] = []
        self.port = 0
        self.url = ""
        self.etcd_ready_s = 0.0
        self.kas_ready_s = 0.0
        atexit.register(self.stop)  # safety net; call stop() yourself

    def _spawn(self, name: str, args: Sequence[str]) -> tuple[subprocess.Popen[bytes], str]:
        log = os.path.join(self.dir, f"{name}.log")
        with open(log, "wb") as f:
            p = subprocess.Popen(
                [os.path.join(self.assets, name), *args], stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT
            )
        self.procs.append(p)
        return p, log

    def start(self) -> Envtest:
        d, t0 = self.dir, time.monotonic()
        etcd_port, self.port = _free_port(), _free_port()
        etcd, etcd_log = self._spawn(
            "etcd",
            [
                f"--data-dir={d}/etcd",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                "--listen-peer-urls=http://127.0.0.1:0",  # random peer port: parallel runs never clash on 2380
                "--logger=zap",
                "--log-level=warn",
            ],
        )
        _wait_ok(f"http://127.0.0.1:{etcd_port}/health", etcd, etcd_log, 30)
        self.etcd_ready_s = time.monotonic() - t0
        with open(f"{d}/tokens.csv", "w") as f:  # token,user,uid,"group1,group2"
            for token, user, uid, groups in TOKENS:
                f.write(f'{token},{user},{uid},"{groups}"\n' if groups else f"{token},{user},{uid}\n")
        kas, kas_log = self._spawn(
            "kube-apiserver",
            [
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--insecure-port=0",  # 1.20 still opens an http port on 8080 by default
                f"--secure-port={self.port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--cert-dir={d}/certs",  # self-signed serving cert generated here at startup
                f"--token-auth-file={d}/tokens.csv",
                "--authorization-mode=RBAC",
                # 1.20 requires these three. The RSA key kube-apiserver generates in --cert-dir (before it
                # reads these flags) doubles as the service-account signing key: no openssl needed.
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={d}/certs/apiserver.key",
                f"--service-account-signing-key-file={d}/certs/apiserver.key",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                "--disable-admission-plugins=ServiceAccount",  # no controller creates 'default' SAs
                "--profiling=false",
                *self.extra_args,
            ],
        )
        self.url = f"https://127.0.0.1:{self.port}"
        _wait_ok(f"{self.url}/readyz", kas, kas_log, 90, token=ADMIN_TOKEN)
        self.kas_ready_s = time.monotonic() - t0 - self.etcd_ready_s
        return self

    @property
    def ca_file(self) -> str:
        return f"{self.dir}/certs/apiserver.crt"

    @property
    def key_file(self) -> str:
        return f"{self.dir}/certs/apiserver.key"

    @property
    def admin_kubeconfig(self) -> str:
        return self.write_kubeconfig("admin", ADMIN_TOKEN)

    def write_kubeconfig(self, name: str, token: str, server: str | None = None) -> str:
        """A kubeconfig for `token`, against the server (or e.g. a proxy in front of it)."""
        return self._write_kubeconfig(name, f'{{token: "{token}"}}', server)

    def write_cert_kubeconfig(self, name: str, cert_data: str, key_data: str, server: str | None = None) -> str:
        """A kubeconfig authenticating with a client certificate, embedded base64 as kubeconfigs usually carry it."""
        user = f"\n    client-certificate-data: {cert_data}\n    client-key-data: {key_data}"
        return self._write_kubeconfig(name, user, server)

    def _write_kubeconfig(self, name: str, user: str, server: str | None) -> str:
        """`<dir>/<name>.kubeconfig`: one cluster (the server, or `server`), one user `name` given by `user` (the
        YAML after `user:`), one context."""
        path = os.path.join(self.dir, f"{name}.kubeconfig")
        with open(path, "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster: {{server: "{server or self.url}", certificate-authority: "{self.ca_file}"}}
users:
- name: {name}
  user: {user}
contexts:
- name: {name}@envtest
  context: {{cluster: envtest, user: {name}}}
current-context: {name}@envtest
""")
        return path

    def stop(self) -> None:
        """SIGTERM kube-apiserver, then etcd (SIGKILL after 2 s each: a throwaway server's graceful shutdown waits
        out open watches for 15 s and more, and nothing of its state is kept); remove the temp dir."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)
