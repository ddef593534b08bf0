"""The credentials of a live read are registered as they load and never shown (gitnad.sources.cluster.credentials,
gitnad.errors.redact): a real kubeconfig with a token, a client certificate and key (a real EC key from a test
CA) and a password in the server URL, loaded by the real kubernetes client."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from gitnad.config import ClusterSettings
from gitnad.errors import REDACTED, ConfigError, keep_secret, redact
from gitnad.sources.cluster import credentials
from gitnad.sources.cluster.live import configuration
from tests.pki import Authority


def _kubeconfig(path: Path, user: str, server: str = "https://127.0.0.1:6443") -> Path:
    path.write_text(f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "{server}", insecure-skip-tls-verify: true}}
users:
- name: u
  user:
{user}
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
""")
    return path


def test_a_bearer_token_is_redacted(tmp_path: Path) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    cfg = configuration(ClusterSettings(kubeconfig=_kubeconfig(tmp_path / "k", f"    token: {token}")))
    assert f"Bearer {token}" in cfg.api_key.values()  # the client uses it...
    assert redact(f"401: Authorization: Bearer {token}") == f"401: Authorization: Bearer {REDACTED}"  # ...unseen


def test_a_client_key_is_redacted_whole_line_by_line_and_base64(tmp_path: Path) -> None:
    cert = Authority(tmp_path / "ca").issue("someone")
    user = f"    client-certificate-data: {cert.cert_data}\n    client-key-data: {cert.key_data}"
    configuration(ClusterSettings(kubeconfig=_kubeconfig(tmp_path / "k", user)))
    lines = cert.key_pem.strip().splitlines()[1:-1]
    for text in (cert.key_data, cert.key_body, *lines, cert.key_pem):
        assert redact(f"<{text}>") != f"<{text}>", text
    assert all(line not in redact(cert.key_pem) for line in lines)
    assert "-----BEGIN PRIVATE KEY-----" in redact(cert.key_pem)  # the armour is not secret


def test_a_password_in_the_server_url_is_redacted_and_never_shown(tmp_path: Path) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    path = _kubeconfig(tmp_path / "k", "    token: unused-token-value", f"https://ops:{password}@127.0.0.1:6443")
    cfg = configuration(ClusterSettings(kubeconfig=path))
    assert redact(str(cfg.host)) == f"https://ops:{REDACTED}@127.0.0.1:6443"
    assert credentials.safe_url(str(cfg.host)) == "https://127.0.0.1:6443"


def test_a_secret_in_a_kubeconfig_the_client_cannot_read_is_redacted(tmp_path: Path) -> None:
    """Registered while gitnad checks the file, before the client trips over its shape."""
    token = f"tok-{uuid.uuid4().hex}"
    path = _kubeconfig(tmp_path / "k", f"    token: {token}\n    client-key-data: not base64 at all!")
    with pytest.raises(ConfigError, match="is not a kubeconfig the client can read"):
        configuration(ClusterSettings(kubeconfig=path))
    assert redact(token) == REDACTED


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://10.0.0.1:6443", "https://10.0.0.1:6443"),
        ("https://admin:s3cret@10.0.0.1:6443/", "https://10.0.0.1:6443/"),
        ("https://token@api.example.com", "https://api.example.com"),
        ("https://a:b@[fd00::1]:6443", "https://[fd00::1]:6443"),
    ],
    ids=["plain", "user-password", "user-only", "ipv6"],
)
def test_safe_url(url: str, safe: str) -> None:
    assert credentials.safe_url(url) == safe


def test_short_values_are_not_registered() -> None:
    """Replacing every `abc` in every message would garble them all: secrets shorter than 8 are left alone."""
    keep_secret("abc1234", None, "")
    assert redact("abc1234 and more") == "abc1234 and more"


def test_the_longest_secret_wins() -> None:
    """A secret that contains another is replaced whole, not as a half-replaced remainder."""
    short = f"s-{uuid.uuid4().hex[:10]}"
    keep_secret(short, f"{short}-and-longer")
    assert redact(f"[{short}-and-longer] [{short}]") == f"[{REDACTED}] [{REDACTED}]"
