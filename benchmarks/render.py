"""First render as a ratio to Streamlit itself (``python -m benchmarks.run --only render``).

Two servers run side by side on the same machine, started the same way (``streamlit run``, the same
options): the app as `make run` serves it, and ``benchmarks/bare_app.py`` (a bare Streamlit app with one
plotly chart). For ``ROUNDS`` rounds, the bare app and then every page of the app are opened in Chromium, each
in a fresh browser context (empty HTTP cache, a new session); a page counts from navigation until its first
chart is drawn (plotly.js has made its SVG), or, on a page without charts, until its script has finished
and nothing is still a loading placeholder. The median of the rounds per page, over the bare app's median,
is the ratio (target ≤ 1.3×). Rounds interleave the bare app and the pages, so the machine's other load
falls on both alike. The first round of a page on the app server runs its queries (empty caches); the rest
find them cached, as most visits do.
"""
from __future__ import annotations

import pathlib
import statistics
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BARE = ROOT / "benchmarks" / "bare_app.py"
ROUNDS = 5
TARGET = 1.3
FIRST_CHART_JS = """() => {
  const st = document.querySelector('[data-testid="stApp"]');
  if (document.querySelector('[data-testid="stPlotlyChart"] .main-svg')) return 'chart';
  if (st && st.getAttribute('data-test-script-state') === 'notRunning' && document.querySelector('h1')
      && !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
      && !document.querySelector('[data-testid="stPlotlyChart"]')) return 'no chart';
  return false; }"""


def _one(browser, address: str) -> dict:
    from benchmarks.run import VIEW
    ctx = browser.new_context(**VIEW)
    page = ctx.new_page()
    t0 = time.perf_counter()
    out = {"s": None, "what": None, "error": None}
    try:
        page.goto(address, timeout=60_000)
        page.wait_for_selector("h1", timeout=60_000)   # the first script run has started
        handle = page.wait_for_function(FIRST_CHART_JS, timeout=60_000, polling=20)
        out["s"] = time.perf_counter() - t0
        out["what"] = handle.json_value()
        exc = page.query_selector('[data-testid="stException"]')
        out["error"] = exc.inner_text()[:300] if exc else None
    except Exception as e:  # noqa: BLE001 - a page that never shows is reported, not fatal
        out["error"] = f"{type(e).__name__}: {e}"[:300]
    finally:
        ctx.close()
    return out


def task_render_ratio(spec: dict) -> dict:
    from playwright.sync_api import sync_playwright

    from analytics.ui import nav
    from benchmarks import load
    logdir = pathlib.Path(spec["scratch"])
    rounds = int(spec.get("rounds", ROUNDS))
    pages = [u for *_, u in nav.PAGES]
    times: dict[str, list] = {"bare": [], **{u: [] for u in pages}}
    whats: dict[str, str] = {}
    errors: dict[str, str] = {}
    with load.app_servers(spec["url"], 1, logdir, "render-app") as app, \
            load.app_servers(spec["url"], 1, logdir, "render-bare", script=str(BARE)) as bare, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=load.CHROMIUM_ARGS, headless=True)
        # the browser's own first start (network stack, CJK fonts) is neither app's
        _one(browser, f"{bare[0][0]}/_stcore/health")
        for _ in range(rounds):
            targets = [("bare", f"{bare[0][0]}/")] + [(u, f"{app[0][0]}/{'' if u == 'home' else u}") for u in pages]
            for name, address in targets:
                r = _one(browser, address)
                if r["error"]:
                    errors.setdefault(name, r["error"])
                if r["s"] is not None:
                    times[name].append(r["s"])
                    whats[name] = r["what"]
        browser.close()
    med = {k: statistics.median(v) if v else None for k, v in times.items()}
    base = med["bare"]
    return {"rounds": rounds, "times": times, "median_s": med, "until": whats, "errors": errors,
            "ratio": {k: (v / base if v and base else None) for k, v in med.items()}}


def markdown(r: dict, machine_line: str) -> list[str]:
    if not r or "median_s" not in r:
        return []
    from analytics.ui import nav
    titles = {u: t for _s, _f, t, _i, u in nav.PAGES}
    from analytics import i18n
    lines = ["## First render against bare Streamlit (Chromium, new browser context each)", "", machine_line, "",
             f"Median of {r['rounds']} rounds, navigation → first chart drawn (pages without a chart: → script "
             f"finished). Bare = `benchmarks/bare_app.py` (one plotly chart) served the same way. Target ≤ {TARGET}×.",
             "", "| page | until | median s | × bare | runs s | error |", "|---|---|---|---|---|---|",
             f"| bare Streamlit | chart | {r['median_s']['bare']:.2f} | 1.00× | "
             f"{' '.join(f'{x:.2f}' for x in r['times']['bare'])} | {r['errors'].get('bare', '')} |"]
    for url, med in r["median_s"].items():
        if url == "bare":
            continue
        ratio = r["ratio"].get(url)
        err = (r["errors"].get(url) or "").replace("|", "/").replace("\n", " ")[:100]
        lines.append(f"| {i18n.t(titles[url], 'ja')} ({url}) | {r['until'].get(url, '—')} | "
                     f"{'—' if med is None else f'{med:.2f}'} | {'—' if ratio is None else f'{ratio:.2f}×'} | "
                     f"{' '.join(f'{x:.2f}' for x in r['times'][url])} | {err} |")
    return lines
