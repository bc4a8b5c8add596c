"""PostgreSQL's binary COPY built from Arrow: every supported type arrives exactly, on a
real server, and tables with other column types still load (as CSV)."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from decimal import Decimal

import pyarrow as pa
import pytest

from assay.errors import TargetError
from assay.targets import open_target
from assay.targets.pg_binary import BinaryLayout

UTC = dt.UTC

COLUMNS = {  # name: (PostgreSQL type, Arrow type, values)
    "i2": ("SMALLINT", pa.int16(), [-32768, 32767, 0, None, 7]),
    "i4": ("INTEGER", pa.int32(), [-(2**31), 2**31 - 1, 0, None, -1]),
    "i8": ("BIGINT", pa.int64(), [-(2**63), 2**63 - 1, 0, None, 42]),
    "f4": ("REAL", pa.float32(), [1.5, -0.0, math.inf, None, -2.25]),
    "f8": ("DOUBLE PRECISION", pa.float64(), [1e-300, -1.0 / 3, -math.inf, None, 0.1]),
    "ok": ("BOOLEAN", pa.bool_(), [True, False, None, True, False]),
    "d": (
        "DATE",
        pa.date32(),
        [dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(2000, 1, 1), None, dt.date(9999, 12, 31)],
    ),
    "ts": (
        "TIMESTAMP",
        pa.timestamp("us"),
        [
            dt.datetime(1900, 1, 1, 0, 0, 0, 1),
            dt.datetime(2000, 1, 1),
            dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
            None,
            dt.datetime(1969, 12, 31, 23, 59, 59),
        ],
    ),
    "tz": (
        "TIMESTAMPTZ",
        pa.timestamp("us", tz="UTC"),
        [
            dt.datetime(1850, 6, 1, 12, tzinfo=UTC),
            None,
            dt.datetime(2024, 12, 24, 13, 16, 7, tzinfo=UTC),
            dt.datetime(2000, 1, 1, tzinfo=UTC),
            dt.datetime(2038, 1, 19, 3, 14, 8, 5, tzinfo=UTC),
        ],
    ),
    "t": (
        "TIME",
        pa.time64("us"),
        [dt.time(0, 0), dt.time(23, 59, 59, 999999), None, dt.time(12, 30), dt.time(1, 2, 3)],
    ),
    "price": (
        "NUMERIC(6, 2)",
        pa.decimal128(6, 2),
        [Decimal("7.25"), Decimal("-0.01"), Decimal("9999.99"), None, Decimal("0.00")],
    ),
    "wide": (
        "NUMERIC(18, 0)",
        pa.decimal128(18, 0),
        [Decimal("999999999999999999"), Decimal("-999999999999999999"), Decimal(0), None, 1],
    ),
    "fine": (
        "NUMERIC(18, 15)",
        pa.decimal128(18, 15),
        [Decimal("123.456789012345678"), Decimal("-0.000000000000001"), None, Decimal(0), 1],
    ),
    "frac": (
        "NUMERIC(4, 4)",
        pa.decimal128(4, 4),
        [Decimal("0.9999"), Decimal("-0.0001"), None, Decimal("0.5"), Decimal(0)],
    ),
    "whole": ("NUMERIC(5, 0)", pa.decimal128(5, 0), [99999, -10000, 10000, None, 0]),
    "txt": (
        "TEXT",
        pa.string(),
        ["", "ünïcödé ✓", "x" * 200, None, 'a "quoted", comma\nnew line\\'],
    ),
    "short": ("VARCHAR(20)", pa.string(), ["123456789012", "1234567890123", None, "a", ""]),
    "fixed": ("CHAR(3)", pa.string(), ["abc", "a", None, "xyz", "  "]),
    "id": (
        "UUID",
        pa.string(),
        [
            "0c6d5321-26dc-41f0-8180-2fe0f3b6aa68",
            "D19D1425-B1B3-4419-99F0-6B337B374407",
            None,
            "{181eb38a-56dc-4856-8ef3-487a8932084c}",  # spellings PostgreSQL also reads
            "40a529959cfd4e44a6b8ee285f171f3b",
        ],
    ),
    "doc": (
        "JSONB",
        pa.string(),
        ['{"a": 1, "b": [true, null]}', "[]", None, '"text"', '{"ü": "✓"}'],
    ),
    "raw_doc": ("JSON", pa.string(), ['{"b":1,  "a":2}', "null", None, "3", "[1, 2]"]),
    "blob": ("BYTEA", pa.binary(), [b"\x00\xff\x10", b"", None, b"x" * 40, b"\\x"]),
}


def _expected(name: str, value: object) -> object:
    if value is None:
        return None
    if name == "id":
        return uuid.UUID(str(value))
    if name == "doc":
        return json.loads(str(value))
    if name == "raw_doc":
        return json.loads(str(value))
    if name == "fixed":
        return str(value).ljust(3)
    if isinstance(value, int) and COLUMNS[name][0].startswith("NUMERIC"):
        return Decimal(value)
    return value


def _target(pg_dsn: str):  # type: ignore[no-untyped-def]
    return open_target(pg_dsn + "?schema=binary_copy")


def _rows(target, table: str, names: list[str]) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    cursor = target.connection.execute(
        f"SELECT {', '.join(names)} FROM binary_copy.{table} ORDER BY n"
    )
    return cursor.fetchall()


def test_every_supported_type_arrives_exactly(pg_dsn: str) -> None:
    names = list(COLUMNS)
    data = pa.table(
        {"n": pa.array(range(5), pa.int32())}
        | {name: pa.array(values, arrow) for name, (_sql, arrow, values) in COLUMNS.items()}
    )
    with _target(pg_dsn) as target:
        columns = ", ".join(f"{n} {sql}" for n, (sql, _a, _v) in COLUMNS.items())
        target.execute(f"CREATE TABLE binary_copy.typed (n INTEGER, {columns})")
        types = target.column_types('"binary_copy"."typed"', data.schema.names)
        assert BinaryLayout.of(data.schema, types) is not None  # the binary path is taken
        # in two pieces, the second sliced out of the first (non-zero array offsets)
        target.insert_arrow('"binary_copy"."typed"', data.slice(0, 2))
        target.insert_arrow('"binary_copy"."typed"', data.slice(2))
        rows = _rows(target, "typed", names)
    for i, row in enumerate(rows):
        for name, got in zip(names, row, strict=True):
            want = _expected(name, COLUMNS[name][2][i])
            if isinstance(want, float) and math.isinf(want):
                assert got == want, name
            elif name == "f4" and want is not None:
                assert got == pytest.approx(want), name
            else:
                assert got == want, (name, i)
    assert math.copysign(1.0, rows[1][names.index("f4")]) == -1.0  # -0.0 kept


def test_a_column_without_a_binary_encoder_loads_as_csv(pg_dsn: str) -> None:
    data = pa.table(
        {
            "n": pa.array([1, 2, 3], pa.int32()),
            "mood": pa.array(["happy", None, "sad"]),
            "addr": pa.array(["10.0.0.1", "::1", None]),
            "big": pa.array(
                [Decimal("1234567890123456789.5"), None, Decimal("-1")], pa.decimal128(30, 1)
            ),
        }
    )
    with _target(pg_dsn) as target:
        target.execute("CREATE TYPE binary_copy.mood AS ENUM ('happy', 'sad')")
        target.execute(
            "CREATE TABLE binary_copy.other (n INTEGER, mood binary_copy.mood, addr INET, "
            "big NUMERIC(30, 1))"
        )
        types = target.column_types('"binary_copy"."other"', data.schema.names)
        assert types == ["int4", "mood", "inet", "numeric"]
        assert BinaryLayout.of(data.schema, types) is None
        target.insert_arrow('"binary_copy"."other"', data)
        rows = _rows(target, "other", ["mood::text", "host(addr)", "big"])
    assert rows == [
        ("happy", "10.0.0.1", Decimal("1234567890123456789.5")),
        (None, "::1", None),
        ("sad", None, Decimal("-1.0")),
    ]


def test_a_value_the_server_refuses_fails_the_copy_with_its_reason(pg_dsn: str) -> None:
    data = pa.table({"n": pa.array([1, 2], pa.int32()), "s": pa.array(["ok", "toolong"])})
    with _target(pg_dsn) as target:
        target.execute("CREATE TABLE binary_copy.narrow (n INTEGER, s VARCHAR(3))")
        with pytest.raises(
            TargetError, match="COPY failed: value too long for type character varying"
        ):
            target.insert_arrow('"binary_copy"."narrow"', data)
        wide = pa.table({"n": pa.array([2**40], pa.int64()), "s": pa.array(["ok"])})
        with pytest.raises(TargetError, match="COPY failed"):
            target.insert_arrow('"binary_copy"."narrow"', wide)
        assert target.execute("SELECT count(*) FROM binary_copy.narrow") == [(0,)]
