"""Schema evolution: widening rules, merges (with order-independence properties), diff, grouping."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.inference.evolution import (
    diff,
    group,
    merge_fields,
    merge_schemas,
    merge_tables,
    similarity,
    widen,
)
from assay.schema import (
    Constraints,
    DataType,
    Evidence,
    Field,
    FormatInfo,
    Key,
    Relationship,
    Schema,
    Stats,
    Table,
    TypeKind,
)

K = TypeKind


def t(kind: TypeKind, **params: Any) -> DataType:
    return DataType(kind=kind, **params)


def f(path: str, type_: DataType, **extra: Any) -> Field:
    return Field(name=path.rsplit(".", 1)[-1], path=path, type=type_, **extra)


INT = t(K.INTEGER, minimum=0, maximum=99)
STR = t(K.STRING, max_length=10)
NULL = t(K.NULL)


# ---------------------------------------------------------------- widening rules


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (NULL, INT, INT),
        (INT, t(K.INTEGER, minimum=-500, maximum=5), t(K.INTEGER, minimum=-500, maximum=99)),
        (
            t(K.INTEGER, minimum=-1234, maximum=7),
            t(K.DECIMAL, precision=5, scale=2),
            t(K.DECIMAL, precision=6, scale=2),
        ),
        (
            t(K.DECIMAL, precision=5, scale=1),
            t(K.DECIMAL, precision=4, scale=3),
            t(K.DECIMAL, precision=7, scale=3),
        ),
        (t(K.DECIMAL, precision=5, scale=1), t(K.FLOAT), t(K.FLOAT)),
        (INT, t(K.FLOAT), t(K.FLOAT)),
        (t(K.DATE), t(K.DATETIME, timezone=False), t(K.DATETIME, timezone=False)),
        (t(K.DATE), t(K.DATETIME, timezone=True), t(K.DATETIME)),
        (
            t(K.DATE, pattern="%d/%m/%Y"),
            t(K.DATE, pattern="%d/%m/%Y"),
            t(K.DATE, pattern="%d/%m/%Y"),
        ),
        (t(K.DATE, pattern="%d/%m/%Y"), t(K.DATE), t(K.DATE)),
        (STR, t(K.STRING, max_length=30), t(K.STRING, max_length=30)),
        (INT, STR, t(K.STRING)),
        (t(K.BOOLEAN), INT, t(K.STRING)),
        (t(K.TIME), t(K.DATE), t(K.STRING)),
        (t(K.ARRAY, items=INT), t(K.ARRAY, items=t(K.FLOAT)), t(K.ARRAY, items=t(K.FLOAT))),
        (t(K.ARRAY), t(K.ARRAY, items=INT), t(K.ARRAY, items=INT)),
        (t(K.OBJECT, fields=()), INT, t(K.MIXED, distribution={"integer": 0, "object": 0})),
    ],
)
def test_widening_rules(a: DataType, b: DataType, expected: DataType) -> None:
    assert widen(a, b) == expected
    assert widen(b, a) == expected


def test_mixed_folds_scalar_kinds() -> None:
    mixed = t(K.MIXED, distribution={"integer": 3, "object": 2})
    assert widen(mixed, STR) == t(K.MIXED, distribution={"object": 2, "string": 3})
    assert widen(mixed, NULL) is mixed
    # A mixed of scalars only (as inference makes for JSON numbers and strings) folds, but
    # stays mixed so that its counts survive further merges.
    scalars = t(K.MIXED, distribution={"integer": 3, "string": 1})
    assert widen(scalars, INT) == t(K.MIXED, distribution={"string": 4})


def test_objects_merge_members_by_name_in_first_seen_order() -> None:
    a = t(K.OBJECT, fields=(f("s.city", STR, nullable=False), f("s.zip", INT, nullable=False)))
    b = t(K.OBJECT, fields=(f("s.zip", t(K.STRING)), f("s.country", STR, frequency=0.5)))
    merged = widen(a, b)
    assert [m.name for m in merged.fields or ()] == ["city", "zip", "country"]
    city, zip_, country = merged.fields or ()
    assert city.nullable and city.frequency == 1.0  # missing on one side: nullable
    assert zip_.type == t(K.STRING) and zip_.nullable
    assert country.frequency == 0.5  # no weights at type level: the lowest share seen


# ---------------------------------------------------------------- merging


def test_merge_tables_weights_frequencies_and_combines_stats() -> None:
    v1 = Table(
        name="orders",
        sources=("a.json",),
        row_count=100,
        fields=(
            f("id", INT, nullable=False, stats=Stats(count=100, distinct=100, min=0, max=99)),
            f("note", STR, frequency=0.5, stats=Stats(count=50, nulls=10, mean=2.0)),
        ),
        primary_key=Key(fields=("id",), confidence=0.9),
    )
    v2 = Table(
        name="orders",
        sources=("b.json", "a.json"),
        row_count=300,
        fields=(
            f(
                "id",
                t(K.INTEGER, minimum=50, maximum=400),
                nullable=False,
                stats=Stats(count=300, distinct=300, min=50, max=400),
            ),
            f("legacy", NULL, stats=Stats(count=300, nulls=300)),
        ),
        primary_key=Key(fields=("id",), confidence=1.0),
    )
    m = merge_tables(v1, v2)
    assert m.row_count == 400 and m.sources == ("a.json", "b.json")
    assert [x.path for x in m.fields] == ["id", "note", "legacy"]
    id_, note, legacy = m.fields
    assert id_.type == t(K.INTEGER, minimum=0, maximum=400) and not id_.nullable
    assert id_.stats == Stats(count=400, distinct=300, distinct_exact=False, min=0, max=400)
    assert note.nullable and note.frequency == 50 / 400
    assert note.stats == v1.fields[1].stats  # a field on one side keeps its statistics
    assert legacy.nullable and legacy.frequency == 300 / 400
    assert m.primary_key == Key(fields=("id",), confidence=0.9)


def test_all_null_side_does_not_erase_what_the_other_side_knows() -> None:
    fmt = FormatInfo(name="email", confidence=0.99)
    known = f(
        "mail",
        STR,
        format=fmt,
        constraints=Constraints(enum=("a", "b")),
        stats=Stats(count=10, min="a", max="b", min_length=1, max_length=1),
    )
    blank = f("mail", NULL, stats=Stats(count=5, nulls=5))
    m = merge_fields(blank, known, 5, 10)
    assert m.type == STR and m.format == fmt and m.constraints == known.constraints
    assert m.stats == Stats(count=15, nulls=5, min="a", max="b", min_length=1, max_length=1)


def test_merge_fields_keeps_both_sides_evidence_and_marks_distinct_inexact() -> None:
    e1, e2 = Evidence(decision="type", rule="all-conform"), Evidence(decision="type", rule="x")
    a = f("x", INT, evidence=(e1,), stats=Stats(count=3, distinct=3), examples=(1, 2, 3))
    b = f("x", INT, evidence=(e2, e1), stats=Stats(count=4, distinct=2), examples=(3, 4))
    m = merge_fields(a, b, 3, 4)
    assert m.evidence == (e1, e2)
    assert m.stats is not None and m.stats.distinct == 3 and not m.stats.distinct_exact
    assert sorted(m.examples) == [1, 2, 3, 4]


def test_merge_schemas_matches_tables_by_name() -> None:
    orders = Table(name="orders", row_count=2, fields=(f("id", INT),))
    rel = Relationship(
        from_table="orders",
        from_fields=("cid",),
        to_table="customers",
        to_fields=("id",),
        confidence=0.9,
        coverage=1.0,
    )
    a = Schema(tables=(orders,), relationships=(rel,))
    b = Schema(
        tables=(Table(name="customers", row_count=1), orders),
        relationships=(rel.model_copy(update={"confidence": 0.5}),),
    )
    m = merge_schemas(a, b)
    assert [x.name for x in m.tables] == ["orders", "customers"]
    assert m.table("orders").row_count == 4
    assert m.relationships == (rel.model_copy(update={"confidence": 0.5}),)


# ---------------------------------------------------------------- order-independence

NAMES = ("id", "amount", "note", "tags", "ship")


@cache
def scalar_types() -> st.SearchStrategy[DataType]:
    small = st.none() | st.integers(0, 40)
    pattern = st.sampled_from([None, "%d/%m/%Y"])

    @st.composite
    def integer(draw: st.DrawFn) -> DataType:
        lo, hi = sorted((draw(st.integers(-(10**6), 10**6)), draw(st.integers(-(10**6), 10**6))))
        return t(K.INTEGER, **draw(st.sampled_from([{}, {"minimum": lo, "maximum": hi}])))

    @st.composite
    def decimal(draw: st.DrawFn) -> DataType:
        scale = draw(st.none() | st.integers(0, 6))
        precision = draw(st.none() | st.integers(scale or 0, 20))
        return t(K.DECIMAL, precision=precision, scale=scale)

    return st.one_of(
        st.sampled_from([t(k) for k in (K.NULL, K.BOOLEAN, K.FLOAT, K.DURATION)]),
        integer(),
        decimal(),
        st.builds(t, st.sampled_from([K.STRING, K.BINARY]), max_length=small),
        st.builds(t, st.sampled_from([K.DATE, K.TIME]), pattern=pattern),
        st.builds(
            t, st.just(K.DATETIME), pattern=pattern, timezone=st.sampled_from([None, True, False])
        ),
        st.builds(
            t,
            st.just(K.MIXED),
            distribution=st.dictionaries(
                st.sampled_from(["integer", "string", "boolean", "object", "array", "null"]),
                st.integers(1, 9),
                min_size=1,
                max_size=3,
            ),
        ),
    )


@cache
def members(rows: int, inner: st.SearchStrategy[DataType], prefix: str) -> st.SearchStrategy:
    """Fields with unique names; frequencies are record shares of ``rows`` records."""
    frequency = st.integers(0, rows).map(lambda k: k / rows) if rows else st.just(1.0)
    fmt = st.none() | st.builds(
        FormatInfo, name=st.sampled_from(["email", "uri"]), confidence=st.sampled_from([0.9, 1.0])
    )

    @st.composite
    def stats(draw: st.DrawFn) -> Stats:
        count = draw(st.integers(0, 20))
        lo, hi = sorted((draw(st.integers(-5, 5)), draw(st.integers(-5, 5))))
        return Stats(
            count=count,
            nulls=draw(st.integers(0, count)),
            distinct=draw(st.none() | st.integers(0, count)),
            distinct_exact=draw(st.booleans()),
            min=lo,
            max=hi,
            mean=draw(st.none() | st.just(1.5)),
            min_length=draw(st.none() | st.just(1)),
            top_values=draw(st.sampled_from([(), (("a", 2),)])),
        )

    constraints = st.none() | st.builds(
        Constraints,
        enum=st.none() | st.lists(st.sampled_from("abcd"), unique=True).map(tuple),
        minimum=st.none() | st.integers(-3, 3),
        unique=st.sampled_from([None, True, False]),
        pattern=st.sampled_from([None, "^a"]),
    )

    def build(name: str, draw: st.DrawFn) -> Field:
        return Field(
            name=name,
            path=prefix + name,
            type=draw(inner),
            nullable=draw(st.booleans()),
            frequency=draw(frequency),
            format=draw(fmt),
            constraints=draw(constraints),
            stats=draw(st.none() | stats()),
            description=draw(st.sampled_from([None, "d"])),
            hints=tuple(draw(st.lists(st.sampled_from(["h1", "h2"]), unique=True))),
            examples=tuple(draw(st.lists(st.integers(0, 9), max_size=4, unique=True))),
            evidence=tuple(draw(st.lists(st.sampled_from(EVIDENCE), unique=True, max_size=2))),
        )

    @st.composite
    def fields(draw: st.DrawFn) -> tuple[Field, ...]:
        names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
        return tuple(build(n, draw) for n in names)

    return fields()


EVIDENCE = [Evidence(decision="type", rule=r) for r in ("all-conform", "tolerance")]


@cache
def types(rows: int, depth: int = 2) -> st.SearchStrategy[DataType]:
    if depth == 0:
        return scalar_types()
    inner = types(rows, depth - 1)
    return st.one_of(
        scalar_types(),
        st.builds(t, st.just(K.ARRAY), items=st.none() | inner),
        members(rows, inner, "p.").map(lambda fs: t(K.OBJECT, fields=fs)),
    )


@st.composite
def tables(draw: st.DrawFn) -> Table:
    rows = draw(st.integers(0, 12))
    keys = st.sampled_from([None, Key(fields=("id",)), Key(fields=("id",), confidence=0.5)])
    return Table(
        name="t",
        row_count=rows,
        fields=draw(members(rows, types(rows, 1), "")),
        sources=tuple(draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True))),
        primary_key=draw(keys),
        evidence=tuple(draw(st.lists(st.sampled_from(EVIDENCE)))),
    )


def dump(model: DataType | Table) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def canonical(value: Any) -> Any:
    """Order-free form: lists sorted (by their text), objects' members sorted by name."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=repr)
    return value


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLES = settings(PROPERTY, max_examples=150)  # bigger values: fewer of them


@PROPERTY
@given(types(6), types(6), types(6))
def test_widen_is_associative(a: DataType, b: DataType, c: DataType) -> None:
    assert dump(widen(widen(a, b), c)) == dump(widen(a, widen(b, c)))


@PROPERTY
@given(types(6), types(6))
def test_widen_is_commutative(a: DataType, b: DataType) -> None:
    assert canonical(dump(widen(a, b))) == canonical(dump(widen(b, a)))


@TABLES
@given(tables(), tables(), tables())
def test_merge_tables_is_associative(a: Table, b: Table, c: Table) -> None:
    assert dump(merge_tables(merge_tables(a, b), c)) == dump(merge_tables(a, merge_tables(b, c)))


@TABLES
@given(tables(), tables())
def test_merge_tables_is_commutative(a: Table, b: Table) -> None:
    assert canonical(dump(merge_tables(a, b))) == canonical(dump(merge_tables(b, a)))


# ---------------------------------------------------------------- diff


def orders(*fields: Field) -> Table:
    return Table(name="orders", row_count=10, fields=fields)


V1 = orders(
    f("id", INT, nullable=False),
    f("amount", t(K.DECIMAL, precision=8, scale=2), nullable=False),
    f("status", STR, nullable=False),
    f("placed", t(K.DATE)),
    f("legacy_code", STR),
)


def test_diff_classifies_changes() -> None:
    v2 = orders(
        f("id", t(K.INTEGER, minimum=0, maximum=10**6), nullable=False),  # wider range
        f("amount", t(K.FLOAT), nullable=False),  # decimal -> float: widening
        f("status", t(K.STRING, max_length=5)),  # shorter, but NOT NULL dropped
        f("placed", t(K.DATE, pattern="%d/%m/%Y"), nullable=False),  # pattern + NOT NULL
        f("coupon", STR),  # new nullable
        f("channel", STR, nullable=False),  # new required
    )
    d = diff(V1, v2)
    got = {(c.path, c.reason): c.compatibility for c in d.changes}
    assert got == {
        ("amount", "widened decimal -> float"): "compatible",
        ("channel", "new required field"): "breaking",
        ("coupon", "new nullable field"): "compatible",
        ("id", "wider integer range"): "compatible",
        ("legacy_code", "removed field"): "breaking",
        ("placed", "became NOT NULL"): "breaking",
        ("placed", "text pattern changed: readers of the raw text must change"): "breaking",
        ("status", "NOT NULL dropped"): "compatible",
        ("status", "fits the existing string"): "compatible",
    }
    assert d.breaking
    assert [c.path for c in d.changes] == sorted(c.path for c in d.changes)


def test_diff_text_report() -> None:
    v2 = orders(
        f("id", t(K.STRING), nullable=False),
        *V1.fields[1:4],
        f("coupon", STR),
        f("id2", t(K.BOOLEAN), nullable=False),
    )
    text = diff(V1, v2).to_text()
    assert text.splitlines() == [
        "+ orders.coupon: string(10), nullable  (compatible: new nullable field)",
        "~ orders.id: integer[0..99] -> string  (compatible: widened integer -> string)",
        "+ orders.id2: boolean  (breaking: new required field)",
        "- orders.legacy_code: string(10), nullable  (breaking: removed field)",
        "4 changes: 2 compatible, 2 breaking",
    ]


def test_diff_of_schemas_reports_tables_and_nested_members_once() -> None:
    ship = t(K.OBJECT, fields=(f("ship.city", STR), f("ship.zip", INT, nullable=False)))
    old = Schema(tables=(orders(f("id", INT), f("ship", ship)), Table(name="gone")))
    ship2 = t(
        K.OBJECT,
        fields=(
            f("ship.city", t(K.STRING)),
            f("ship.geo", t(K.OBJECT, fields=(f("ship.geo.lat", t(K.FLOAT)),))),
        ),
    )
    new = Schema(
        tables=(
            orders(f("id", t(K.INTEGER, minimum=5, maximum=9)), f("ship", ship2)),
            Table(name="customers", fields=(f("id", INT),)),
        )
    )
    lines = diff(old, new).to_text().splitlines()
    assert lines == [
        "+ customers: table (1 field)  (compatible: new table)",
        "- gone: table (0 fields)  (breaking: removed table)",
        "~ orders.id: integer[0..99] -> integer[5..9]  (compatible: fits the existing integer)",
        "~ orders.ship.city: string(10) -> string  (compatible: wider max_length)",
        "+ orders.ship.geo: object, nullable  (compatible: new nullable field)",
        "- orders.ship.zip: integer[0..99]  (breaking: removed field)",
        "6 changes: 4 compatible, 2 breaking",
    ]


def test_diff_of_identical_schemas_is_empty() -> None:
    d = diff(V1, V1)
    assert d.changes == [] and not d.breaking
    assert d.to_text() == "0 changes: 0 compatible, 0 breaking\n"


def test_mixed_counts_are_not_a_change() -> None:
    a = orders(f("v", t(K.MIXED, distribution={"integer": 3, "object": 1})))
    b = orders(f("v", t(K.MIXED, distribution={"integer": 30, "object": 9})))
    assert diff(a, b).changes == []


# ---------------------------------------------------------------- similarity and grouping


def order_v1() -> Table:
    return Table(
        name="orders_2023",
        fields=(
            f("order_id", INT),
            f("customer_id", INT),
            f("total", t(K.DECIMAL, precision=8, scale=2)),
            f("placed_at", t(K.DATETIME)),
            f("status", STR),
            f("shipping", t(K.OBJECT, fields=(f("shipping.city", STR), f("shipping.zip", STR)))),
        ),
    )


def order_v2() -> Table:  # a later export: total became float, coupon and tracking added
    v1 = order_v1()
    return v1.model_copy(
        update={
            "name": "orders_2024",
            "fields": (
                *(x for x in v1.fields if x.path != "total"),
                f("total", t(K.FLOAT)),
                f("coupon", STR),
                f("tracking", t(K.ARRAY, items=STR)),
            ),
        }
    )


def customers() -> Table:
    return Table(
        name="customers",
        fields=(
            f("customer_id", INT),
            f("email", STR),
            f("name", STR),
            f("signed_up", t(K.DATE)),
            f("address", t(K.OBJECT, fields=(f("address.city", STR), f("address.zip", STR)))),
        ),
    )


def test_similarity_counts_nested_members_and_has_a_path_only_variant() -> None:
    a, b = order_v1(), order_v2()
    # 8 pairs each (6 fields + 2 nested); v2 changes total's kind and adds 2 fields.
    assert similarity(a, b) == pytest.approx(7 / 11)
    assert similarity(a, b, paths_only=True) == pytest.approx(8 / 10)
    assert similarity(a, customers()) == pytest.approx(1 / 14)
    assert similarity(a, a) == 1.0 and similarity(Table(name="x"), Table(name="y")) == 1.0


def test_group_separates_feeds_deterministically() -> None:
    tables = [order_v1(), customers(), order_v2(), customers(), order_v1()]
    assert group(tables) == [[0, 2, 4], [1, 3]]
    assert group(tables, threshold=0.99) == [[0, 4], [1, 3], [2]]
    assert group([]) == []
