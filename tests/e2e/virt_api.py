"""TEST HELPER: KubeVirt's virt-api, for the one subresource gitnad calls (`restart`), behind the real aggregator.

envtest runs no KubeVirt, so `subresources.kubevirt.io` is not served. kube-apiserver still has its aggregation
layer: this registers an `APIService` for `v1.subresources.kubevirt.io` whose Service is an `ExternalName` for
127.0.0.1 (the aggregator dials it directly: no kube-proxy needed, and Endpoints may not name loopback
addresses), pointing at a small HTTPS server here. A request gitnad sends is then authenticated and authorized
by the real API server (RBAC `update` on `virtualmachines/restart`), proxied by the real aggregator with the
caller's identity in `X-Remote-User`/`X-Remote-Group` (the bearer token stays behind), and answered the way
KubeVirt's `RestartVMRequestHandler` (pkg/virt-api/rest/subresource.go) answers: decode `RestartOptions`,
refuse a grace period other than 0, 404 for a missing VM, 409 for `Halted`/`Once` or no VMI, 500 when a
stop/start is already underway, else JSON-patch the VM status with the state change requests
`[{action: Stop, uid: <vmi uid>}, {action: Start}]` (for virt-controller to act on) and answer `202 Accepted`
with no body. Stdlib HTTP server; the VM and VMI are read and patched with the admin client.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.envtest import Envtest
from tests.proxy import QuietServer

GROUP, VERSION = "subresources.kubevirt.io", "v1"
APISERVICE = f"{VERSION}.{GROUP}"
RESTART = re.compile(rf"^/apis/{re.escape(GROUP)}/{VERSION}/namespaces/([^/]+)/virtualmachines/([^/]+)/restart$")
DISCOVERY = {
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": f"{GROUP}/{VERSION}",
    "resources": [
        {"name": "virtualmachines/restart", "singularName": "", "namespaced": True, "kind": "", "verbs": ["update"]}
    ],
}


@dataclass(frozen=True)
class Seen:
    """One request virt-api received (after the aggregator)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class VirtApi:
    """Start with `start()` (serves and registers), `stop()` unregisters and waits until the group is gone."""

    def __init__(self, env: Envtest, admin: Any) -> None:
        from kubernetes import client

        self.env = env
        self.co: Any = client.CustomObjectsApi(admin)
        self.core: Any = client.CoreV1Api(admin)
        self.reg: Any = client.ApiregistrationV1Api(admin)
        self.admin = admin
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self.service = f"virt-api-{uuid.uuid4().hex[:6]}"
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(env.ca_file, env.key_file)
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="virt-api", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def restarts(self) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == "PUT"]

    def start(self) -> VirtApi:
        self._thread.start()
        self.core.create_namespaced_service(
            "kubevirt",
            {
                "metadata": {"name": self.service},
                "spec": {"type": "ExternalName", "externalName": "127.0.0.1", "ports": [{"port": self.port}]},
            },
        )
        self.reg.create_api_service(
            {
                "metadata": {"name": APISERVICE},
                "spec": {
                    "group": GROUP,
                    "version": VERSION,
                    "groupPriorityMinimum": 1000,
                    "versionPriority": 15,
                    "insecureSkipTLSVerify": True,
                    "service": {"name": self.service, "namespace": "kubevirt", "port": self.port},
                },
            }
        )
        self._until_served(True)
        return self

    def stop(self) -> None:
        try:
            # raw answers: the client cannot read the Status a delete of a Service returns
            self.reg.delete_api_service(APISERVICE, _preload_content=False).release_conn()
            self.core.delete_namespaced_service(self.service, "kubevirt", _preload_content=False).release_conn()
            self._until_served(False)
        finally:
            self._server.shutdown()
            self._server.server_close()

    def _until_served(self, served: bool, timeout: float = 60) -> None:
        """The aggregator registers and drops an APIService's handler asynchronously: wait for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = self.admin.call_api(
                *self.admin.param_serialize("GET", f"/apis/{GROUP}/{VERSION}", auth_settings=["BearerToken"])
            )
            resp.read()
            if (resp.status == 200) == served:
                return
            time.sleep(0.2)
        raise TimeoutError(f"{APISERVICE} {'not served' if served else 'still served'} after {timeout}s")

    # --- what virt-api does ----------------------------------------------------------------------------

    def restart(self, namespace: str, name: str, body: bytes) -> tuple[int, dict[str, Any] | None]:
        """KubeVirt's RestartVMRequestHandler: (status, Status body or None)."""
        from kubernetes.client.exceptions import ApiException

        try:
            options = json.loads(body) if body.strip() else {}
        except ValueError as e:
            return _status(400, "BadRequest", f"Can not unmarshal Request body to struct, error: {e}")
        grace = options.get("gracePeriodSeconds") if isinstance(options, dict) else None
        if isinstance(grace, int) and grace > 0:
            return _status(400, "BadRequest", "For force restart, only gracePeriod=0 is supported for now")
        if isinstance(grace, int) and grace < 0:
            return _status(400, "BadRequest", "gracePeriod has to be greater or equal to 0")
        try:
            vm = self.co.get_namespaced_custom_object("kubevirt.io", "v1", namespace, "virtualmachines", name)
        except ApiException as e:
            return (
                _status(404, "NotFound", f'virtualmachines.kubevirt.io "{name}" not found')
                if e.status == 404
                else (_status(500, "InternalError", str(e.reason)))
            )
        strategy = vm["spec"].get("runStrategy") or ("Always" if vm["spec"].get("running") else "Halted")
        if strategy in ("Halted", "Once"):
            return _conflict(name, f"RunStategy {strategy} does not support manual restart requests")
        try:
            vmi = self.co.get_namespaced_custom_object("kubevirt.io", "v1", namespace, "virtualmachineinstances", name)
        except ApiException as e:
            if e.status == 404:
                return _conflict(name, "VM is not running: Halted")
            return _status(500, "InternalError", str(e.reason))
        if (vm.get("status") or {}).get("stateChangeRequests"):
            return _status(500, "InternalError", "unable to complete request: stop/start already underway")
        changes = [{"action": "Stop", "uid": vmi["metadata"]["uid"]}, {"action": "Start"}]
        patch = [
            {"op": "test", "path": "/status/stateChangeRequests", "value": None},
            {"op": "add", "path": "/status/stateChangeRequests", "value": changes},
        ]
        request = self.admin.param_serialize(
            "PATCH",
            f"/apis/kubevirt.io/v1/namespaces/{namespace}/virtualmachines/{name}/status",
            header_params={"Content-Type": "application/json-patch+json", "Accept": "application/json"},
            body=patch,
            auth_settings=["BearerToken"],
        )
        resp = self.admin.call_api(*request)
        resp.read()
        if resp.status == 422:  # the test operation failed: someone else asked first
            return _conflict(name, "jsonpatch test operation does not apply")
        if not 200 <= resp.status <= 299:
            return _status(500, "InternalError", f"patching VM status: {resp.status} {resp.data[:200]!r}")
        return 202, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as tests/proxy.py: no delayed-ACK wait between headers and body

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, code: int, payload: dict[str, Any] | None) -> None:
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(code)
                if payload is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.split("?")[0].rstrip("/") == f"/apis/{GROUP}/{VERSION}":
                    self._reply(200, DISCOVERY)
                else:
                    self._reply(*_status(404, "NotFound", "the server could not find the requested resource"))

            def do_PUT(self) -> None:
                body = self._body()
                with api._lock:
                    api.seen.append(Seen("PUT", self.path, dict(self.headers.items()), body))
                m = RESTART.match(self.path.split("?")[0])
                if m is None:
                    self._reply(*_status(404, "NotFound", "the server could not find the requested resource"))
                    return
                self._reply(*api.restart(m[1], m[2], body))

        return Handler


def _status(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _conflict(name: str, why: str) -> tuple[int, dict[str, Any]]:
    return _status(409, "Conflict", f'Operation cannot be fulfilled on virtualmachine.kubevirt.io "{name}": {why}')
