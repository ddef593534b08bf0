"""Every field gitnad reads of a VirtualMachine, a VirtualMachinePool and a NAD (`gitnad.sources.shapes`), given
every wrong type YAML can produce (integer, boolean, float, list, mapping, `!!binary`), through the real CLI.

The list is generated from the shapes the scanner checks, so a field added there is covered here. All the cases
sit in one repository beside the good fleet: one `scan` and one `check` must name each file with GN001 at the
line of the wrong field, saying which field, and still read prod/vm1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitnad.sources.yamlio import LMap, LSeq, load_documents
from tests.hostile import corpus
from tests.hostile.harness import assert_bounded, gitnad

pytestmark = pytest.mark.slow

CASES = corpus.wrong_type_cases()


def expected_line(text: str, where: str) -> int:
    """The 1-based line of the field named by `where` (`spec.template.spec.networks[1].multus.networkName`)."""
    node: Any = load_documents(text).documents[0].data
    line = node.line
    for part in where.replace("[", ".[").split("."):
        if part.startswith("["):
            key: Any = part[1:-1]
            if isinstance(node, LSeq):
                line, node = node.item_line(int(key)), node[int(key)]
                continue
        else:
            key = part
        assert isinstance(node, LMap), (where, part)
        line, node = node.key_line(key), node[key]
    return int(line)


def test_every_field_of_the_wrong_type_is_gn001_at_its_line(tmp_path: Path) -> None:
    files = {f"wrong/{i:03}.yaml": text for i, (_, text, _) in enumerate(CASES)}
    root = tmp_path / "fleet"
    base, head = corpus.fleet(root, files)
    for args in (
        ["scan", "--format", "json"],
        ["check", "--offline", "--base", base, "--head", head, "--format", "json"],
    ):
        run = gitnad("wrong-types", args, cwd=root)
        assert_bounded(run, {1})
        doc = json.loads(run.stdout)
        found: dict[str, list[tuple[int, str]]] = {}
        for f in doc["findings"]:
            if f["code"] == "GN001":
                found.setdefault(f["file"], []).append((f["line"], f["message"]))
        assert sorted(found) == sorted(files)
        for i, (case, text, where) in enumerate(CASES):
            file = f"wrong/{i:03}.yaml"
            line = expected_line(text, where)
            assert any(got == line and f"{where} is not" in message for got, message in found[file]), (
                case,
                line,
                found[file],
            )
        if args[0] == "scan":
            assert [(v["namespace"], v["name"]) for v in doc["vms"]] == [("prod", "vm1")]
        else:
            assert ("nad-swap", "prod/vm1") in [(c["kind"], c["vm"]) for c in doc["changes"]]
