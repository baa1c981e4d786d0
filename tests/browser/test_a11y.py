"""axe-core (vendored in tests/browser/vendor/axe.min.js, MPL-2.0, never downloaded at test time) injected
into every page registered in analytics/ui/nav.py in real Chromium; 'serious' and 'critical' violations
fail. Runs on the tiny demo database so every page has data to draw."""
from __future__ import annotations

import json
import pathlib

import pytest

from analytics.ui import nav

from .conftest import wait_for_app

AXE = pathlib.Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Rules left out, each with the reason (none is about the app's own content):
DISABLED_RULES: dict[str, str] = {}
# Parts of the page left out, each with the reason. Streamlit's own sidebar navigation puts the section
# headings (<div>) directly inside its <ul> (axe "list"/"listitem", serious); the app cannot change that
# markup short of moving the navigation (st.navigation(position="top")). Upstream Streamlit issue.
EXCLUDED: dict[str, str] = {
    '[data-testid="stSidebarNavItems"]': "Streamlit navigation markup: <div> section headings inside <ul>",
}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_db_url(tmp_path_factory) -> str:
    from analytics import demo
    url = f"duckdb:///{tmp_path_factory.mktemp('a11y') / 'tiny.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    from analytics.store import engine as store_engine
    store_engine.dispose(url)   # the app opens the file; don't keep it locked here
    return url


def run_axe(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    options = {"resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in DISABLED_RULES}}
    context = {"exclude": [[sel] for sel in EXCLUDED]}
    result = page.evaluate("async ([ctx, opts]) => JSON.stringify(await axe.run(ctx, opts))", [context, options])
    return json.loads(result)["violations"]


def describe(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} — "
            f"{v['nodes'][0]['target'] if v['nodes'] else ''}" for v in violations]


@pytest.mark.parametrize("url", [p[4] for p in nav.PAGES])
def test_page_has_no_serious_axe_violations(url, streamlit_app, browser_page):
    assert AXE.exists(), "tests/browser/vendor/axe.min.js is missing"
    browser_page.goto(f"{streamlit_app}/{'' if url == nav.PAGES[0][4] else url}")
    wait_for_app(browser_page, timeout=60_000)
    # the script has finished and its output is on the page (h1 alone can be the previous run's)
    browser_page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    browser_page.wait_for_timeout(500)       # charts mount after the script finishes
    violations = [v for v in run_axe(browser_page) if v["impact"] in FAILING_IMPACTS]
    assert violations == [], f"{url}: " + "\n".join(describe(violations))


def test_export_page_works_with_the_keyboard(streamlit_app, browser_page):
    """From the title, Tab reaches the build button, the XLSX download and the CSV downloads without
    focus ever falling back to the page body."""
    page = browser_page
    page.goto(f"{streamlit_app}/export")
    wait_for_app(page, timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.get_by_text("CSV（Shift_JIS・CP932）").wait_for(timeout=30_000)
    # every button of the test rendered and enabled (a download button is inert until its file is served)
    for label in ("資料を作成", "Excel（XLSX）をダウンロード", "CSV（Shift_JIS・CP932）"):
        page.wait_for_function(
            """(label) => [...document.querySelectorAll('button')].some(
                   b => b.innerText.includes(label) && !b.disabled && b.offsetParent !== null)""",
            arg=label, timeout=30_000)
    # start from the page title, as a keyboard user does after "Skip to main content"
    page.evaluate("() => { const h = document.querySelector('h1'); h.tabIndex = -1; h.focus(); }")
    wanted = ["資料を作成", "Excel（XLSX）をダウンロード", "CSV（Shift_JIS・CP932）"]
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => { const e = document.activeElement;
            return (e.getAttribute('aria-label') || e.innerText || e.value || e.tagName).trim().slice(0, 60); }"""))
        if all(any(w in s for s in seen) for w in wanted):
            break
    assert "BODY" not in seen
    for w in wanted:
        assert any(w in s for s in seen), (w, seen)
