"""Many users at once (``python -m benchmarks.run --only load``): concurrent sessions on real app servers.

Loopback only, bounded in count (1, 5, 10, 20 sessions) and time (every session times out after 120 s).
For each backend and number of server processes (DuckDB: one process, the file is held by it; PostgreSQL:
one and two), on servers started as ``make run`` starts them, with their caches warmed by one open of
each page:

- ``warm``: the server CPU time of one warm page (/proc/<pid>/stat utime + stime before and after
  ``WARM_RUNS`` sessions one after the other, divided by the runs), and the RSS of the server(s) with 1
  and with 10 sessions open;
- ``levels``: N sessions open 概要 at once over Streamlit's websocket (``benchmarks.wsclient``: the
  browser's protocol, no browser), then N open 都道府県別; sessions are spread round-robin over the
  processes, as a sticky proxy spreads browsers. p50 / p95 of the time to the first chart, server CPU per
  page, errors, and the ideal: N × CPU per page ÷ cores (what a perfect use of every core would give);
- ``browser``: the same with N real Chromium pages at once (new context each; time from navigation to the
  first chart drawn), fewer levels (the browsers share the 2 cores with the server).

``import_while_reading``: two processes on one PostgreSQL database: ``careplan ingest exchanges`` imports
a 1M-row file while sessions on an app server keep opening 概要; every tile set a reader saw must be the
one before or the one after the import (one transaction per file), never a mix.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
LEVELS = (1, 5, 10, 20)
BROWSER_LEVELS = (1, 5, 10)
PAGES = (("home", ""), ("prefectures", "prefectures"))   # (name, url path)
WARM_RUNS = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, deadline: float) -> None:
    """Until the server at ``base`` answers ``/_stcore/health`` with ok; SystemExit when its process ends or
    ``deadline`` (time.monotonic) passes first."""
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the app server at {base} did not start")
        time.sleep(0.1)


@contextlib.contextmanager
def app_servers(url: str, n: int, logdir: pathlib.Path, tag: str, script: str | None = None):
    """``n`` app processes on one database, started at once as `make run` starts one; yields [(base, pid)].
    ``script``: serve that file with ``streamlit run`` instead (same options, no preloading)."""
    launcher = ["-m", "analytics.ui.serve"] if script is None else ["-m", "streamlit", "run", script]
    procs, logs = [], []
    try:
        for i in range(n):
            port = _free_port()
            log = open(logdir / f"streamlit-{tag}-{i}.log", "wb")
            logs.append(log)
            env = {**os.environ, "CAREPLAN_DB_URL": url, "PYTHONUNBUFFERED": "1"}
            procs.append((f"http://127.0.0.1:{port}", subprocess.Popen(
                [sys.executable, *launcher, "--server.address", "127.0.0.1", "--server.port",
                 str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)))
        deadline = time.monotonic() + 90
        for base, proc in procs:
            wait_healthy(base, proc, deadline)
        yield [(base, proc.pid) for base, proc in procs]
    finally:
        for _base, proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for _base, proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        for log in logs:
            log.close()


def _pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0–100) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def _summary(runs: list[dict], cpu: float, key: str = "first_chart_s") -> dict:
    times = [r[key] for r in runs if r.get(key) is not None and not r.get("error")]
    errors = [r["error"] for r in runs if r.get("error")]
    return {"sessions": len(runs), "p50_s": _pct(times, 50), "p95_s": _pct(times, 95),
            "max_s": max(times) if times else None, "cpu_s_per_page": cpu / len(runs) if runs else None,
            "errors": len(errors), "error_samples": errors[:3]}


def _spread(servers: list, n: int) -> list:
    """Session i goes to server i mod k (sticky round-robin)."""
    return [servers[i % len(servers)] for i in range(n)]


def _total_cpu(servers) -> float:
    return sum(cpu_s(pid) for _b, pid in servers)


def ws_levels(servers, levels=LEVELS) -> dict:
    from benchmarks import wsclient
    out = {}
    for page_name, path in PAGES:
        for n in levels:
            c0 = _total_cpu(servers)
            runs = wsclient.run_sessions([(base, path) for base, _pid in _spread(servers, n)])
            out[f"{page_name}:{n}"] = {"page": page_name, "n": n, **_summary(runs, _total_cpu(servers) - c0)}
    return out


def warm(servers) -> dict:
    """Caches warmed by one open of each page on every server; then the CPU of one warm page, and RSS."""
    from benchmarks import wsclient
    for base, _pid in servers:
        for _name, path in PAGES:
            wsclient.run_sessions([(base, path)])
    out = {}
    base, pid = servers[0]
    for page_name, path in PAGES:
        c0, t0 = cpu_s(pid), time.perf_counter()
        runs = [wsclient.run_sessions([(base, path)])[0] for _ in range(WARM_RUNS)]
        out[page_name] = {"cpu_s": (cpu_s(pid) - c0) / WARM_RUNS, "wall_s": (time.perf_counter() - t0) / WARM_RUNS,
                          "first_chart_p50_s": _pct([r["first_chart_s"] for r in runs if r["first_chart_s"]], 50),
                          "errors": sum(1 for r in runs if r["error"])}
    out["rss_mb"] = asyncio.run(_rss_with_sessions(servers))
    return out


async def _rss_with_sessions(servers) -> dict:
    """RSS of the server(s) (sum) with no session, then with 1 and 10 open sessions (each has run 都道府県別)."""
    from benchmarks import wsclient

    def rss():
        return sum(rss_mb(pid) for _b, pid in servers)
    await asyncio.sleep(1.0)   # sessions of the warm-up closed: let the server drop them
    out = {"idle": rss()}
    for n in (1, 10):
        held: list = []
        await wsclient.open_many([(b, "prefectures") for b, _pid in _spread(servers, n)], hold=held)
        await asyncio.sleep(0.5)
        out[str(n)] = rss()
        await asyncio.gather(*(wsclient.close(conn) for conn in held))
        await asyncio.sleep(1.0)
    out["per_session"] = (out["10"] - out["1"]) / 9
    return out


# ------------------------------------------------------------------ real browsers

FIRST_CHART_JS = "() => !!document.querySelector('[data-testid=\"stPlotlyChart\"] .main-svg')"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-quic"]


async def _browser_levels(servers, levels) -> dict:
    from playwright.async_api import async_playwright
    out = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)

        async def one(base: str, path: str) -> dict:
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            t0 = time.perf_counter()
            res = {"first_chart_s": None, "error": None}
            try:
                page = await ctx.new_page()
                await page.goto(f"{base}/{path}", timeout=120_000)
                await page.wait_for_function(FIRST_CHART_JS, timeout=120_000, polling=20)
                res["first_chart_s"] = time.perf_counter() - t0
                exc = await page.query_selector('[data-testid="stException"]')
                if exc:
                    res["error"] = (await exc.inner_text())[:300]
            except Exception as e:  # noqa: BLE001
                res["error"] = f"{type(e).__name__}: {e}"[:300]
            finally:
                await ctx.close()
            return res

        await one(servers[0][0], "")   # the browser's own first start is not the app's
        for page_name, path in PAGES:
            for n in levels:
                c0 = _total_cpu(servers)
                runs = await asyncio.gather(*(one(b, path) for b, _pid in _spread(servers, n)))
                out[f"{page_name}:{n}"] = {"page": page_name, "n": n, **_summary(list(runs), _total_cpu(servers) - c0)}
        await browser.close()
    return out


def browser_levels(servers, levels=BROWSER_LEVELS) -> dict:
    if not pathlib.Path("/usr/bin/chromium").exists():
        return {}
    return asyncio.run(_browser_levels(servers, levels))


def task_load(spec: dict) -> dict:
    """One configuration: ``spec`` has url, processes, scratch, browser (bool)."""
    logdir = pathlib.Path(spec["scratch"])
    with app_servers(spec["url"], spec["processes"], logdir, f"load-{spec['tag']}") as servers:
        out = {"processes": spec["processes"], "cores": os.cpu_count(), "warm": warm(servers),
               "levels": ws_levels(servers, tuple(spec.get("levels", LEVELS)))}
        if spec.get("browser"):
            out["browser"] = browser_levels(servers, tuple(spec.get("browser_levels", BROWSER_LEVELS)))
    return out


# ------------------------------------------------------------------ an import while others read

def tiles(metrics: list) -> tuple:
    """The tiles a reader saw, as ((label, value), …)."""
    return tuple((label, value) for label, value in metrics)


def import_while_reading(url: str, exchanges_file: str, logdir: pathlib.Path, readers: int = 4,
                         after_reads: int = 2) -> dict:
    """``import_while_reading_at`` on an app server started for it."""
    with app_servers(url, 1, logdir, "import-reading") as servers:
        return import_while_reading_at(servers[0][0], url, exchanges_file, logdir, readers, after_reads)


def import_while_reading_at(base: str, url: str, exchanges_file: str, logdir: pathlib.Path, readers: int = 4,
                            after_reads: int = 2) -> dict:
    """The app server at ``base`` serves ``url`` (PostgreSQL); ``careplan ingest exchanges FILE`` runs as a
    second process. Readers open 概要 in new sessions, ``readers`` at a time, from before the import starts
    until it has finished (plus ``after_reads`` rounds). The tiles of each read are compared with those of a
    read before the import and of one after it."""
    from benchmarks import wsclient
    before = wsclient.run_sessions([(base, "")])[0]
    env = {**os.environ, "CAREPLAN_DB_URL": url}
    t0 = time.perf_counter()
    with open(pathlib.Path(logdir) / "import-while-reading.log", "wb") as log:
        importer = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", "exchanges", exchanges_file,
                                     "--json"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        reads: list[dict] = []
        rounds_after = 0
        while rounds_after < after_reads:
            done = importer.poll() is not None
            batch = wsclient.run_sessions([(base, "")] * readers)
            for r in batch:
                r["during"] = not done
            reads += batch
            if done:
                rounds_after += 1
        importer.wait()
    import_s = time.perf_counter() - t0
    after = wsclient.run_sessions([(base, "")])[0]
    seen_before, seen_after = tiles(before["metrics"]), tiles(after["metrics"])
    mixed = [tiles(r["metrics"]) for r in reads
             if not r["error"] and tiles(r["metrics"]) not in (seen_before, seen_after)]
    return {"import_exit": importer.returncode, "import_s": import_s, "reads": len(reads),
            "reads_during_import": sum(1 for r in reads if r["during"]),
            "saw_before": sum(1 for r in reads if tiles(r["metrics"]) == seen_before),
            "saw_after": sum(1 for r in reads if tiles(r["metrics"]) == seen_after),
            "mixed": len(mixed), "mixed_samples": mixed[:3], "errors": sum(1 for r in reads if r["error"]),
            "error_samples": [r["error"] for r in reads if r["error"]][:3],
            "tiles_before": seen_before, "tiles_after": seen_after,
            "read_p95_s": _pct([r["finished_s"] for r in reads if r["finished_s"]], 95)}



# ------------------------------------------------------------------ the table

def _f(x, fmt="{:.2f}"):
    return "—" if x is None else fmt.format(x)


def markdown(load: dict, machine_line: str) -> list[str]:
    lines = ["## Many users at once (websocket sessions and real browsers)", "", machine_line, "",
             "Warm page: server CPU of one page once the caches are warm (mean of "
             f"{WARM_RUNS} sessions one after the other); RSS: server process(es) with 1 and 10 open sessions.", "",
             "| backend | processes | warm 概要 CPU-s | warm 都道府県別 CPU-s | RSS idle MB | RSS 1 session MB | "
             "RSS 10 sessions MB | MB per extra session |", "|---|---|---|---|---|---|---|---|"]
    for name, r in load.items():
        if "warm" not in r:
            continue
        w = r["warm"]
        rss = w.get("rss_mb", {})
        lines.append(f"| {name.split('/')[0]} | {r['processes']} | {_f(w['home']['cpu_s'], '{:.3f}')} | "
                     f"{_f(w['prefectures']['cpu_s'], '{:.3f}')} | {_f(rss.get('idle'), '{:.0f}')} | "
                     f"{_f(rss.get('1'), '{:.0f}')} | {_f(rss.get('10'), '{:.0f}')} | "
                     f"{_f(rss.get('per_session'), '{:.1f}')} |")
    for kind, title in (("levels", "websocket sessions (server side: first chart element received)"),
                        ("browser", "Chromium pages (new context each: navigation → first chart drawn)")):
        rows = [(name, r, lv) for name, r in load.items() for lv in (r.get(kind) or {}).values()]
        if not rows:
            continue
        lines += ["", f"### {title}", "",
                  "ideal = N × warm CPU-s of the page ÷ cores: the time N pages take when every core is busy and "
                  "nothing else costs.", "",
                  "| backend | processes | page | sessions | p50 s | p95 s | ideal s | p95 / ideal | "
                  "server CPU-s per page | errors |", "|---|---|---|---|---|---|---|---|---|---|"]
        for name, r, lv in rows:
            per = r["warm"][lv["page"]]["cpu_s"]
            ideal = lv["n"] * per / r["cores"]
            ratio = None if lv["p95_s"] is None or not ideal else lv["p95_s"] / ideal
            page = "概要" if lv["page"] == "home" else "都道府県別"
            lines.append(f"| {name.split('/')[0]} | {r['processes']} | {page} | {lv['n']} | {_f(lv['p50_s'])} | "
                         f"{_f(lv['p95_s'])} | {_f(ideal)} | {_f(ratio, '{:.2f}×')} | "
                         f"{_f(lv['cpu_s_per_page'], '{:.3f}')} | {lv['errors']} |")
    return lines


def markdown_import(r: dict) -> list[str]:
    if not r:
        return []
    return ["", "### An import while others read (PostgreSQL, two processes)", "",
            "| import s | import exit | reads | during the import | saw before | saw after | mixed | errors | "
            "read p95 s |", "|---|---|---|---|---|---|---|---|---|",
            f"| {_f(r.get('import_s'), '{:.1f}')} | {r.get('import_exit')} | {r.get('reads')} | "
            f"{r.get('reads_during_import')} | {r.get('saw_before')} | {r.get('saw_after')} | {r.get('mixed')} | "
            f"{r.get('errors')} | {_f(r.get('read_p95_s'))} |"]


def median(xs):
    return statistics.median(xs) if xs else None
