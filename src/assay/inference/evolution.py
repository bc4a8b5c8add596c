"""Schema evolution: widen types, merge schemas of several inputs, diff versions, group tables.

Widening rules (``widen(a, b)``, the least common supertype)
-------------------------------------------------------------
``widen`` is associative, and commutative up to the order of object members (first seen
first), so merging many files gives the same schema whatever order they were read in.

- **null** merges with anything: ``null ∪ T = T``.
- **numbers**: ``integer ⊂ decimal ⊂ float``.
  ``integer ∪ integer`` widens the range (smallest minimum, largest maximum).
  ``integer ∪ decimal(p,s)`` is a decimal wide enough for the integers' digit count
  (from their minimum/maximum).  ``decimal ∪ decimal`` is
  ``decimal(max integer digits + max scale, max scale)``.  Anything numeric ``∪ float``
  is ``float``.
- **dates**: ``date ⊂ datetime``.  ``timezone`` is kept only if both sides agree (a date
  counts as naive, so ``date ∪ datetime(tz)`` has ``timezone=None``); ``pattern`` is kept
  only if both sides have the same one, else ``None``.
- **strings**: ``string ∪ string`` keeps the larger ``max_length``.  Any other scalar
  ``∪ string`` is ``string`` (every scalar has a text form); its ``max_length`` is then
  unknown (``None``).
- **other scalars** of different kinds (``boolean``, ``time``, ``duration``, ``binary``,
  or a number against a date) meet at ``string``.  In particular **boolean ∪ integer =
  string**: an integer column would turn ``true`` into ``1`` (silent data loss), and a
  mixed type would block DDL for what is, in a CSV, plainly a text column.
- **objects**: members merged by name, recursively, in first-seen order; a member
  missing on one side becomes nullable.  Its frequency is re-weighted when the record
  counts are known (table merges); a plain ``widen`` keeps the lowest frequency seen.
- **arrays**: ``array<widen(items)>``; an array whose items were never seen (only empty
  arrays) merges like null.
- **otherwise** (an object, an array and a scalar against one another) the result is
  **mixed**, with the union of the distributions: counts of the same kind add, a
  non-mixed side adds its kind with count 0 (its values were never counted by kind).
  Scalar kinds inside a mixed fold into their common supertype
  (``mixed(integer|object) ∪ string = mixed(object|string)``).  Once mixed, a type stays
  mixed, even with a single kind left (``mixed(string)``), so its counts are not lost.

A parameter that one side does not know (``None``) makes the merged parameter unknown.

Merging, diffing and grouping are described on :func:`merge_tables`, :func:`diff` and
:func:`group`.
"""

from __future__ import annotations

from assay.inference._evo_diff import Change, SchemaDiff, diff
from assay.inference._evo_fields import merge_fields
from assay.inference._evo_group import group, similarity
from assay.inference._evo_merge import merge_schemas, merge_tables
from assay.inference._evo_types import widen

__all__ = [
    "Change",
    "SchemaDiff",
    "diff",
    "group",
    "merge_fields",
    "merge_schemas",
    "merge_tables",
    "similarity",
    "widen",
]
