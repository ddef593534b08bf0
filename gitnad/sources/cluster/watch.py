"""Kubernetes watches for `drift --wait`: VMs, VMIs, migrations and launcher pods kept current.

`LiveFeed` reads every resource type once (`LiveReader.capture`), then for each watched type lists it
again to get the list's `resourceVersion` and watches from there (one watch per namespace, or one
cluster-wide when no namespaces are given). Watch threads only enqueue events; the caller's thread
applies them (`wait`) and converts the cache to `ClusterFacts` (`facts`), so there is no shared mutable
state. A `410 Gone` (history compacted) re-lists that type and resumes from the new version; a dropped
connection resumes from the last seen version after a short pause.
"""

from __future__ import annotations

import http.client
import queue
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError
from gitnad.models.cluster import ClusterFacts, FactSource
from gitnad.sources import jsonio
from gitnad.sources.cluster import assemble, kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource, ResourceRead
from gitnad.sources.cluster.live import ApiFailure, Deadline, LiveReader, describe

WATCHED: tuple[Resource, ...] = (kinds.VMS, kinds.VMIS, kinds.MIGRATIONS, kinds.PODS)
WATCH_TIMEOUT_S = 60
"""Server-side timeout of one watch request; the loop then re-watches from the last version."""
RECONNECT_PAUSE_S = 1.0
DEBOUNCE_S = 0.1
"""Events arriving within this window of each other are applied together (one re-evaluation)."""
GONE = 410


class StreamGarbled(Exception):
    """A watch stream line that is not a JSON event (a connection cut mid-event): resume like a dropped one."""


@dataclass(frozen=True)
class _Event:
    resource: Resource
    namespace: str | None
    type: str
    obj: Mapping[str, Any] | None = None
    items: tuple[Mapping[str, Any], ...] = ()
    """For RELIST: the complete new list of that (resource, namespace)."""
    error: str | None = None
    crash: Exception | None = None
    """For CRASHED: what ended a watch thread unexpectedly; raised again in the caller's thread."""


def _key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _namespace_of(obj: Mapping[str, Any]) -> str | None:
    ns = (obj.get("metadata") or {}).get("namespace")
    return ns if isinstance(ns, str) else None


class LiveFeed:
    """Live cluster facts kept current by watches; implements `gitnad.drift.wait.Feed`."""

    def __init__(self, settings: ClusterSettings, namespaces: Sequence[str] | None, reader: LiveReader | None = None):
        self.reader = reader if reader is not None else LiveReader(settings)
        self._base = self.reader.capture(namespaces)
        self._scopes: tuple[str | None, ...] = self._base.namespaces or (None,)
        self._cache: dict[str, dict[str, Mapping[str, Any]]] = {r.name: {} for r in WATCHED}
        self._events: queue.Queue[_Event] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.watch_requests = 0
        self.events = 0
        self.relists = 0
        self.failed: dict[str, str] = {}
        """Watched types whose watch broke for good (e.g. 403): their facts become unreadable."""
        for r in WATCHED:
            for ns in self._scopes:
                items, version = self._list(r, ns)
                self._replace(r, ns, items)
                t = threading.Thread(target=self._watch_loop, args=(r, ns, version), daemon=True)
                t.name = f"gitnad-watch-{r.plural}-{ns or 'all'}"
                self._threads.append(t)
        for t in self._threads:
            t.start()

    # --- Feed --------------------------------------------------------------------------------------

    def facts(self) -> ClusterFacts:
        reads = dict(self._base.reads)
        for r in WATCHED:
            items = tuple(sorted(self._cache[r.name].values(), key=_key))
            if r.name in self.failed:
                reads[r.name] = ResourceRead(r, ReadState.UNREADABLE, reason=f"watch broke: {self.failed[r.name]}")
            else:
                reads[r.name] = ResourceRead(r, ReadState.READ, items=items)
        capture = Capture(
            origin=self._base.origin,
            captured_at=datetime.now(UTC),
            namespaces=self._base.namespaces,
            reads=reads,
            warnings=self._base.warnings,
        )
        try:
            return assemble.to_facts(capture, FactSource.LIVE)
        except assemble.ItemError as e:
            raise ClusterError(f"watch {e.resource.name}: {e.message}") from e

    def wait(self, timeout_s: float) -> bool:
        """Apply the next batch of events; False when none came within `timeout_s`."""
        try:
            self._apply(self._events.get(timeout=max(timeout_s, 0.0)))
        except queue.Empty:
            return False
        while True:
            try:
                self._apply(self._events.get(timeout=DEBOUNCE_S))
            except queue.Empty:
                return True

    def close(self) -> None:
        """Stop watching (threads end at their next event or server timeout; they are daemons)."""
        self._stop.set()

    def __enter__(self) -> LiveFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- cache (caller's thread only) --------------------------------------------------------------

    def _apply(self, ev: _Event) -> None:
        self.events += 1
        cache = self._cache[ev.resource.name]
        if ev.type == "RELIST":
            self.relists += 1
            self._replace(ev.resource, ev.namespace, ev.items)
        elif ev.type == "DELETED" and ev.obj is not None:
            cache.pop(_key(ev.obj), None)
        elif ev.type in ("ADDED", "MODIFIED") and ev.obj is not None:
            if self._base.namespaces is None or _namespace_of(ev.obj) in self._base.namespaces:
                cache[_key(ev.obj)] = ev.obj
        elif ev.type == "FAILED" and ev.error:
            self.failed[ev.resource.name] = ev.error
        elif ev.type == "CRASHED" and ev.crash is not None:
            self.close()
            raise ev.crash

    def _replace(self, r: Resource, namespace: str | None, items: Sequence[Mapping[str, Any]]) -> None:
        cache = self._cache[r.name]
        for k in [k for k, v in cache.items() if namespace is None or _namespace_of(v) == namespace]:
            del cache[k]
        for item in items:
            cache[_key(item)] = item

    # --- API (watch threads) -----------------------------------------------------------------------

    def _list(self, r: Resource, namespace: str | None) -> tuple[list[Mapping[str, Any]], str]:
        """All items and the list's resourceVersion (the point to watch from)."""
        items: list[Mapping[str, Any]] = []
        token: str | None = None
        while True:
            body = self.reader.call(
                describe(r, namespace),
                lambda timeout, t=token: self._page(r, namespace, t, timeout),  # type: ignore[misc]
            )
            for item in body.get("items") or ():
                item.setdefault("apiVersion", r.api_version)
                item.setdefault("kind", r.kind)
                items.append(item)
            meta = body.get("metadata") or {}
            token = meta.get("continue") or None
            if token is None:
                return items, str(meta.get("resourceVersion") or "")

    def _page(self, r: Resource, namespace: str | None, token: str | None, timeout: float) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "limit": self.reader.settings.page_size,
            "_continue": token,
            "_preload_content": False,
            "_request_timeout": (timeout, timeout),
        }
        resp = self._call(r, namespace, kw)
        try:
            body = jsonio.loads(resp.data, max_depth=None)
        except ValueError as e:
            raise ApiFailure(f"{describe(r, namespace)}: the server's answer is not JSON ({e})", 200) from e
        finally:
            resp.release_conn()
        if not isinstance(body, dict):
            raise ApiFailure(f"{describe(r, namespace)}: the server answered with a non-object body", 200)
        return body

    def _call(self, r: Resource, namespace: str | None, kw: dict[str, Any]) -> Any:
        from kubernetes import client

        if r.label_selector:
            kw["label_selector"] = r.label_selector
        if r is kinds.PODS:
            core = client.CoreV1Api(self.reader.api)
            return core.list_namespaced_pod(namespace, **kw) if namespace else core.list_pod_for_all_namespaces(**kw)
        co = client.CustomObjectsApi(self.reader.api)
        if namespace:
            return co.list_namespaced_custom_object(r.group, r.version, namespace, r.plural, **kw)
        return co.list_cluster_custom_object(r.group, r.version, r.plural, **kw)

    def _list_fn(self, r: Resource, namespace: str | None) -> tuple[Any, tuple[Any, ...]]:
        from kubernetes import client

        if r is kinds.PODS:
            core = client.CoreV1Api(self.reader.api)
            if namespace:
                return core.list_namespaced_pod, (namespace,)
            return core.list_pod_for_all_namespaces, ()
        co = client.CustomObjectsApi(self.reader.api)
        if namespace:
            return co.list_namespaced_custom_object, (r.group, r.version, namespace, r.plural)
        return co.list_cluster_custom_object, (r.group, r.version, r.plural)

    def _watch_loop(self, r: Resource, namespace: str | None, version: str) -> None:
        """The thread's body. Anything it does not handle (a bug) is handed to the caller's thread, which raises
        it: a watch must never die quietly and turn a crash into a timeout."""
        try:
            self._watch_until_stopped(r, namespace, version)
        except Exception as e:  # not swallowed: handed over, and `_apply` raises it in the caller's thread
            self._events.put(_Event(r, namespace, "CRASHED", crash=e))

    def _watch_until_stopped(self, r: Resource, namespace: str | None, version: str) -> None:
        from urllib3.exceptions import HTTPError

        while not self._stop.is_set():
            try:
                version = self._watch_once(r, namespace, version)
            except ApiFailure as e:
                if e.status != GONE:
                    self._fail(r, namespace, e.message)
                    return
                try:
                    version = self._relist(r, namespace)
                except ClusterError as ce:
                    self._fail(r, namespace, ce.message)
                    return
            except ClusterError as e:
                self._fail(r, namespace, e.message)
                return
            except (HTTPError, OSError, http.client.HTTPException, StreamGarbled):
                # The connection dropped, a read timed out or the stream was cut mid-line: resume from the
                # last version seen. Only transport errors: a bug in gitnad surfaces (see _watch_loop).
                if self._stop.wait(RECONNECT_PAUSE_S):
                    return

    def _watch_once(self, r: Resource, namespace: str | None, version: str) -> str:
        """One watch request from `version` until the server ends it; returns the last version seen.

        A non-2xx answer or an ERROR event (e.g. 410 Gone: the version left the server's window) raises
        ApiFailure with the status.
        """
        from kubernetes.client.exceptions import ApiException
        from kubernetes.watch.watch import iter_resp_lines

        fn, args = self._list_fn(r, namespace)
        kw: dict[str, Any] = {
            "watch": True,
            "resource_version": version,
            "timeout_seconds": WATCH_TIMEOUT_S,
            "allow_watch_bookmarks": True,
            "_preload_content": False,
            "_request_timeout": (self.reader.settings.request_timeout_s, WATCH_TIMEOUT_S + 15),
        }
        if r.label_selector:
            kw["label_selector"] = r.label_selector
        what = describe(r, namespace).replace("list ", "watch ", 1)
        self.watch_requests += 1
        try:
            resp = fn(*args, **kw)
        except ApiException as e:  # the client raises for a non-2xx answer (410 Gone, 403, ...)
            raise ApiFailure(f"{what}: {e.status} {e.reason}", int(e.status or 0)) from e
        try:
            status = int(getattr(resp, "status", 200) or 200)
            if not 200 <= status <= 299:
                raise ApiFailure(f"{what}: HTTP {status}", status)
            lines: Any = iter_resp_lines  # untyped library function
            for line in lines(resp):
                if self._stop.is_set():
                    break
                if line:
                    version = self._on_line(r, namespace, what, line, version)
        finally:
            resp.close()
            resp.release_conn()
        return version

    def _on_line(self, r: Resource, namespace: str | None, what: str, line: str, version: str) -> str:
        try:
            ev = jsonio.loads(line, max_depth=None)
        except ValueError as e:
            raise StreamGarbled(f"{what}: an event is not JSON ({e})") from e
        if not isinstance(ev, dict):
            return version
        if ev.get("type") == "ERROR":
            raw = ev.get("object")
            obj: dict[str, Any] = raw if isinstance(raw, dict) else {}
            code: int = obj["code"] if isinstance(obj.get("code"), int) else 0
            raise ApiFailure(f"{what}: {code} {obj.get('reason', '')}: {obj.get('message', '')}", code)
        return self._on_event(r, namespace, ev, version)

    def _on_event(self, r: Resource, namespace: str | None, ev: Mapping[str, Any], version: str) -> str:
        obj = ev.get("object")
        if not isinstance(obj, dict):
            return version
        new_version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
        if ev.get("type") in ("ADDED", "MODIFIED", "DELETED"):
            obj.setdefault("apiVersion", r.api_version)
            obj.setdefault("kind", r.kind)
            self._events.put(_Event(r, namespace, str(ev["type"]), obj=obj))
        return new_version

    def _relist(self, r: Resource, namespace: str | None) -> str:
        self.reader.deadline = Deadline(self.reader.settings.deadline_s)
        items, version = self._list(r, namespace)
        self._events.put(_Event(r, namespace, "RELIST", items=tuple(items)))
        return version

    def _fail(self, r: Resource, namespace: str | None, message: str) -> None:
        self._events.put(_Event(r, namespace, "FAILED", error=message))
