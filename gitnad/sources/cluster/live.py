"""Live reads through the official `kubernetes` client: the only module that imports it (lazily).

One LIST per resource type, paginated with `limit`/`continue`, never one call per VM. Namespaced types are
listed in the one namespace asked for, or cluster-wide and filtered (one call instead of N), falling back
to per-namespace lists when a namespaced identity may not list cluster-wide.

Retry policy, explicit because the client's default (urllib3 `Retry(3)`) silently sleeps on `Retry-After`
without a cap: urllib3 retries are off; each request gets at most `max_retries` retries with exponential
backoff on 429, 5xx, timeouts and connection errors, `Retry-After` is honoured up to `max_retry_after_s`,
and the whole read has one deadline (`deadline_s`). Any other failure is a ClusterError naming the verb and
resource. A 404 on a list means the API is not installed when the server's API discovery agrees (the
group/version is not served, or does not list the resource); a 404 for a resource that discovery lists is
something in the way of the API server (a proxy, a stale aggregated API) and an error: "none exist" is never
concluded from it. A read is never returned partially.
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError, ConfigError, UsageError, redact
from gitnad.sources import jsonio, yamlio
from gitnad.sources.cluster import credentials, kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource, ResourceRead

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
SERVICE_HOST_ENV = "KUBERNETES_SERVICE_HOST"
MAX_MESSAGE = 300


class ApiFailure(ClusterError):
    """A request the server refused; `status` is the HTTP status (0: TLS). `retry_after`: the server's
    `Retry-After` in seconds, when it sent one (a watch that is refused with 429 waits that long)."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Deadline:
    """One overall time budget for a read (monotonic clock)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return self._end - self._clock()


# --- client ----------------------------------------------------------------------------------------


def configuration(settings: ClusterSettings) -> Any:
    """A `kubernetes.client.Configuration` from the kubeconfig (or in-cluster), with urllib3 retries off."""
    try:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException
    except ImportError as e:
        raise UsageError(
            f"live cluster reads need the kubernetes client ({e}): pip install 'gitnad[cluster]', or use --snapshot"
        ) from e

    cfg = client.Configuration()
    path = str(settings.kubeconfig) if settings.kubeconfig is not None else None
    try:
        if path is not None or _default_kubeconfig_exists():
            for file in kubeconfig_files(settings.kubeconfig):
                check_kubeconfig(file)
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=path, context=settings.context, client_configuration=cfg, persist_config=False
            )
            credentials.keep_loaded(cfg)
        elif os.environ.get(SERVICE_HOST_ENV):
            if settings.context is not None:
                raise ConfigError(
                    f"context {settings.context!r} is set (--context or cluster.context in .gitnad.yaml), but there "
                    "is no kubeconfig: in a pod, leave it unset to use the pod's service account"
                )
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            credentials.keep_loaded(cfg)
        else:
            raise ConfigError(
                "no cluster configured: pass --kubeconfig (or set KUBECONFIG), run in a pod, or use --snapshot"
            )
    except ConfigException as e:
        raise ConfigError(f"kubeconfig {path or '(default)'}: {e}") from e
    except OSError as e:
        raise ConfigError(f"kubeconfig {path or '(default)'}: {e}") from e
    except (TypeError, AttributeError, KeyError, ValueError) as e:
        # The client indexes the parsed YAML without checking its shape (e.g. `users: 5`): the file is wrong.
        raise ConfigError(
            f"kubeconfig {path or '(default)'} is not a kubeconfig the client can read ({type(e).__name__}: {e}): "
            "expected clusters, contexts and users as lists of named entries"
        ) from e
    # urllib3's default Retry(3) sleeps for any Retry-After with no cap and retries behind our back:
    # every retry goes through LiveReader.call instead.
    cfg.retries = False
    return cfg


def _default_kubeconfig_exists() -> bool:
    if os.environ.get("KUBECONFIG"):
        return True
    return Path("~/.kube/config").expanduser().is_file()


def kubeconfig_files(explicit: Path | None) -> list[Path]:
    """The files the client will load: `--kubeconfig`, else every existing entry of KUBECONFIG, else ~/.kube/config."""
    if explicit is not None:
        return [explicit]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p and Path(p).is_file()]
    return [Path("~/.kube/config").expanduser()]


def check_kubeconfig(path: Path) -> None:
    """A kubeconfig must be one YAML mapping: say so, naming the file and line, before the client trips over it."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"kubeconfig {path}: {e.strerror or e}") from e
    result = yamlio.load_plain(data)
    if result.problem is not None:
        raise ConfigError(f"kubeconfig {path}:{result.problem.line or 1}: {result.problem.message}")
    docs = [d for d in result.documents if d.data is not None]
    for doc in docs:  # before the client reads it: a message about its content must not show them
        credentials.keep_in_kubeconfig(doc.data)
    if docs and (len(docs) > 1 or not isinstance(docs[0].data, Mapping)):
        what = f"{len(docs)} documents" if len(docs) > 1 else f"a {type(docs[0].data).__name__}"
        raise ConfigError(
            f"kubeconfig {path}:{docs[0].line}: not a kubeconfig (found {what}; expected one mapping with "
            "clusters, contexts and users)"
        )


def api_client(settings: ClusterSettings) -> Any:
    """A configured `kubernetes.client.ApiClient` (no global state, no hidden retries)."""
    from kubernetes import client

    return client.ApiClient(configuration(settings))


def custom_objects_api(api: Any) -> Any:
    """`CustomObjectsApi` on an ApiClient from `api_client` (for watches and reconcile writes)."""
    from kubernetes import client

    return client.CustomObjectsApi(api)


# --- reader ----------------------------------------------------------------------------------------


class LiveReader:
    """Reads a Capture from the API server; counts every HTTP request it sends (`requests`)."""

    def __init__(
        self,
        settings: ClusterSettings,
        api: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.api = api if api is not None else api_client(settings)
        self.requests = 0
        self.retries = 0
        self._sleep = sleep
        self._clock = clock
        self.deadline = Deadline(settings.deadline_s, clock)

    @property
    def server(self) -> str:
        """The API server's URL as messages and reports show it (never with user info)."""
        return credentials.safe_url(str(self.api.configuration.host))

    def capture(self, namespaces: Sequence[str] | None) -> Capture:
        """Every resource type gitnad reads, or a ClusterError: never a partial result."""
        self.deadline = Deadline(self.settings.deadline_s, self._clock)
        scope = tuple(sorted(set(namespaces))) if namespaces else None
        reads = {r.name: self._read(r, scope) for r in kinds.RESOURCES}
        origin = self.server if self.settings.context is None else f"{self.settings.context} ({self.server})"
        return Capture(origin=origin, captured_at=datetime.now(UTC), namespaces=scope, reads=reads)

    def _read(self, r: Resource, scope: tuple[str, ...] | None) -> ResourceRead:
        try:
            if not r.scoped or scope is None:
                return ResourceRead(r, ReadState.READ, items=tuple(self.list_all(r, None)))
            if len(scope) == 1:
                return ResourceRead(r, ReadState.READ, items=tuple(self.list_all(r, scope[0])))
            try:
                items = kinds.in_namespaces(self.list_all(r, None), scope)
            except ApiFailure as e:
                if e.status != 403:
                    raise
                items = [i for ns in scope for i in self.list_all(r, ns)]
            return ResourceRead(r, ReadState.READ, items=tuple(items))
        except ApiFailure as e:
            if e.status == 404:
                self._confirm_not_served(r, e)
                return ResourceRead(r, ReadState.NOT_INSTALLED, reason=kinds.NOT_INSTALLED_REASON)
            if e.status == 403 and r is kinds.DAEMONSETS:
                # Only GN208 (a warning) needs DaemonSets: mark the fact unknown instead of failing the read.
                return ResourceRead(r, ReadState.UNREADABLE, reason=e.message)
            raise

    def _confirm_not_served(self, r: Resource, refused: ApiFailure) -> None:
        """Raise a ClusterError unless API discovery agrees that `r` is not served (what a 404 on its list says)."""
        path = discovery_path(r)
        try:
            body = self.call(f"discover {path}", lambda timeout: self._discovery(r, timeout))
        except ApiFailure as e:
            if e.status == 404:
                return  # the group/version is not served at all
            raise
        listed = body.get("resources") if isinstance(body, dict) else None
        names = {x.get("name") for x in listed if isinstance(x, dict)} if isinstance(listed, list) else set()
        if r.plural in names:
            raise ClusterError(
                f"{refused.message}, although the API server lists {r.plural} in {path} (API discovery): something "
                "in the way of the API server (a proxy, a stale aggregated API) answers for it, so whether any "
                f"{r.name} exist cannot be told"
            )

    def _discovery(self, r: Resource, timeout: float) -> Any:
        from kubernetes import client

        kw: dict[str, Any] = {"_preload_content": False, "_request_timeout": (timeout, timeout)}
        resp: Any  # urllib3 HTTPResponse (raw body) with _preload_content=False
        if r.group:
            resp = client.CustomObjectsApi(self.api).get_api_resources(r.group, r.version, **kw)
        else:
            resp = client.CoreV1Api(self.api).get_api_resources(**kw)
        try:
            data = resp.data
        finally:
            resp.release_conn()
        try:
            return jsonio.loads(data, max_depth=None)
        except ValueError as e:
            raise ApiFailure(f"discover {discovery_path(r)}: the server's answer is not JSON ({e})", 200) from e

    def list_all(self, r: Resource, namespace: str | None) -> list[dict[str, Any]]:
        """Every item of one resource type (one namespace or all), following `continue` tokens."""
        what = describe(r, namespace)
        items: list[dict[str, Any]] = []
        token: str | None = None
        restarted = False
        while True:
            try:
                body = self.call(what, lambda timeout, t=token: self._page(r, namespace, t, timeout))  # type: ignore[misc]
            except ApiFailure as e:
                if e.status != 410 or token is None or restarted:
                    raise
                items, token, restarted = [], None, True  # continue token expired: list again, once
                continue
            for item in body.get("items") or ():
                item.setdefault("apiVersion", r.api_version)  # typed lists (pods, daemonsets) omit them
                item.setdefault("kind", r.kind)
                items.append(item)
            token = (body.get("metadata") or {}).get("continue") or None
            if token is None:
                return items

    def _page(self, r: Resource, namespace: str | None, token: str | None, timeout: float) -> dict[str, Any]:
        from kubernetes import client

        kw: dict[str, Any] = {
            "limit": self.settings.page_size,
            "_continue": token,
            "_preload_content": False,
            "_request_timeout": (timeout, timeout),
        }
        if r.label_selector:
            kw["label_selector"] = r.label_selector
        resp: Any  # urllib3 HTTPResponse (raw body) with _preload_content=False
        if r is kinds.PODS:
            core = client.CoreV1Api(self.api)
            resp = core.list_namespaced_pod(namespace, **kw) if namespace else core.list_pod_for_all_namespaces(**kw)
        elif r is kinds.DAEMONSETS:
            apps = client.AppsV1Api(self.api)
            resp = (
                apps.list_namespaced_daemon_set(namespace, **kw)
                if namespace
                else apps.list_daemon_set_for_all_namespaces(**kw)
            )
        else:
            co = client.CustomObjectsApi(self.api)
            resp = (
                co.list_namespaced_custom_object(r.group, r.version, namespace, r.plural, **kw)
                if namespace
                else co.list_cluster_custom_object(r.group, r.version, r.plural, **kw)
            )
        try:
            data = resp.data
        finally:
            resp.release_conn()
        try:
            body = jsonio.loads(data, max_depth=None)
        except ValueError as e:
            raise ApiFailure(f"{describe(r, namespace)}: the server's answer is not JSON ({e})", 200) from e
        if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
            raise ApiFailure(f"{describe(r, namespace)}: the server's answer is not a Kubernetes list", 200)
        return body

    def call(self, what: str, fn: Callable[[float], Any]) -> Any:
        """Run `fn(timeout_s)` under the retry policy and the deadline; `what` names verb and resource."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        attempt, last = 0, "none"
        while True:
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise ClusterError(f"{what}: deadline of {self.deadline.seconds:g}s exceeded (last error: {last})")
            self.requests += 1
            retry_after: float | None = None
            try:
                return fn(min(self.settings.request_timeout_s, remaining))
            except ApiException as e:
                status = int(e.status or 0)
                if status not in RETRYABLE_STATUSES:
                    raise ApiFailure(f"{what}: {_api_error(e)}{_hint(status)}", status) from e
                last, retry_after = f"{status} {e.reason}", retry_after_of(e.headers)
            except (HTTPError, OSError) as e:
                last = io_error(e, self.server)
            attempt += 1
            if attempt > self.settings.max_retries:
                raise ClusterError(f"{what}: gave up after {attempt} attempts (last error: {last})")
            delay = self.backoff(attempt, retry_after)
            if delay >= self.deadline.remaining():
                raise ClusterError(
                    f"{what}: deadline of {self.deadline.seconds:g}s exceeded after {attempt} attempts "
                    f"(last error: {last}; next retry was due in {delay:g}s)"
                )
            self.retries += 1
            self._sleep(delay)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After (capped) when the server sent one, else exponential backoff (capped)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.settings.max_retry_after_s)
        return float(min(self.settings.backoff_base_s * 2 ** (attempt - 1), self.settings.backoff_max_s))


def discovery_path(r: Resource) -> str:
    """Where the API server lists the resources of `r`'s group/version (API discovery)."""
    return f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"


def describe(r: Resource, namespace: str | None) -> str:
    """`list pods.(kubevirt.io=virt-launcher) in namespace prod`-style name of one list call."""
    selector = f" (labelSelector {r.label_selector})" if r.label_selector else ""
    where = f"in namespace {namespace}" if namespace else "in all namespaces"
    return f"list {r.name}{selector} {where}"


def _api_error(e: Any) -> str:
    """`403 Forbidden: <the server's Status message>`."""
    status = int(e.status or 0)
    if status == 0:
        return f"TLS/transport error: {clip(str(e.reason).strip())}"
    message = ""
    try:
        body = json.loads(e.body) if e.body else None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            message = body["message"]
    except ValueError:
        message = str(e.body)
    head = f"{status} {e.reason}"
    return f"{head}: {clip(message)}" if message else head


def clip(text: str) -> str:
    """Server or library text cut to MAX_MESSAGE characters, credentials redacted first: a cut through a token
    would leave a piece that redaction no longer recognises (a proxy echoing the request's headers)."""
    return redact(text)[:MAX_MESSAGE]


def _hint(status: int) -> str:
    if status == 401:
        return " (check the credentials of the kubeconfig context)"
    if status == 403:
        return " (the identity lacks RBAC permission; see deploy/rbac/ for the roles gitnad needs)"
    return ""


def retry_after_of(headers: Any) -> float | None:
    """`Retry-After` as seconds (delta-seconds or HTTP-date), None when absent or unreadable."""
    raw = headers.get("Retry-After") if headers is not None else None
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return (when - datetime.now(UTC)).total_seconds()


def io_error(e: BaseException, server: str) -> str:
    reason = getattr(e, "reason", None) or e
    text = str(reason).strip() or type(reason).__name__
    kind = type(e).__name__
    if "Timeout" in kind or "timed out" in text:
        return f"timeout talking to {server} ({kind}: {clip(text)})"
    return f"cannot reach {server} ({kind}: {clip(text)})"
