"""The answer a model must give, as a tight JSON Schema, and its strict parsing.

The output schema is built per chunk of columns so that constrained decoding (Ollama's
``format``, OpenAI's ``json_schema``, llama.cpp grammars) leaves a model no room to
invent: ``fields`` is an object whose properties are exactly the chunk's column names
(all required, nothing else allowed, so no column can be dropped, renamed, repeated or
added), every choice is an enum (semantic types, classifications, types, formats,
column names for keys and references) and every text has a length limit.

:func:`parse_answer` re-checks all of it, because not every server constrains decoding:
it returns typed :class:`Answer` objects or raises :class:`AnswerError` listing every
problem in words that can be fed back to the model.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from assay.errors import LLMError
from assay.llm.vocabulary import CLASSIFICATIONS, NAMES

SUGGESTED_TYPES = ("boolean", "integer", "decimal", "float", "date", "datetime", "time")
DESCRIPTION_MAX = 160
REASONING_MAX = 100
TABLE_DESCRIPTION_MAX = 240
GRAIN_MAX = 120
PATTERN_MAX = 120
ENUM_MAX_ITEMS = 20
ENUM_VALUE_MAX = 60
KEY_MAX_COLUMNS = 3
DETAILS = ("full", "brief")


class AnswerError(LLMError):
    """A model's answer does not follow the output schema; ``problems`` says how."""

    code = "llm_invalid_answer"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))
        self.problems = problems


@dataclass(frozen=True)
class OutputSpec:
    """What one request asks about: the columns (in order) and the allowed choices."""

    columns: tuple[str, ...]
    formats: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # "table.column" targets a field may point to
    detail: str = "full"  # "brief": description, semantic type, classification only


@dataclass(frozen=True)
class FieldSuggestion:
    description: str
    semantic_type: str
    classification: str
    confidence: float
    type: str | None = None
    format: str | None = None
    allowed_values: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    reasoning: str | None = None


@dataclass(frozen=True)
class TableSuggestion:
    description: str | None = None
    grain: str | None = None
    primary_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    table: TableSuggestion
    fields: dict[str, FieldSuggestion] = field(default_factory=dict)


# Nullable values are written ``anyOf: [X, {"type": "null"}]``, never ``type: [X, "null"]``:
# grammar converters (llama.cpp's, Ollama's) turn a type list into bare types and drop
# the enum or length limit that came with it.
_NULL = {"type": "null"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, _NULL]}


def _text(max_length: int, nullable: bool = False, min_length: int = 0) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if min_length:
        schema["minLength"] = min_length
    schema["maxLength"] = max_length
    return _nullable(schema) if nullable else schema


def _choice(values: tuple[str, ...], nullable: bool = False) -> dict[str, Any]:
    if not values:
        return _NULL
    schema = {"type": "string", "enum": list(values)}
    return _nullable(schema) if nullable else schema


def _number(nullable: bool = True) -> dict[str, Any]:
    return _nullable({"type": "number"}) if nullable else {"type": "number"}


def field_schema(spec: OutputSpec) -> dict[str, Any]:
    props: dict[str, Any] = {
        "description": _text(DESCRIPTION_MAX, min_length=1),
        "semantic_type": _choice(NAMES),
        "classification": _choice(CLASSIFICATIONS),
    }
    if spec.detail == "full":
        props["type"] = _choice(SUGGESTED_TYPES, nullable=True)
        props["format"] = _choice(spec.formats, nullable=True)
        props["allowed_values"] = _nullable(
            {"type": "array", "items": _text(ENUM_VALUE_MAX), "maxItems": ENUM_MAX_ITEMS}
        )
        props["pattern"] = _text(PATTERN_MAX, nullable=True)
        props["minimum"] = _number()
        props["maximum"] = _number()
        props["references"] = _choice(spec.references, nullable=True)
    props["confidence"] = {"type": "number", "minimum": 0, "maximum": 1}
    if spec.detail == "full":
        props["reasoning"] = _text(REASONING_MAX)
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def output_schema(spec: OutputSpec) -> dict[str, Any]:
    """The JSON Schema every provider is asked to follow for ``spec``."""
    if spec.detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, got {spec.detail!r}")
    item = field_schema(spec)
    table = {
        "type": "object",
        "properties": {
            "description": _text(TABLE_DESCRIPTION_MAX, min_length=1),
            "grain": _text(GRAIN_MAX),
            "primary_key": {
                "type": "array",
                "items": _choice(spec.columns),
                "maxItems": KEY_MAX_COLUMNS,
            },
        },
        "required": ["description", "grain", "primary_key"],
        "additionalProperties": False,
    }
    fields = {
        "type": "object",
        "properties": {name: item for name in spec.columns},
        "required": list(spec.columns),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"table": table, "fields": fields},
        "required": ["table", "fields"],
        "additionalProperties": False,
    }


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n?```\s*$", re.DOTALL)


def parse_answer(text: str, spec: OutputSpec) -> Answer:
    """Parse and validate a model's answer for ``spec``; :class:`AnswerError` if unusable."""
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        # llama.cpp's JSON grammar lets raw newlines and tabs into strings, which JSON
        # forbids; read them as the text they are (everything is still validated).
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            raise AnswerError([f"the answer is not valid JSON ({exc})"]) from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise AnswerError(["the answer must be a JSON object with 'table' and 'fields'"])
    _unexpected(data, ("table", "fields"), "the answer", problems)
    table = _table(data.get("table"), spec, problems)
    fields = _fields(data.get("fields"), spec, problems)
    if problems:
        raise AnswerError(problems)
    return Answer(table=table, fields=fields)


def _unexpected(data: dict[str, Any], known: tuple[str, ...], where: str, out: list[str]) -> None:
    for key in data:
        if key not in known:
            out.append(f"{where} has an unexpected key {key!r}")


def _table(data: Any, spec: OutputSpec, out: list[str]) -> TableSuggestion:
    if not isinstance(data, dict):
        out.append("'table' must be an object with description, grain and primary_key")
        return TableSuggestion()
    _unexpected(data, ("description", "grain", "primary_key"), "'table'", out)
    description = _string(data.get("description"), "table.description", TABLE_DESCRIPTION_MAX, out)
    grain = _string(data.get("grain"), "table.grain", GRAIN_MAX, out, nullable=True)
    key = data.get("primary_key", [])
    columns: tuple[str, ...] = ()
    if not isinstance(key, list) or len(key) > KEY_MAX_COLUMNS:
        out.append(f"table.primary_key must be a list of at most {KEY_MAX_COLUMNS} column names")
    else:
        for name in key:
            if name not in spec.columns:
                out.append(
                    f"table.primary_key names {name!r}, which is not a column{_near(name, spec)}"
                )
        columns = tuple(str(k) for k in key if k in spec.columns)
        if len(set(columns)) != len(columns):
            out.append("table.primary_key repeats a column")
    return TableSuggestion(description or None, grain or None, columns)


def _fields(data: Any, spec: OutputSpec, out: list[str]) -> dict[str, FieldSuggestion]:
    if not isinstance(data, dict):
        out.append("'fields' must be an object with one entry per column")
        return {}
    for name in data:
        if name not in spec.columns:
            out.append(f"'fields' has {name!r}, which is not a column{_near(name, spec)}")
    result: dict[str, FieldSuggestion] = {}
    for name in spec.columns:
        if name not in data:
            out.append(f"column {name!r} is missing from 'fields'")
            continue
        suggestion = _field(data[name], name, spec, out)
        if suggestion is not None:
            result[name] = suggestion
    return result


def _field(data: Any, name: str, spec: OutputSpec, out: list[str]) -> FieldSuggestion | None:
    where = f"fields.{name}"
    if not isinstance(data, dict):
        out.append(f"{where} must be an object")
        return None
    known = tuple(field_schema(spec)["properties"])
    _unexpected(data, known, where, out)
    before = len(out)
    for key in known:
        if key not in data:
            out.append(f"{where}.{key} is missing")
    description = _string(data.get("description"), f"{where}.description", DESCRIPTION_MAX, out)
    semantic = _member(data.get("semantic_type"), NAMES, f"{where}.semantic_type", out)
    classification = _member(
        data.get("classification"), CLASSIFICATIONS, f"{where}.classification", out
    )
    confidence = data.get("confidence")
    if not _is_number(confidence) or not 0 <= confidence <= 1:
        out.append(f"{where}.confidence must be a number from 0 to 1")
        confidence = 0.0
    extra: dict[str, Any] = {}
    if spec.detail == "full":
        extra["type"] = _member(data.get("type"), SUGGESTED_TYPES, f"{where}.type", out, True)
        extra["format"] = _member(data.get("format"), spec.formats, f"{where}.format", out, True)
        extra["allowed_values"] = _enum(data.get("allowed_values"), f"{where}.allowed_values", out)
        extra["pattern"] = (
            _string(data.get("pattern"), f"{where}.pattern", PATTERN_MAX, out, nullable=True)
            or None
        )
        for bound in ("minimum", "maximum"):
            value = data.get(bound)
            if value is not None and not _is_number(value):
                out.append(f"{where}.{bound} must be a number or null")
                value = None
            extra[bound] = value
        extra["references"] = _member(
            data.get("references"), spec.references, f"{where}.references", out, True
        )
        extra["reasoning"] = (
            _string(data.get("reasoning"), f"{where}.reasoning", REASONING_MAX, out, True) or None
        )
    if len(out) > before:
        return None
    return FieldSuggestion(
        description=description.strip(),
        semantic_type=semantic or "other",
        classification=classification or "none",
        confidence=float(confidence),
        **extra,
    )


def _string(value: Any, where: str, limit: int, out: list[str], nullable: bool = False) -> str:
    if value is None and nullable:
        return ""
    if not isinstance(value, str):
        out.append(f"{where} must be a string" + (" or null" if nullable else ""))
        return ""
    if len(value) > limit:
        out.append(f"{where} is longer than {limit} characters")
    if not nullable and not value.strip():
        out.append(f"{where} must not be empty")
    return value


def _member(
    value: Any, allowed: tuple[str, ...], where: str, out: list[str], nullable: bool = False
) -> str | None:
    if value is None and nullable:
        return None
    if value not in allowed:
        shown = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
        out.append(
            f"{where} is {value!r}; valid values are: {shown}" + (" or null" if nullable else "")
        )
        return None
    return str(value)


def _enum(value: Any, where: str, out: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.append(f"{where} must be a list of strings or null")
        return None
    if len(value) > ENUM_MAX_ITEMS or any(len(v) > ENUM_VALUE_MAX for v in value):
        out.append(f"{where} has too many or too long values")
        return None
    return tuple(value) or None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _near(name: Any, spec: OutputSpec) -> str:
    close = difflib.get_close_matches(str(name), spec.columns, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
