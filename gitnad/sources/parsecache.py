"""The parse cache's storage: a content-addressed store of byte payloads in one SQLite file (the only module
that uses `sqlite3`), kept under the git directory so a second `scan`/`check` of unchanged files parses nothing.

What is stored and under which key is the scanner's business (`scanner.cache_key`: git blob id, parser version,
settings, path). This module keeps keys -> payloads and never trusts what it reads back:
- every entry carries the SHA-256 of its payload; an entry whose digest does not match is a miss (the caller
  parses the file again and replaces the entry), and so is one the caller cannot decode;
- a file SQLite cannot read (truncated, overwritten, another format) is moved aside to `<name>.corrupt` and a
  new database started; a database of another layout version is emptied;
- concurrent runs share the file through SQLite's locking: a writer waits up to `BUSY_SECONDS`, then gives up
  writing (the run's result never depends on the cache);
- a cache that cannot be opened or written at all (read-only `.git`, disk full, no permission) only costs speed.
The file holds at most `MAX_ENTRIES` entries: past that the oldest writes are dropped.

The cache is as trusted as the git directory that holds it (whoever can write there can also change hooks and
refs): a CI job should restore it only from caches its own branch or the default branch wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import sqlite3

FILE_NAME = "parse-cache.sqlite3"
LAYOUT = 1
"""Version of the table layout (`PRAGMA user_version`): another version is emptied, never read."""
BUSY_SECONDS = 5.0
MAX_ENTRIES = 200_000
"""About 300 MB of parsed VM files: twenty full scans of a 10,000-file repository."""
BATCH = 500
"""Keys per SELECT (SQLite limits the parameters of one statement)."""
DAMAGED = frozenset({11, 26})
"""SQLITE_CORRUPT and SQLITE_NOTADB: the file is not (or no longer) a database, as opposed to a lock or a
read-only file."""
T = TypeVar("T")


def digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


class PayloadStore(Protocol):
    """What the scanner keeps parsed files in: `ParseCache` (on disk), `RunMemory` (this run, in front of it)."""

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]: ...

    def put_many(self, entries: Mapping[bytes, bytes]) -> None: ...

    def close(self) -> None: ...


class RunMemory:
    """The payloads this run has parsed or read, in memory, in front of the on-disk cache (or alone, when it is
    off or cannot be used). A check reads the files the change did not touch at both refs: the second time, the
    same blob at the same path is decoded from here, not parsed again (with `--no-cache`: 100 of the 240 parses of
    a 20-file change in the bench's 10k repository)."""

    def __init__(self, below: ParseCache | None) -> None:
        self._below = below
        self._held: dict[bytes, bytes] = {}

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        found = {k: self._held[k] for k in keys if k in self._held}
        rest = [k for k in keys if k not in found]
        if rest and self._below is not None:
            read = self._below.get_many(rest)
            self._held.update(read)
            found.update(read)
        return found

    def put_many(self, entries: Mapping[bytes, bytes]) -> None:
        self._held.update(entries)
        if self._below is not None:
            self._below.put_many(entries)

    def close(self) -> None:
        if self._below is not None:
            self._below.close()


class ParseCache:
    """Keys (32 bytes) -> payloads, in `<directory>/parse-cache.sqlite3`; opened on first use."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._db: sqlite3.Connection | None = None
        self._broken = False
        """Set when the database cannot be used in this run: every lookup misses, nothing is written."""

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The payloads stored under `keys` whose digest matches (a missing or damaged entry is left out)."""

        def select(db: sqlite3.Connection) -> dict[bytes, bytes]:
            found: dict[bytes, bytes] = {}
            unique = sorted(set(keys))
            for i in range(0, len(unique), BATCH):
                part = unique[i : i + BATCH]
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT key, digest, payload FROM entries WHERE key IN ({marks})", part)
                for key, stored, payload in rows:
                    if isinstance(payload, bytes) and stored == digest(payload):
                        found[key] = payload
            return found

        return (self._use(select) or {}) if keys else {}

    def put_many(self, entries: Mapping[bytes, bytes]) -> None:
        """Store (or replace) entries in one transaction; the oldest beyond `MAX_ENTRIES` are dropped."""

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO entries (key, digest, payload) VALUES (?, ?, ?)",
                    [(k, digest(v), v) for k, v in sorted(entries.items())],
                )
                db.execute("DELETE FROM entries WHERE rowid <= (SELECT MAX(rowid) FROM entries) - ?", (MAX_ENTRIES,))

        if entries:
            self._use(insert)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """`work` on the open database; None when it cannot be used. A SQLite error marks the cache unusable
        for the rest of the run, and a file that is not a readable database is set aside."""
        import sqlite3

        if self._broken:
            return None
        try:
            if self._db is None:
                self._db = self._open()
            return work(self._db)
        except sqlite3.Error as e:
            self._give_up(damaged=getattr(e, "sqlite_errorcode", None) in DAMAGED)
        except OSError:
            self._give_up(damaged=False)
        return None

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level="DEFERRED")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != LAYOUT:
                with db:
                    db.execute("DROP TABLE IF EXISTS entries")
                    db.execute(f"PRAGMA user_version = {LAYOUT}")
            with db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS entries "
                    "(key BLOB NOT NULL UNIQUE, digest BLOB NOT NULL, payload BLOB NOT NULL)"
                )
        except BaseException:
            db.close()
            raise
        return db

    def _give_up(self, *, damaged: bool) -> None:
        self.close()
        self._broken = True
        if damaged:
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(FILE_NAME + ".corrupt"))
