"""Finding and reading gitnad's own YAML files: policies (files or directories), `.gitnad.yaml`, policy tests.

Files come from disk (what the user names on the command line) or from a git ref (`check` reads the
configuration of the reviewed commit), through `gitnad.sources.ownfiles`. Parsing goes through
`gitnad.sources.yamlio` (line marks for every node); validation and models are the policy package's. Every
problem is reported with file, line and JSON pointer (ConfigError, exit 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitnad.errors import ConfigError
from gitnad.policy.loader import Collector, RuleCheck, add_document, is_foreign, is_policy_test, policy_set
from gitnad.policy.model import PolicySet
from gitnad.policy.schemas import SchemaName, validate
from gitnad.sources.ownfiles import DiskFiles, Kind, OwnFiles
from gitnad.sources.trees import FileProblem
from gitnad.sources.yamlio import Document, load_documents

SUFFIXES = (".yaml", ".yml", ".json")
MAX_POLICY_BYTES = 1024 * 1024
DISK = DiskFiles()


@dataclass(frozen=True)
class PolicyFile:
    path: str
    explicit: bool
    """Named on the command line / in config (every document must be a policy) rather than found in a
    directory (documents meant for others, e.g. the manifests of policy tests, are skipped)."""


def is_policy_path(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


def policy_files(paths: Iterable[Path | str], files: OwnFiles = DISK) -> list[PolicyFile]:
    """Files named directly, plus every YAML/JSON file under the directories named (sorted)."""
    out: dict[str, PolicyFile] = {}
    for given in paths:
        p = str(given)
        kind = files.kind(p)
        if kind is Kind.DIRECTORY:
            for f in files.files_under(p):
                if is_policy_path(f):
                    out.setdefault(f, PolicyFile(f, explicit=False))
        elif kind is Kind.FILE:
            out[p] = PolicyFile(p, explicit=True)
        else:
            raise ConfigError(f"{files.display(p)}: policy path does not exist {files.where}")
    return list(out.values())


def read_documents(path: str, files: OwnFiles = DISK) -> tuple[str, list[Document], list[str]]:
    """(display name, documents, errors) of one YAML/JSON file; documents before a syntax error are kept."""
    name = files.display(path)
    data = files.read(path, MAX_POLICY_BYTES)
    if isinstance(data, FileProblem):
        return name, [], [f"{name}: {data.message}"]
    result = load_documents(data)
    errors = []
    if result.problem is not None:
        where = f"{name}:{result.problem.line}" if result.problem.line else name
        errors.append(f"{where}: {result.problem.message}")
    return name, [d for d in result.documents if d.data is not None], errors


def load_file(file: PolicyFile, collector: Collector, files: OwnFiles = DISK) -> bool:
    """Load one file into the collector; False when a file found in a directory holds no policy document."""
    name, documents, errors = read_documents(file.path, files)
    if not file.explicit:
        documents = [d for d in documents if not (is_foreign(d.data) or is_policy_test(d.data))]
        if not documents and not errors:
            return False
    collector.files.append(name)
    collector.errors.extend(errors)
    for doc in documents:
        add_document(doc.data, doc.line, name, collector)
    return True


def load_policies(
    paths: Sequence[Path | str], known_rule: RuleCheck | None = None, files: OwnFiles = DISK
) -> PolicySet:
    """Every NADPolicy and NADPolicyException in `paths` (files or directories); ConfigError lists all problems.

    `known_rule` (code or name -> bool), when given, makes an exception naming an unknown rule an error.
    """
    collector = Collector(known_rule=known_rule)
    for file in policy_files(paths, files):
        load_file(file, collector, files)
    return policy_set(collector)


def validated_document(path: Path | str, schema: SchemaName, files: OwnFiles = DISK) -> tuple[str, Any, list[str]]:
    """(display name, data, problems) of a single-document file checked against `schema`."""
    name, documents, errors = read_documents(str(path), files)
    if not errors and len(documents) != 1:
        errors.append(f"{name}: expected exactly one YAML document, found {len(documents)}")
    if not errors:
        errors.extend(p.render(name) for p in validate(documents[0].data, schema))
    return name, documents[0].data if documents else None, errors


def load_validated(path: Path | str, schema: SchemaName, what: str, files: OwnFiles = DISK) -> tuple[str, Any]:
    """(display name, data) of a single-document file valid against `schema`; ConfigError lists every problem."""
    name, data, errors = validated_document(path, schema, files)
    if errors:
        raise ConfigError(f"invalid {what}:", errors)
    return name, data
