"""The report opened in a real headless Chromium: it renders, shows every table, field,
chart and check, runs nothing injected, and the screenshot is a picture, not a blank."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.report import RunReport, write_report
from assay.report.charts import histogram
from tests.report.conftest import Browser
from tests.report.dom import Element, parse
from tests.report.hostile import EVIL, hostile_report
from tests.report.shop_report import shop_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop() -> RunReport:
    return shop_report()


@pytest.fixture
def shop_dom(shop: RunReport, browser: Browser, tmp_path: Path) -> Element:
    page = write_report(shop, tmp_path / "report.html")
    return parse(browser(page, "--dump-dom"))


def test_every_table_field_chart_and_check_is_in_the_rendered_page(
    shop: RunReport, shop_dom: Element
) -> None:
    assert shop_dom.find("title").text() == "assay run · 20240304-050607-shop"
    sections = shop_dom.find_all("section", "table")
    assert [s.find("h2").text() for s in sections] == [f"Table {t.table.name}" for t in shop.tables]
    assert [t.table.name for t in shop.tables] == [
        "customers", "order_items", "orders", "payments", "reviews"
    ]  # fmt: skip
    for section, entry in zip(sections, shop.tables, strict=True):
        table = entry.table
        rows = section.find("table", "fields").rows()
        assert [r.find("td", "name").find("code").text() for r in rows] == [
            f.path for f in table.fields
        ]
        assert [r.find("td", "type").find("code").text() for r in rows] == [
            str(f.type) for f in table.fields
        ]
        charted = [f for f in table.fields if f.stats and f.stats.histogram]
        charted = [f for f in charted if histogram(f.stats.histogram) is not None]  # type: ignore[union-attr, arg-type]
        svgs = section.find_all("svg", "histogram")
        assert len(svgs) == len(charted)
        for svg, field in zip(svgs, charted, strict=True):
            assert len(svg.find_all("rect")) == len(field.stats.histogram.counts)  # type: ignore[union-attr]
        quality = section.find("table", "quality").rows()
        assert [r.find("code").text() for r in quality] == [q.rule_id for q in entry.quality]
        failed = [r for r in quality if "failed" in r.classes]
        assert len(failed) == sum(q.failed > 0 for q in entry.quality)
    assert any(section.find_all("svg", "histogram") for section in sections)
    assert shop_dom.find_all("svg", "top-values")
    timeline = shop_dom.find("svg", "timeline")
    assert len(timeline.find_all("rect")) == len(shop.stages)
    relationships = shop_dom.find("table", "relationships").rows()
    assert len(relationships) == len(shop.relationships) > 0
    rejects = sections[0].find("table", "rejects").rows()
    rejected = shop.tables[0].rows.rejected  # type: ignore[union-attr]
    assert [r.find("td").text() for r in rejects] == [r.reason for r in rejected]


def test_the_screenshot_is_a_rendered_page(
    shop: RunReport, browser: Browser, tmp_path: Path
) -> None:
    from PIL import Image

    page = write_report(shop, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    browser(page, f"--screenshot={shot}", "--window-size=1280,2000")
    with Image.open(shot) as image:
        assert image.format == "PNG"
        assert image.size == (1280, 2000)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, badges, charts: not one colour
    counts = {colour: n for n, colour in colours}
    white = counts.get((255, 255, 255), 0)
    assert white < 0.97 * 1280 * 2000
    # the charts are drawn: timeline and badges in green, histogram bars in blue
    assert counts.get((0x1F, 0x8A, 0x4C), 0) > 500
    assert counts.get((0x3B, 0x6F, 0xD8), 0) > 500


def test_injected_markup_stays_text_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    page = write_report(hostile_report(), tmp_path / "hostile.html")
    dom = parse(browser(page, "--dump-dom"))
    assert dom.find_all("script") == []
    assert dom.find_all("img") == []
    for element in dom.iter():
        assert not any(name.startswith("on") for name in element.attrs), element.tag
    assert dom.find("title").text() == f"{EVIL} · {EVIL}"
    assert dom.find("section", "table").find("h2").text() == f"Table {EVIL}"
    assert dom.find("td", "name").find("code").text() == EVIL
