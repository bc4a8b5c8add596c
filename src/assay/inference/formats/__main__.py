"""Benchmark: ``python -m assay.inference.formats [N]`` times detect_formats on N values.

Not a test (timings depend on the machine); a way to see what detection costs per
column shape.  Each column is generated deterministically, detection is run three
times and the best time reported, with the formats found.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference import codes
from assay.inference.formats import detect_formats


def _columns(n: int, rng: np.random.Generator) -> dict[str, Callable[[], tuple]]:
    countries = np.array(codes.codes("country_alpha2"))
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])

    def uuids() -> tuple:
        raw = rng.bytes(16 * n)
        return (pa.array([str(uuid.UUID(bytes=raw[i : i + 16])) for i in range(0, 16 * n, 16)]),)

    def emails() -> tuple:
        users = pc.binary_join_element_wise(
            pa.array(rng.choice(words, n)), pa.array(rng.integers(0, 10**6, n).astype(str)), "."
        )
        return (pc.binary_join_element_wise(users, pa.array(["example.com"] * n), "@"),)

    def country_values() -> tuple:
        return (pa.array(rng.choice(countries, n)),)

    def country_distinct() -> tuple:
        counts = pc.value_counts(country_values()[0])
        return counts.field("values"), counts.field("counts")

    def timestamps() -> tuple:
        seconds = rng.integers(0, 2 * 10**9, n).astype("datetime64[s]")
        return (pa.array(np.datetime_as_string(seconds, timezone="UTC")),)

    def integers() -> tuple:
        return (pa.array(rng.integers(0, 10**9, n).astype(str)),)

    def free_text() -> tuple:
        return (
            pc.binary_join_element_wise(
                pa.array(rng.choice(words, n)), pa.array(rng.choice(words, n)), " "
            ),
        )

    return {
        "uuid": uuids,
        "email": emails,
        "country (1e6 raw values)": country_values,
        "country (distinct + counts)": country_distinct,
        "date-time (RFC 3339, UTC)": timestamps,
        "integers (no format)": integers,
        "two words (no format)": free_text,
    }


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(42)
    print(f"detect_formats on {n:,} values, best of 3")
    for label, make in _columns(n, rng).items():
        args = make()
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            found = detect_formats(*args)
            best = min(best, time.perf_counter() - start)
        names = ", ".join(f"{m.name} {m.confidence:.3f}" for m in found) or "-"
        print(f"  {label:<30} {best * 1000:8.1f} ms  {len(args[0]):>9,} entries  -> {names}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000)
