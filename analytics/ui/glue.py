"""The one place for Streamlit glue: engine, language, caching keyed by the data's import version, and
the widgets every chart shares (definition/period/source line, table toggle, downloads).

Pages call ``engine()``, ``lang()``, ``tr(key)`` and ``cached(fn, *args)``; they never create engines or
caches of their own.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from analytics import i18n
from analytics.store import engine as store_engine
from analytics.store import schema


def lang() -> str:
    value = st.session_state.get("lang", i18n.DEFAULT_LANG)
    return value if value in i18n.LANGS else i18n.DEFAULT_LANG


def tr(key: str, **fmt) -> str:
    return i18n.t(key, lang(), **fmt)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened, or a setting is malformed (app.py shows this as one st.error and
    stops); the message says why and what to do, in Japanese and English."""


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return store_engine.get_engine(url)


def engine():
    url = store_engine.resolve_url(st.session_state.get("db_url"))
    try:
        if not store_engine.is_open(url):  # the URL the user gave: understood, and a file that keeps data
            store_engine.prepare_target(url, write=True)
        return _engine(url)
    except store_engine.UnusableDatabase as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(store_engine.unavailable_message(url, exc)) from exc


def check_settings() -> None:
    """A malformed setting (CAREPLAN_MAX_UPLOAD_MB=abc …) as DatabaseUnavailable: one bilingual error."""
    from analytics import settings
    try:
        settings.validate_all()
    except settings.SettingError as exc:
        raise DatabaseUnavailable(str(exc)) from None


def data_version() -> str:
    """Changes whenever an import lands: the cache key for every query result."""
    m = schema.dataset_meta
    gen = sa.select(m.c.value).where(m.c.key == "generated_at").scalar_subquery()
    with engine().connect() as conn:  # one statement: it runs before every cached call
        row = conn.execute(sa.select(sa.func.max(schema.import_batches.c.batch_id),
                                     sa.func.count(), gen)).one()
    return f"{row[0]}:{row[1]}:{'' if row[2] is None else row[2]}"


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(url: str, version: str, fn_path: str, args: tuple, kwargs: tuple):
    module, _, name = fn_path.rpartition(".")
    import importlib
    fn = getattr(importlib.import_module(module), name)
    return fn(store_engine.get_engine(url), *args, **dict(kwargs))


def cached(fn, *args, **kwargs):
    """Call ``fn(engine, *args, **kwargs)`` once per data version (results are small frames)."""
    return _cached(store_engine.resolve_url(st.session_state.get("db_url")), data_version(),
                   f"{fn.__module__}.{fn.__qualname__}", tuple(args), tuple(sorted(kwargs.items())))


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def local_demo_mode() -> bool:
    """Without sign-in only when bound to loopback (``make run``) and not forced by CAREPLAN_AUTH=required."""
    import os
    if os.environ.get("CAREPLAN_AUTH", "").lower() == "required":
        return False
    return (st.get_option("server.address") or "") in LOOPBACK


def scope():
    """The signed-in user's scope; the local demo mode acts as admin; otherwise deny."""
    from analytics import auth
    found = st.session_state.get("scope")
    if isinstance(found, auth.Scope):
        return found
    return auth.ADMIN if local_demo_mode() else auth.DENY


def setup_sidebar() -> None:
    """Language switch (日本語 / English) and the data's as-of date, on every page. Raises
    DatabaseUnavailable (shown by app.py) for a malformed setting or a database that cannot be used."""
    check_settings()
    labels = {"ja": "日本語", "en": "English"}
    st.sidebar.selectbox(i18n.t("sidebar.language", lang()), options=list(i18n.LANGS),
                         format_func=labels.get, key="lang")
    m = schema.dataset_meta
    with engine().connect() as conn:
        meta = dict(conn.execute(sa.select(m.c.key, m.c.value).where(m.c.key.in_(("as_of", "demo_scale"))))
                    .fetchall())
    as_of, scale = meta.get("as_of"), meta.get("demo_scale")
    if as_of:
        st.sidebar.caption(f"{tr('sidebar.as_of')}: {as_of}")
    if scale == "small":
        st.sidebar.warning(tr("common.demo_sampled"))
    elif scale:
        st.sidebar.info(tr("common.demo_full"))


def chart_footer(*, counts: str, period: str, source: str, data: pd.DataFrame | None = None,
                 key: str, fig=None) -> None:
    """Under every chart: what it counts, the period, the source; a table toggle and downloads."""
    st.caption(f"**{tr('common.definition')}**: {counts}　**{tr('common.period')}**: {period}　"
               f"**{tr('common.source')}**: {source}")
    if data is not None:
        from analytics import privacy
        from analytics.reports import tabular
        data = privacy.public(data, scope())  # viewers: counts below the threshold suppressed
        if st.toggle(tr("common.show_table"), key=f"{key}_table"):
            st.dataframe(data, hide_index=True, width="stretch")
        # deferred: the CSV is written when the button is pressed, not on every render
        st.download_button(tr("common.download_csv"), lambda: tabular.to_csv_bytes(data, "excel"),
                           file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv")
