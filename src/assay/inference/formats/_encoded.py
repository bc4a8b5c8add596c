"""Encoded payloads and ids: ``uuid``, ``base64``, ``jwt``, ``json``.

The danger with these is over-acceptance: every four-letter word is valid base64 and
every '[...]' looks like JSON.  Each check therefore asks for positive evidence beyond
the alphabet, documented on the function.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.byteshapes import fixed_width_matrix
from assay.inference.formats._vector import Mask, lengths, matches, per_distinct, refine

_HEX = "[0-9A-Fa-f]"
UUID_RE = rf"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$"

_B64 = "[A-Za-z0-9+/]"
# Canonical base64: whole quads, and when padded the unused low bits of the last
# character are zero (what a strict decoder demands; 'QQ==' yes, 'QR==' no).
BASE64_RE = rf"^(?:{_B64}{{4}})*(?:{_B64}{{4}}|{_B64}{{2}}[AEIMQUYcgkosw048]=|{_B64}[AQgw]==)$"
# Strings of one character class, or of hex digits, carry no sign of being base64.
_PLAIN_RE = r"^(?:[A-Z]+|[a-z]+|[0-9A-Fa-f]+|[+/]+)$"
BASE64_MIN_UNPADDED = 16

_SEGMENT = "[A-Za-z0-9_-]"
# header.payload.signature; header and payload are JSON objects, so their base64url
# starts with 'e' (the top six bits of '{'); the signature is empty for alg 'none'.
JWT_RE = rf"^e{_SEGMENT}+\.e{_SEGMENT}+\.{_SEGMENT}*$"
JSON_RE = r"(?s)^\s*(?:\{.*\}|\[.*\])\s*$"


def check_uuid(values: pa.Array) -> Mask:
    """8-4-4-4-12 hexadecimal digits, either case.

    Version and variant bits are not enforced: JSON Schema's ``uuid`` follows the RFC
    4122 text grammar, which does not constrain them, and many systems mint ids of this
    shape that are not RFC-conformant.  The hyphenated shape alone is already specific.
    """
    fixed = _uuid_layout(values)
    if fixed is not None:
        return fixed
    return matches(values, UUID_RE)


_DASHES = np.zeros(36, dtype=bool)
_DASHES[[8, 13, 18, 23]] = True


def _uuid_layout(values: pa.Array) -> Mask | None:
    """:data:`UUID_RE` for the usual column, every value 36 bytes long: the values as
    rows of a byte matrix, checked column by column at memory speed (RE2 takes ~300 ns
    a value).  None when the values are not laid out so (the caller uses the pattern)."""
    matrix = fixed_width_matrix(values)
    if matrix is None or matrix.shape[1] != 36:
        return None
    letters = ((matrix | np.uint8(0x20)) - np.uint8(0x61)) < 6  # a-f and A-F only
    hexdigit = ((matrix - np.uint8(0x30)) < 10) | letters
    ok = hexdigit[:, ~_DASHES].all(axis=1)
    ok &= (matrix[:, _DASHES] == 0x2D).all(axis=1)
    return ok


def _has_base64_evidence(values: pa.Array) -> Mask:
    padded = matches(values, "=$")
    long_mixed = (lengths(values) >= BASE64_MIN_UNPADDED) & ~matches(values, _PLAIN_RE)
    return padded | long_mixed


def check_base64(values: pa.Array) -> Mask:
    """Canonical standard base64 *with evidence*: a value conforms when it decodes
    strictly and either ends in '=' padding, or is at least 16 characters long and mixes
    character classes without being plain hexadecimal.

    'test', 'abcd', 'data' (and any other unpadded word) fail, so do hex digests and
    digit strings; 12 random bytes or more unpadded, or any padded payload, pass.  The
    price: short unpadded payloads (under 12 bytes, no padding) are not recognised.
    """
    return refine(values, matches(values, BASE64_RE), _has_base64_evidence)


def _header_has_alg(segment: str) -> bool:
    try:
        header = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def _jwt_header_is_valid(values: pa.Array) -> Mask:
    # Decoded per distinct *header*: a token column has a handful of headers at most.
    headers = pc.list_element(pc.split_pattern(values, ".", max_splits=1), 0)
    return per_distinct(headers, _header_has_alg)


def check_jwt(values: pa.Array) -> Mask:
    """Compact JWS: three base64url segments, payload an encoded JSON object, and a
    header that decodes to a JSON object with a string ``alg`` member."""
    return refine(values, matches(values, JWT_RE), _jwt_header_is_valid)


def _parses(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def check_json(values: pa.Array) -> Mask:
    """A JSON object or array (scalars like '1' or 'true' are other types' business)
    that orjson parses; parsed once per distinct candidate."""
    return refine(values, matches(values, JSON_RE), lambda v: per_distinct(v, _parses))
