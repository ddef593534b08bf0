"""Hostile policy, exception and configuration files through the real CLI (`policy validate`, `check --policy`,
`scan` with a hostile `.gitnad.yaml`), and every field their schemas type given the wrong type.

A file that cannot be used is exit 2 naming it (and, for a wrong field, the line and JSON pointer); the other
files of the run are still judged. Globs built to backtrack cost milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.hostile.harness import assert_bounded, gitnad

pytestmark = pytest.mark.slow

WRONG_POLICIES = [
    *corpus.wrong_documents("nadpolicy.schema.json", corpus.FULL_POLICY),
    *corpus.wrong_documents("nadpolicyexception.schema.json", corpus.FULL_EXCEPTION),
]
WRONG_CONFIGS = corpus.wrong_documents("config.schema.json", corpus.FULL_CONFIG)
LATIN1 = b"apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata: {name: caf\xe9}\n"
HOSTILE_POLICIES = {
    "bomb.yaml": (corpus.billion_laughs().replace("VirtualMachine", "NADPolicy"), "alias/anchor bomb"),
    "deep.yaml": ("kind: NADPolicy\nspec: " + "[" * 10_000 + "]" * 10_000 + "\n", corpus.DEPTH),
    "noise.yaml": (corpus.random_bytes(64 * 1024, 4, with_kind=False), "binary file"),
    "latin1.yaml": (
        b"apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata: {name: caf\xe9}\n",
        "not valid UTF-8",
    ),
    "long-name.yaml": (
        corpus.dump({**corpus.FULL_POLICY, "metadata": {"name": "p" * corpus.MIB}}),
        "larger than 1048576 bytes",
    ),
}


def test_every_policy_and_exception_field_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    """One run over one directory: every file is judged, each wrong one named with its line and JSON pointer."""
    folder = tmp_path / "policies"
    folder.mkdir()
    for i, (_, text, _) in enumerate(WRONG_POLICIES):
        (folder / f"p{i:03}.yaml").write_text(text)
    (folder / "ok.yaml").write_text(corpus.dump(corpus.FULL_POLICY))
    run = gitnad("policy-wrong-types", ["policy", "validate", str(folder), "--format", "json"], cwd=tmp_path)
    assert_bounded(run, {2})
    files = {Path(f["file"]).name: f for f in json.loads(run.stdout)["files"]}
    assert files.pop("ok.yaml")["valid"] is True
    assert len(files) == len(WRONG_POLICIES)
    for i, (case, _, pointer) in enumerate(WRONG_POLICIES):
        result = files[f"p{i:03}.yaml"]
        assert result["valid"] is False, case
        assert any(f"p{i:03}.yaml:" in e and f": {pointer}: " in e for e in result["errors"]), (case, result)


def test_hostile_policy_files_are_each_named_and_the_good_one_still_read(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    for name, (content, _) in HOSTILE_POLICIES.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (folder / "ok.yaml").write_text(corpus.dump(corpus.FULL_POLICY))
    run = gitnad("policy-hostile-files", ["policy", "validate", str(folder), "--format", "json"], cwd=tmp_path)
    assert_bounded(run, {2})
    files = {Path(f["file"]).name: f for f in json.loads(run.stdout)["files"]}
    assert files["ok.yaml"]["valid"] is True
    for name, (_, words) in HOSTILE_POLICIES.items():
        assert files[name]["valid"] is False, name
        assert any(words in e for e in files[name]["errors"]), (name, files[name]["errors"])


def test_a_policy_file_name_cannot_forge_a_line_of_the_error(tmp_path: Path) -> None:
    """`check` lists every problem of the policies it reads, one per line: a file named `a\ngitnad: ok.yaml` is
    shown with its newline escaped (it forged a line before)."""
    root = tmp_path / "fleet"
    bad = "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata: {name: 7}\n"
    base, head = corpus.fleet(root, {".gitnad/policies/a\ngitnad: ok.yaml": bad})
    args = ["check", "--offline", "--base", base, "--head", head, "--config-from", "head"]
    run = gitnad("policy-file-name-newline", args, cwd=root)
    assert_bounded(run, {2})
    assert run.stderr.splitlines() == [
        "gitnad: error: invalid policy file:",
        ".gitnad/policies/a\\ngitnad: ok.yaml:1: /: 'spec' is a required property",
        ".gitnad/policies/a\\ngitnad: ok.yaml:3: /metadata/name: 7 is not of type 'string'",
        f"(read at head {head}, as --config-from head asks)",
    ]


def test_backtracking_policy_globs_cost_milliseconds(tmp_path: Path) -> None:
    """fnmatch's globs on a 100,000-character target name: validate, then check with the policy (GN101 for the
    name, the policy still applied: no target or transition glob matches, GN301 and GN303)."""
    policy = tmp_path / "backtrack.yaml"
    policy.write_text(corpus.backtracking_policy())
    run = gitnad("policy-backtracking-globs", ["policy", "validate", str(policy)], cwd=tmp_path)
    assert_bounded(run, {0}, unreadable=False)
    root = tmp_path / "fleet"
    target = "a" * 100_000
    base, head = corpus.fleet(root, {corpus.GOOD_VM: corpus.dump(corpus.vm_body(nad=target))})
    args = ["check", "--offline", "--base", base, "--head", head, "--policy", str(policy), "--format", "json"]
    run = gitnad("policy-backtracking-globs", args, cwd=root)
    assert_bounded(run, {1}, unreadable=False)
    codes = sorted({(f["code"], f["vm"]) for f in json.loads(run.stdout)["findings"]})
    assert codes == [("GN101", "prod/vm1"), ("GN301", "prod/vm1"), ("GN303", "prod/vm1")]


@pytest.mark.parametrize(("case", "text", "pointer"), WRONG_CONFIGS, ids=[c[0] for c in WRONG_CONFIGS])
def test_a_config_field_of_the_wrong_type_is_exit_2_naming_it(
    case: str, text: str, pointer: str, tmp_path: Path
) -> None:
    root = tmp_path / "fleet"
    corpus.fleet(root, {".gitnad.yaml": text})
    run = gitnad(f"config-{case}", ["scan", "--format", "json"], cwd=root)
    assert_bounded(run, {2})
    assert run.stderr.startswith("gitnad: error: invalid configuration:"), run.stderr
    assert "\n.gitnad.yaml:" in run.stderr and f": {pointer}: " in run.stderr, run.stderr


@pytest.mark.parametrize(
    ("case", "exclude", "words"),
    [
        ("exclude-globstars", "**/" * 30 + "x", None),
        ("exclude-stars", "*a" * 30 + "b", None),
        ("exclude-reversed-class", "[z-a].yaml", "the range z-a is reversed"),
        ("exclude-retrying-stars", "**a*b**c*d", "2 of its stars would be retried"),
    ],
)
def test_hostile_exclude_globs_are_fast_or_refused(case: str, exclude: str, words: str | None, tmp_path: Path) -> None:
    """A 100-directory-deep manifest path against globs built to backtrack: milliseconds, or exit 2 saying why."""
    root = tmp_path / "fleet"
    deep = "/".join(["a"] * 100) + "/vm.yaml"
    corpus.fleet(root, {".gitnad.yaml": corpus.dump({"exclude": [exclude]}), deep: corpus.named("deep")})
    run = gitnad(f"config-{case}", ["scan", "--format", "json"], cwd=root)
    if words is None:
        assert_bounded(run, {0}, unreadable=False)
        assert sorted(v["name"] for v in json.loads(run.stdout)["vms"]) == ["deep", "vm1"]
    else:
        assert_bounded(run, {2})
        assert "/exclude/0: " in run.stderr and words in run.stderr, run.stderr
