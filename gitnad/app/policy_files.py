"""Finding and reading gitnad's own YAML files: policies (files or directories), `.gitnad.yaml`, policy tests.

Parsing goes through `gitnad.sources.yamlio` (line marks for every node); validation and models are the
policy package's. Every problem is reported with file, line and JSON pointer (ConfigError, exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitnad.errors import ConfigError
from gitnad.policy.loader import Collector, RuleCheck, add_document, is_foreign, is_policy_test, policy_set
from gitnad.policy.model import PolicySet
from gitnad.policy.schemas import SchemaName, validate
from gitnad.sources.yamlio import Document, load_documents

SUFFIXES = (".yaml", ".yml", ".json")
MAX_POLICY_BYTES = 1024 * 1024


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return os.path.normpath(path)


@dataclass(frozen=True)
class PolicyFile:
    path: Path
    explicit: bool
    """Named on the command line / in config (every document must be a policy) rather than found in a
    directory (documents of other API groups, e.g. the manifests of policy tests, are skipped)."""


def policy_files(paths: Iterable[Path]) -> list[PolicyFile]:
    """Files named directly, plus every YAML/JSON file under the directories named (sorted)."""
    out: dict[Path, PolicyFile] = {}
    for p in paths:
        if p.is_dir():
            for f in sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES):
                out.setdefault(f, PolicyFile(f, explicit=False))
        elif p.exists():
            out[p] = PolicyFile(p, explicit=True)
        else:
            raise ConfigError(f"{display_path(p)}: policy path does not exist")
    return list(out.values())


def read_documents(path: Path) -> tuple[str, list[Document], list[str]]:
    """(display name, documents, errors) of one YAML/JSON file; documents before a syntax error are kept."""
    name = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return name, [], [f"{name}: cannot read: {e.strerror or e}"]
    if len(data) > MAX_POLICY_BYTES:
        return name, [], [f"{name}: larger than {MAX_POLICY_BYTES} bytes"]
    result = load_documents(data)
    errors = []
    if result.problem is not None:
        where = f"{name}:{result.problem.line}" if result.problem.line else name
        errors.append(f"{where}: {result.problem.message}")
    return name, [d for d in result.documents if d.data is not None], errors


def load_file(file: PolicyFile, collector: Collector) -> bool:
    """Load one file into the collector; False when a file found in a directory holds no policy document."""
    name, documents, errors = read_documents(file.path)
    if not file.explicit:
        documents = [d for d in documents if not (is_foreign(d.data) or is_policy_test(d.data))]
        if not documents and not errors:
            return False
    collector.files.append(name)
    collector.errors.extend(errors)
    for doc in documents:
        add_document(doc.data, doc.line, name, collector)
    return True


def load_policies(paths: Sequence[Path], known_rule: RuleCheck | None = None) -> PolicySet:
    """Every NADPolicy and NADPolicyException in `paths` (files or directories); ConfigError lists all problems.

    `known_rule` (code or name -> bool), when given, makes an exception naming an unknown rule an error.
    """
    collector = Collector(known_rule=known_rule)
    for file in policy_files(paths):
        load_file(file, collector)
    return policy_set(collector)


def load_validated(path: Path, schema: SchemaName, what: str) -> tuple[str, Any]:
    """(display name, data) of a single-document file valid against `schema`; ConfigError lists every problem."""
    name, documents, errors = read_documents(path)
    if not errors and len(documents) != 1:
        errors.append(f"{name}: expected exactly one YAML document, found {len(documents)}")
    if not errors:
        errors.extend(p.render(name) for p in validate(documents[0].data, schema))
    if errors:
        raise ConfigError(f"invalid {what}:\n" + "\n".join(errors))
    return name, documents[0].data
