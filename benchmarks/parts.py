"""``python -m benchmarks.run --only render,load[,import]``: the parts of issue #22 items 2–3, on their own.

- ``render``: every page against a bare Streamlit app (``benchmarks.render``), on the small demo (DuckDB);
- ``load``: concurrent sessions (``benchmarks.load``) on the small demo, DuckDB (one process: the file is held
  by it) and PostgreSQL (one and two processes on one database), websocket sessions at 1/5/10/20 and Chromium
  pages at 1/5/10;
- ``import``: an import of a 1M-row exchanges file on PostgreSQL while sessions on an app server read.

Writes ``<out>/parts.json`` and ``<out>/parts.md`` and prints the tables. PostgreSQL runs on a throwaway local
server (``benchmarks.run.PgServer``).
"""
from __future__ import annotations

import json
import os
import pathlib
import time

PARTS = ("render", "load", "import")


def machine_line(info: dict, load_avg: float) -> str:
    return (f"Measured {time.strftime('%Y-%m-%d')} on a shared {info.get('cpus')}-core machine "
            f"({info.get('memory_gb')} GiB, {info.get('platform', '')}; Python {info.get('python')}, DuckDB "
            f"{info.get('duckdb')}), other engineers' work running at the same time (1-min load average at the "
            f"start: {load_avg}): times are upper bounds; ratios are measured in the same run.")


def _demo(url: str) -> None:
    from analytics import demo
    from analytics.store import engine as se
    demo.build(url, "small", 20231005)
    se.dispose_all()


def _exchange_file(data_dir: pathlib.Path, master) -> str:
    """1M generated rows in one CSV file (one import = one transaction)."""
    from benchmarks import generate as gen
    one = data_dir / "exchanges-1M-one-file.csv"
    if not one.exists():
        files = gen.generate(1_000_000, data_dir / "exchanges-1M", parquet=False, m=master, log=lambda m: None)
        with open(one, "wb") as out:
            for i, f in enumerate(files["csv"]):
                lines = pathlib.Path(f).read_bytes().splitlines(keepends=True)
                out.writelines(lines if i == 0 else lines[1:])
    return str(one)


def run_parts(args) -> dict:
    from benchmarks import load as bl
    from benchmarks import render as br
    from benchmarks.run import PgServer, log, machine
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"--only: unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    data_dir = pathlib.Path(args.data)
    scratch = data_dir / "scratch-parts"
    scratch.mkdir(parents=True, exist_ok=True)
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
                 "load_avg": round(os.getloadavg()[0], 1), "load": {}}
    duck = data_dir / "parts-demo.duckdb"
    if not duck.exists():
        log("small demo (DuckDB)")
        _demo(f"duckdb:///{duck}")
    duck_url = f"duckdb:///{duck}"
    backends = [b for b in args.backends.split(",") if b]
    pg = PgServer()
    try:
        if "render" in parts:
            log("render: every page against bare Streamlit")
            res["render"] = br.task_render_ratio({"url": duck_url, "scratch": str(scratch), "rounds": br.ROUNDS})
            write(res, out_dir)
        pg_url = None
        if ("load" in parts and "postgres" in backends or "import" in parts) and pg.available():
            pg.start()
            res["machine"]["postgres"] = f"{pg.bindir.parent.name} ({pg.settings})"
        if "load" in parts:
            configs = [("duckdb", duck_url, 1)]
            if "postgres" in backends and pg.dir:
                pg_url = pg.new_db("parts_load")
                log("small demo (PostgreSQL)")
                _demo(pg_url)
                configs += [("postgres", pg_url, 1), ("postgres", pg_url, 2)]
            for name, url, procs in configs:
                log(f"load: {name}, {procs} process(es)")
                res["load"][f"{name}/{procs}"] = bl.task_load(
                    {"url": url, "processes": procs, "scratch": str(scratch), "tag": f"{name}-{procs}",
                     "browser": procs == max(p for n, _u, p in configs if n == name)})
                write(res, out_dir)
        if "import" in parts and pg.dir:
            from analytics import demo
            from analytics.store import engine as se
            from benchmarks import generate as gen
            master = gen.master()
            log("import while reading: 1M-row file, PostgreSQL")
            url = pg.new_db("parts_import")
            demo.load(url, master.data)
            se.dispose_all()
            res["import"] = bl.import_while_reading(url, _exchange_file(data_dir, master), scratch)
            write(res, out_dir)
    finally:
        pg.stop()
    res["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    write(res, out_dir)
    return res


def markdown(res: dict) -> str:
    from benchmarks import load as bl
    from benchmarks import render as br
    line = machine_line(res["machine"], res.get("load_avg"))
    lines = [f"# Benchmark parts ({res['started']})", ""]
    lines += br.markdown(res.get("render") or {}, line)
    if res.get("load"):
        lines += [""] + bl.markdown(res["load"], line)
    lines += bl.markdown_import(res.get("import") or {})
    return "\n".join(lines) + "\n"


def write(res: dict, out_dir: pathlib.Path) -> None:
    (out_dir / "parts.json").write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str))
    (out_dir / "parts.md").write_text(markdown(res))
