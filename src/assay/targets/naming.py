"""Column and table names as the target gets them: ``--naming snake`` (default) or ``keep``.

The snake rule, stable and documented (docs/loading.md):

1. accents are dropped (``Größe`` → ``grosse``, ``Zoë`` → ``zoe``; ``ß`` → ``ss``);
2. camelCase and PascalCase words are split (``orderDate`` → ``order_date``,
   ``HTTPStatus`` → ``http_status``);
3. every run of characters other than letters and digits becomes one ``_``; leading
   and trailing ``_`` are dropped; everything is lower case;
4. a name starting with a digit gets a leading ``_`` (``2024_total`` → ``_2024_total``);
   an empty result is ``column_N`` (N its position, from 1);
5. names that collide get ``_2``, ``_3`` … in column order.

The original name is kept in the field's ``source_name`` (and so in the contract), and
conversion reads the source column by it.  Nested members keep their names (they are
parts of one STRUCT or JSON value).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from assay.errors import UsageError
from assay.schema import Field, Schema, Table

Naming = Literal["snake", "keep"]
NAMINGS = ("snake", "keep")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_OTHER = re.compile(r"[^A-Za-z0-9]+")


def snake(name: str) -> str:
    """One name by the snake rule (without the collision suffix)."""
    text = name.replace("ß", "ss").replace("ẞ", "SS")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _CAMEL.sub("_", text)
    text = _OTHER.sub("_", text).strip("_").lower()
    if text and text[0].isdigit():
        text = "_" + text
    return text


def column_names(names: list[str], naming: Naming) -> list[str]:
    """Target names for source column names, in order, collisions resolved."""
    if naming not in NAMINGS:
        raise UsageError(f"unknown naming {naming!r}", hint="valid values are: snake, keep")
    out: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = snake(name) if naming == "snake" else name
        base = base or f"column_{position}"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def source_column(field: Field) -> str:
    """The column name in the source batches."""
    return field.source_name or field.name


def rename_table(table: Table, naming: Naming, name: str | None = None) -> Table:
    """``table`` with top-level columns (and the table itself) named by ``naming``."""
    top = [f for f in table.fields if "." not in f.path]
    new = dict(zip([f.name for f in top], column_names([f.name for f in top], naming), strict=True))
    fields = []
    for f in table.fields:
        head, dot, rest = f.path.partition(".")
        renamed = new.get(head, head)
        if not dot:
            source = f.source_name or (f.name if renamed != f.name else None)
            fields.append(
                f.model_copy(update={"name": renamed, "path": renamed, "source_name": source})
            )
        else:
            fields.append(f.model_copy(update={"path": f"{renamed}.{rest}"}))
    key = table.primary_key
    if key is not None:
        key = key.model_copy(update={"fields": tuple(new.get(k, k) for k in key.fields)})
    candidates = tuple(
        k.model_copy(update={"fields": tuple(new.get(c, c) for c in k.fields)})
        for k in table.candidate_keys
    )
    target = name or (snake(table.name) if naming == "snake" else table.name) or table.name
    return table.model_copy(
        update={
            "name": target,
            "fields": tuple(fields),
            "primary_key": key,
            "candidate_keys": candidates,
        }
    )


def rename_schema(schema: Schema, naming: Naming, tables: dict[str, str] | None = None) -> Schema:
    """Every table renamed; relationships follow their tables and columns."""
    tables = tables or {}
    renamed = {t.name: rename_table(t, naming, tables.get(t.name)) for t in schema.tables}
    columns = {
        t.name: {
            (f.source_name or f.name): f.name for f in renamed[t.name].fields if "." not in f.path
        }
        for t in schema.tables
    }
    relationships = []
    for r in schema.relationships:
        if r.from_table not in renamed or r.to_table not in renamed:
            continue
        relationships.append(
            r.model_copy(
                update={
                    "from_table": renamed[r.from_table].name,
                    "to_table": renamed[r.to_table].name,
                    "from_fields": tuple(columns[r.from_table].get(c, c) for c in r.from_fields),
                    "to_fields": tuple(columns[r.to_table].get(c, c) for c in r.to_fields),
                }
            )
        )
    return schema.model_copy(
        update={"tables": tuple(renamed.values()), "relationships": tuple(relationships)}
    )
