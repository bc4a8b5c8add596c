"""The schema model every stage passes along: Schema → Table → Field.

Designed to carry more than types: the evidence behind every decision (how many values
conformed, which did not, the rule that decided), statistics, keys and relationships,
and provenance (rules today; a model, a user or a contract later), so refinement,
mapping and contracts can extend it without changing its shape.
"""

from __future__ import annotations

from typing import Any

from assay.schema.types import DataType, Model

SCHEMA_VERSION = "1"


class Evidence(Model):
    """Why a decision was made, with the numbers behind it."""

    decision: str  # e.g. "type", "format", "nullable", "primary_key"
    rule: str  # the rule that decided, e.g. "all-conform", "tolerance-0.999"
    conforming: int = 0
    violating: int = 0
    examples: tuple[str, ...] = ()  # a few violating values
    confidence: float | None = None
    note: str | None = None


class Provenance(Model):
    """Where a piece of the schema came from.  No timestamps: outputs stay reproducible."""

    source: str  # "inference", "llm", "user", "contract"
    detail: str | None = None  # e.g. provider/model, prompt template version and hash


class Histogram(Model):
    edges: tuple[float, ...]
    counts: tuple[int, ...]


class Stats(Model):
    count: int = 0  # records where the field is present
    nulls: int = 0
    distinct: int | None = None
    distinct_exact: bool = True
    min: Any = None
    max: Any = None
    mean: float | None = None
    stddev: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    top_values: tuple[tuple[Any, int], ...] = ()
    histogram: Histogram | None = None


class Constraints(Model):
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    minimum: Any = None
    maximum: Any = None
    min_length: int | None = None
    max_length: int | None = None
    unique: bool | None = None


class FormatInfo(Model):
    name: str
    confidence: float


class Field(Model):
    """One column (or nested member: ``path`` is dotted, ``name`` its last part)."""

    name: str
    path: str
    type: DataType
    nullable: bool = True
    frequency: float = 1.0  # share of records in which the field is present
    format: FormatInfo | None = None
    constraints: Constraints | None = None
    description: str | None = None
    semantic_type: str | None = None
    classification: str | None = None
    hints: tuple[str, ...] = ()
    stats: Stats | None = None
    examples: tuple[Any, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    provenance: tuple[Provenance, ...] = ()
    source_name: str | None = None  # the name as written in the source, when it differs


class Key(Model):
    fields: tuple[str, ...]
    confidence: float = 1.0
    evidence: Evidence | None = None


class Table(Model):
    name: str
    sources: tuple[str, ...] = ()
    row_count: int = 0
    fields: tuple[Field, ...] = ()
    primary_key: Key | None = None
    candidate_keys: tuple[Key, ...] = ()
    description: str | None = None
    evidence: tuple[Evidence, ...] = ()
    grain: str | None = None  # what one row is, e.g. "one order line"
    provenance: tuple[Provenance, ...] = ()  # of the description, grain and key

    def field(self, path: str) -> Field:
        for f in self.fields:
            if f.path == path:
                return f
        raise KeyError(path)


class Relationship(Model):
    """A foreign key: ``from_table.from_fields`` values are found in ``to_table.to_fields``."""

    from_table: str
    from_fields: tuple[str, ...]
    to_table: str
    to_fields: tuple[str, ...]
    confidence: float
    coverage: float  # share of distinct non-null child values found in the parent
    evidence: Evidence | None = None


class Schema(Model):
    """A dataset: tables and the relationships between them."""

    version: str = SCHEMA_VERSION
    tables: tuple[Table, ...] = ()
    relationships: tuple[Relationship, ...] = ()

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


DataType.model_rebuild()
