"""Checking one suggestion against the schema and the data: accept or reject, and why.

The rules (documented in ``docs/refine.md``):

- a **type** is accepted only if it is narrower than the inferred one (string → date,
  float → integer, …) and the data confirms it with inference's own candidate
  validators (same tolerance), without losing information (no leading zeros or ``+``
  signs dropped from codes, no identifier formats turned into numbers);
- a **format** only for text without a format yet, confirmed by inference's format
  checks on the values (95 % like inference);
- **allowed values** only if every observed value is among them and the sample is
  known to hold every distinct value; a **pattern** only if it is a valid RE2
  expression (linear time: model output is never given a backtracking engine) that
  every value matches in full; a **range** only for numbers, containing the observed
  minimum and maximum;
- a **semantic type** only if the values can be of that type (its logical kinds,
  formats, numeric range, or few distinct values for categories);
- a **classification** never less strict than what the values or semantic type imply
  (e-mail addresses are at least ``pii``);
- a **primary key** only if the data shows its columns unique and never null; a
  **reference** only if the values are found in the referenced column.
"""

from assay.refinement.key_checks import check_primary_key, check_reference
from assay.refinement.type_checks import NARROWER, check_format, check_type
from assay.refinement.value_checks import (
    check_classification,
    check_description,
    check_enum,
    check_pattern,
    check_range,
    check_semantic_type,
)
from assay.refinement.verdict import Verdict, accept, kind_of, reject

__all__ = [
    "NARROWER",
    "Verdict",
    "accept",
    "check_classification",
    "check_description",
    "check_enum",
    "check_format",
    "check_pattern",
    "check_primary_key",
    "check_range",
    "check_reference",
    "check_semantic_type",
    "check_type",
    "kind_of",
    "reject",
]
