"""The schema model shared by every stage (see :mod:`assay.schema.model`).

Names load on first use (the models need pydantic, ~60 ms of imports): inference plans
its first rows with :class:`TypeKind` alone and builds the models while it reads on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._lazy import lazy_getattr

if TYPE_CHECKING:
    from assay.schema.kinds import TypeKind
    from assay.schema.model import (
        SCHEMA_VERSION,
        Constraints,
        Evidence,
        Field,
        FormatInfo,
        Histogram,
        Key,
        Provenance,
        Relationship,
        Schema,
        Stats,
        Table,
    )
    from assay.schema.serialize import from_dict, from_text, to_dict, to_json, to_yaml
    from assay.schema.types import DataType, TypeVisitor

_LAZY = {
    "SCHEMA_VERSION": "assay.schema.model",
    "Constraints": "assay.schema.model",
    "Evidence": "assay.schema.model",
    "Field": "assay.schema.model",
    "FormatInfo": "assay.schema.model",
    "Histogram": "assay.schema.model",
    "Key": "assay.schema.model",
    "Provenance": "assay.schema.model",
    "Relationship": "assay.schema.model",
    "Schema": "assay.schema.model",
    "Stats": "assay.schema.model",
    "Table": "assay.schema.model",
    "from_dict": "assay.schema.serialize",
    "from_text": "assay.schema.serialize",
    "to_dict": "assay.schema.serialize",
    "to_json": "assay.schema.serialize",
    "to_yaml": "assay.schema.serialize",
    "DataType": "assay.schema.types",
    "TypeVisitor": "assay.schema.types",
    "TypeKind": "assay.schema.kinds",
}

__all__ = [
    "SCHEMA_VERSION",
    "Constraints",
    "DataType",
    "Evidence",
    "Field",
    "FormatInfo",
    "Histogram",
    "Key",
    "Provenance",
    "Relationship",
    "Schema",
    "Stats",
    "Table",
    "TypeKind",
    "TypeVisitor",
    "from_dict",
    "from_text",
    "to_dict",
    "to_json",
    "to_yaml",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
