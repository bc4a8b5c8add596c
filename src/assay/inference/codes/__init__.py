"""Reference code lists shipped with assay (ISO 3166-1, ISO 4217, ISO 639-1, E.164, IBAN).

The lists are plain text files built by ``scripts/build_code_lists.py`` so that no
code-list package is needed at runtime; each starts with ``#`` lines that name its
source and licence.  They are read lazily, on first use, and cached: most runs never
look at a phone number, so most runs never read the calling codes.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pyarrow as pa

LISTS = (
    "country_alpha2",
    "country_alpha3",
    "currency",
    "language_alpha2",
    "calling_codes",
    "iban_lengths",
)


@cache
def codes(name: str) -> tuple[str, ...]:
    """The sorted entries of code list ``name`` (one of :data:`LISTS`), header lines dropped."""
    if name not in LISTS:
        raise ValueError(f"unknown code list {name!r}; known: {', '.join(LISTS)}")
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


@cache
def code_array(name: str) -> pa.Array:
    """Code list ``name`` as an Arrow string array, the value set for ``pc.is_in``.

    Cached so that the array (and the hash table Arrow builds from it per call, which is
    cheap for a few hundred entries) is not rebuilt from text each time.
    """
    return pa.array(codes(name), type=pa.string())


@cache
def iban_keys() -> pa.Array:
    """IBAN country code and length joined, e.g. ``"DE22"``: one ``is_in`` checks both."""
    return pa.array([entry.replace(" ", "") for entry in codes("iban_lengths")], pa.string())
