"""FAX/データ連携, 働きかけ先 and 効果 in real Chromium against ``streamlit run`` on the hand-built network."""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import need
from . import network as nw

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-quic"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need(shutil.which("chromium") is not None or pathlib.Path(CHROMIUM).exists(), "Debian chromium not installed")
    tmp = tmp_path_factory.mktemp("channels_browser")
    url = f"duckdb:///{tmp / 'net.duckdb'}"
    nw.load(url)
    from analytics.store import engine as store_engine
    store_engine._ENGINES.pop(url).dispose()  # release the file for the server process
    entry = ROOT / "app.py"
    from analytics.ui import nav
    if any(not (nav.PAGES_DIR / p[1]).exists() for p in nav.PAGES):
        # pages of other parts not written yet: run app.py with only the pages that exist
        entry = tmp / "entry.py"
        entry.write_text(
            "from analytics.ui import nav\n"
            "nav.PAGES = [p for p in nav.PAGES if (nav.PAGES_DIR / p[1]).exists()]\n"
            f"exec(compile(open({str(ROOT / 'app.py')!r}, encoding='utf-8').read(), 'app.py', 'exec'))\n",
            encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "CAREPLAN_DB_URL": url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(entry), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("streamlit did not start")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
        yield pg
        browser.close()


def _open(page, server, path):
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stMetric'], [data-testid='stAlert']", timeout=30_000)
    page.wait_for_timeout(500)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


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
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() == "62"
    assert page.get_by_text("Excel（XLSX）をダウンロード").count() == 1


def test_savings_page_in_browser(page, server):
    _open(page, server, "savings")
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[0] == f"{24 * 0.42:,.1f} 時間"
    page.wait_for_selector(".js-plotly-plot", timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == 3
    # the map is drawn offline (no tile requests): a maplibre canvas exists
    page.wait_for_selector(".js-plotly-plot canvas", timeout=20_000)
