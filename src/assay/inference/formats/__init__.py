"""Detect the *format* of a string column: uuid, email, IBAN, country code, ...

Formats refine a type: a column of strings that are all e-mail addresses gets the
JSON-Schema annotation ``format: email`` and a check that later data still conforms.
Detection validates rather than pattern-matches: code lists are looked up, checksums
(Luhn, IBAN mod 97) computed, dates checked against the calendar, JSON parsed.  It is
vectorised over Arrow arrays: a cheap RE2 shape filter over all values, exact validation
only on the survivors, Python only once per distinct value where nothing else will do.

Layout: ``_detect`` (the API), ``_registry`` (the formats in order, column gates), one
module per family of checks, ``_vector`` (shared kernels); ``python -m
assay.inference.formats`` runs a benchmark.
"""

from __future__ import annotations

from assay.inference.formats._detect import FormatMatch, check_format, detect_formats
from assay.inference.formats._registry import FORMATS, NAMED_FORMATS

__all__ = ["FORMATS", "NAMED_FORMATS", "FormatMatch", "check_format", "detect_formats"]
