"""Values drawn from real code lists: country, currency and language codes, E.164 phones.

A shape ("two capitals") proves nothing: 'AB' and 'ZZ' have it too.  Each value is
looked up (``pc.is_in``, a hash probe) in the list shipped in :mod:`assay.inference.codes`.
Case is part of the format: ISO 3166 and ISO 4217 codes are upper case, ISO 639-1
codes lower case; 'us' is therefore no country code and 'EN' no language code.  That
is a choice in favour of precision: a lower-case two-letter column is far more often
languages (or something else) than countries.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.formats._vector import Mask, in_list, matches, refine


def check_country_alpha2(values: pa.Array) -> Mask:
    """ISO 3166-1 alpha-2, officially assigned, plus the common EU, UK and XK."""
    return in_list(values, "country_alpha2")


def check_country_alpha3(values: pa.Array) -> Mask:
    """ISO 3166-1 alpha-3, officially assigned, plus XKX (Kosovo)."""
    return in_list(values, "country_alpha3")


def check_currency(values: pa.Array) -> Mask:
    """ISO 4217 alphabetic code of a current currency (including funds and metals, XAU)."""
    return in_list(values, "currency")


def _language_tag_is_known(values: pa.Array) -> Mask:
    language = in_list(pc.utf8_slice_codeunits(values, 0, 2), "language_alpha2")
    region = pc.utf8_slice_codeunits(values, 3, 5)
    no_region = pc.equal(pc.utf8_length(values), 2).to_numpy(zero_copy_only=False)
    return language & (no_region | in_list(region, "country_alpha2"))


def check_language(values: pa.Array) -> Mask:
    """ISO 639-1 code, optionally with an ISO 3166 region: 'en', 'en-GB', 'pt_BR'.

    The region form is accepted because locale columns are where language codes mostly
    live in data; both parts must be real codes.
    """
    return refine(values, matches(values, r"^[a-z]{2}(?:[-_][A-Z]{2})?$"), _language_tag_is_known)


def _calling_code_is_assigned(values: pa.Array) -> Mask:
    """The digits after '+' start with an assigned calling code.  ITU codes are
    prefix-free, so testing the 1-, 2- and 3-digit prefixes finds the only candidate."""
    found = in_list(pc.utf8_slice_codeunits(values, 1, 2), "calling_codes")
    for stop in (3, 4):
        found |= in_list(pc.utf8_slice_codeunits(values, 1, stop), "calling_codes")
    return found


def check_phone_e164(values: pa.Array) -> Mask:
    """'+' then 7-15 digits beginning with an assigned ITU country calling code.

    The '+' is required: without it a phone number cannot be told from any other
    integer, and E.164 notation is precisely the '+'-prefixed form.  Spaces, dashes
    and brackets are not E.164 and are not accepted.
    """
    return refine(values, matches(values, r"^\+[1-9]\d{6,14}$"), _calling_code_is_assigned)
