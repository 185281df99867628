"""The HTML report in a real headless browser: Debian's chromium driven by playwright.

Pages load without console errors or failed requests, every image decodes, sorting and
filtering the table work, the flipbook steps through frames, and the screenshots are
not blank. Skipped (saying why) only where /usr/bin/chromium is not installed:
``.ci/run`` installs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from report_data import BuiltReport

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="Debian chromium is not at /usr/bin/chromium (apt-get install -y chromium; .ci/run does it)",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield instance
        finally:
            instance.close()


class _Watched:
    """A page with its console errors, page errors and failed requests collected."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed {r.url}"))

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def broken_images(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "img", "els => els.filter(e => !e.complete || e.naturalWidth === 0).map(e => e.src)"
            )
        )


def _not_blank(png: Path) -> None:
    with Image.open(png) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.float64)
    assert pixels.std() > 20, f"{png} looks blank"
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 200


def _column(page: Any, key: str) -> list[str]:
    index = page.eval_on_selector_all(
        "#catalogue th", f"ths => ths.findIndex(t => t.dataset.key === '{key}')"
    )
    return list(
        page.eval_on_selector_all(
            "#catalogue tbody tr",
            f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{index}].dataset.value)",
        )
    )


def test_index_loads_sorts_and_filters(browser: Any, built_report: BuiltReport, tmp_path: Path) -> None:
    watched = _Watched(browser)
    page = watched.open(built_report.out / "index.html")
    assert watched.broken_images() == []
    assert page.locator("#catalogue tbody tr").count() == 2
    page.click("#catalogue th[data-key=max_height]")
    heights = [float(v) for v in _column(page, "max_height")]
    assert heights == sorted(heights) and heights[0] < heights[1]
    assert page.get_attribute("#catalogue th[data-key=max_height]", "aria-sort") == "ascending"
    page.click("#catalogue th[data-key=max_height]")
    assert [float(v) for v in _column(page, "max_height")] == sorted(heights, reverse=True)
    page.click("#catalogue th[data-key=sjh_ID]")
    ids = _column(page, "sjh_ID")
    assert ids == sorted(ids)
    page.fill("#filter", f"max_height>{sum(heights) / 2}")
    assert [float(v) for v in _column(page, "max_height")] == [max(heights)]
    assert "1 of 2 jets shown" in page.inner_text("#shown")
    page.fill("#filter", ids[0][-8:])
    assert _column(page, "sjh_ID") == [ids[0]]
    page.fill("#filter", "")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    _not_blank(tmp_path / "index.png")
    assert watched.errors == []
    shutil.copy(tmp_path / "index.png", built_report.out.parent / "index.png")  # kept for a look by hand


def test_jet_page_loads_and_flipbook_steps(browser: Any, built_report: BuiltReport, tmp_path: Path) -> None:
    watched = _Watched(browser)
    page = watched.open(built_report.out / "index.html")
    page.click("#catalogue tbody tr:first-child a")
    page.wait_for_load_state("load")
    assert "/jets/" in page.url
    assert watched.broken_images() == []
    books = page.locator(".flipbook")
    assert books.count() >= 3
    book = books.first
    start = int(book.get_attribute("data-start") or "0")
    assert start > 0  # opens on the consensus box's frame, not on the first
    assert f"frame {start + 1}/15" in book.locator(".label").inner_text()
    first = book.locator("img.frame").get_attribute("src")
    close = book.locator("img.zoom").get_attribute("src")
    assert first.endswith(f"_f{start:02d}.jpg") and close.endswith(f"_f{start:02d}_zoom.jpg")
    book.locator("button.next").click()
    assert f"frame {(start + 1) % 15 + 1}/15" in book.locator(".label").inner_text()  # wraps at the end
    assert book.locator("img.frame").get_attribute("src") != first
    assert book.locator("img.zoom").get_attribute("src") != close
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    book.locator("button.prev").click()
    assert book.locator("img.frame").get_attribute("src") == first
    page.click("nav.crumbs a")
    page.wait_for_load_state("load")
    assert page.url.endswith("index.html")
    page.go_back()
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "jet.png"), full_page=False)
    _not_blank(tmp_path / "jet.png")
    assert watched.errors == []
    shutil.copy(tmp_path / "jet.png", built_report.out.parent / "jet.png")


def test_every_link_of_every_page_loads_in_the_browser(browser: Any, built_report: BuiltReport) -> None:
    watched = _Watched(browser)
    for path in sorted(built_report.out.rglob("*.html")):
        page = watched.open(path)
        assert watched.broken_images() == [], path.name
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            assert href.startswith("file://"), href
            assert Path(href.removeprefix("file://").split("#")[0]).is_file(), href
    assert watched.errors == []
