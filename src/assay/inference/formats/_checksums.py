"""Numbers that carry a check digit: ``credit-card`` (Luhn) and ``iban`` (ISO 7064 mod 97).

The checksums are computed in NumPy over a right-aligned character matrix of the
survivors (see :func:`char_matrix`), column by column, so a million card numbers cost
a few dozen array operations, not a million Python calls.  A checksum is what separates
a card number from any 16-digit id: a random digit string passes Luhn one time in ten,
and a random IBAN-shaped string passes mod 97 about one time in a hundred.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference import codes
from assay.inference.formats._vector import (
    Mask,
    char_matrix,
    concat,
    digit_value,
    matches,
    refine,
)

# Grouped forms as printed on cards: 4-4-4-4(-3) and American Express 4-6-5.
CARD_SHAPE_RE = (
    r"^(?:\d{12,19}|\d{4}(?: \d{4}){2,3}(?: \d{1,3})?|\d{4}(?:-\d{4}){2,3}(?:-\d{1,3})?"
    r"|\d{4}[ -]\d{6}[ -]\d{5})$"
)
# Issuer prefixes and lengths of the networks in use (ISO/IEC 7812 major industry 2-6):
# Visa; Mastercard 51-55 and 2221-2720; Amex; Diners; JCB; Discover, UnionPay, Maestro.
CARD_BRAND_RE = (
    r"^(?:4\d{12}(?:\d{3}){0,2}"
    r"|(?:5[1-5]\d\d|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)\d{12}"
    r"|3[47]\d{13}"
    r"|3(?:0[0-5]|[689]\d)\d{11,16}"
    r"|35\d{14,17}"
    r"|(?:5[06-9]|6\d)\d{10,17})$"
)
IBAN_SHAPE_RE = r"^[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)$"


_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)  # digit sum of 2d


def _luhn(digits: pa.Array) -> Mask:
    """Luhn: double every second digit from the right, the sum must end in 0.
    Left padding with zeros adds nothing to the sum, so ragged lengths are fine."""
    d = digit_value(char_matrix(digits))
    width = d.shape[1]
    doubled = (width - 1 - np.arange(width)) % 2 == 1
    d[:, doubled] = _LUHN_DOUBLE[d[:, doubled]]
    return d.sum(axis=1, dtype=np.int32) % 10 == 0


def _valid_card(values: pa.Array) -> Mask:
    compact = pc.replace_substring(pc.replace_substring(values, " ", ""), "-", "")
    return refine(compact, matches(compact, CARD_BRAND_RE), _luhn)


def check_credit_card(values: pa.Array) -> Mask:
    """Payment card number: known issuer prefix and length, and a valid Luhn digit.

    Digits may be grouped by spaces or hyphens as printed.  The brand prefix matters:
    Luhn alone would accept 10% of any column of long integers.
    """
    return refine(values, matches(values, CARD_SHAPE_RE), _valid_card)


_POW10_MOD97 = np.array([pow(10, e, 97) for e in range(80)], dtype=np.int32)


def _mod97(values: pa.Array) -> Mask:
    """ISO 13616: move the first four characters to the end, read letters as 10..35,
    and the number must be 1 modulo 97.

    Summed right to left as ``sum(value * (10**exponent mod 97))``, the exponent being
    the number of decimal digits to the right (letters count two): no modulo per step,
    and the int32 sum cannot overflow (34 positions * 35 * 96).
    """
    moved = concat(pc.utf8_slice_codeunits(values, 4), pc.utf8_slice_codeunits(values, 0, 4))
    matrix = np.ascontiguousarray(char_matrix(moved).T)  # one row per position
    exponent = np.zeros(len(values), dtype=np.int32)
    total = np.zeros(len(values), dtype=np.int32)
    for chars, digits in zip(matrix[::-1], digit_value(matrix)[::-1], strict=True):
        total += digits * _POW10_MOD97[exponent]
        exponent += 1 + (chars >= 65)
    return total % 97 == 1


def _valid_iban(values: pa.Array) -> Mask:
    compact = pc.replace_substring(values, " ", "")
    length = pc.cast(pc.utf8_length(compact), compact.type)
    key = concat(pc.utf8_slice_codeunits(compact, 0, 2), length)
    known = np.asarray(pc.is_in(key, value_set=codes.iban_keys()).to_numpy(zero_copy_only=False))
    return refine(compact, known, _mod97)


def check_iban(values: pa.Array) -> Mask:
    """IBAN, compact or in groups of four: a country of the SWIFT IBAN registry, that
    country's exact length, and the mod-97 check digits.  Upper case only, as printed."""
    return refine(values, matches(values, IBAN_SHAPE_RE), _valid_iban)
