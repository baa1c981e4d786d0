"""``make run`` / ``careplan serve``: load the data stack once, then serve analytics/ui/app.py with Streamlit.

``python -m analytics.ui.serve [options of streamlit run]`` is ``streamlit run app.py [options]`` except
that the server first imports what every page needs (pandas, SQLAlchemy, DuckDB, plotly, scipy's
optimiser for the forecast, the dashboard modules), parses the prefecture GeoJSON and opens the DuckDB
database (migrating it if needed). Without this the first browser session pays for all of it, about 1 s
on 2 cores, before the first page shows. Exports (openpyxl, python-pptx, reportlab, kaleido) are not
loaded here: they load when a file is built.

The objects loaded here are then frozen out of the garbage collector (``freeze_preloaded``).

Nothing here is required: a module that fails to import, or a database that cannot be opened (held by
another process, a server that is down), is left to the page, which reports it as before.
"""
from __future__ import annotations

import importlib
import pathlib
import sys

APP = pathlib.Path(__file__).with_name("app.py")  # analytics/ui/app.py, inside the package

# Third-party first (most of the time), then the app's own modules the pages import at their top.
PRELOAD = (
    "numpy", "pandas", "pyarrow", "pyarrow.compute", "sqlalchemy", "sqlalchemy.dialects.postgresql",
    "duckdb", "duckdb_engine", "plotly.graph_objects", "plotly.io", "streamlit", "streamlit.emojis",
    "streamlit.material_icon_names", "scipy.optimize",
    "analytics.ui.glue", "analytics.ui.nav", "analytics.ui.signin", "analytics.ui.a11y", "analytics.auth",
    "analytics.privacy", "analytics.domain.codes", "analytics.domain.kpis", "analytics.domain.effects",
    "analytics.domain.forecast", "analytics.domain.geo", "analytics.reports.style",
    "analytics.reports.summaries", "analytics.reports.tabular", "analytics.reports.adoption_charts",
    "analytics.reports.channel_charts", "analytics.reports.effect_charts", "analytics.reports.forecast_charts",
    "analytics.reports.pack", "analytics.store.queries_adoption", "analytics.store.queries_channels",
    "analytics.store.queries_targets", "analytics.store.queries_savings", "analytics.store.queries_forecast",
    "analytics.store.office_partners", "analytics.commands.report_forecast",
)


def preload() -> None:
    import logging

    importlib.import_module("streamlit")  # creates its loggers (and sets their level) first
    # st.cache_data checks its arguments when glue is imported; before the runtime exists that logs
    # "No runtime found, using MemoryCacheStorageManager". The caches themselves are created on first
    # call, inside the runtime, as before: silence the check only.
    log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the page that imports it shows the error as before
                pass
    finally:
        log.setLevel(level)
    for warm in (_warm_plotly, _warm_inspect, _warm_outlines):
        try:
            warm()
        except Exception:  # noqa: BLE001 - the page that needs it pays (or shows the error) as before
            pass


def _warm_plotly() -> None:
    """plotly builds its figure and layout validators on the first figure (≈0.08 s)."""
    import plotly.graph_objects as go
    import plotly.io as pio
    pio.to_json(go.Figure(go.Scatter(x=[1], y=[1])), validate=False)


def _warm_inspect() -> None:
    """Streamlit's first element asks inspect for the root frame; inspect's first call maps every loaded
    module to its file (≈0.17 s) and keeps the map, so the session's call only adds newer modules."""
    from streamlit import env_util
    env_util.is_repl()


def _warm_outlines() -> None:
    from analytics.domain import geo
    geo.prefecture_geojson_display()  # parsed once per process (lru_cache); data-independent


def open_database() -> None:
    """Open (and migrate) the default DuckDB database, the one a session without a chosen URL uses.
    Only a local file that exists: a network database is connected on first use, as before."""
    try:
        from analytics.store import engine
        url = engine.resolve_url(None)
        if url.startswith("duckdb:///") and pathlib.Path(url.removeprefix("duckdb:///")).exists():
            engine.get_engine(url)
    except Exception:  # noqa: BLE001 - e.g. the file is locked by another process: the page says so
        pass


def freeze_preloaded() -> None:
    """Move everything loaded so far out of the garbage collector's reach (``gc.freeze``). Streamlit runs a
    full collection after every script run (``runner.postScriptGC``); with the data stack loaded that full
    collection walks ≈180k long-lived objects (modules, plotly's validators, pandas) and was ≈0.1 CPU-s of a
    warm page's ≈0.3 (py-spy, #22). Frozen objects are never collected, which is what they are: they live as
    long as the process. Objects made by sessions are collected as before."""
    import gc
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    preload()
    open_database()
    freeze_preloaded()
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", str(APP), *args]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
