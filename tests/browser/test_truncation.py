"""Nothing a reader needs is cut off at 1366×768 (a common office laptop), in Japanese and English: no tile
label or value, and no widget or checkbox label, ends in an ellipsis, no reading table (st.table) is wider than the page, and every data grid
(st.dataframe, st.data_editor) shows all its columns without sideways scrolling, with room for every
header. Every page, on the tiny demo database.

A grid is a glide-data-grid canvas; what it draws is measured from its DOM: the scroller's scrollWidth
against its clientWidth (a grid wider than its box scrolls), the accessible table's header cells against
its aria-colcount (columns scrolled out of view are left out of it), and the headers' text widths, measured
in the grid's header font, against the grid's width (a grid too narrow for its headers cuts them with "…")."""
from __future__ import annotations

import pytest

from analytics.ui import nav
from browser.conftest import screenshot, wait_for_app

VIEWPORT = {"width": 1366, "height": 768}

# Returns what is cut: [kind, text] for each element whose text is clipped (scrollWidth past clientWidth:
# an ellipsis or hidden overflow), and each reading table wider than its box.
CUT = """() => {
  const out = [];
  const clipped = e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible';
  for (const sel of ['[data-testid="stMetricLabel"]', '[data-testid="stMetricValue"]',
                     '[data-testid="stMetricDelta"]', '[data-testid="stWidgetLabel"]',
                     '[data-testid="stCheckbox"] [data-testid="stMarkdownContainer"]']) {
    for (const box of document.querySelectorAll(sel)) {
      for (const e of [box, ...box.querySelectorAll('*')]) {
        if (e.clientWidth > 0 && clipped(e)) { out.push([sel, box.innerText.trim()]); break; }
      }
    }
  }
  const ctx = document.createElement('canvas').getContext('2d');
  for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const scroller = grid.querySelector('.dvn-scroller'), table = grid.querySelector('table[role="grid"]');
    if (!grid.checkVisibility() || !scroller || !table) continue;   // in a closed expander: not shown
    const heads = [...table.querySelectorAll('th[role="columnheader"]')].map(h => h.innerText.trim());
    const name = heads.slice(0, 3).join('|');
    if (scroller.scrollWidth > scroller.clientWidth + 2)
      out.push(['grid scrolls', name + ' ' + scroller.scrollWidth + '>' + scroller.clientWidth]);
    if (heads.length < Number(table.getAttribute('aria-colcount')))
      out.push(['grid hides columns', name + ' ' + heads.length + '<' + table.getAttribute('aria-colcount')]);
    ctx.font = '600 14px ' + getComputedStyle(grid).fontFamily;   // glide's header font (Streamlit theme)
    const needed = heads.reduce((sum, h) => sum + ctx.measureText(h).width + 2 * 8, 0);  // 8 px padding a side
    if (needed > scroller.clientWidth + 2)
      out.push(['grid headers cut', name + ' ' + Math.round(needed) + '>' + scroller.clientWidth]);
  }
  for (const table of document.querySelectorAll('[data-testid="stTable"]')) {
    if (table.scrollWidth > table.clientWidth + 2)
      out.push(['stTable', table.innerText.slice(0, 40) + ' ' + table.scrollWidth + '>' + table.clientWidth]);
  }
  return out;
}"""
# the tiles' wrapping style has been applied (glue.setup_sidebar): measured before it, a label is cut
WRAPPED = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"] p')]
  .every(e => getComputedStyle(e).whiteSpace === 'normal')"""

# every grid shown has drawn (its accessible table exists): measured before, a grid is skipped
GRIDS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .every(g => !g.checkVisibility() || g.querySelector('table[role="grid"]'))"""

PAGES = [url for _s, _f, _t, _i, url in nav.PAGES if url not in ("admin",)]


@pytest.fixture(scope="module")
def browser_db_url(tmp_path_factory) -> str:
    """The tiny demo database: its offices' names are as long as real ones (「さくら居宅介護支援事業所 #1573」),
    and every page has rows to show (the office view's partner tables among them)."""
    from analytics import demo
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path_factory.mktemp('truncation') / 'tiny.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    store_engine.dispose(url)   # the app opens the file; don't keep it locked here
    return url


@pytest.fixture(scope="module", autouse=True)
def _app_registered(chromium, streamlit_app):
    """Open the app's home once first. A server's very first session that asks for /effect directly runs
    analytics/ui/views/effect.py as a pages/-directory page, without app.py (no sidebar set-up, no styles),
    until app.py's st.navigation has run once; measured then, a page would not be the page readers get."""
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(streamlit_app)
    wait_for_app(page, timeout=60_000)
    context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("url", PAGES)
def test_nothing_is_cut_off_at_1366(chromium, streamlit_app, url, lang):
    context = chromium.new_context(viewport=VIEWPORT, locale="ja-JP" if lang == "ja" else "en-US")
    page = context.new_page()
    try:
        page.goto(f"{streamlit_app}/{'' if url == 'home' else url}?lang={lang}")
        wait_for_app(page, timeout=60_000)
        page.wait_for_function(WRAPPED, timeout=10_000)
        page.wait_for_function(GRIDS_DRAWN, timeout=20_000)
        page.wait_for_timeout(500)
        cut = page.evaluate(CUT)
        if cut:
            screenshot(page, f"cut-{url}-{lang}")
        assert cut == []
    finally:
        context.close()
