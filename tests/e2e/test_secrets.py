"""Secrets never shown (issue 11, proof 3): a recognizable bearer token and a client certificate's key (signed by
the CA the API server trusts, embedded in the kubeconfig as `client-key-data`) must not appear in any output of
any command that reads the cluster — every report format, stdout, stderr with `-v` (tracebacks included), the
GitHub job summary, the snapshot file — whether the run succeeds, meets faults, or meets a debugging proxy that
echoes the request's headers (Authorization included) into the server's error answers, nor for a kubeconfig
that the client cannot read, nor for a password written into the server URL.

Each run goes through gitnad's real command line and error boundary in this process (tests/e2e/cli_world.py),
starting with no credential registered as a new process would; what the kubernetes client and urllib3 log
reaches the captured stderr too (gitnad sets up no logging: Python's last-resort handler writes to the current
stderr). "Appears" means the whole secret or any 16-character piece of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import proxy
from tests.e2e import cli_world
from tests.e2e.cli_world import Worlds
from tests.e2e.conftest import Kube
from tests.envtest import SECRET_TOKEN, Envtest
from tests.pki import Authority, ClientCert

pytestmark = pytest.mark.slow

PIECE = 16
FORMATS = {
    "check": ("text", "json", "github", "sarif", "junit", "markdown"),
    "drift": ("text", "json", "github", "sarif", "junit", "markdown", "openmetrics"),
    "drift-wait": ("text", "json", "github", "sarif", "junit", "markdown", "openmetrics"),
    "reconcile": ("text", "json", "github", "sarif", "junit", "markdown", "openmetrics"),
    "reconcile-apply": ("text", "json", "github", "sarif", "junit", "markdown", "openmetrics"),
    "snapshot": (),
}
VMIS = "/virtualmachineinstances?"


@dataclass(frozen=True)
class Identity:
    name: str
    secrets: tuple[str, ...]
    kubeconfig: Path
    via_proxy: Path
    """The same identity, through a fault proxy (`Setup.px`)."""


@dataclass(frozen=True)
class Setup:
    worlds: Worlds
    identities: tuple[Identity, ...]
    px: proxy.FaultProxy


def _pieces(secret: str) -> set[str]:
    return {secret[i : i + PIECE] for i in range(max(1, len(secret) - PIECE + 1))}


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return sorted({p for s in secrets for p in _pieces(s) if p in text})


@pytest.fixture(scope="module")
def setup(
    kube: Kube, envtest: Envtest, client_ca: Authority, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Setup]:
    worlds = cli_world.build(kube, tmp_path_factory.mktemp("secret-worlds"))
    pki = tmp_path_factory.mktemp("pki-files")
    cert: ClientCert = client_ca.issue("gitnad-reconciler")
    (pki / "c.crt").write_text(cert.cert_pem)
    (pki / "c.key").write_text(cert.key_pem)
    px = proxy.FaultProxy(
        envtest.url,
        envtest.ca_file,
        envtest.key_file,
        envtest.ca_file,
        client_cert=(str(pki / "c.crt"), str(pki / "c.key")),
    ).start()
    token = Identity(
        "token",
        (SECRET_TOKEN,),
        Path(envtest.write_kubeconfig("secret-token", SECRET_TOKEN)),
        Path(envtest.write_kubeconfig("secret-token-px", SECRET_TOKEN, px.url)),
    )
    with_cert = Identity(
        "client-cert",
        (cert.key_body, cert.key_data, *cert.key_pem.strip().splitlines()[1:-1]),
        Path(envtest.write_cert_kubeconfig("secret-cert", cert.cert_data, cert.key_data)),
        Path(envtest.write_cert_kubeconfig("secret-cert-px", cert.cert_data, cert.key_data, px.url)),
    )
    yield Setup(worlds, (token, with_cert), px)
    px.stop()


def _run(setup: Setup, command: str, kubeconfig: Path, tmp_path: Path) -> tuple[int, list[tuple[str, str]]]:
    """Run `command` verbose in every format it has (stdout text, the others to files, the GitHub job summary
    on): its exit code and every text it produced, by name."""
    out = tmp_path / f"out-{uuid.uuid4().hex[:6]}"
    out.mkdir()
    args = cli_world.argv(command, setup.worlds, kubeconfig, out, fmt="text", verbose=True)
    formats = FORMATS[command]
    for fmt in formats[1:]:
        args += ["--format", fmt]
    for fmt in formats[1:]:
        args += ["--output", str(out / f"report.{fmt}")]
    summary = out / "step-summary.md"
    run = cli_world.gitnad(args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    texts = [("stdout", run.stdout), ("stderr", run.stderr)]
    texts += [(p.name, p.read_text(errors="replace")) for p in sorted(out.iterdir())]
    return run.code, texts


def _clean(setup: Setup, kube: Kube, command: str) -> None:
    if command == "reconcile-apply":
        ns = setup.worlds.pending.ns
        for m in kube.co.list_namespaced_custom_object("kubevirt.io", "v1", ns, "virtualmachineinstancemigrations")[
            "items"
        ]:
            kube.co.delete_namespaced_custom_object(
                "kubevirt.io", "v1", ns, "virtualmachineinstancemigrations", m["metadata"]["name"]
            )


SCENARIOS = {
    "success": (None, {"check": 0, "drift": 0, "drift-wait": 0, "reconcile": 0, "reconcile-apply": 1, "snapshot": 0}),
    "echo-403-on-a-list": (proxy.echo(403, match=VMIS), dict.fromkeys(FORMATS, 3)),
    "echo-500-storm": (proxy.echo(500, match=VMIS), dict.fromkeys(FORMATS, 3)),
    "echo-401-everywhere": (proxy.echo(401), dict.fromkeys(FORMATS, 3)),
    "echo-403-on-the-create": (
        proxy.Fault("echo", 403, match="/virtualmachineinstancemigrations", method="POST"),
        {"check": 0, "drift": 0, "drift-wait": 0, "reconcile": 0, "reconcile-apply": 1, "snapshot": 0},
    ),
}


@pytest.mark.parametrize("command", list(FORMATS))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("who", ["token", "client-cert"])
def test_no_output_shows_a_credential(
    who: str, scenario: str, command: str, setup: Setup, kube: Kube, tmp_path: Path
) -> None:
    fault, codes = SCENARIOS[scenario]
    (identity,) = [i for i in setup.identities if i.name == who]
    setup.px.reset_log()
    setup.px.always = fault
    kubeconfig = identity.kubeconfig if fault is None else identity.via_proxy
    try:
        code, texts = _run(setup, command, kubeconfig, tmp_path)
    finally:
        _clean(setup, kube, command)
    assert code == codes[command], texts
    assert "internal error" not in dict(texts)["stderr"]
    leaks = {name: _leaks(text, identity.secrets) for name, text in texts}
    assert {name: found for name, found in leaks.items() if found} == {}
    if fault is not None and (scenario != "echo-403-on-the-create" or command == "reconcile-apply"):
        # The proxy did send the request's headers back to gitnad; with a token, the credential was among them,
        # and gitnad showed the answer without it.
        assert any(o.startswith("echo") for o in setup.px.outcomes), setup.px.outcomes
        if who == "token" and scenario != "echo-500-storm":  # a retried 5xx is shown by its status line only
            where = "stdout" if scenario == "echo-403-on-the-create" else "stderr"
            assert "Bearer [redacted]" in dict(texts)[where]


BROKEN_KUBECONFIGS = {
    "yaml-syntax-error-on-the-token-line": 'users:\n- name: u\n  user: {{token: "{token}"\n',
    "duplicate-token-key": "users:\n- name: u\n  user:\n    token: {token}\n    token: {token}-again\n",
    "token-of-the-wrong-type": (
        'clusters:\n- name: c\n  cluster: {{server: "{server}"}}\nusers:\n- name: u\n  user: {{token: ["{token}"]}}\n'
        "contexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
    ),
    "client-key-data-not-base64": (
        'clusters:\n- name: c\n  cluster: {{server: "{server}"}}\nusers:\n- name: u\n'
        '  user: {{client-key-data: "{token}!!", client-certificate-data: "{token}"}}\n'
        "contexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
    ),
    "password-in-the-server-url": (
        'clusters:\n- name: c\n  cluster: {{server: "https://ops:{token}@127.0.0.1:1"}}\nusers:\n- name: u\n'
        '  user: {{token: "{token}"}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n'
    ),
}


@pytest.mark.parametrize("command", list(FORMATS))
@pytest.mark.parametrize("broken", list(BROKEN_KUBECONFIGS))
def test_a_broken_kubeconfig_never_shows_its_secrets(
    broken: str, command: str, setup: Setup, envtest: Envtest, tmp_path: Path
) -> None:
    """Exit 2 for a file gitnad or the client cannot read, exit 3 for a server it cannot reach: the message names
    the file and line, never its content."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n" + BROKEN_KUBECONFIGS[broken].format(token=SECRET_TOKEN, server=envtest.url)
    )
    code, texts = _run(setup, command, kubeconfig, tmp_path)
    assert code in (2, 3), texts
    assert {name: found for name, text in texts if (found := _leaks(text, (SECRET_TOKEN,)))} == {}
