"""The documented vocabularies a model must answer in: semantic types and classifications.

A closed vocabulary is what makes answers checkable and comparable: the model picks one
of these names (the output schema makes anything else impossible where decoding is
constrained), and each type says which logical kinds and formats its values can have,
so :mod:`assay.refinement` can reject "email" for a column whose values are not e-mail
addresses.  The same table is rendered into the prompt and into ``docs/refine.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

NUMBERS = frozenset({"integer", "decimal", "float"})
TEXT = frozenset({"string"})


@dataclass(frozen=True)
class SemanticType:
    name: str
    description: str
    kinds: frozenset[str]  # logical kinds the values may have
    formats: tuple[str, ...] = ()  # when set, the values must be one of these formats
    minimum: float | None = None  # numeric range the observed values must lie within
    maximum: float | None = None
    classification: str | None = None  # the least classification this type implies
    categorical: bool = False  # few distinct values relative to the rows
    shape: str | None = None  # "no_spaces" or "no_digits": what (nearly) every text value is


SEMANTIC_TYPES: tuple[SemanticType, ...] = (
    SemanticType("identifier", "a key, number or code identifying a record (id, SKU, reference)",
                 NUMBERS | TEXT, shape="no_spaces"),
    SemanticType("person_name", "a person's first, last or full name", TEXT, classification="pii",
                 shape="no_digits"),
    SemanticType("email", "an e-mail address", TEXT, formats=("email",), classification="pii"),
    SemanticType("phone", "a telephone number", TEXT | {"integer"}, classification="pii"),
    SemanticType("street_address", "a street and house number", TEXT, classification="pii"),
    SemanticType("city", "a city or town", TEXT, shape="no_digits"),
    SemanticType("region", "a state, province or region", TEXT, shape="no_digits"),
    SemanticType("postal_code", "a postal or ZIP code", TEXT | {"integer"},
                 classification="quasi_identifier"),
    SemanticType("country", "a country name or code", TEXT, shape="no_digits"),
    SemanticType("latitude", "a latitude in degrees", NUMBERS, minimum=-90, maximum=90),
    SemanticType("longitude", "a longitude in degrees", NUMBERS, minimum=-180, maximum=180),
    SemanticType("currency_amount", "an amount of money (price, total, balance)", NUMBERS),
    SemanticType("currency_code", "an ISO 4217 currency code", TEXT, formats=("currency-code",),
                 categorical=True),
    SemanticType("percentage", "a percentage or rate", NUMBERS),
    SemanticType("quantity", "a count or measured quantity", NUMBERS),
    SemanticType("date", "a calendar date", frozenset({"date"})),
    SemanticType("timestamp", "a point in time (date and time)", frozenset({"datetime"})),
    SemanticType("time_of_day", "a time of day", frozenset({"time"})),
    SemanticType("boolean_flag", "a yes/no flag", frozenset({"boolean"})),
    SemanticType("category", "a code or label from a small fixed set (segment, type, status)",
                 TEXT | {"integer", "boolean"}, categorical=True),
    SemanticType("name", "the name or title of a thing (product, company, place)", TEXT),
    SemanticType("free_text", "free-form text written by people (notes, comments, messages)",
                 TEXT),
    SemanticType("url", "a web address", TEXT, formats=("uri",)),
    SemanticType("ip_address", "an IPv4 or IPv6 address", TEXT, formats=("ipv4", "ipv6"),
                 classification="pii"),
    SemanticType("language", "a language name or code", TEXT),
    SemanticType("other", "none of the above", frozenset()),  # any kind
)  # fmt: skip

BY_NAME: dict[str, SemanticType] = {t.name: t for t in SEMANTIC_TYPES}
NAMES: tuple[str, ...] = tuple(BY_NAME)

# Least to most restricted; a column's classification is the strictest that applies.
CLASSIFICATIONS: tuple[str, ...] = ("none", "quasi_identifier", "pii", "sensitive")
CLASSIFICATION_TEXT = {
    "none": "no personal data",
    "quasi_identifier": "identifies a person only combined with other data (postal code, "
    "birth date)",
    "pii": "identifies a person directly (name, e-mail, phone, street address)",
    "sensitive": "special or financial personal data (health, card or account numbers)",
}
# A format inference confirmed says what the values are, whatever a model says.
FORMAT_SEMANTIC_TYPES = {
    "email": "email",
    "phone-e164": "phone",
    "uuid": "identifier",
    "country-code-alpha2": "country",
    "country-code-alpha3": "country",
    "currency-code": "currency_code",
    "language-code": "language",
    "uri": "url",
    "ipv4": "ip_address",
    "ipv6": "ip_address",
    "latitude": "latitude",
    "longitude": "longitude",
}
# Formats whose values are personal data whatever a model says.
FORMAT_CLASSIFICATION = {
    "email": "pii",
    "phone-e164": "pii",
    "ipv4": "pii",
    "ipv6": "pii",
    "iban": "sensitive",
    "credit-card": "sensitive",
}


def stricter(a: str | None, b: str | None) -> str | None:
    """The more restrictive of two classifications (None counts as unknown)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if CLASSIFICATIONS.index(a) >= CLASSIFICATIONS.index(b) else b


def render_vocabulary() -> str:
    """One line per semantic type, as the prompt lists them."""
    return "\n".join(f"    {t.name}: {t.description}" for t in SEMANTIC_TYPES)


def render_classifications() -> str:
    return "\n".join(f"    {name}: {text}" for name, text in CLASSIFICATION_TEXT.items())
