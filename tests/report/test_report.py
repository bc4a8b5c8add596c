"""The HTML report as text: self-contained, escaped, deterministic, written atomically."""

from __future__ import annotations

import html
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from assay.report import RunReport, render_report, write_report
from tests.report.hostile import EVIL, PASSWORD, T0, hostile_report
from tests.report.shop_report import shop_report


@pytest.fixture(scope="module")
def shop() -> RunReport:
    return shop_report()


def test_every_hostile_value_is_escaped() -> None:
    page = render_report(hostile_report())
    assert "<script" not in page
    assert "<img" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    escaped = html.escape(EVIL, quote=True).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")
    # every place a value is shown: the title, headings, cells, chart labels, samples
    assert page.count(escaped) >= 20
    assert "&amp;" in page


def test_credentials_never_reach_the_page() -> None:
    page = render_report(hostile_report())
    assert PASSWORD not in page
    assert "postgresql://loader:***@db/dw" in page


def test_the_page_loads_nothing_from_outside() -> None:
    page = render_report(shop_report())
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for attribute in re.findall(r'\b(?:src|href)="([^"]*)"', page):
        assert attribute.startswith("#"), attribute
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_the_same_model_gives_the_same_bytes(shop: RunReport) -> None:
    first = render_report(shop)
    assert render_report(shop) == first
    assert render_report(RunReport.model_validate(shop.model_dump())) == first
    assert render_report(shop_report()) == first


def test_only_the_given_times_change_the_output() -> None:
    early, late = hostile_report(), hostile_report(offset=timedelta(days=1, hours=2))
    a, b = render_report(early), render_report(late)
    assert a != b
    shifted = T0 + timedelta(days=1, hours=2)
    for seconds in (0, 2, 3):
        old = (T0 + timedelta(seconds=seconds)).isoformat(sep=" ").replace("+00:00", " UTC")
        new = (shifted + timedelta(seconds=seconds)).isoformat(sep=" ").replace("+00:00", " UTC")
        b = b.replace(new, old)
    assert a == b


def test_write_report_is_atomic_and_complete(tmp_path: Path, shop: RunReport) -> None:
    target = tmp_path / "out" / "report.html"
    assert write_report(shop, target) == target
    assert target.read_text(encoding="utf-8") == render_report(shop)
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_empty_run_still_renders() -> None:
    page = render_report(RunReport(run_id="r-1", started=T0))
    assert "no stages recorded" in page
    assert "no relationships found" in page
    assert "no artifacts written" in page


def test_row_accounting_that_does_not_add_up_is_flagged(shop: RunReport) -> None:
    entry = shop.tables[0]
    assert entry.rows is not None and entry.rows.balanced
    broken = entry.model_copy(update={"rows": entry.rows.model_copy(update={"loaded": 1})})
    page = render_report(shop.model_copy(update={"tables": (broken,)}))
    assert "does not add up" in page
    assert "does not add up" not in render_report(shop)
