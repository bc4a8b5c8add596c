"""Keep the inference corpus honest: every label must follow from the file bytes."""

from __future__ import annotations

import pytest
import verify_labels

LABELS = verify_labels.load_labels()


def _param(name: str) -> object:
    big = LABELS[name]["rows"] > verify_labels.SAMPLE_ROWS
    return pytest.param(name, marks=pytest.mark.slow) if big else name


def test_corpus_files_and_labels_match() -> None:
    """Every file has a label entry and every entry a file."""
    on_disk = {p.name for p in verify_labels.FILES_DIR.iterdir() if p.is_file()}
    assert on_disk == set(LABELS)


def test_corpus_coverage() -> None:
    """Sizes, counts and every promised case (encodings, dialects, types, formats...)."""
    assert verify_labels.check_coverage(LABELS) == []


@pytest.mark.parametrize("name", [_param(n) for n in sorted(LABELS)])
def test_labels_follow_from_data(name: str) -> None:
    """Re-derive each column's label from the file under the documented rules."""
    assert verify_labels.verify_file(verify_labels.FILES_DIR / name, LABELS[name]) == []


def test_corpus_is_regenerated() -> None:
    """Committed files and labels.yaml equal a fresh run of make_corpus.py."""
    assert verify_labels.check_generated() == []
