"""Which configuration and policies `check` applies, and what the change does to them (GN903).

The reviewed state decides. `.gitnad.yaml` and the policy files (the `policies:` paths of the configuration,
else `.gitnad/policies/`) come from the base ref, read from git objects, so a change cannot lower the
severity of its own findings, exclude its own files or delete the policy it breaks; `--staged` takes HEAD as
its base. `--config-from head` applies the change's own instead. `--config FILE` and `--policy PATH` named on
the command line are read from disk (the workflow author chose them); the policy paths a `--config FILE`
lists are repository paths, read from the ref like the default ones.

Every file of these that the change adds, modifies or deletes is a GN903 record; when the configuration the
change leaves behind does not load, the record carries why (every check after the merge would stop).
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gitnad.app.check_refs import CheckRefs
from gitnad.app.policy_files import DISK, MAX_POLICY_BYTES, PolicyFile, is_policy_path, load_file, load_policies
from gitnad.app.settings import known_rule, load_config_file
from gitnad.config import CONFIG_FILE_NAME, DEFAULT_POLICY_DIR, ConfigFrom, RepoConfig
from gitnad.errors import ConfigError
from gitnad.models.configfiles import ConfigFileChange, ConfigRole, ConfigStatus
from gitnad.policy.loader import Collector
from gitnad.policy.model import PolicySet
from gitnad.sources.gitrefs import INDEX, FileDelta, GitRepo
from gitnad.sources.ownfiles import Kind, OwnFiles, RefFiles
from gitnad.sources.trees import FileProblem

T = TypeVar("T")


@dataclass(frozen=True)
class ConfigRequest:
    config_file: Path | None
    """`--config FILE`: read from disk."""
    policies: tuple[Path, ...]
    """`--policy PATH...`: read from disk."""
    config_from: ConfigFrom = ConfigFrom.BASE


@dataclass(frozen=True)
class Applied:
    """What this check applies, where it came from, and the GN903 records of the change."""

    config: RepoConfig
    policies: PolicySet
    changes: tuple[ConfigFileChange, ...]


def ref_files(repo: GitRepo, rev: str, side: str) -> RefFiles:
    return RefFiles(repo, rev, "in the index" if rev == INDEX else f"at {side} {rev}")


def _label(refs: CheckRefs, mode: ConfigFrom) -> str:
    """The version a check applied, for GN903 messages: `base <sha>`, `head <sha>` or `the index`."""
    rev = refs.head if mode is ConfigFrom.HEAD else refs.base
    return "the index" if rev == INDEX else f"{mode.value} {rev}"


def policy_roots(config: RepoConfig, files: OwnFiles | None = None) -> list[str]:
    """The configured policy paths, else the default directory (when `files` is given: only if it is one)."""
    if config.policies:
        return [posixpath.normpath(p) for p in config.policies]
    if files is None or files.kind(DEFAULT_POLICY_DIR) is Kind.DIRECTORY:
        return [DEFAULT_POLICY_DIR]
    return []


def _reviewed(files: RefFiles, error: ConfigError, mode: ConfigFrom) -> ConfigError:
    """The error of a file read at a ref, saying which ref and how a fix gets through."""
    if mode is ConfigFrom.HEAD:
        return ConfigError(error.headline, (*error.details, f"(read {files.where}, as --config-from head asks)"))
    return ConfigError(
        error.headline,
        (
            *error.details,
            f"(read {files.where}: check applies the configuration of the reviewed state, so a change cannot "
            "repair the one that judges it; check the repairing change with --config-from head)",
        ),
    )


def load_at(files: RefFiles, req: ConfigRequest, explain: bool = True) -> tuple[RepoConfig, PolicySet]:
    """The configuration and policies as they are at one ref (the command line's files from disk). With
    `explain`, a ConfigError about a file of the ref also says which ref and how a fix gets through."""

    def at_ref(load: Callable[[], T]) -> T:
        try:
            return load()
        except ConfigError as e:
            if not explain:
                raise
            raise _reviewed(files, e, req.config_from) from e

    if req.config_file is not None:
        config = load_config_file(DISK, str(req.config_file), required=True)
    else:
        config = at_ref(lambda: load_config_file(files, CONFIG_FILE_NAME))
    if req.policies:
        return config, load_policies(req.policies, known_rule=known_rule)
    return config, at_ref(lambda: load_policies(policy_roots(config, files), known_rule=known_rule, files=files))


def apply_config(repo: GitRepo, refs: CheckRefs, deltas: Sequence[FileDelta], req: ConfigRequest) -> Applied:
    """Load what the check applies (bad files are exit 2 before any cluster read) and what the change does to it."""
    base, head = ref_files(repo, refs.base, "base"), ref_files(repo, refs.head, "head")
    applied, other = (head, base) if req.config_from is ConfigFrom.HEAD else (base, head)
    config, policies = load_at(applied, req)
    versions = _Versions(base, head, _label(refs, req.config_from), req.config_from is ConfigFrom.HEAD)
    changes = _changes(deltas, req, config, other, versions)
    if changes and req.config_from is ConfigFrom.BASE:
        changes = _with_load_problem(changes, head, req)
    return Applied(config=config, policies=policies, changes=tuple(changes))


# --- GN903 ----------------------------------------------------------------------------------------------


def _watched_roots(req: ConfigRequest, config: RepoConfig, other: RefFiles, config_changed: bool) -> list[str]:
    """Policy paths of both sides: the applied configuration's, and the other side's when the file differs."""
    if req.policies:
        return []
    roots = set(policy_roots(config))
    if config_changed and req.config_file is None:
        with contextlib.suppress(ConfigError):  # an invalid one is reported by _with_load_problem
            roots.update(policy_roots(load_config_file(other, CONFIG_FILE_NAME)))
    return sorted(roots)


def _under(path: str, roots: Sequence[str]) -> bool:
    return is_policy_path(path) and any(path == r or path.startswith(r.rstrip("/") + "/") or r == "." for r in roots)


def _holds_policy(files: OwnFiles, path: str) -> bool:
    """A file of a policy directory that gitnad reads (a policy, or a document that looks meant to be one)."""
    return load_file(PolicyFile(path, explicit=False), Collector(known_rule=known_rule), files)


def _sides(d: FileDelta) -> tuple[str | None, str | None]:
    """(path at base, path at head) of one changed file."""
    at_base = (d.old_path or d.path) if d.status in ("M", "D", "R") else None
    return at_base, (d.path if d.status in ("A", "M", "R") else None)


def _status(at_base: bool, at_head: bool) -> ConfigStatus:
    if at_base and at_head:
        return ConfigStatus.MODIFIED
    return ConfigStatus.ADDED if at_head else ConfigStatus.DELETED


@dataclass(frozen=True)
class _Versions:
    """Both versions of the changed files, and which one this check applied."""

    base: RefFiles
    head: RefFiles
    applied: str
    applied_is_new: bool

    def record(self, file: str, role: ConfigRole, status: ConfigStatus) -> ConfigFileChange:
        line = None
        if status is not ConfigStatus.DELETED:
            old = self.base.read(file, MAX_POLICY_BYTES) if status is ConfigStatus.MODIFIED else b""
            line = first_changed_line(old if isinstance(old, bytes) else b"", self.head.read(file, MAX_POLICY_BYTES))
        return ConfigFileChange(
            file=file, role=role, status=status, line=line, applied=self.applied, applied_is_new=self.applied_is_new
        )


def _changes(
    deltas: Sequence[FileDelta], req: ConfigRequest, config: RepoConfig, other: RefFiles, versions: _Versions
) -> list[ConfigFileChange]:
    """The GN903 records: `.gitnad.yaml` (unless --config) and policy files of either side's policy paths."""
    sides = [_sides(d) for d in deltas]
    config_changed = req.config_file is None and any(CONFIG_FILE_NAME in s for s in sides)
    roots = _watched_roots(req, config, other, config_changed)
    out: list[ConfigFileChange] = []
    for at_base, at_head in sides:
        if config_changed and CONFIG_FILE_NAME in (at_base, at_head):
            status = _status(at_base == CONFIG_FILE_NAME, at_head == CONFIG_FILE_NAME)
            out.append(versions.record(CONFIG_FILE_NAME, ConfigRole.CONFIGURATION, status))
        was = at_base is not None and _under(at_base, roots) and _holds_policy(versions.base, at_base)
        now = at_head is not None and _under(at_head, roots) and _holds_policy(versions.head, at_head)
        if was or now:
            file = at_head if now and at_head is not None else at_base
            assert file is not None
            out.append(versions.record(file, ConfigRole.POLICY, _status(was, now)))
    return sorted(out, key=lambda c: c.file)


def first_changed_line(old: bytes, new: bytes | FileProblem) -> int:
    """1-based line of `new` where it starts to differ from `old` (its last line when only lines were cut)."""
    if not isinstance(new, bytes):
        return 1
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)):
        if a != b:
            return i + 1
    return max(1, min(len(old_lines) + 1, len(new_lines)))


def _with_load_problem(changes: list[ConfigFileChange], head: RefFiles, req: ConfigRequest) -> list[ConfigFileChange]:
    """Load the configuration the change leaves behind; when it fails, the first record (the configuration
    file itself when it changed) says why."""
    try:
        load_at(head, req, explain=False)
    except ConfigError as e:
        first, *others = (e.headline, *e.details)
        problem = f"{first} {'; '.join(others)}".strip()
        target = next((c for c in changes if c.role is ConfigRole.CONFIGURATION), changes[0])
        return [c.model_copy(update={"problem": problem}) if c is target else c for c in changes]
    return changes
