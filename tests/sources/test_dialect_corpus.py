"""Every file of the tricky-dialect corpus is detected and read as a human would."""

from __future__ import annotations

import pytest

from tests.sources.corpus_check import CORPUS, PROPERTIES, check, expected

CASES = expected()


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file_detected_and_read_correctly(name: str) -> None:
    wrong = check(name, CASES[name])
    assert wrong == {}, f"{name}: {CASES[name].get('notes')}"


def test_corpus_is_large_and_covers_every_property() -> None:
    assert len(CASES) >= 40
    for prop in PROPERTIES:
        assert all(prop in spec or prop == "column_names" for spec in CASES.values()), prop


def test_skipping_candidates_that_cannot_win_picks_the_same_dialect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sniffer skips the cell typing of a candidate whose best possible score
    cannot beat the best so far; on every corpus file it picks what scoring every
    candidate in full picks."""
    from assay.sources import dialect as d
    from assay.sources import open_source

    texts = {}
    for name in sorted(CASES):
        path = CORPUS / "files" / name
        detection = next(open_source(str(path)).streams()).detection
        texts[name] = path.read_bytes().decode(detection.encoding or "utf-8", errors="replace")
    typed = []
    score = d._score
    monkeypatch.setattr(d, "_score", lambda *a: typed.append(1) or score(*a))
    bounded = []
    bound = d._score_bound
    monkeypatch.setattr(d, "_score_bound", lambda *a: bounded.append(1) or bound(*a))
    pruned = {name: d.sniff_dialect(text, complete=True) for name, text in texts.items()}
    assert len(typed) < len(bounded) / 2  # most candidates are never typed

    # An infinite bound: no candidate can be skipped, every one is typed in full.
    monkeypatch.setattr(d, "_score_bound", lambda p, c: float("inf") if bound(p, c) > 0 else 0.0)
    for name, text in texts.items():
        assert d.sniff_dialect(text, complete=True) == pruned[name], name
