"""Versioned prompt templates (package data) and the requests built from them.

The templates live in ``templates/<version>/`` as plain text with ``$placeholders``
(``string.Template``, so JSON braces need no escaping); the few-shot example is a JSON
file rendered through the same code as the real question, so example and question
always look alike.  A change of wording is a new version directory: the version goes
into every accepted change's provenance and into the cache key (through the prompt
hash), so answers from different prompts are never mixed up.

This module only formats what it is given (:class:`TableInfo`, :class:`ColumnInfo`);
it never reads data.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from importlib import resources
from string import Template
from typing import Any

import orjson

from assay.llm.client import LLMRequest, Message
from assay.llm.suggestions import OutputSpec, output_schema
from assay.llm.vocabulary import render_classifications, render_vocabulary

TEMPLATE_VERSION = "refine-v1"
EXAMPLE_LIMIT = 3  # examples shown per column
VALUE_LIMIT = 40  # characters of one example value


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    sources: tuple[str, ...] = ()
    context: str = ""  # e.g. "primary key found: order_id"


@dataclass(frozen=True)
class ColumnInfo:
    """What a model is told about one column: facts from the schema, no raw data beyond
    a few example values."""

    path: str
    type: str
    nullable: bool = True
    rows: int = 0
    distinct: int | None = None
    distinct_exact: bool = True
    nulls: int = 0
    minimum: str | None = None
    maximum: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None
    examples: tuple[str, ...] = ()
    top_values: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()
    description: str | None = None  # an existing description, to keep consistent with

    def render(self) -> str:
        parts = [self.path, self.type + ("" if self.nullable else ", not null")]
        stats: list[str] = []
        if self.format:
            stats.append(f"format {self.format}")
        if self.distinct is not None:
            approx = "" if self.distinct_exact else "~"
            stats.append(f"{approx}{self.distinct} distinct of {self.rows}")
        if self.nulls:
            stats.append(f"{self.nulls} null")
        if self.minimum is not None and self.maximum is not None:
            stats.append(f"range {_clip(self.minimum)}..{_clip(self.maximum)}")
        if self.min_length is not None and self.max_length is not None:
            stats.append(f"length {self.min_length}..{self.max_length}")
        stats.extend(self.notes)
        parts.append(", ".join(stats) or "-")
        if self.top_values:
            parts.append("values " + ", ".join(f"{_q(v)} ({n})" for v, n in self.top_values))
        else:
            shown = ", ".join(_q(e) for e in self.examples[:EXAMPLE_LIMIT])
            parts.append(f"e.g. {shown}" if shown else "no values")
        line = "- " + " | ".join(parts)
        if self.description:
            line += f"\n  current description: {_q(self.description)}"
        return line


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _q(text: str) -> str:
    return orjson.dumps(_clip(text)).decode()


@dataclass(frozen=True)
class Passage:
    """A piece of documentation chosen for a chunk."""

    source: str
    text: str


@dataclass
class Prompt:
    """The messages of one chunk, the output spec they ask for, and the request."""

    spec: OutputSpec
    messages: list[Message] = field(default_factory=list)
    max_tokens: int = 4096

    def request(self) -> LLMRequest:
        return LLMRequest(
            messages=tuple(self.messages),
            schema=output_schema(self.spec),
            schema_name="column_documentation",
            max_tokens=self.max_tokens,
        )

    def with_feedback(self, answer: str, problems: list[str]) -> Prompt:
        """The conversation continued: the rejected answer and what was wrong with it."""
        text = _template("feedback.txt").substitute(
            problems="\n".join(f"- {p}" for p in problems[:20])
        )
        messages = [*self.messages, Message("assistant", answer), Message("user", text)]
        return Prompt(self.spec, messages, self.max_tokens)

    def render(self) -> str:
        """The exact prompt, as ``--show-prompt`` prints it."""
        out = []
        for m in self.messages:
            out.append(f"--- {m.role} ---\n{m.content}")
        schema = orjson.dumps(output_schema(self.spec), option=orjson.OPT_INDENT_2).decode()
        out.append(f"--- output schema ---\n{schema}")
        return "\n".join(out) + "\n"


def build_prompt(
    table: TableInfo,
    columns: list[ColumnInfo],
    spec: OutputSpec,
    passages: list[Passage] = (),  # type: ignore[assignment]
    *,
    examples: bool = True,
) -> Prompt:
    """The messages for one chunk: system rules, a worked example, the question."""
    system = _template("system.txt").substitute(
        vocabulary=render_vocabulary(),
        classifications=render_classifications(),
        detail_rules=_template(f"rules-{spec.detail}.txt")
        .substitute(formats=", ".join(spec.formats) or "(none)")
        .rstrip("\n"),
    )
    messages = [Message("system", system)]
    if examples:
        example_table, example_columns, answer = _example(spec)
        messages.append(Message("user", _question(example_table, example_columns, [])))
        messages.append(Message("assistant", answer))
    messages.append(Message("user", _question(table, columns, passages)))
    # Room for the answer: about 90 tokens a column in full, 45 brief, plus the table.
    per_column = 90 if spec.detail == "full" else 45
    return Prompt(spec, messages, max_tokens=200 + per_column * len(columns) * 2)


def _question(table: TableInfo, columns: list[ColumnInfo], passages: list[Passage]) -> str:
    sources = ""
    if table.sources:
        names = ", ".join(s.rsplit("/", 1)[-1] for s in table.sources[:3])
        sources = f"; from {names}" + (" …" if len(table.sources) > 3 else "")
    documentation = ""
    if passages:
        documentation = "Documentation excerpts:\n" + "\n".join(
            f"[{i}] ({p.source}) {p.text}" for i, p in enumerate(passages, 1)
        )
        documentation += "\n"
    return _template("user.txt").substitute(
        table=table.name,
        rows=table.rows,
        sources=sources,
        table_context=table.context,
        columns="\n".join(c.render() for c in columns),
        documentation=documentation,
        count=len(columns),
        names=", ".join(c.path for c in columns),
    )


def _example(spec: OutputSpec) -> tuple[TableInfo, list[ColumnInfo], str]:
    data = _example_data()
    table = TableInfo(data["table"]["name"], data["table"]["rows"], tuple(data["table"]["sources"]))
    columns = [
        ColumnInfo(**{k: tuple(map(tuple, v)) if k == "top_values" else _tuple(v)
                      for k, v in c.items()})
        for c in data["columns"]
    ]  # fmt: skip
    answer = copy.deepcopy(data["answer"])
    keep = set(output_schema_properties(spec))
    for suggestion in answer["fields"].values():
        for key in list(suggestion):
            if key not in keep:
                del suggestion[key]
        if suggestion.get("format") not in (None, *spec.formats):
            suggestion["format"] = None
    return table, columns, orjson.dumps(answer).decode()


@functools.cache
def example_texts() -> frozenset[str]:
    """The free texts of the worked example (lower case): an answer repeating one of
    them is about the example, not the question."""
    answer = _example_data()["answer"]
    texts = {answer["table"]["description"], answer["table"]["grain"]}
    for suggestion in answer["fields"].values():
        texts |= {suggestion["description"], suggestion["reasoning"]}
    return frozenset(" ".join(t.split()).lower() for t in texts)


def example_subjects() -> frozenset[str]:
    """Words that belong to the worked example's subject (its staff table): a description
    using one that the table at hand does not mention is about the example."""
    return frozenset(w.lower() for w in _example_data().get("subject_words", ()))


def output_schema_properties(spec: OutputSpec) -> list[str]:
    from assay.llm.suggestions import field_schema

    return list(field_schema(spec)["properties"])


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@functools.cache
def _example_data() -> dict[str, Any]:
    return orjson.loads(_read("example.json"))


@functools.cache
def _template(name: str) -> Template:
    return Template(_read(name))


def _read(name: str) -> str:
    root = resources.files("assay.llm") / "templates" / TEMPLATE_VERSION
    return (root / name).read_text(encoding="utf-8")
