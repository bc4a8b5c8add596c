"""The kinds of logical type, apart from the pydantic models that carry them, so that
code deciding kinds (the type candidates of inference) can load without them."""

from __future__ import annotations

from enum import StrEnum


class TypeKind(StrEnum):
    NULL = "null"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    STRING = "string"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    DURATION = "duration"
    BINARY = "binary"
    OBJECT = "object"
    ARRAY = "array"
    MIXED = "mixed"


SCALAR_KINDS = frozenset(TypeKind) - {TypeKind.OBJECT, TypeKind.ARRAY, TypeKind.MIXED}

__all__ = ["SCALAR_KINDS", "TypeKind"]
