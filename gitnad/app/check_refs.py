"""Which two trees `check` compares: the flags, pre-commit's environment, the default branch, or HEAD and the index.

A check of head against itself reads nothing and passes, and that is exactly what a CI checkout produces by
default (one commit deep, or a run on the default branch). So a base that is the head commit, a head with no
merge-base with the default branch, and a base commit a shallow clone does not hold are `BaseRefError`s
(exit 2) that say what to fetch or pass, never a clean result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gitnad.errors import BaseRefError, RefError, UsageError
from gitnad.sources.gitrefs import DEFAULT_BRANCHES, INDEX, GitRepo

FROM_ENV = "PRE_COMMIT_FROM_REF"
TO_ENV = "PRE_COMMIT_TO_REF"
"""Set by pre-commit for `pre-push` (and `pre-commit run --from-ref/--to-ref`); FROM is the all-zero sha when
the ref did not exist before (a first checkout, a script handing over a new branch's null remote sha)."""
PUSHED_ENV = "PRE_COMMIT_LOCAL_BRANCH"
REMOTE_ENV = "PRE_COMMIT_REMOTE_NAME"
"""Set by pre-commit at `pre-push`. With no FROM/TO beside them, the push holds a root commit (a new repository's
first push, an orphan branch): pre-commit then runs in all-files mode, and the change is the whole pushed history."""
SHALLOW = "This is a shallow clone (git rev-parse --is-shallow-repository: true), as CI checkouts are by default."
DEEPEN = (
    "fetch the history (actions/checkout with `fetch-depth: 0`; or `git fetch --deepen=N` for N more commits, "
    "`git fetch --unshallow` for all of them)"
)


@dataclass(frozen=True)
class CheckRefs:
    """The commit the change starts from (the empty tree before a first commit) and the head commit or INDEX."""

    base: str
    head: str


def is_null_sha(ref: str) -> bool:
    """git's "no commit" placeholder: all zeros, 40 hex digits (SHA-1) or 64 (SHA-256)."""
    return len(ref) in (40, 64) and set(ref) == {"0"}


def resolve_refs(
    repo: GitRepo, base: str | None, head: str | None, staged: bool, environ: Mapping[str, str]
) -> CheckRefs:
    """`--base`/`--head`, else pre-commit's FROM/TO (a pre-push of a root commit: the empty tree to the pushed
    ref), else the merge-base of head with the default branch; `--staged` (without pre-push refs) compares HEAD, or
    `--base`, with the index."""
    env_from, env_to = environ.get(FROM_ENV) or None, environ.get(TO_ENV) or None
    pushed = environ.get(PUSHED_ENV) if environ.get(REMOTE_ENV) and not (env_from or env_to) else None
    if pushed and base is None and head is None:  # a pushed root commit: everything it holds is new
        return CheckRefs(base=repo.empty_tree(), head=repo.resolve(pushed))
    if staged and not (env_from and env_to):
        return CheckRefs(base=_staged_base(repo, base), head=INDEX)
    head_name, head_flag = (head, "--head") if head else (env_to, TO_ENV) if env_to else ("HEAD", "")
    if is_null_sha(head_name):
        raise UsageError(f"{head_flag} is the all-zero sha (a deleted branch): there is no commit to check")
    head_sha = repo.resolve(head_name)
    if base is not None:
        base_sha, same = _resolve_base(repo, base), f"--base {base} and {head_flag or 'HEAD'} name the same commit"
    elif env_from is not None and not is_null_sha(env_from):
        base_sha, same = _resolve_base(repo, env_from), f"{FROM_ENV} and {head_flag or 'HEAD'} name the same commit"
    else:  # no base, or pre-commit's null sha for a ref that did not exist: what the branch adds to the default
        base_sha, same = _merge_base(repo, head_name, head_sha)
    if base_sha == head_sha:
        raise BaseRefError(
            f"base and head are the same commit ({head_sha[:12]}): {same}. A check of a commit against itself "
            f"reads nothing and would pass. {_what_to_do(repo)}"
        )
    return CheckRefs(base=base_sha, head=head_sha)


def _staged_base(repo: GitRepo, base: str | None) -> str:
    """HEAD (or `--base`); before the first commit, the empty tree: everything staged is new."""
    if base is None and not repo.has_commits():
        return repo.empty_tree()
    return repo.resolve(base or "HEAD")


def _resolve_base(repo: GitRepo, ref: str) -> str:
    try:
        return repo.resolve(ref)
    except RefError as e:
        if not repo.is_shallow():
            raise
        raise BaseRefError(
            f"{e.message}. {SHALLOW} The base commit is probably older than the history it holds: {DEEPEN}, or "
            "pass --base REF with a commit that is here."
        ) from e


def _merge_base(repo: GitRepo, head_name: str, head_sha: str) -> tuple[str, str]:
    """(merge-base of head with the default branch, why it could equal head)."""
    branch = repo.default_branch()
    if branch is None:
        names = ", ".join(_short(b) for b in DEFAULT_BRANCHES)
        raise BaseRefError(
            f"no --base given and no default branch to take a merge-base with (none of {names} exists here). "
            f"{_what_to_do(repo)}"
        )
    ref, tip = branch
    found = repo.merge_base(head_sha, tip)
    if found is None:
        why = (
            f"{SHALLOW} Their common history is probably just not fetched: {DEEPEN}, or pass --base REF."
            if repo.is_shallow()
            else "Their histories are unrelated: pass --base REF to say what the change is compared with."
        )
        raise BaseRefError(
            f"{head_name} ({head_sha[:12]}) and the default branch {_short(ref)} ({tip[:12]}) have no common "
            f"ancestor in this repository, so there is no merge-base to check the change against. {why}"
        )
    same = (
        f"no --base given, and the merge-base of {head_name} with the default branch {_short(ref)} is "
        f"{head_name} itself (a run on the default branch, or a branch with no commit of its own)"
    )
    return found, same


def _short(ref: str) -> str:
    return ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def _what_to_do(repo: GitRepo) -> str:
    if repo.is_shallow():
        return f"{SHALLOW} To check a pull request, {DEEPEN} and pass --base REF (e.g. --base origin/main)."
    return (
        "Pass --base REF with the commit or branch the change is compared with (e.g. --base origin/main for a "
        "pull request, --base HEAD~1 for the last commit), or use --staged to check what is staged."
    )
