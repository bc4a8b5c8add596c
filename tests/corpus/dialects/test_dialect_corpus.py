"""Keep the dialect corpus valid: every file must match its entry in expected.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import verify_corpus

EXPECTED = verify_corpus.load_expected()


def test_corpus_size() -> None:
    """The corpus has at least the promised number of files, all described."""
    on_disk = {p.name for p in verify_corpus.FILES_DIR.iterdir() if p.is_file()}
    assert len(EXPECTED) >= verify_corpus.MIN_FILES
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_matches_expectation(name: str) -> None:
    """Decoding, terminators, shape, quoting and delimiter uniqueness all check out."""
    path: Path = verify_corpus.FILES_DIR / name
    assert verify_corpus.verify_file(path, EXPECTED[name]) == []


def test_corpus_is_regenerated() -> None:
    """Committed files and expected.yaml equal a fresh run of make_corpus.py."""
    assert verify_corpus.check_generated(EXPECTED) == []
