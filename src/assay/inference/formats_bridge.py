"""Track format hypotheses of a text column across batches.

The first batch with values runs full detection on (a bounded number of) its distinct
values and checks every value; later batches re-check the formats still standing on
their distinct values when they are few, else on an evenly spread sample of
``SAMPLE_PER_BATCH`` values — format validators (code lists, checksums, calendar
checks) cost 100–500 ns a value, and a format is an annotation of a text column, not a
type decision, so its confidence from a large spread sample is reported as such
(the evidence says how many values were checked).  Types are still decided on every
value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.profile import EXAMPLES, ColumnProfile

DETECT_SAMPLE = 5000
KEEP_THRESHOLD = 0.9
SAMPLE_PER_BATCH = 8192


def format_checker() -> Callable[[ColumnProfile, pa.Array], None]:
    from assay.inference.formats import check_format, detect_formats

    def check(profile: ColumnProfile, text: pa.Array) -> None:
        if profile.formats is None:
            if profile.planned:
                return  # a path the head of the input did not have: no detection
            distinct = pc.unique(text[:DETECT_SAMPLE])
            found = detect_formats(distinct, min_confidence=KEEP_THRESHOLD)
            profile.formats = {m.name: [0, 0, []] for m in found[:3]}
        if not profile.formats:
            return
        counted = profile.last_counted
        for name in list(profile.formats):
            if counted is not None:
                # Check each distinct value once, weighted by how often it occurs.
                match = check_format(name, counted.field("values"), counted.field("counts"))
            elif profile.planned and len(text) > SAMPLE_PER_BATCH:
                spread = np.linspace(0, len(text) - 1, SAMPLE_PER_BATCH).astype(np.int64)
                match = check_format(name, text.take(pa.array(spread)))
            else:
                match = check_format(name, text)
            entry = profile.formats[name]
            entry[0] += match.conforming
            entry[1] += match.checked
            for value in match.violations:
                if value not in entry[2] and len(entry[2]) < EXAMPLES:
                    entry[2].append(value)
            if entry[1] >= 1000 and entry[0] / entry[1] < KEEP_THRESHOLD:
                del profile.formats[name]

    return check
