"""The credentials a live read holds, kept out of everything gitnad shows (`gitnad.errors.keep_secret`).

Registered as the client configuration is loaded: the bearer token (from the kubeconfig, a token file, an exec
plugin or the pod's service account), a basic-auth password, the client key (the PEM the client wrote from
`client-key-data`, line by line: a message quoting part of it is caught too), every secret-bearing value of the
kubeconfig files as written (`token`, `password`, `client-key-data`, an auth provider's tokens), and a password
in the server URL. `safe_url` shows a server URL without its user info.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gitnad.errors import keep_secret

SECRET_KEYS = frozenset(
    {"token", "password", "client-key-data", "id-token", "refresh-token", "access-token", "client-secret"}
)
"""Kubeconfig keys whose values are credentials (users[].user, and auth-provider config)."""


def keep_loaded(cfg: Any) -> None:
    """Register what a loaded `kubernetes.client.Configuration` authenticates with."""
    api_key = getattr(cfg, "api_key", None) or {}
    for auth in api_key.values() if isinstance(api_key, Mapping) else ():  # {"BearerToken": "Bearer <token>"}
        if isinstance(auth, str):
            keep_secret(auth.split(" ", 1)[-1].strip())  # the token: "Bearer [redacted]" stays readable
    password = getattr(cfg, "password", None)
    keep_secret(password if isinstance(password, str) else None)
    key_file = getattr(cfg, "key_file", None)
    if isinstance(key_file, str) and key_file:
        with contextlib.suppress(OSError):  # the client reads it itself and reports the problem
            keep_secret(*_pem_parts(Path(key_file).read_text(errors="replace")))
    host = getattr(cfg, "host", None)
    if isinstance(host, str):
        keep_secret(urllib.parse.urlsplit(host).password)


def keep_in_kubeconfig(data: Any) -> None:
    """Register every secret-bearing value of a parsed kubeconfig (whatever its shape)."""
    for key, value in _walk(data):
        if key in SECRET_KEYS and isinstance(value, str):
            keep_secret(value, *_pem_parts(_b64(value) if key == "client-key-data" else value))
        elif key == "server" and isinstance(value, str):
            keep_secret(urllib.parse.urlsplit(value).password)


def safe_url(url: str) -> str:
    """`url` without user info (`https://user:password@host` -> `https://host`)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _walk(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield str(key), value
            yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def _b64(value: str) -> str:
    try:
        return base64.b64decode(value, validate=False).decode(errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _pem_parts(text: str) -> list[str]:
    """The base64 body of a PEM block, joined and line by line (the armour lines are not secret)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")]
    return ["".join(lines), *lines] if lines else []
