"""Suggestions without a model: semantic types and classifications from formats and
column names.

This is what ``--llm none`` gives, and what a chunk falls back to when a model's
answers stay unusable.  The rules are deliberately few and conservative; their
suggestions go through the same checks against the data as a model's.
"""

from __future__ import annotations

import re

from assay.llm.suggestions import FieldSuggestion
from assay.llm.vocabulary import BY_NAME, FORMAT_CLASSIFICATION, FORMAT_SEMANTIC_TYPES, stricter
from assay.schema import Field, TypeKind

# The logical type alone, for kinds that mean one thing.
KIND_TYPES = {
    TypeKind.DATE: "date",
    TypeKind.DATETIME: "timestamp",
    TypeKind.TIME: "time_of_day",
    TypeKind.BOOLEAN: "boolean_flag",
}
# Name words (snake/camel case split, lower case), most specific first.
NAME_RULES: tuple[tuple[str, frozenset[str]], ...] = (
    ("person_name", frozenset({"firstname", "lastname", "fullname", "surname", "givenname",
                               "first_name", "last_name", "full_name", "given_name"})),
    ("email", frozenset({"email", "mail", "e_mail"})),
    ("phone", frozenset({"phone", "tel", "telephone", "mobile", "fax"})),
    ("postal_code", frozenset({"zip", "zipcode", "postal", "postcode", "postal_code"})),
    ("street_address", frozenset({"street", "address", "addr", "address_line"})),
    ("city", frozenset({"city", "town"})),
    ("region", frozenset({"state", "province", "region", "county"})),
    ("country", frozenset({"country"})),
    ("currency_code", frozenset({"currency", "ccy"})),
    ("currency_amount", frozenset({"amount", "amt", "price", "total", "cost", "revenue",
                                   "balance", "fee", "subtotal"})),
    ("percentage", frozenset({"pct", "percent", "percentage", "rate", "ratio"})),
    ("quantity", frozenset({"qty", "quantity", "count", "cnt"})),
    ("url", frozenset({"url", "link", "website", "homepage"})),
    ("ip_address", frozenset({"ip", "ip_address"})),
    ("language", frozenset({"lang", "language", "locale"})),
    ("free_text", frozenset({"notes", "note", "comment", "comments", "message", "body",
                             "text", "remarks"})),
    ("category", frozenset({"status", "segment", "type", "category", "method", "kind",
                            "tier", "channel", "class"})),
    ("identifier", frozenset({"id", "uuid", "guid", "key", "sku", "ref", "reference", "no",
                              "nr", "number", "code"})),
    ("name", frozenset({"name", "title", "label"})),
)  # fmt: skip


def words(name: str) -> list[str]:
    """``customerID`` → ``['customer', 'id']``; ``first_name`` → ``['first', 'name']``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if w]


def semantic_type(f: Field) -> str | None:
    if f.format is not None and f.format.name in FORMAT_SEMANTIC_TYPES:
        return FORMAT_SEMANTIC_TYPES[f.format.name]
    kind = TypeKind(f.type.kind)
    if kind in KIND_TYPES:
        return KIND_TYPES[kind]
    tokens = words(f.name)
    joined = "_".join(tokens)
    pairs = {"_".join(tokens[i : i + 2]) for i in range(len(tokens) - 1)}
    # The last word names the thing (customer_id is an id, id_type a type), then pairs.
    for name, vocabulary in NAME_RULES:
        if joined in vocabulary or pairs & vocabulary:
            return name
    if tokens:
        for name, vocabulary in NAME_RULES:
            if tokens[-1] in vocabulary:
                return name
    return None


def suggest(f: Field) -> FieldSuggestion | None:
    """A suggestion for one field, or None when no rule applies."""
    semantic = semantic_type(f)
    classification = None
    if f.format is not None:
        classification = FORMAT_CLASSIFICATION.get(f.format.name)
    if semantic is not None:
        classification = stricter(classification, BY_NAME[semantic].classification)
    if semantic is None and classification is None:
        return None
    return FieldSuggestion(
        description="",
        semantic_type=semantic or "other",
        classification=classification or "none",
        confidence=0.6 if f.format is not None else 0.5,
        reasoning="format" if f.format is not None else "name",
    )
