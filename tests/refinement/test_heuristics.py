"""The rules used without a model, and the documentation of the vocabularies."""

from __future__ import annotations

import pytest

import assay
from assay.llm.vocabulary import CLASSIFICATIONS, SEMANTIC_TYPES
from assay.refinement import refine
from assay.refinement.heuristics import words
from tests.conftest import ROOT, SHOP


def test_words() -> None:
    assert words("customerID") == ["customer", "id"]
    assert words("first_name") == ["first", "name"]
    assert words("Ship-To Zip") == ["ship", "to", "zip"]


@pytest.fixture(scope="module")
def refined():
    return refine(assay.infer(str(SHOP))).schema


@pytest.mark.parametrize(
    ("table", "path", "semantic", "classification"),
    [
        ("customers", "email", "email", "pii"),  # from the confirmed format
        ("customers", "phone", "phone", "pii"),
        ("customers", "first_name", "person_name", "pii"),  # from the name
        ("customers", "postal_code", "postal_code", "quasi_identifier"),
        ("customers", "country", "country", None),
        ("customers", "signup_date", "date", None),  # from the type
        ("customers", "is_vip", "boolean_flag", None),
        ("orders", "shipping.geo.lat", "latitude", None),
        ("orders", "currency", "currency_code", None),
        ("order_items", "unit_price", "currency_amount", None),
        ("order_items", "discount_pct", "percentage", None),
        ("payments", "payment_id", "identifier", None),
    ],
)
def test_heuristics_without_a_model(refined, table, path, semantic, classification) -> None:
    from assay.refinement.context import columns_of

    f = next(f for f in columns_of(refined.table(table)) if f.path == path)
    assert (f.semantic_type, f.classification) == (semantic, classification)
    assert f.description is None  # rules do not write descriptions
    assert f.provenance[-1].source == "inference"
    assert f.provenance[-1].detail.startswith("refine heuristics aspects=semantic_type")


def test_refinement_is_deterministic() -> None:
    schema = assay.infer(str(SHOP))
    first = assay.schema.to_yaml(refine(schema).schema)
    assert assay.schema.to_yaml(refine(schema).schema) == first


def test_the_vocabularies_are_documented() -> None:
    text = (ROOT / "docs" / "refine.md").read_text()
    for semantic in SEMANTIC_TYPES:
        assert f"| `{semantic.name}` | {semantic.description} |" in text
    for name in CLASSIFICATIONS:
        assert f"`{name}`" in text
