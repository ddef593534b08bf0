"""A fault-injecting HTTPS reverse proxy for tests: client -> proxy -> real kube-apiserver.

It terminates TLS with the API server's own serving certificate (SAN 127.0.0.1), so a kubeconfig that
trusts the server trusts the proxy. Every request is logged; a request whose path contains a fault's
`match` consumes that fault (in order) instead of being forwarded: an HTTP status (e.g. 429 with
`Retry-After`), a TCP reset, or a stall (hold the request unanswered, then close). `always` applies a fault to
every request. Stdlib only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import struct
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"})


@dataclass(frozen=True)
class Fault:
    kind: str
    """`status`, `reset` or `stall`."""
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    match: str = ""
    """Only requests whose path (with query) contains this; empty matches all."""
    body: bytes | None = None
    """Response body for `status` faults (default: a Kubernetes Status object)."""


def status(code: int, retry_after: str | None = None, match: str = "") -> Fault:
    return Fault("status", status=code, headers={"Retry-After": retry_after} if retry_after else {}, match=match)


def garbage(match: str = "") -> Fault:
    """200 OK with a body that is not JSON (a misbehaving load balancer's error page)."""
    return Fault("status", status=200, body=b"<html>upstream hiccup</html>", match=match)


def reset(match: str = "") -> Fault:
    return Fault("reset", match=match)


def stall(seconds: float, match: str = "") -> Fault:
    return Fault("stall", seconds=seconds, match=match)


class FaultProxy:
    """Start with `start()`, point a kubeconfig at `url`, queue faults with `inject()`, read `requests`."""

    def __init__(self, upstream: str, cert_file: str, key_file: str, ca_file: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 443
        self._client_ctx = ssl.create_default_context(cafile=ca_file)
        self._server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._server_ctx.load_cert_chain(cert_file, key_file)
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self.always: Fault | None = None
        self.requests: list[str] = []
        """`METHOD path?query` of every request received, in order."""
        self.outcomes: list[str] = []
        """What the proxy did with each request: `forwarded <status>`, `status <code>`, `reset`, ...."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.socket = self._server_ctx.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():  # shutdown() waits for serve_forever: only when it runs
            self._server.shutdown()
        self._server.server_close()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.outcomes.clear()
            self._faults.clear()
            self.always = None

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            for i, f in enumerate(self._faults):
                if f.match in path:
                    return self._faults.pop(i)
            return self.always if self.always is not None and self.always.match in path else None

    def _record(self, request: str, outcome: str | None = None) -> int:
        with self._lock:
            self.requests.append(request)
            self.outcomes.append(outcome or "")
            return len(self.requests) - 1

    def _set_outcome(self, index: int, outcome: str) -> None:
        with self._lock:
            self.outcomes[index] = outcome

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_PATCH(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                index = proxy._record(f"{self.command} {self.path}")
                fault = proxy._take(self.path)
                if fault is not None and fault.kind == "status":
                    proxy._set_outcome(index, f"status {fault.status}")
                    self._send_status(fault)
                    return
                if fault is not None and fault.kind == "reset":
                    proxy._set_outcome(index, "reset")
                    self._reset()
                    return
                if fault is not None and fault.kind == "stall":
                    # Hold the request without answering, then drop the connection: the client must time out.
                    proxy._set_outcome(index, f"stall {fault.seconds:g}s")
                    proxy._stopping.wait(fault.seconds)
                    self.close_connection = True
                    return
                self._forward(index, body)

            def _send_status(self, fault: Fault) -> None:
                payload = (
                    fault.body
                    if fault.body is not None
                    else json.dumps(
                        {
                            "kind": "Status",
                            "apiVersion": "v1",
                            "status": "Failure",
                            "message": f"injected by the test proxy: {fault.status}",
                            "code": fault.status,
                        }
                    ).encode()
                )
                self.send_response(fault.status)
                for k, v in fault.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _reset(self) -> None:
                """Abort the TCP connection (RST, no TLS close_notify)."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                raw = socket.socket(fileno=self.connection.detach())
                raw.close()

            def _forward(self, index: int, body: bytes) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn = http.client.HTTPSConnection(
                    proxy.upstream_host, proxy.upstream_port, context=proxy._client_ctx, timeout=60
                )
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                proxy._set_outcome(index, f"forwarded {resp.status}")
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # the socket was reset on purpose
                    super().finish()

        return Handler
