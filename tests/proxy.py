"""A fault-injecting HTTPS reverse proxy for tests: client -> proxy -> real kube-apiserver.

It terminates TLS with the API server's own serving certificate (SAN 127.0.0.1), so a kubeconfig that
trusts the server trusts the proxy. Every request is logged; a request whose path contains a fault's
`match` consumes that fault (in order) instead of being forwarded: an HTTP status (e.g. 429 with
`Retry-After`), a TCP reset, a stall (hold the request unanswered, then close), the real answer cut short
(`truncated`: a well-formed response whose JSON stops half-way; `short_body`: the connection drops half-way
through the declared body), a stream that stalls after its first events (`stall_stream`), or an error page that
echoes the request's headers back (`echo`, as some debugging proxies do: credentials included). `always` applies
a fault to every request. Streamed answers (watches: chunked, no Content-Length) are forwarded as they arrive,
like a real load balancer. `on_request` sees every request as it arrives (and may hold it), `on_forwarded` every
forwarded one before its answer goes back. Stdlib only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import struct
import sys
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"})


@dataclass(frozen=True)
class Fault:
    kind: str
    """`status`, `reset`, `stall`, `truncated`, `short_body`, `stall_stream` or `echo`."""
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    match: str = ""
    """Only requests whose path (with query) contains this; empty matches all."""
    body: bytes | None = None
    """Response body for `status` faults (default: a Kubernetes Status object)."""
    method: str = ""
    """Only requests with this HTTP method; empty matches all."""


def status(code: int, retry_after: str | None = None, match: str = "") -> Fault:
    return Fault("status", status=code, headers={"Retry-After": retry_after} if retry_after else {}, match=match)


def garbage(match: str = "") -> Fault:
    """200 OK with a body that is not JSON (a misbehaving load balancer's error page)."""
    return Fault("status", status=200, body=b"<html>upstream hiccup</html>", match=match)


def reset(match: str = "") -> Fault:
    return Fault("reset", match=match)


def stall(seconds: float, match: str = "") -> Fault:
    return Fault("stall", seconds=seconds, match=match)


def truncated(match: str = "") -> Fault:
    """The real answer, cut to half its body, with a Content-Length that says so: valid HTTP, JSON that stops."""
    return Fault("truncated", match=match)


def short_body(match: str = "") -> Fault:
    """The real answer's headers (full Content-Length), half its body, then the connection closes."""
    return Fault("short_body", match=match)


def stall_stream(seconds: float, match: str = "") -> Fault:
    """A streamed answer (a watch) whose headers arrive, then nothing more for `seconds`; then the connection closes."""
    return Fault("stall_stream", seconds=seconds, match=match)


def echo(code: int, match: str = "") -> Fault:
    """`code` with a JSON Status whose message quotes every request header (Authorization included)."""
    return Fault("echo", status=code, match=match)


class QuietServer(ThreadingHTTPServer):
    """Clients drop connections on purpose here (a cut watch, a reset): not worth a traceback on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError | http.client.HTTPException):
            super().handle_error(request, client_address)


class FaultProxy:
    """Start with `start()`, point a kubeconfig at `url`, queue faults with `inject()`, read `requests`."""

    def __init__(
        self, upstream: str, cert_file: str, key_file: str, ca_file: str, client_cert: tuple[str, str] | None = None
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 443
        self._client_ctx = ssl.create_default_context(cafile=ca_file)
        if client_cert is not None:  # forward as that identity (TLS ends here: the client's own cert stays here)
            self._client_ctx.load_cert_chain(*client_cert)
        self._server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._server_ctx.load_cert_chain(cert_file, key_file)
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self.always: Fault | None = None
        self.hidden: dict[str, set[str]] = {}
        """Resources the server pretends not to serve, by discovery path (`/apis/<group>/<version>`): their
        requests answer 404 and the discovery document leaves them out (a CRD that is not installed)."""
        self.requests: list[str] = []
        """`METHOD path?query` of every request received, in order."""
        self.outcomes: list[str] = []
        """What the proxy did with each request: `forwarded <status>`, `status <code>`, `reset`, ...."""
        self.on_request: Callable[[str], None] | None = None
        """Called with `METHOD path` when a request arrives, before anything is done with it (it may block)."""
        self.on_forwarded: Callable[[str, int], None] | None = None
        """Called with (`METHOD path`, status) after the server answered, before the client gets the answer."""
        self._server = QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.socket = self._server_ctx.wrap_socket(self._server.socket, server_side=True)
        # serve_forever polls for shutdown every poll_interval (0.5 s by default): a test that starts and stops a
        # proxy per case would spend that on each stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fault-proxy", daemon=True
        )

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

    def hide(self, discovery: str, plural: str) -> None:
        """Pretend `plural` of the group/version at `discovery` is not installed (see `hidden`)."""
        with self._lock:
            self.hidden.setdefault(discovery, set()).add(plural)

    def _hidden(self, path: str) -> tuple[str, set[str]] | None:
        """(discovery path, hidden plurals) when `path` is that discovery document or a request for one of them."""
        bare = path.split("?", 1)[0].rstrip("/")
        with self._lock:
            for discovery, plurals in self.hidden.items():
                if bare == discovery:
                    return discovery, set(plurals)
                names = "|".join(re.escape(p) for p in plurals)
                if re.fullmatch(rf"{re.escape(discovery)}/(?:namespaces/[^/]+/)?(?:{names})(?:/.*)?", bare):
                    return discovery, set(plurals)
        return None

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.outcomes.clear()
            self._faults.clear()
            self.hidden.clear()
            self.always = None

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, f in enumerate(self._faults):
                if f.match in path and f.method in ("", method):
                    return self._faults.pop(i)
            f = self.always
            return f if f is not None and f.match in path and f.method in ("", method) else None

    def _record(self, request: str, outcome: str | None = None) -> int:
        with self._lock:
            self.requests.append(request)
            self.outcomes.append(outcome or "")
            return len(self.requests) - 1

    def _set_outcome(self, index: int, outcome: str) -> None:
        with self._lock:
            self.outcomes[index] = outcome

    def forwarded(self, status: int | None = None) -> list[str]:
        """The requests forwarded to the server (with that answer status, when given), in order."""
        with self._lock:
            pairs = list(zip(self.requests, self.outcomes, strict=True))
        want = "forwarded " if status is None else f"forwarded {status}"
        return [r for r, o in pairs if o.startswith(want)]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY on each client connection, as Go's net/http (kube-apiserver) has it. Without it, the body
            # written after the headers waited for the client's delayed ACK: ~45 ms added to every request through
            # the proxy (56 ms a LIST instead of 12; the real server answers in 4).
            disable_nagle_algorithm = True

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
                if proxy.on_request is not None:
                    proxy.on_request(f"{self.command} {self.path}")
                if (hidden := proxy._hidden(self.path)) is not None:
                    self._hide(index, body, *hidden)
                    return
                fault = proxy._take(self.command, self.path)
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
                if fault is not None and fault.kind == "echo":
                    proxy._set_outcome(index, f"echo {fault.status}")
                    self._echo(fault)
                    return
                self._forward(index, body, fault)

            def _hide(self, index: int, body: bytes, discovery: str, plurals: set[str]) -> None:
                """The discovery document without `plurals` (404 when none is left); 404 for their requests."""
                if self.path.split("?", 1)[0].rstrip("/") != discovery:
                    proxy._set_outcome(index, "hidden 404")
                    self._send_status(Fault("status", 404))
                    return
                conn = http.client.HTTPSConnection(
                    proxy.upstream_host, proxy.upstream_port, context=proxy._client_ctx, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    doc = json.loads(conn.getresponse().read())
                finally:
                    conn.close()
                doc["resources"] = [r for r in doc.get("resources", []) if r["name"].split("/")[0] not in plurals]
                if not doc["resources"]:
                    proxy._set_outcome(index, "hidden 404")
                    self._send_status(Fault("status", 404))
                    return
                proxy._set_outcome(index, "hidden 200")
                self._send_status(Fault("status", 200, body=json.dumps(doc).encode()))

            def _echo(self, fault: Fault) -> None:
                quoted = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                self._send_status(
                    Fault(
                        "status",
                        fault.status,
                        body=json.dumps(
                            {
                                "kind": "Status",
                                "apiVersion": "v1",
                                "status": "Failure",
                                "message": f"debug proxy: request {self.command} {self.path} with headers {quoted}",
                                "code": fault.status,
                            }
                        ).encode(),
                    )
                )

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

            def _forward(self, index: int, body: bytes, fault: Fault | None) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn = http.client.HTTPSConnection(
                    proxy.upstream_host, proxy.upstream_port, context=proxy._client_ctx, timeout=120
                )
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    outcome = f"forwarded {resp.status}"
                    if fault is not None:
                        outcome += f" ({fault.kind})"
                    proxy._set_outcome(index, outcome)
                    if proxy.on_forwarded is not None:
                        proxy.on_forwarded(f"{self.command} {self.path}", resp.status)
                    cut = fault is not None and fault.kind in ("truncated", "short_body")
                    if resp.getheader("Content-Length") is None and resp.status == 200 and not cut:
                        self._stream(resp, fault)
                    else:
                        self._reply(resp, resp.read(), fault)
                finally:
                    conn.close()

            def _head(self, resp: http.client.HTTPResponse, length: int | None) -> None:
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length":
                        self.send_header(k, v)
                if length is None:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(length))
                self.end_headers()

            def _reply(self, resp: http.client.HTTPResponse, data: bytes, fault: Fault | None) -> None:
                if fault is not None and fault.kind == "truncated":
                    data = data[: len(data) // 2]
                if fault is not None and fault.kind == "short_body":
                    self._head(resp, len(data))
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._reset()
                    return
                self._head(resp, len(data))
                self.wfile.write(data)

            def _stream(self, resp: http.client.HTTPResponse, fault: Fault | None) -> None:
                """Forward a chunked answer (a watch) piece by piece, as it arrives."""
                self._head(resp, None)
                self.wfile.flush()
                if fault is not None and fault.kind == "stall_stream":
                    proxy._stopping.wait(fault.seconds)
                    self.close_connection = True
                    return
                try:
                    while not proxy._stopping.is_set():
                        piece = resp.read1(65536)
                        if not piece:
                            break
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (OSError, http.client.HTTPException):  # either side went away (watches are cut on close)
                    self.close_connection = True

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # the socket was reset on purpose
                    super().finish()

        return Handler
