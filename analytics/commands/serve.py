"""`careplan serve [--host 127.0.0.1] [--port 8501] [--db URL] [--demo]`: the dashboard from the installed
package (analytics/ui/app.py through ``analytics.ui.serve``, which preloads the data stack first).

With the embedded default database (no ``--db``, ``CAREPLAN_DB_URL`` or secrets) and no data in it yet,
it offers to build the demo (``--demo`` builds it without asking; with no terminal to ask on it says how).
"""
from __future__ import annotations

import argparse
import os
import sys

from analytics.commands.output import t
from analytics.store import engine as store_engine


def _is_empty(url: str) -> bool:
    """True when the DuckDB file does not exist yet or holds no offices."""
    path = store_engine.duckdb_path(store_engine.check_url(url))
    if path is None:
        return False
    if not path.exists():
        return True
    import sqlalchemy as sa

    from analytics.store import schema
    engine = store_engine.get_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(schema.offices)).scalar_one()
    store_engine.dispose(url)  # the server opens it again in its own process state
    return not found


def _ask_demo() -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(t("msg.serve_ask_demo"))
    return answer.strip().lower() in ("y", "yes", "はい")


def run(args) -> int:
    explicit = getattr(args, "db", None)
    url = store_engine.resolve_url(explicit)
    embedded = url == store_engine.default_url()
    if embedded and _is_empty(url):
        if getattr(args, "demo", False) or _ask_demo():
            from analytics.commands import demo
            demo.run(argparse.Namespace(db=url, scale="small", seed=20231005))
        else:
            print(t("msg.serve_empty", url=store_engine.show_url(url)), file=sys.stderr)
    os.environ["CAREPLAN_DB_URL"] = url  # the server and every session use the database named here
    from analytics.ui import serve
    serve.main(["--server.address", args.host, "--server.port", str(args.port), "--server.headless", "true",
                "--browser.gatherUsageStats", "false"])
    return 0
