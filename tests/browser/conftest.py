"""Browser fixtures: the real app under ``streamlit run`` and Debian's Chromium through Playwright.

- ``browser_db_url`` (module scope): the database the app serves. Default: the adoption fixture as a DuckDB
  file. Override it in a test module (same name, module scope) to serve another database.
- ``streamlit_app`` (module scope): starts the app as ``make run`` does (``python -m analytics.ui.serve``,
  i.e. ``streamlit run app.py`` after preloading) in its own process group with
  ``CAREPLAN_DB_URL`` set, waits for ``/_stcore/health``, yields the base URL, kills the group afterwards.
- ``browser_page``: a fresh Chromium page (1400×1000); ``page.console_errors`` collects console errors and
  uncaught page errors, minus the documented benign ones in ``BENIGN_CONSOLE``.
- ``screenshot(page, name)``: saves ``artifacts/screenshots/<name>.png`` (gitignored test artefacts).

Chromium is launched from /usr/bin/chromium (Playwright's own browser download is never used).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import need

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-quic"]

# Console messages that are not the app's fault; each entry says why it is ignored. Messages are matched
# as "<text> (<source url>)".
BENIGN_CONSOLE: list[tuple[re.Pattern, str]] = [
    # Streamlit's frontend first probes <page path>/_stcore/{health,host-config} (for apps served under a
    # path prefix), gets 404 on a page URL such as /prefectures, then uses the server root: no effect.
    (re.compile(r"status of 404 .*\(https?://[^/]+/[^/?#]+/_stcore/(health|host-config)\)$"),
     "Streamlit probes the page path for its server endpoints before the root"),
    # Chromium without a GPU: WebGL falls back to SwiftShader and says so (maps still render).
    (re.compile(r"GPU stall due to ReadPixels|Automatic fallback to software WebGL", re.I),
     "headless Chromium without GPU; WebGL runs in software"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser_db_url(tmp_path_factory) -> str:
    from adoption import fixture_data
    return fixture_data.build_duckdb_file(tmp_path_factory.mktemp("browser") / "fixture.duckdb")


@pytest.fixture(scope="module")
def streamlit_app(browser_db_url, tmp_path_factory):
    with serve(browser_db_url, tmp_path_factory) as base:
        yield base


@contextlib.contextmanager
def serve(db_url: str, tmp_path_factory, address: str = "127.0.0.1"):
    """The app under ``streamlit run`` on a free port (address: where it binds; 0.0.0.0 = sign-in required)."""
    need(pathlib.Path(CHROMIUM).exists(), "Debian chromium not installed (apt-get install chromium)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "CAREPLAN_DB_URL": db_url, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            # as `make run` starts it: the launcher preloads the data stack and the database, then runs
            # `streamlit run app.py` with these options
            [sys.executable, "-m", "analytics.ui.serve", "--server.address", address,
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="session")
def chromium():
    need(pathlib.Path(CHROMIUM).exists(), "Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _benign(text: str) -> bool:
    return any(pattern.search(text) for pattern, _why in BENIGN_CONSOLE)


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []

    def on_console(msg):
        text = f"{msg.text} ({(msg.location or {}).get('url', '')})"
        if msg.type == "error" and not _benign(text):
            errors.append(f"console.error: {text}")

    def on_request(request):
        # offline product: nothing may leave the machine (no CDN, no map tiles, no web fonts)
        if not request.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
            errors.append(f"external request: {request.url}")

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its main container, so full_page alone stops at the viewport: grow the
    # viewport to the content's height for the picture, then restore it.
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
                           "[data-testid=\"stAppViewContainer\"]')].map(e => e.scrollHeight), 0)")
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
        page.wait_for_timeout(700)
    page.screenshot(path=str(path), full_page=True)
    if size:
        page.set_viewport_size(size)
    return path


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has rendered the page and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('h1', timeout=timeout)
    idle = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|実行中/)")
    # idle twice, a moment apart: a rerun that starts just after the first look is waited for too
    page.wait_for_function(idle, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_function(idle, timeout=timeout)
