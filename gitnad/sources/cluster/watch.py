"""Kubernetes watches for `drift --wait`: VMs, VMIs, migrations and launcher pods kept current.

`LiveFeed` reads every resource type once (`LiveReader.capture`), then for each watched type the server
serves lists it again to get the list's `resourceVersion` and watches from there (one watch per namespace,
or one cluster-wide when no namespaces are given); a type the capture found not installed stays so. Watch
threads only enqueue events; the caller's thread applies them (`wait`) and converts the cache to
`ClusterFacts` (`facts`), so there is no shared mutable state.

Failures, under the reader's retry policy: a `410 Gone` (history compacted) re-lists that type and resumes
from the new version; a stream cut after it delivered events resumes at once from the last version seen; a
watch that cannot be (re)opened — 429 (honouring `Retry-After`), 5xx, timeouts, dropped or garbled
connections, or 410 again right after a fresh list — is retried with backoff, and after `max_retries` such
failures in a row the type's watch is broken for good: its facts become unreadable (`Unknown`, never stale
facts shown as current) and `broken()` says so, so the wait ends instead of running into its timeout. Any other
refusal (403, 404) breaks it at once. `close()` cuts the open streams and waits for the threads: a thread
still inside a TLS read when the interpreter exits aborts the process (SIGABRT, exit 134).
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError, redact
from gitnad.models.cluster import ClusterFacts, FactSource, UnreadableCause
from gitnad.sources import jsonio
from gitnad.sources.cluster import assemble, kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource, ResourceRead
from gitnad.sources.cluster.live import (
    RETRYABLE_STATUSES,
    ApiFailure,
    Deadline,
    LiveReader,
    describe,
    io_error,
    retry_after_of,
)

WATCHED: tuple[Resource, ...] = (kinds.VMS, kinds.VMIS, kinds.MIGRATIONS, kinds.PODS)
WATCH_TIMEOUT_S = 60
"""Server-side timeout of one watch request; the loop then re-watches from the last version."""
RECONNECT_PAUSE_S = 1.0
"""Pause before resuming a stream that was cut after it delivered events (a load balancer's idle timeout)."""
CLOSE_WAIT_S = 5.0
"""How long `close()` waits for the watch threads once their streams are cut (they end within milliseconds)."""
DEBOUNCE_S = 0.1
"""Events arriving within this window of each other are applied together (one re-evaluation)."""
GONE = 410


class StreamGarbled(Exception):
    """A watch stream line that is not a JSON event (a connection cut mid-event): resume like a dropped one."""


@dataclass(frozen=True)
class _Failure:
    """Why one watch request ended early: `gone` (410: re-list), `fatal` (refused for good), else transient."""

    message: str
    gone: bool = False
    fatal: bool = False
    retry_after: float | None = None


@dataclass
class _Cursor:
    """Where one watch thread stands: the version to resume from, and what the current request delivered."""

    version: str
    lines: int = 0


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
        self._open: dict[str, Any] = {}
        """The stream each watch thread is reading (by thread name), so `close()` can cut it."""
        self._open_lock = threading.Lock()
        self._watched = tuple(r for r in WATCHED if self._base.read(r).state is ReadState.READ)
        self._unfollowable = self._contradicted_absent()
        for r in self._watched:
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
        for r in self._watched:
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

    def broken(self) -> str | None:
        """Why the facts can no longer follow the cluster (a watch broke for good, or a type that is unknown cannot
        be watched at all), or None."""
        reasons = [f"{name}: {why}" for name, why in sorted(self.failed.items())] + self._unfollowable
        return "; ".join(reasons) if reasons else None

    def _contradicted_absent(self) -> list[str]:
        """Unknown facts no event can change: APIs the server does not serve although the cluster shows they exist
        (see consistency.absent_apis) — a watched type then has no watch, and NADs are read once, never watched."""
        fixed = {r.type for r in WATCHED if r not in self._watched} | {kinds.NADS.type}
        try:
            facts = assemble.to_facts(self._base, FactSource.LIVE)
        except assemble.ItemError:
            return []  # facts() raises it where the caller sees it
        contradicted = UnreadableCause.CONTRADICTED
        return [f"{u.text} (not watched)" for u in facts.unreadable if u.resource in fixed and u.cause is contradicted]

    def close(self) -> None:
        """Stop watching: cut every open stream (a blocked read returns at once) and wait for the threads, so
        none is inside a TLS read when the interpreter shuts down."""
        self._stop.set()
        with self._open_lock:
            streams = list(self._open.values())
        for resp in streams:
            _cut(resp)
        end = time.monotonic() + CLOSE_WAIT_S
        for t in self._threads:
            if t.is_alive() and t is not threading.current_thread():
                t.join(max(0.0, end - time.monotonic()))

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
        cursor = _Cursor(version)
        failures = 0
        """Attempts in a row that failed before delivering anything (refused, dropped at once, or 410 Gone
        although the version came from a fresh list)."""
        while not self._stop.is_set():
            failure = self._attempt(r, namespace, cursor)
            if failure is None:
                failures = 0  # the server ended the watch (its timeout): watch on from the last version
                continue
            if failure.fatal:
                self._fail(r, namespace, failure.message)
                return
            failures = 0 if cursor.lines else failures + 1
            if failures > self.reader.settings.max_retries:
                what = describe(r, namespace).replace("list ", "watch ", 1)
                self._fail(r, namespace, f"{what}: gave up after {failures} attempts (last error: {failure.message})")
                return
            if self._stop.wait(self._pause(failure, failures)):
                return
            if failure.gone:
                try:
                    cursor.version = self._relist(r, namespace)
                except ClusterError as e:
                    self._fail(r, namespace, e.message)
                    return

    def _pause(self, failure: _Failure, failures: int) -> float:
        """Backoff after failures in a row; after a stream that delivered events: re-list at once on 410, else
        a short pause (a load balancer's idle cut)."""
        if failures:
            return self.reader.backoff(failures, failure.retry_after)
        return 0.0 if failure.gone else RECONNECT_PAUSE_S

    def _attempt(self, r: Resource, namespace: str | None, cursor: _Cursor) -> _Failure | None:
        """One watch request; None when the server ended it normally (its timeout), else what went wrong."""
        from urllib3.exceptions import HTTPError

        cursor.lines = 0
        started = time.monotonic()
        try:
            self._watch_once(r, namespace, cursor)
        except ApiFailure as e:
            if e.status == GONE:
                return _Failure(e.message, gone=True)
            if e.status in RETRYABLE_STATUSES:
                return _Failure(e.message, retry_after=e.retry_after)
            return _Failure(e.message, fatal=True)  # 403, 404, ...: refused for good
        except ClusterError as e:
            return _Failure(e.message, fatal=True)
        except StreamGarbled as e:
            return _Failure(str(e))
        except (HTTPError, OSError, http.client.HTTPException) as e:
            # Dropped, timed out or cut: transport trouble. Only transport errors: a bug in gitnad surfaces (see
            # _watch_loop).
            return _Failure(io_error(e, self.reader.server))
        if not cursor.lines and time.monotonic() - started < WATCH_TIMEOUT_S / 2:
            # A server ends a quiet watch at its timeout, not at once: an empty answer is something in the way.
            return _Failure(f"{describe(r, namespace).replace('list ', 'watch ', 1)}: ended at once, without an event")
        return None

    def _watch_once(self, r: Resource, namespace: str | None, cursor: _Cursor) -> None:
        """One watch request from `cursor.version` until the server ends it; advances the cursor per event.

        A non-2xx answer or an ERROR event (e.g. 410 Gone: the version left the server's window) raises
        ApiFailure with the status.
        """
        from kubernetes.client.exceptions import ApiException

        fn, args = self._list_fn(r, namespace)
        kw: dict[str, Any] = {
            "watch": True,
            "resource_version": cursor.version,
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
        except ApiException as e:  # the client raises for a non-2xx answer (410 Gone, 403, 429, ...)
            status = int(e.status or 0)
            raise ApiFailure(f"{what}: {status} {e.reason}", status, retry_after_of(e.headers)) from e
        if not self._register(resp):
            return
        try:
            status = int(getattr(resp, "status", 200) or 200)
            if not 200 <= status <= 299:
                raise ApiFailure(f"{what}: HTTP {status}", status)
            for line in _lines(resp, what):
                if self._stop.is_set():
                    break
                if line:
                    cursor.version = self._on_line(r, namespace, what, line, cursor.version)
                    cursor.lines += 1
        finally:
            self._unregister()
            resp.close()
            resp.release_conn()

    def _register(self, resp: Any) -> bool:
        """Remember the stream this thread reads, for `close()`; False (stream closed) when closing already."""
        with self._open_lock:
            if self._stop.is_set():
                resp.close()
                resp.release_conn()
                return False
            self._open[threading.current_thread().name] = resp
            return True

    def _unregister(self) -> None:
        with self._open_lock:
            self._open.pop(threading.current_thread().name, None)

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
        self._events.put(_Event(r, namespace, "FAILED", error=redact(message)))


def _lines(resp: Any, what: str) -> Iterator[str]:
    """The lines of a watch stream as they arrive. A stream that ends in the middle of a line was cut mid-event
    (or is no watch stream at all): StreamGarbled, never silently dropped as kubernetes' iter_resp_lines does."""
    buffer = bytearray()
    for piece in resp.stream(amt=None, decode_content=False):
        buffer.extend(piece if isinstance(piece, bytes) else str(piece).encode())
        while (end := buffer.find(b"\n")) != -1:
            yield buffer[:end].decode("utf-8", errors="replace")
            del buffer[: end + 1]
    if buffer.strip():
        raise StreamGarbled(f"{what}: the stream ended in the middle of an event ({len(buffer)} bytes)")


def _cut(resp: Any) -> None:
    """Shut the stream's socket for reading, so a thread blocked reading it sees the end at once (urllib3 >= 2.3;
    with older versions the thread ends at its next event or at the server's watch timeout)."""
    with contextlib.suppress(AttributeError, ValueError, RuntimeError, OSError):
        resp.shutdown()
