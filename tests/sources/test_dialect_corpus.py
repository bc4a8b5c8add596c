"""Every file of the tricky-dialect corpus is detected and read as a human would."""

from __future__ import annotations

import pytest

from tests.sources.corpus_check import PROPERTIES, check, expected

CASES = expected()


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file_detected_and_read_correctly(name: str) -> None:
    wrong = check(name, CASES[name])
    assert wrong == {}, f"{name}: {CASES[name].get('notes')}"


def test_corpus_is_large_and_covers_every_property() -> None:
    assert len(CASES) >= 40
    for prop in PROPERTIES:
        assert all(prop in spec or prop == "column_names" for spec in CASES.values()), prop
