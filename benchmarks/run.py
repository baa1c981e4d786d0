"""``make bench`` / ``python -m benchmarks.run``: ingest, dashboard queries, page renders, peak memory.

    python -m benchmarks.run [--sizes 1M,10M,100M] [--backends duckdb,postgres] [--out benchmarks/out]
    python -m benchmarks.run --only render,load,import    (just these parts: benchmarks/parts.py)

``--only`` runs only the named parts, on the small demo: ``render`` (every page's first render against a
bare Streamlit app, ``benchmarks/render.py``), ``load`` (1–20 concurrent sessions, websocket and Chromium,
DuckDB and PostgreSQL with one and two server processes, ``benchmarks/load.py``), ``import`` (a 1M-row import
on PostgreSQL while sessions read). It writes ``<out>/parts.md`` and ``.json``.

For each size a national-style exchange log is generated (``benchmarks.generate``, CSV + Parquet under
``--data``, default /tmp/careplan-bench), then per backend, each step in its own process so that its peak
memory (ru_maxrss) is its own:
- ingest: ``analytics.ingest.ingest_files`` (read, validate, load, pre-aggregate) on the CSV files, beside
  the raw engine loading the same files (DuckDB ``read_csv``; PostgreSQL ``COPY``);
- queries: each dashboard query through the app's functions (best of ``--repeat`` runs after a first run, kept
  too), beside the same SQL statements replayed on the raw driver, and a pandas equivalent;
- render (each backend, at ``--render-size``): first render of every page in Chromium against the app as `make run`
  serves it, three ways: clicked in the sidebar of one session (the cold open of 概要 first), each page
  in a new browser context, and each page in a new tab of a browser that has shown the app
  (``task_render``).
Writes ``<out>/results.json`` and ``<out>/results.md``. PostgreSQL runs on a throwaway local server.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import pathlib
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGETS = {"query_vs_raw": 1.5, "query_vs_pandas": 5.0, "ingest_rows_per_s": 1_000_000,
           "ingest_vs_raw": 2.5, "render_s": 2.0, "peak_gb": 3.0}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ================================================================= child tasks (one process each)

def task_ingest(spec: dict) -> dict:
    from analytics import demo
    from analytics.ingest import ingest_files
    from analytics.store import aggregates
    from analytics.store import engine as se
    from benchmarks import generate as gen

    url, files = spec["url"], spec["csv"]
    t = time.perf_counter()
    m = gen.master()
    demo.load(url, m.data)
    master_s = time.perf_counter() - t
    eng = se.get_engine(url)
    limit = spec["ingest_limit"]
    measured, counted = [], 0
    for f in files:  # the first files up to the limit (rows = lines after the header), picked before timing
        if counted >= limit:
            break
        counted += pathlib.Path(f).read_bytes().count(b"\n") - 1
        measured.append(f)
    # one call for all of them, as `careplan ingest exchanges <files>` does (the next file is read while
    # the current one is stored)
    t0, c0 = time.perf_counter(), time.process_time()
    s = ingest_files(eng, "exchanges", measured)
    ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    if s.refused or s.rejected:
        raise SystemExit(f"ingest refused/rejected rows: {s.refused} {s.rejected}")
    rows = s.rows_read
    t = time.perf_counter()
    rest = files[len(measured):]
    if rest:  # the rest loaded directly (same rows), so the query benchmark has the full size
        direct_load(eng, rest)
    direct_s = time.perf_counter() - t
    t = time.perf_counter()
    rebuilt = aggregates.ensure_fresh(eng)
    agg_s = time.perf_counter() - t
    with eng.connect() as conn:
        import sqlalchemy as sa
        total = conn.execute(sa.text("SELECT count(*), sum(sheets) FROM exchanges")).fetchall()[0]
        agg_rows = conn.execute(sa.text("SELECT count(*) FROM exchanges_monthly")).scalar()
    if url.startswith("duckdb"):
        with eng.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    se.dispose_all()
    return {"master_load_s": master_s, "ingested_rows": rows, "ingested_files": len(measured),
            "ingest_s": ingest_s, "ingest_rows_per_s": rows / ingest_s if ingest_s else None,
            "ingest_cpu_s_per_m": ingest_cpu / rows * 1e6 if rows else None,
            "direct_rows": spec["rows"] - rows, "direct_s": direct_s,
            "aggregate_rebuild_s": agg_s if rebuilt else 0.0, "aggregate_rebuilt_after": rebuilt,
            "table_rows": int(total[0]), "table_sheets": int(total[1] or 0), "aggregate_rows": int(agg_rows),
            "measured_files": measured, "peak_mb": peak_mb()}


def direct_load(eng, files: list[str]) -> None:
    """Bulk path for the part of a big size not run through ingest: one statement per file, same rows
    (aggregated on the natural key, as ingest stores them), one import batch each."""
    import datetime as dt

    import sqlalchemy as sa

    from analytics.store import engine as se
    from analytics.store import schema
    for f in files:
        with eng.begin() as conn:
            b = int(conn.execute(sa.select(schema.batch_seq.next_value())).scalar())
            if se.is_duckdb(conn):
                conn.exec_driver_sql(
                    "INSERT INTO exchanges (month, sender_code, receiver_code, form, channel, sheets, batch_id) "
                    f"SELECT CAST(month || '-01' AS DATE), sender_code, receiver_code, form, channel, sum(sheets), {b} "
                    f"FROM read_csv('{f}', header=true, all_varchar=true, "
                    "columns={'month':'VARCHAR','sender_code':'VARCHAR','receiver_code':'VARCHAR',"
                    "'form':'VARCHAR','channel':'VARCHAR','sheets':'BIGINT'}) GROUP BY ALL")
            else:
                raw = conn.connection.dbapi_connection
                with raw.cursor() as cur:
                    cur.execute("CREATE TEMP TABLE _bench_stage (month text, sender_code text, receiver_code text,"
                                " form text, channel text, sheets bigint) ON COMMIT DROP")
                    with open(f, "rb") as fh, cur.copy("COPY _bench_stage FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
                        while chunk := fh.read(1 << 20):
                            cp.write(chunk)
                    cur.execute("INSERT INTO exchanges (month, sender_code, receiver_code, form, channel, sheets, batch_id) "
                                "SELECT (month || '-01')::date, sender_code, receiver_code, form, channel, sum(sheets), "
                                f"{b} FROM _bench_stage GROUP BY 1, 2, 3, 4, 5")
            n = conn.execute(sa.text("SELECT count(*) FROM exchanges WHERE batch_id = :b"), {"b": b}).scalar()
            conn.execute(schema.import_batches.insert().values(
                batch_id=b, kind="exchanges", file_name=pathlib.Path(f).name, content_hash=hashlib.sha256(f"bench:{f}".encode()).hexdigest(),
                imported_at=dt.datetime.now(), imported_by="benchmark direct load", rows_read=n, accepted=n,
                duplicates=0, rejected=0))


def task_raw_load(spec: dict) -> dict:
    files = spec["csv"]
    rows = spec["rows"]
    if spec["backend"] == "duckdb":
        import duckdb
        path = pathlib.Path(spec["scratch"]) / "rawload.duckdb"
        path.unlink(missing_ok=True)
        con = duckdb.connect(str(path))
        t = time.perf_counter()
        con.execute("CREATE TABLE exchanges_raw AS SELECT * FROM read_csv(?, header=true, "
                    "columns={'month':'VARCHAR','sender_code':'VARCHAR','receiver_code':'VARCHAR',"
                    "'form':'VARCHAR','channel':'VARCHAR','sheets':'BIGINT'})", [files])
        con.execute("CHECKPOINT")
        s = time.perf_counter() - t
        n = con.execute("SELECT count(*) FROM exchanges_raw").fetchall()[0][0]
        con.close()
        _remove_duckdb(path)
        floor = _store_floor(pathlib.Path(spec["scratch"]) / "floor.duckdb", files, int(n))
    else:
        floor = {}
        import psycopg
        url = spec["url"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=False) as con:
            with con.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS exchanges_raw")
                cur.execute("CREATE TABLE exchanges_raw (month text, sender_code text, receiver_code text,"
                            " form text, channel text, sheets bigint)")
                con.commit()
                t = time.perf_counter()
                for f in files:
                    with open(f, "rb") as fh, cur.copy("COPY exchanges_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
                        while chunk := fh.read(1 << 20):
                            cp.write(chunk)
                con.commit()
                s = time.perf_counter() - t
                cur.execute("SELECT count(*) FROM exchanges_raw")
                n = cur.fetchone()[0]
                cur.execute("DROP TABLE exchanges_raw")
                con.commit()
    return {"rows": int(n), "seconds": s, "rows_per_s": n / s, "files": len(files), "expected_rows": rows,
            "peak_mb": peak_mb(), **floor}


def _remove_duckdb(path: pathlib.Path) -> None:
    """A DuckDB database file and its write-ahead log, if there."""
    for p in (path, pathlib.Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)


def _store_floor(path: pathlib.Path, files: list[str], rows: int) -> dict:
    """What DuckDB itself needs to store the rows the way ingest stores them, with nothing else: the app's
    empty schema, one transaction per file, rows read by read_csv and summed on the natural key
    (``direct_load``). No validation, no pre-aggregates: the least any ingest of these files can cost."""
    from analytics.store import engine as se
    _remove_duckdb(path)
    eng = se.get_engine(f"duckdb:///{path}")
    t, c = time.perf_counter(), time.process_time()
    direct_load(eng, files)
    s, cpu = time.perf_counter() - t, time.process_time() - c
    se.dispose_all()
    _remove_duckdb(path)
    return {"floor_rows_per_s": rows / s, "floor_cpu_s_per_m": cpu / rows * 1e6}


def _time(fn, repeat: int):
    """(first run, best of the repeats, result). Best-of-N, because the machine is shared: other work only
    ever adds time. A run over 20 s is not repeated."""
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeat if first < 20 else 0):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return first, min(runs) if runs else first, out


def task_app_queries(spec: dict) -> dict:
    import sqlalchemy as sa

    from analytics.store import engine as se
    from benchmarks import queries as bq

    eng = se.get_engine(spec["url"])
    out = {}
    for name, page, what, call in bq.app_queries(spec["office"]):
        statements: list = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        no_agg, raw_sql_result = None, None
        if spec.get("raw_table", True):
            # the raw-table SQL the function sends without the pre-aggregate (replayed by the raw driver)
            os.environ["CAREPLAN_AGGREGATES"] = "0"
            sa.event.listen(eng, "before_cursor_execute", capture)
            try:
                raw_sql_result = call(eng)
            finally:
                sa.event.remove(eng, "before_cursor_execute", capture)
            _f, no_agg, _ = _time(lambda: call(eng), spec["repeat"])
            os.environ["CAREPLAN_AGGREGATES"] = "1"
        first, best, result = _time(lambda: call(eng), spec["repeat"])
        out[name] = {"page": page, "what": what, "first_s": first, "best_s": best,
                     "best_without_aggregate_s": no_agg, "result_rows": len(result),
                     "result_rows_without_aggregate": None if raw_sql_result is None else len(raw_sql_result),
                     "statements": [[s, _jsonable(p)] for s, p in statements]}
    se.dispose_all()
    return {"queries": out, "peak_mb": peak_mb()}


def _jsonable(p):
    import datetime as dt
    import decimal
    if isinstance(p, dict):
        return {"__dict__": {k: _jsonable(v) for k, v in p.items()}}
    if isinstance(p, (list, tuple)):
        return [_jsonable(v) for v in p]
    if isinstance(p, dt.date):
        return {"__date__": p.isoformat()}
    if isinstance(p, decimal.Decimal):
        return float(p)
    return p


def _unjson(p):
    import datetime as dt
    if isinstance(p, dict):
        if "__date__" in p:
            return dt.date.fromisoformat(p["__date__"])
        if "__dict__" in p:
            return {k: _unjson(v) for k, v in p["__dict__"].items()}
    if isinstance(p, list):
        return [_unjson(v) for v in p]
    return p


def task_raw_queries(spec: dict) -> dict:
    queries = spec["queries"]
    out = {}
    if spec["backend"] == "duckdb":
        import duckdb
        con = duckdb.connect(spec["url"].removeprefix("duckdb:///"), read_only=True)

        def run(stmts):
            res = None
            for s, p in stmts:
                p = _unjson(p)
                res = con.execute(s, p).df() if p else con.execute(s).df()
            return res
    else:
        import psycopg
        con = psycopg.connect(spec["url"].replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

        def run(stmts):
            res = None
            with con.cursor() as cur:
                for s, p in stmts:
                    cur.execute(s, _unjson(p) or None)
                    res = cur.fetchall() if cur.description else None
            return res
    for name, q in queries.items():
        first, best, res = _time(lambda: run(q["statements"]), spec["repeat"])
        out[name] = {"first_s": first, "best_s": best, "result_rows": None if res is None else len(res)}
    con.close()
    return {"queries": out, "peak_mb": peak_mb()}


def task_pandas(spec: dict) -> dict:
    from benchmarks import generate as gen
    from benchmarks import queries as bq
    m = gen.master()
    t = time.perf_counter()
    data = bq.PandasData(spec["parquet"], m)
    load_s = time.perf_counter() - t
    out = {}
    for name, fn in bq.pandas_queries(spec["office"]).items():
        first, best, res = _time(lambda: fn(data), spec["repeat"])
        out[name] = {"first_s": first, "best_s": best, "result_rows": len(res)}
    return {"load_s": load_s, "rows": len(data.df), "queries": out, "peak_mb": peak_mb()}


@contextlib.contextmanager
def _app_server(spec: dict, tag: str, port: int | None = None):
    """A fresh app server (empty caches), started as `make run` starts it: analytics.ui.serve loads the
    data stack, then runs `streamlit run app.py`. Yields (base URL, seconds until it answered)."""
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CAREPLAN_DB_URL": spec["url"], "PYTHONUNBUFFERED": "1"}
    logf = open(pathlib.Path(spec["scratch"]) / f"streamlit-{tag}.log", "wb")
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics.ui.serve", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        from benchmarks.load import wait_healthy
        wait_healthy(base, proc, time.monotonic() + 60)
        yield base, time.perf_counter() - t
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)  # gone (and its DuckDB file lock released) before the next server starts
        logf.close()


SETTLED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# records every change of the app's script state (on the whole document, so a replaced app element is
# still seen): a run that starts and ends between two polls is not missed
WATCH_JS = """() => { window.__states = [];
  new MutationObserver(ms => ms.forEach(m => window.__states.push(m.target.getAttribute('data-test-script-state'))))
    .observe(document.body, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']}); }"""
# the clicked page has run (some state other than notRunning seen since the click), is at its address and
# has finished
RAN_JS = """(path) => window.__states.some(s => s !== 'notRunning') && location.pathname.endsWith(path) &&
  document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'"""
# every element the page sent is shown (none is still Streamlit's grey placeholder while the code that
# draws it loads: plotly.js, metrics, tables) and every chart has been drawn by plotly.js (its SVG exists),
# so a page counts only once the person can see its charts. Without the placeholder check a page whose
# chart code was still loading counted as done: no chart element existed yet.
DRAWN_JS = """() => !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]') &&
  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def _settle(page, timeout: int = 60_000) -> None:
    page.wait_for_selector(SETTLED, timeout=timeout)
    page.wait_for_function(DRAWN_JS, timeout=timeout, polling=20)


def _path(url: str) -> str:
    """The address of a page: the default page (概要) lives at the app's root, not at its url_path."""
    return "" if url == "home" else url


def _open(page, address: str) -> None:
    """A new load of the app: its first script run has started once a title shows (before it, the app
    element may already say notRunning)."""
    page.goto(address, timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)


def _timed(page, steps) -> dict:
    """Run ``steps()`` (opening a page), wait until it has settled; its time and any error it shows. A
    page that never settles is reported, not fatal."""
    t = time.perf_counter()
    error = None
    try:
        steps()
        # done = the page's script has finished (Streamlit marks the app element) and its charts are
        # drawn, so a slow page's leftover work is counted on that page, not on the next one
        _settle(page)
        exc = page.query_selector('[data-testid="stException"]')
        error = exc.inner_text()[:300] if exc else None
    except Exception as e:  # noqa: BLE001
        error = str(e)[:300]
    return {"first_render_s": time.perf_counter() - t, "error": error}


VIEW = {"viewport": {"width": 1400, "height": 1000}, "locale": "ja-JP"}


def _each_page(base: str, new_page) -> dict:
    """Every page, in the registry's order, opened by its address in a page from ``new_page()``."""
    from analytics.ui import nav
    out = {}
    for url in [u for *_, u in nav.PAGES]:
        page = new_page()
        out[url] = _timed(page, lambda: _open(page, f"{base}/{_path(url)}"))
        page.close()
    return out


def task_render(spec: dict) -> dict:
    """First render of every page at the benchmark's size, three ways, each on a fresh server:

    - ``navigate``: how a person uses it. One new browser tab opens the app at its root (概要: the cold
      open, with Streamlit's front end loaded from an empty cache), then each page is clicked in the
      sidebar in the sidebar's order; a page counts from the click until its script has finished and every
      chart it sent is drawn. Each page's script runs for the first time on that server.
    - ``tab``: every page opened in a new browser context (empty HTTP cache, a new session), so each
      pays for loading Streamlit's front end and, with charts, plotly.js again. Same end point.
    - ``again``: a returning visitor. One browser profile opens the app once (a page with charts) on a
      throwaway server at the same address, then every page in a new tab of that profile on a fresh
      server: the browser's caches hold the front end and plotly.js, the server's caches are empty.
    """
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-quic"]
    out: dict = {"navigate": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
        # the browser's own cold start (first tab, network stack, the system's CJK fonts) is not the app's:
        # a person's browser has shown a Japanese page before. Warm it on one (no app origin, no app cache)
        # and on the health endpoint, which runs no page script and fills no app cache.
        with _app_server(spec, "navigate") as (base, server_s):
            out["server_start_s"] = server_s
            warm = browser.new_context()
            wp = warm.new_page()
            wp.set_content("<html lang='ja'><body style='font-family: sans-serif'><h1>居宅介護支援事業所</h1>"
                           "<p>提供票のデータ連携 2025年度 登録率 9.8%</p><script>[...Array(1e5).keys()]"
                           ".map(x => x * 2).sort()</script></body></html>")
            wp.goto(f"{base}/_stcore/health", timeout=60_000)
            warm.close()
            ctx = browser.new_context(**VIEW)
            page = ctx.new_page()
            out["navigate"]["home"] = _timed(page, lambda: _open(page, f"{base}/"))
            page.evaluate(WATCH_JS)
            # the sidebar's own order (sections as the person sees them), each page once
            hrefs = [a.get_attribute("href") for a in page.query_selector_all('[data-testid="stSidebarNavLink"]')]
            for url in [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]:
                if url in out["navigate"] or url.startswith(("127.0.0.1", "localhost")):
                    continue  # 概要 (the root address) was the cold open
                page.evaluate("() => { window.__states = []; }")

                def click(url=url):
                    page.click(f'[data-testid="stSidebarNavLink"][href$="/{url}"]', timeout=30_000)
                    page.wait_for_function(RAN_JS, arg=f"/{url}", timeout=60_000, polling=20)
                out["navigate"][url] = _timed(page, click)
            ctx.close()
        with _app_server(spec, "tab") as (base, server_s):
            out["tab_server_start_s"] = server_s
            # browser.new_page: a page in a context of its own (closed with the page)
            out["pages"] = _each_page(base, lambda: browser.new_page(**VIEW))
        # a returning visitor: one browser profile that has shown the app once (its HTTP cache and
        # compiled-code cache hold Streamlit's front end and plotly.js), each page in a new tab of it. The
        # profile sees the app on a throwaway server at the same address, so the measured server's query
        # caches are all empty
        port = _free_port()
        ctx = browser.new_context(**VIEW)
        with _app_server(spec, "again-warm", port) as (base, _):
            first = ctx.new_page()
            _timed(first, lambda: _open(first, f"{base}/effect"))  # a page with charts
            first.close()
        with _app_server(spec, "again", port) as (base, server_s):
            out["again_server_start_s"] = server_s
            out["again"] = _each_page(base, ctx.new_page)
            ctx.close()
        browser.close()
    return out


TASKS = {"ingest": task_ingest, "raw_load": task_raw_load, "app_queries": task_app_queries,
         "raw_queries": task_raw_queries, "pandas": task_pandas, "render": task_render}


def child(task: str, spec: dict, scratch: pathlib.Path, env_extra: dict | None = None) -> dict:
    """Run one task in a fresh interpreter; returns its JSON result (with wall time)."""
    spec_path = scratch / f"spec-{task}.json"
    out_path = scratch / f"out-{task}.json"
    spec_path.write_text(json.dumps({**spec, "scratch": str(scratch)}))
    out_path.unlink(missing_ok=True)
    env = {**os.environ, **(env_extra or {})}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--child", task, "--spec", str(spec_path),
                           "--result", str(out_path)], cwd=ROOT, env=env)
    if proc.returncode != 0 or not out_path.exists():
        return {"error": f"{task} exited {proc.returncode}", "wall_s": time.perf_counter() - t}
    res = json.loads(out_path.read_text())
    res["wall_s"] = time.perf_counter() - t
    return res


# ================================================================= PostgreSQL server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A throwaway local PostgreSQL (as tests/conftest.py starts it), tuned modestly for 2 cores."""

    def __init__(self):
        bins = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        self.bindir = next((b for b in bins if (b / "initdb").exists()), None)
        self.dir = None

    def available(self) -> bool:
        return self.bindir is not None

    def start(self) -> str:
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="careplan-bench-pg-"))
        self.dir.chmod(0o755)
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.port = _free_port()
        subprocess.run(self.prefix + [str(self.bindir / "initdb"), "-D", str(self.dir / "db"), "-A", "trust",
                                      "-E", "UTF8", "-U", "postgres"], check=True, capture_output=True)
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=256MB "
                "-c max_parallel_workers_per_gather=2 -c max_wal_size=8GB")
        subprocess.run(self.prefix + [str(self.bindir / "pg_ctl"), "-D", str(self.dir / "db"), "-w", "-l",
                                      str(self.dir / "log"), "-o", opts, "start"], check=True, capture_output=True)
        self.settings = "fsync=off, synchronous_commit=off, shared_buffers=1GB, work_mem=256MB, 2 parallel workers"
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def new_db(self, name: str) -> str:
        import sqlalchemy as sa
        base = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"
        admin = sa.create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return f"{base}/{name}"

    def stop(self) -> None:
        if self.dir:
            subprocess.run(self.prefix + [str(self.bindir / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "fast",
                                          "stop"], capture_output=True)
            shutil.rmtree(self.dir, ignore_errors=True)


# ================================================================= orchestration and report

def machine() -> dict:
    import duckdb
    import pandas
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "pandas": pandas.__version__, "platform": platform.platform()}
    try:
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return info


def run(args) -> dict:
    from benchmarks import generate as gen
    sizes = [gen.parse_size(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]
    data_dir = pathlib.Path(args.data)
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), "targets": TARGETS,
               "load": round(os.getloadavg()[0], 1),
               "sizes": [], "notes": []}
    pg = PgServer()
    if "postgres" in backends:
        if not pg.available():
            results["notes"].append("PostgreSQL binaries not installed: postgres backend skipped")
            backends.remove("postgres")
        else:
            pg.start()
            results["machine"]["postgres"] = f"{pg.bindir.parent.name} ({pg.settings})"
    master = None
    try:
        for n in sizes:
            label = gen.size_label(n)
            log(f"== {label}: generating")
            if master is None:
                master = gen.master()
            t = time.perf_counter()
            files = gen.generate(n, data_dir / f"exchanges-{label}", parquet=args.pandas, m=master,
                                 log=lambda m: None)
            office = gen.busiest_office(master)
            entry = {"rows": n, "label": label, "files": len(files["csv"]), "generate_s": time.perf_counter() - t,
                     "csv_bytes": sum(os.path.getsize(f) for f in files["csv"]), "backends": {}}
            results["sizes"].append(entry)
            scratch = data_dir / f"scratch-{label}"
            scratch.mkdir(parents=True, exist_ok=True)
            for backend in backends:
                if backend == "postgres" and n > args.pg_max:
                    results["notes"].append(f"PostgreSQL not run at {label} (--pg-max {gen.size_label(args.pg_max)})")
                    continue
                b: dict = {}
                entry["backends"][backend] = b
                reuse = args.use_db.get(label) if backend == "duckdb" else None
                if reuse:
                    path = pathlib.Path(reuse)
                    url = f"duckdb:///{path}"
                elif backend == "duckdb":
                    path = data_dir / f"bench-{label}.duckdb"
                    _remove_duckdb(path)
                    url = f"duckdb:///{path}"
                else:
                    url = pg.new_db(f"bench_{label.lower()}")
                spec = {"url": url, "backend": backend, "csv": files["csv"], "rows": n, "office": office,
                        "ingest_limit": args.ingest_limit, "repeat": args.repeat, "raw_table": args.raw_table}
                if reuse:  # queries (and renders) on a database an earlier run built from the same files
                    results["notes"].append(f"{label} duckdb: queries on the existing database {reuse} "
                                            "(--use-db): ingest and raw load not run in this run")
                else:
                    log(f"{label} {backend}: ingest")
                    b["ingest"] = child("ingest", spec, scratch)
                    measured = b["ingest"].get("measured_files") or files["csv"]
                    log(f"{label} {backend}: raw load")
                    b["raw_load"] = child("raw_load", {**spec, "csv": measured,
                                                       "rows": b["ingest"].get("ingested_rows", n)}, scratch)
                log(f"{label} {backend}: app queries")
                b["app"] = child("app_queries", spec, scratch)
                if "queries" in b["app"] and args.raw_table:
                    log(f"{label} {backend}: raw queries")
                    b["raw"] = child("raw_queries", {**spec, "queries": b["app"]["queries"]}, scratch)
                    for q in b["app"]["queries"].values():
                        q.pop("statements", None)
                if args.render and n == gen.parse_size(args.render_size):
                    log(f"{label} {backend}: render in Chromium")
                    b["render"] = child("render", spec, scratch)
                if backend == "duckdb" and not args.keep_db and not reuse:
                    _remove_duckdb(path)
                write(results, out_dir)
            if args.pandas and n <= args.pandas_max:
                log(f"{label}: pandas")
                entry["pandas"] = child("pandas", {"parquet": files["parquet"], "office": office,
                                                   "repeat": args.repeat}, scratch)
            elif args.pandas:
                results["notes"].append(f"pandas not run at {label} (--pandas-max)")
            write(results, out_dir)
    finally:
        pg.stop()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    write(results, out_dir)
    return results


def _f(x, fmt="{:.3f}"):
    return "—" if x is None else fmt.format(x)


def _ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"# Benchmark results ({results.get('started', '')})", "",
             f"Machine: {m.get('cpus')} cores, {m.get('memory_gb')} GiB, Python {m.get('python')}, "
             f"DuckDB {m.get('duckdb')}, pandas {m.get('pandas')}"
             + (f", PostgreSQL {m['postgres']}" if m.get("postgres") else "") + ".", "",
             "Targets: each query at 100M within 1.5× of raw DuckDB and ≥5× faster than pandas; ingest ≥1M "
             "validated rows/s and within 2.5× of raw loading; first render ≤2 s at 10M; peak memory <3 GB at 100M.",
             ""]
    if results.get("load"):
        lines += [f"Machine load (1-min load average) at start: {results['load']}: other processes shared the "
                  "2 cores, so times are upper bounds; the ratios compare runs made in the same conditions.", ""]
    lines += ["## Ingest (CSV → database, validation included)", "",
              "Store floor (DuckDB): the same files stored the way ingest stores them (the app's schema, one "
              "transaction per file, summed on the natural key) with no validation and no pre-aggregates. "
              "CPU-s per 1M rows: process CPU time; 2 cores give at most 2 CPU-s per wall second, so 1M rows/s "
              "needs ≤2 CPU-s per 1M rows. On PostgreSQL it counts the app's process only, not the server's.", "",
              "| rows | backend | ingest rows/s | files | raw load rows/s | raw engine | ingest / raw | "
              "ingest CPU-s per 1M rows | store floor rows/s | floor CPU-s per 1M rows | "
              "aggregate rebuild s | peak MB (ingest) |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in results["sizes"]:
        for be, b in s["backends"].items():
            i, r = b.get("ingest", {}), b.get("raw_load", {})
            raw_name = "DuckDB read_csv" if be == "duckdb" else "COPY"
            lines.append(f"| {s['label']} ({_f(i.get('ingested_rows'), '{:,}')} via ingest) | {be} | "
                         f"{_f(i.get('ingest_rows_per_s'), '{:,.0f}')} | {i.get('ingested_files', '—')} | "
                         f"{_f(r.get('rows_per_s'), '{:,.0f}')} | {raw_name} | "
                         f"{_f(_ratio(r.get('rows_per_s'), i.get('ingest_rows_per_s')), '{:.1f}×')} slower | "
                         f"{_f(i.get('ingest_cpu_s_per_m'), '{:.2f}')}{'' if be == 'duckdb' else ' (client only)'} | "
                         f"{_f(r.get('floor_rows_per_s'), '{:,.0f}')} | "
                         f"{_f(r.get('floor_cpu_s_per_m'), '{:.2f}')} | "
                         f"{_f(i.get('aggregate_rebuild_s'), '{:.2f}')} | {_f(i.get('peak_mb'), '{:,.0f}')} |")
    lines += ["", "## Dashboard queries (best of repeated runs after a first run, seconds)", "",
              "app = the app's function (pre-aggregate used when fresh); app (raw table) = the same function "
              "with the pre-aggregate off; raw = the statements of the raw-table run replayed on the bare driver; "
              "pandas = a vectorised pandas equivalent on the rows in memory.", "",
              "| rows | backend | query | app | app (raw table) | raw driver | pandas | app / raw | pandas / app |",
              "|---|---|---|---|---|---|---|---|---|"]
    for s in results["sizes"]:
        pq = (s.get("pandas") or {}).get("queries", {})
        for be, b in s["backends"].items():
            app = (b.get("app") or {}).get("queries", {})
            raw = (b.get("raw") or {}).get("queries", {})
            for name, a in app.items():
                r = raw.get(name, {})
                p = pq.get(name, {}) if be == "duckdb" else {}
                lines.append(
                    f"| {s['label']} | {be} | {name} | {_f(a.get('best_s'))} | "
                    f"{_f(a.get('best_without_aggregate_s'))} | {_f(r.get('best_s'))} | {_f(p.get('best_s'))} | "
                    f"{_f(_ratio(a.get('best_s'), r.get('best_s')), '{:.2f}×')} | "
                    f"{_f(_ratio(p.get('best_s'), a.get('best_s')), '{:.1f}×')} |")
    lines += ["", "## Peak memory (MB, max RSS of each step's process)", "",
              "| rows | backend | ingest | app queries | raw queries | pandas |", "|---|---|---|---|---|---|"]
    for s in results["sizes"]:
        for be, b in s["backends"].items():
            lines.append(f"| {s['label']} | {be} | {_f((b.get('ingest') or {}).get('peak_mb'), '{:,.0f}')} | "
                         f"{_f((b.get('app') or {}).get('peak_mb'), '{:,.0f}')} | "
                         f"{_f((b.get('raw') or {}).get('peak_mb'), '{:,.0f}')} | "
                         f"{_f((s.get('pandas') or {}).get('peak_mb'), '{:,.0f}') if be == 'duckdb' else '—'} |")
    renders = [(s, be, b["render"]) for s in results["sizes"] for be, b in s["backends"].items() if b.get("render")]
    for s, be, r in renders:
        lines += ["", f"## First render in Chromium at {s['label']} rows ({be})", "",
                  f"Server ready in {_f(r.get('server_start_s'), '{:.1f}')} s. Navigation: one new tab opens the "
                  "app (概要, the cold open), then each page is clicked in the sidebar, first visit of each on a "
                  "fresh server. New tab: every page opened in a new browser context (empty cache) on a second "
                  "fresh server. Returning visitor: every page in a new tab of one browser profile that has "
                  "shown the app once (効果試算), on a third fresh server.", "",
                  "| page | navigation s | new tab s | returning visitor s | error |", "|---|---|---|---|---|"]
        nav_pages, again = r.get("navigate") or {}, r.get("again") or {}
        for url, p in (r.get("pages") or {}).items():
            n, a = nav_pages.get(url, {}), again.get(url, {})
            err = (n.get("error") or p.get("error") or a.get("error") or "").replace("|", "/")[:120]
            lines.append(f"| {url} | {_f(n.get('first_render_s'), '{:.2f}')} | "
                         f"{_f(p.get('first_render_s'), '{:.2f}')} | {_f(a.get('first_render_s'), '{:.2f}')} | {err} |")
    if results.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results["notes"]]
    return "\n".join(lines) + "\n"


def write(results: dict, out_dir: pathlib.Path) -> None:
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    (out_dir / "results.md").write_text(markdown(results))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="careplan benchmarks")
    ap.add_argument("--sizes", default="1M,10M", help="comma list, e.g. 1M,10M,100M")
    ap.add_argument("--backends", default="duckdb,postgres")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    ap.add_argument("--data", default="/tmp/careplan-bench", help="generated logs and scratch databases")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ingest-limit", default="10M", help="rows run through ingest per size; the rest bulk-loaded")
    ap.add_argument("--pg-max", default="10M", help="largest size run on PostgreSQL")
    ap.add_argument("--pandas-max", default="100M", help="largest size run in pandas")
    ap.add_argument("--render-size", default="10M")
    ap.add_argument("--no-render", dest="render", action="store_false")
    ap.add_argument("--no-pandas", dest="pandas", action="store_false")
    ap.add_argument("--no-raw-table", dest="raw_table", action="store_false",
                    help="time the queries through the pre-aggregates only: no run on the raw table, no raw-driver "
                         "replay (at 100M on PostgreSQL those take about 40 minutes)")
    ap.add_argument("--keep-db", action="store_true", help="keep the DuckDB benchmark files")
    ap.add_argument("--use-db", action="append", default=[], metavar="SIZE=PATH",
                    help="time queries on an existing DuckDB database of that size (no ingest); repeatable")
    ap.add_argument("--only", help="comma list of parts run alone: render, load, import (benchmarks/parts.py)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        spec = json.loads(pathlib.Path(args.spec).read_text())
        res = TASKS[args.child](spec)
        pathlib.Path(args.result).write_text(json.dumps(res, default=str))
        sys.stdout.flush()
        os._exit(0)  # skip DuckDB's noisy finalisation
    if args.only:
        from benchmarks import parts
        print(parts.markdown(parts.run_parts(args)))
        return
    from benchmarks import generate as gen
    args.use_db = {gen.size_label(gen.parse_size(k)): v for k, v in (x.split("=", 1) for x in args.use_db)}
    args.ingest_limit = gen.parse_size(args.ingest_limit)
    args.pg_max = gen.parse_size(args.pg_max)
    args.pandas_max = gen.parse_size(args.pandas_max)
    if args.render and not pathlib.Path("/usr/bin/chromium").exists():
        args.render = False
    res = run(args)
    print(markdown(res))


if __name__ == "__main__":
    main()
