"""The adoption pages in real Chromium against `streamlit run`: map and ranking render, no console errors,
and a screenshot of each page under artifacts/screenshots/."""
from __future__ import annotations

import pytest

from .conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_prefecture_map_and_ranking_render(streamlit_app, browser_page):
    page = browser_page
    page.goto(f"{streamlit_app}/prefectures")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=30_000)
    # the map: a maplibre canvas inside the first plot (offline white-bg style, no tiles)
    page.wait_for_selector(".js-plotly-plot canvas", timeout=30_000)
    # the ranking: one bar per prefecture with offices in the fixture, labelled in Japanese
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .barlayer .point').length >= 3",
                           timeout=30_000)
    ranking_text = page.locator(".js-plotly-plot").nth(1).inner_text()
    for name in ("北海道", "東京都", "和歌山県"):
        assert name in page.locator(".js-plotly-plot").nth(1).locator("text").all_inner_texts() or \
            name in ranking_text
    # PNG download under every chart: plotly's modebar "download as png" button on each figure
    titles = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => [...e.querySelectorAll("
                                       "'.modebar-btn')].map(b => b.getAttribute('data-title') || '').join('|'))")
    assert len(titles) >= 3 and all("png" in t.lower() for t in titles), titles
    page.wait_for_timeout(1500)  # let the map finish drawing before the picture
    screenshot(page, "prefectures")
    assert page.console_errors == []


@pytest.mark.parametrize("path,name,expect", [
    ("", "home", "事業所数"),
    ("municipalities", "municipalities", "事業所一覧と登録状況"),
    ("definitions", "definitions", "効果試算の前提"),
])
def test_pages_render_without_console_errors(streamlit_app, browser_page, path, name, expect):
    page = browser_page
    page.goto(f"{streamlit_app}/{path}")
    wait_for_app(page)
    page.get_by_text(expect).first.wait_for(timeout=30_000)
    if name != "definitions":
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        page.wait_for_timeout(1000)
    screenshot(page, name)
    assert page.console_errors == []
