"""FAX/データ連携, 働きかけ先 and 効果 in real Chromium against ``streamlit run`` on the hand-built network
(tests/channels/network.py), through the shared fixtures in tests/browser/conftest.py."""
from __future__ import annotations

import pytest
from channels import network as nw

from .conftest import wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_db_url(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('channels_browser') / 'net.duckdb'}"
    nw.load(url)
    from analytics.store import engine as store_engine
    store_engine.dispose(url)  # release the file for the server process
    return url


@pytest.fixture
def page(browser_page):
    return browser_page


@pytest.fixture
def server(streamlit_app):
    return streamlit_app


def _open(page, server, path):
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    wait_for_app(page)
    # the sidebar's banners render first: wait for the page's own tiles, in the main area
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stMetric']", timeout=30_000)
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.console_errors == []


def test_channels_page_in_browser(page, server):
    _open(page, server, "channels")
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[:3] == [f"{20 / 119 * 100:.1f}%", "119", "3"]
    page.wait_for_selector(".js-plotly-plot", timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == 3
    assert "データ連携" in page.locator(".js-plotly-plot").first.inner_text()


def test_targets_page_in_browser(page, server):
    _open(page, server, "targets")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "登録すると月16件がデータ連携になります（登録済みの相手2事業所）" in body
    assert "通所介護みかん" in body
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() == "62件"   # the tile carries its unit (#23 item 6)
    page.get_by_text("Excel（XLSX）をダウンロード").wait_for(timeout=20_000)  # rendered after the list
    assert page.get_by_text("Excel（XLSX）をダウンロード").count() == 1


def test_savings_page_in_browser(page, server):
    _open(page, server, "savings")
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[0] == f"{24 * 0.42:,.1f} 時間"
    page.wait_for_selector(".js-plotly-plot", timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == 3
    # the map is drawn offline (no tile requests): a maplibre canvas exists
    page.wait_for_selector(".js-plotly-plot canvas", timeout=20_000)
