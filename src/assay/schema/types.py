"""Logical types: what a value *is*, independent of any engine's physical type.

Each converter (Arrow, SQL dialects, JSON Schema, ODCS, Iceberg, …) maps these kinds;
:class:`TypeVisitor` has one method per kind so a new kind cannot be forgotten.
Nullability is not part of the type; it lives on :class:`assay.schema.Field`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from assay.schema.kinds import SCALAR_KINDS, TypeKind  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from assay.schema.model import Field


class Model(BaseModel):
    """Frozen, strict base: schema objects are values, compared and hashed by content."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)


class DataType(Model):
    """A logical type with the parameters its kind needs.

    - integer: ``minimum``/``maximum`` observed, so DDL can choose the smallest width;
    - decimal: ``precision`` (total significant digits) and ``scale``;
    - string/binary: ``max_length``;
    - date/datetime/time: ``pattern`` (strftime) of the source text when it is not ISO
      8601, and for datetime ``timezone`` (True: values carry an offset);
    - object: ``fields``; array: ``items``;
    - mixed: ``distribution`` (kind → values seen), kept when no single type fits.
    """

    kind: TypeKind
    minimum: int | None = None
    maximum: int | None = None
    precision: int | None = None
    scale: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    timezone: bool | None = None
    fields: tuple[Field, ...] | None = None
    items: DataType | None = None
    distribution: dict[str, int] | None = None

    def __str__(self) -> str:
        kind = TypeKind(self.kind)
        if kind is TypeKind.DECIMAL:
            return f"decimal({self.precision},{self.scale})"
        if kind is TypeKind.ARRAY and self.items is not None:
            return f"array<{self.items}>"
        if kind is TypeKind.DATETIME and self.timezone:
            return "datetime(tz)"
        if kind is TypeKind.MIXED and self.distribution:
            return "mixed(" + "|".join(sorted(self.distribution)) + ")"
        return str(kind)


def scalar(kind: TypeKind, **params: Any) -> DataType:
    return DataType(kind=kind, **params)


T = TypeVar("T")


class TypeVisitor(Generic[T]):
    """One method per kind; :meth:`visit` dispatches.  Subclasses must cover every kind."""

    def visit(self, data_type: DataType) -> T:
        method = getattr(self, f"visit_{TypeKind(data_type.kind).value}")
        return method(data_type)

    def visit_null(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_boolean(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_integer(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_decimal(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_float(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_string(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_date(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_datetime(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_time(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_duration(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_binary(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_object(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_array(self, t: DataType) -> T:
        raise NotImplementedError

    def visit_mixed(self, t: DataType) -> T:
        raise NotImplementedError
