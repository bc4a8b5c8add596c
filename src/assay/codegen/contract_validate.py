"""Validate a data contract against the official ODCS JSON Schema.

The schema is the one shipped with the standard's Python package
(``open-data-contract-standard``, MIT licence), so it is the published one, not a copy
that could drift.  Each problem is reported with the line in the YAML file (when the
contract came from text), its path in the document (``schema[0].properties[2].logicalType``)
and what is wrong, the most specific message first for ``oneOf``/``anyOf`` failures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from assay.errors import SchemaError


class ContractError(SchemaError):
    """A contract that is not valid ODCS (or not a mapping at all)."""

    code = "invalid_contract"


@dataclass(frozen=True)
class ContractIssue:
    path: str  # e.g. "schema[0].properties[2].logicalType"; "" for the document itself
    message: str
    line: int | None = None  # 1-based line in the YAML text

    def to_text(self, source: str | None = None) -> str:
        where = source or "contract"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.path or '(document)'}: {self.message}"


@cache
def odcs_json_schema() -> dict[str, Any]:
    """The official ODCS JSON Schema (from the standard's published package)."""
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def _validator() -> Any:
    import jsonschema

    schema = odcs_json_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def load_contract_text(text: str, source: str | None = None) -> tuple[dict[str, Any], Any]:
    """Parse YAML/JSON; returns the document and its YAML node tree (for line numbers)."""
    try:
        node = yaml.compose(text)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContractError(f"{source or 'contract'}{line}: not valid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise ContractError(f"{source or 'contract'}: a data contract must be a YAML mapping")
    return doc, node


def validate_contract(doc: dict[str, Any], node: Any = None) -> list[ContractIssue]:
    """Every problem, in document order; empty when the contract is valid ODCS."""
    issues = []
    for error in _validator().iter_errors(doc):
        specific = _most_specific(error)
        path = list(specific.absolute_path)
        issues.append(ContractIssue(_path_text(path), _message(specific), _line(node, path)))
    issues = list({(i.path, i.message): i for i in issues}.values())
    return sorted(issues, key=lambda i: (i.line or 0, i.path, i.message))


def check_contract(text: str, source: str | None = None) -> dict[str, Any]:
    """Parse and validate; raise :class:`ContractError` naming the first problem."""
    doc, node = load_contract_text(text, source)
    issues = validate_contract(doc, node)
    if issues:
        more = f" (and {len(issues) - 1} more problem(s))" if len(issues) > 1 else ""
        raise ContractError(issues[0].to_text(source) + more)
    return doc


def _most_specific(error: Any) -> Any:
    from jsonschema.exceptions import best_match

    while error.context:
        deeper = best_match(error.context)
        if deeper is None or (
            list(deeper.absolute_path) == list(error.absolute_path)
            and (deeper.validator in ("oneOf", "anyOf"))
        ):
            break
        error = deeper
    return error


def _message(error: Any) -> str:
    if error.validator == "unevaluatedProperties" or error.validator == "additionalProperties":
        return error.message.replace("were unexpected", "are not allowed here").replace(
            "was unexpected", "is not allowed here"
        )
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def _path_text(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(node: Any, path: list[Any]) -> int | None:
    """The 1-based line of ``path`` in the YAML node tree (the deepest node found)."""
    if node is None:
        return None
    current = node
    for part in path:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if key.value == part:
                    child = value
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1
