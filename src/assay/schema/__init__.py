"""The schema model shared by every stage (see :mod:`assay.schema.model`)."""

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
from assay.schema.types import DataType, TypeKind, TypeVisitor

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
