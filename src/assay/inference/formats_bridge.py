"""Track format hypotheses of a text column across batches.

The first batch with values runs full detection on (a bounded number of) its distinct
values; later batches only re-check the formats still standing, with one vectorized
check each.  A format whose conformance falls under 90 % after 1,000 values is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.profile import EXAMPLES, ColumnProfile

DETECT_SAMPLE = 5000
KEEP_THRESHOLD = 0.9


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
