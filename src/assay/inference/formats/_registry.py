"""The formats, in order of specificity, each with its check and optional column gate.

Order matters: when several formats fit a column, :func:`detect_formats` reports them
in this order, so the most telling one comes first (a uuid is also a slug, an IBAN of
the right length is also base64, a longitude in Europe is also a latitude).

A *gate* is a column-level condition applied only by detection, never by
:func:`check_format`: per value, 'CA' is a country code and '12.99' a latitude, but a
column is only *called* one when it looks like one as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.formats import _checksums, _coded, _encoded, _network, _temporal, _text
from assay.inference.formats._vector import Check, Mask, matches, to_mask

Gate = Callable[[pa.Array, Mask, np.ndarray], bool]

# Code-list columns: besides few non-code *values* (the confidence), few distinct
# non-codes.  One code repeated a million times plus fifty distinct junk tokens is not
# a country column even at 99.99% confidence.
CODE_MAX_FOREIGN_SHARE = 0.2
CODE_FOREIGN_ALWAYS_OK = 2
# Share of a slug column's conforming weight that must contain a hyphen.
SLUG_HYPHEN_SHARE = 0.5
# Share of a coordinate column's conforming weight that must have >= 3 decimals.
COORDINATE_PRECISE_SHARE = 0.5
COORDINATE_MIN_DECIMALS = 3


def _few_foreign_codes(values: pa.Array, mask: Mask, weights: np.ndarray) -> bool:
    """At most 20% of the distinct values are not codes (two are always tolerated).

    US state abbreviations are the case in point: 'CA', 'GA', 'IN', 'PA' are countries
    too, but 'NY', 'TX', 'FL' are not, so a states column fails here (and on confidence).
    """
    present = weights > 0  # a value counted zero times does not occur
    foreign = pc.count_distinct(values.filter(pa.array(~mask & present))).as_py()
    distinct = pc.count_distinct(values.filter(pa.array(present))).as_py()
    return foreign <= max(CODE_FOREIGN_ALWAYS_OK, CODE_MAX_FOREIGN_SHARE * distinct)


def _mostly_hyphenated(values: pa.Array, mask: Mask, weights: np.ndarray) -> bool:
    """Most slugs join several words; a column of single lower-case words is just words."""
    hyphen = to_mask(pc.match_substring(values, "-")) & mask
    return weights[hyphen].sum() >= SLUG_HYPHEN_SHARE * weights[mask].sum()


def _mostly_precise(values: pa.Array, mask: Mask, weights: np.ndarray) -> bool:
    """Coordinates are written with 3+ decimals (~100 m); money has exactly 2.

    Without this a price column ('12.99', '5.49') would be called latitude.
    """
    conforming = values.filter(pa.array(mask))
    precise = _text.fraction_digits(conforming) >= COORDINATE_MIN_DECIMALS
    return weights[mask][precise].sum() >= COORDINATE_PRECISE_SHARE * weights[mask].sum()


def _some_hex_letter(values: pa.Array, mask: Mask, weights: np.ndarray) -> bool:
    """At least one colour uses a digit a-f; '#100', '#205', '#999' are issue numbers."""
    return bool((matches(values, "[A-Fa-f]") & mask & (weights > 0)).any())


def _some_base64_symbol(values: pa.Array, mask: Mask, weights: np.ndarray) -> bool:
    """Some value uses '+', '/' or '=' padding.  Random alphanumeric tokens (API keys,
    ids) whose length happens to be a multiple of 4 are valid base64 too; real base64
    shows one of these three in all but tiny columns (a 16-character unpadded value
    lacks both '+' and '/' with probability (62/64)^16 = 60%, ten such values 0.6%)."""
    return bool((matches(values, "[+/=]") & mask & (weights > 0)).any())


@dataclass(frozen=True)
class Spec:
    """One format: the per-value check and, for detection only, a column gate."""

    name: str
    check: Check
    gate: Gate | None = None


_SPECS = (
    Spec("jwt", _encoded.check_jwt),
    Spec("uuid", _encoded.check_uuid),
    Spec("iban", _checksums.check_iban),
    Spec("credit-card", _checksums.check_credit_card),
    Spec("phone-e164", _coded.check_phone_e164),
    Spec("date-time", _temporal.check_date_time),
    Spec("date", _temporal.check_date),
    Spec("time", _temporal.check_time),
    Spec("ipv6", _network.check_ipv6),
    Spec("ipv4", _network.check_ipv4),
    Spec("mac-address", _network.check_mac),
    Spec("email", _network.check_email),
    Spec("uri", _network.check_uri),
    Spec("mime-type", _text.check_mime_type),
    Spec("hex-color", _text.check_hex_color, _some_hex_letter),
    Spec("semver", _text.check_semver),
    Spec("currency-code", _coded.check_currency, _few_foreign_codes),
    Spec("country-code-alpha3", _coded.check_country_alpha3, _few_foreign_codes),
    Spec("country-code-alpha2", _coded.check_country_alpha2, _few_foreign_codes),
    Spec("language-code", _coded.check_language, _few_foreign_codes),
    Spec("latitude", _text.check_latitude, _mostly_precise),
    Spec("longitude", _text.check_longitude, _mostly_precise),
    Spec("json", _encoded.check_json),
    Spec("hostname", _network.check_hostname),
    Spec("base64", _encoded.check_base64, _some_base64_symbol),
    Spec("slug", _text.check_slug, _mostly_hyphenated),
)

SPECS: dict[str, Spec] = {spec.name: spec for spec in _SPECS}
# Formats whose values alone prove little; the column name must agree.
NAMED_FORMATS = {
    "latitude": re.compile(r"(^|[^a-z])(lat|latitude)([^a-z]|$)"),
    "longitude": re.compile(r"(^|[^a-z])(lon|lng|long|longitude)([^a-z]|$)"),
}
FORMATS: tuple[str, ...] = tuple(SPECS)
