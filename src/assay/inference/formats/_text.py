"""Short textual formats: ``semver``, ``slug``, ``latitude``, ``longitude``, ``hex-color``,
``mime-type``.

Several of these are shapes that ordinary data also has (a price looks like a latitude,
an issue reference '#123' like a colour).  The per-value checks here say whether a value
*may* be one; the column-level gates in :mod:`._registry` decide whether a whole column
is convincing enough to be *called* one.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.formats._vector import Check, Mask, matches, refine

# semver.org's recommended regex, numbered-group variant (RE2 accepts it unchanged).
SEMVER_RE = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HEX_COLOR_RE = r"^#(?:[0-9A-Fa-f]{3}){1,2}$"
# A plain decimal with a fractional part: integers are not coordinates, nor is '1e3'.
COORDINATE_RE = r"^[+-]?\d{1,3}\.\d+$"

# IANA top-level media types (RFC 6838 and later registrations).
MIME_TOP_LEVEL = (
    "application", "audio", "example", "font", "haptics", "image", "message", "model",
    "multipart", "text", "video",
)  # fmt: skip
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]"
MIME_RE = (
    rf"^(?i:{'|'.join(MIME_TOP_LEVEL)})/[A-Za-z0-9]{_TOKEN}{{0,126}}"
    rf"(?:\s*;\s*{_TOKEN}+=(?:{_TOKEN}+|\"[^\"]*\"))*$"
)


def check_semver(values: pa.Array) -> Mask:
    """Semantic Versioning 2.0.0 exactly: three numeric parts without leading zeros,
    optional pre-release and build.  '1.2' and 'v1.2.3' are not semver."""
    return matches(values, SEMVER_RE)


def check_slug(values: pa.Array) -> Mask:
    """Lower-case ASCII words of letters and digits joined by single hyphens, with at
    least one letter (so '2024-01-31' and '555-1234' are not slugs)."""
    return matches(values, SLUG_RE) & matches(values, "[a-z]")


def check_hex_color(values: pa.Array) -> Mask:
    """CSS ``#RGB`` or ``#RRGGBB``, either case."""
    return matches(values, HEX_COLOR_RE)


def check_mime_type(values: pa.Array) -> Mask:
    """``type/subtype[; param=value]...`` with a registered top-level type, so a path
    such as 'docs/readme' is not a media type while 'application/x-custom' is."""
    return matches(values, MIME_RE)


def _within(limit: float) -> Check:
    """A check that the (already decimal-shaped) values lie in ``[-limit, limit]``."""

    def check(values: pa.Array) -> Mask:
        number = np.asarray(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False))
        return np.abs(number) <= limit

    return check


def check_latitude(values: pa.Array) -> Mask:
    """A decimal number with a fractional part, between -90 and 90 inclusive."""
    return refine(values, matches(values, COORDINATE_RE), _within(90.0))


def check_longitude(values: pa.Array) -> Mask:
    """A decimal number with a fractional part, between -180 and 180 inclusive."""
    return refine(values, matches(values, COORDINATE_RE), _within(180.0))


def fraction_digits(values: pa.Array) -> np.ndarray:
    """Number of digits after the decimal point (values are known to contain one)."""
    dot = pc.find_substring(values, ".")
    return np.asarray(
        pc.subtract(pc.subtract(pc.utf8_length(values), dot), 1).to_numpy(zero_copy_only=False)
    )
