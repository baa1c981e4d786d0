"""The one place for Streamlit glue: engine, language, caching keyed by the data's import version, and
the widgets every chart shares (definition/period/source line, table toggle, downloads).

Pages call ``engine()``, ``lang()``, ``tr(key)`` and ``cached(fn, *args)``; they never create engines or
caches of their own.
"""
from __future__ import annotations

import contextlib

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
        raise DatabaseUnavailable(exc.text(lang())) from None
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(i18n.pick(store_engine.unavailable_message(url, exc), lang())) from exc


# PostgreSQL SQLSTATEs of a server that cannot be reached or is going away: class 08 (connection
# exception) and 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now)
_GONE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_unavailable(exc: BaseException) -> bool:
    """A database error that means "cannot reach the database now" (server stopped or restarting,
    connection dropped, a DuckDB file held by another process), not a failure of the query itself: a
    deadlock, a statement timeout, a full disk or memory stay errors with their own traceback."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state is not None:
        return state.startswith("08") or state in _GONE_SQLSTATES
    if isinstance(exc, sa.exc.OperationalError) and type(orig).__module__.startswith("psycopg"):
        return True    # psycopg's own connection failures (refused, no route) carry no SQLSTATE
    # DuckDB: the file is held by another process
    return type(orig).__name__ in ("IOException", "ConnectionException") and "lock" in str(orig).lower()


@contextlib.contextmanager
def database_errors():
    """Around the sidebar and the page (app.py): a database that stops answering while the app runs (a
    PostgreSQL server stopped or restarted) becomes DatabaseUnavailable with the bilingual message of
    ``store_engine.unavailable_message``, not a traceback. The engine stays: its pool tests connections
    (pool_pre_ping), so the next run after the server is back works."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except sa.exc.DBAPIError as exc:
        if not is_unavailable(exc):
            raise
        url = store_engine.resolve_url(st.session_state.get("db_url"))
        raise DatabaseUnavailable(i18n.pick(store_engine.unavailable_message(url, exc), lang())) from None


def show_unavailable(err: DatabaseUnavailable) -> None:
    """The message as one error box, then stop the run. Asterisks are escaped: the masked password of a
    URL (``user:***@host``) would otherwise turn half the sentence bold and drop the mask."""
    st.error(str(err).replace("*", "\\*"))
    st.stop()


def check_settings() -> None:
    """A malformed setting (CAREPLAN_MAX_UPLOAD_MB=abc …) as DatabaseUnavailable: one bilingual error."""
    from analytics import settings
    try:
        settings.validate_all()
    except settings.SettingError as exc:
        raise DatabaseUnavailable(i18n.pick((exc.ja, exc.en), lang())) from None


_VERSION_KEY = "_data_version"


def data_version() -> str:
    """Changes whenever an import lands: the cache key for every query result. Read once per script run
    (setup_sidebar forgets it at the start of each run, the import page after an import), not before every
    cached call: a page makes 3–10 of them and the query was 40 % of a warm page's script time (#22)."""
    known = st.session_state.get(_VERSION_KEY)
    if known is not None:
        return known
    m = schema.dataset_meta
    gen = sa.select(m.c.value).where(m.c.key == "generated_at").scalar_subquery()
    with engine().connect() as conn:
        row = conn.execute(sa.select(sa.func.max(schema.import_batches.c.batch_id),
                                     sa.func.count(), gen)).one()
    st.session_state[_VERSION_KEY] = version = f"{row[0]}:{row[1]}:{'' if row[2] is None else row[2]}"
    return version


def data_changed() -> None:
    """After a write in this run (an import): the next cached call reads the new data version."""
    st.session_state.pop(_VERSION_KEY, None)


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


# headers a reverse proxy adds: a request that came through one is not local, whatever the bind address
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def local_demo_mode() -> bool:
    """Without sign-in only when bound to loopback (``make run``) and not forced by CAREPLAN_AUTH=required,
    and only for a browser that reached the server directly under a loopback name: a request relayed by a
    reverse proxy on the same machine, or one whose Host names another site (DNS rebinding), must sign in."""
    import os
    if os.environ.get("CAREPLAN_AUTH", "").lower() == "required":
        return False
    if (st.get_option("server.address") or "") not in LOOPBACK:
        return False
    return direct_loopback_request(_request_headers())


def _request_headers() -> dict[str, str]:
    try:
        return {str(k).lower(): str(v) for k, v in (st.context.headers or {}).items()}
    except Exception:  # noqa: BLE001 - no request (a bare script run): nothing relayed
        return {}


def direct_loopback_request(headers: dict[str, str]) -> bool:
    """True when the (lower-cased) request headers show no proxy and a Host that is a loopback name."""
    if any(h in headers for h in PROXY_HEADERS):
        return False
    host = headers.get("host")
    if host is None:
        return True
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8501
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in LOOPBACK


def scope():
    """The signed-in user's scope; the local demo mode acts as admin; otherwise deny."""
    from analytics import auth
    found = st.session_state.get("scope")
    if isinstance(found, auth.Scope):
        return found
    if st.session_state.get(SIGN_IN_WANTED):  # local mode, and the user asked for the sign-in form
        return auth.DENY
    return auth.ADMIN if local_demo_mode() else auth.DENY


# session keys that survive signing in and out: the language and the database chosen, nothing else
KEPT_ACROSS_SIGN_IN = ("lang", "db_url")
SIGNED_IN = "signed_in_user"
SIGN_IN_WANTED = "sign_in_wanted"  # local demo mode: sign in as a user anyway (cleared by signing in or out)  # set with "scope" by the sign-in form: that user is checked on every run


def start_session(new_scope=None) -> None:
    """Sign in (``new_scope``) or out (None) on a clean session: results built for the previous user
    (import summaries, built export files, widget choices) are dropped, not handed to the next one."""
    for key in list(st.session_state.keys()):
        if key not in KEPT_ACROSS_SIGN_IN:
            del st.session_state[key]
    if new_scope is not None:
        st.session_state["scope"] = new_scope
        st.session_state[SIGNED_IN] = new_scope.username


def refresh_scope() -> None:
    """Check a signed-in user against the users table (app.py, before every page): a user disabled or
    removed since signing in is signed out, a changed role or area applies at once."""
    from analytics import auth
    username = st.session_state.get(SIGNED_IN)
    if username is None:
        return
    now = auth.current_scope(engine(), username)
    if now is None:
        start_session(None)
    elif now != st.session_state.get("scope"):
        start_session(now)   # another role or area: nothing built for the old one is kept (exports, imports)


def setup_sidebar() -> None:
    """Language switch (日本語 / English) and the data's as-of date, on every page. Raises
    DatabaseUnavailable (shown by app.py) for a malformed setting or a database that cannot be used."""
    # the language lives in the URL too (?lang=en): a reload or a shared link opens in it, its errors too
    asked = st.query_params.get("lang")
    if "lang" not in st.session_state and asked in i18n.LANGS:
        st.session_state["lang"] = asked
    check_settings()
    data_changed()   # a CLI import or another user's may have landed since the last run
    labels = {"ja": "日本語", "en": "English"}
    st.sidebar.selectbox(i18n.t("sidebar.language", lang()), options=list(i18n.LANGS),
                         format_func=labels.get, key="lang", placeholder=i18n.t("common.choose", lang()))
    if st.query_params.get("lang") != lang():   # set again after a page switch, which clears the URL's
        st.query_params["lang"] = lang()
    m = schema.dataset_meta
    with engine().connect() as conn:   # its errors: app.py's database_errors
        meta = dict(conn.execute(sa.select(m.c.key, m.c.value).where(m.c.key.in_(("as_of", "demo_scale"))))
                    .fetchall())
    as_of, scale = meta.get("as_of"), meta.get("demo_scale")
    if as_of:
        st.sidebar.caption(f"{tr('sidebar.as_of')}: {as_of}")
    # which database this is (the embedded file's path tells a checkout's from an installed one's)
    shown = store_engine.show_url(store_engine.resolve_url(st.session_state.get("db_url")))
    shown = shown.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")  # Markdown: as written
    st.sidebar.caption(f"{tr('sidebar.database')}: {shown}")  # plain text: a code span fails contrast (axe)
    if scale == "small":
        st.sidebar.warning(tr("common.demo_sampled"))
    elif scale:
        st.sidebar.info(tr("common.demo_full"))
    # a tile's label and value wrap instead of ending in an ellipsis: Japanese labels are long and a tile
    # in a row of four is about 200 px at 1366 (tests/browser/test_truncation.py)
    st.html(_TILES_WRAP)
    # Streamlit's file uploader writes its own English ("Upload", "200MB per file • CSV…", "Drag and drop
    # files here") and has no option for it: the same words in the reader's language, from the catalogue
    st.html(uploader_text_css(lang()))


# The file types each uploader accepts (its key → extensions): the pages pass these to st.file_uploader and
# uploader_text_css names them under the drop zone, so the two cannot disagree.
UPLOAD_TYPES: dict[str, tuple[str, ...]] = {
    "import_files": ("csv", "txt", "tsv", "xlsx", "parquet", "zip"),
    "office_upload": ("csv", "txt", "xlsx", "parquet", "zip"),
    "effect_upload": ("csv", "txt", "xlsx", "parquet", "zip"),   # the same log as 事業所ビュー's
}


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def uploader_text_css(language: str) -> str:
    """CSS that swaps the uploader's English texts for the catalogue's: each original text is hidden
    (display: none, so neither the page nor a screen reader reads it; the button's only visually, as its
    accessible name) and the translation is drawn by
    ``::after`` on its parent. Scoped to the uploader's data-testids (Streamlit 1.67's drop zone: a button
    with a Markdown label, the instructions span, and a drag-state overlay div without a test id), and per
    uploader key (``.st-key-…``) for the size limit and file types."""
    zone = '[data-testid="stFileUploaderDropzone"]'
    label = f'{zone} button [data-testid="stMarkdownContainer"]'
    texts = i18n.t("upload.button", language), i18n.t("upload.drop_here", language)
    mb = int(st.get_option("server.maxUploadSize") or 200)
    rules = [
        # the button's own text stays in the accessibility tree (visually hidden): generated content does
        # not name a button for every checker (axe: button-name), and a button needs a name
        f'{label} {{ position: absolute !important; width: 1px !important; height: 1px !important; '
        f'overflow: hidden !important; clip: rect(0 0 0 0) !important; white-space: nowrap !important; }}',
        f'{zone} button span[data-has-shortcut]::after {{ content: {_css_string(texts[0])}; }}',
        f'{zone} > div:not([data-testid]) > span {{ display: none !important; }}',
        f'{zone} > div:not([data-testid])::after {{ content: {_css_string(texts[1])}; }}',
        f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] > div > span {{ display: none !important; }}',
        f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: '
        f'{_css_string(i18n.t("upload.limit", language, mb=f"{mb:,}"))}; }}',
    ]
    for key, types in UPLOAD_TYPES.items():
        shown = i18n.t("upload.limit_types", language, mb=f"{mb:,}",
                       types=("・" if language == "ja" else ", ").join(t.upper() for t in types))
        rules.append(f'.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] > div::after '
                     f'{{ content: {_css_string(shown)}; }}')
    return "<style>\n" + "\n".join(rules) + "\n</style>"


_TILES_WRAP = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
</style>"""


def chart_footer(*, counts: str, period: str, source: str, data: pd.DataFrame | None = None,
                 key: str, fig=None) -> None:
    """Under every chart: what it counts, the period, the source; a table toggle and downloads."""
    st.caption(f"**{tr('common.definition')}**: {counts}　**{tr('common.period')}**: {period}　"
               f"**{tr('common.source')}**: {source}")
    if data is not None:
        from analytics.reports import tabular
        # the table is the chart's own frame, from a service: already suppressed for the scope (one rule)
        if st.toggle(tr("common.show_table"), key=f"{key}_table"):
            st.dataframe(data, hide_index=True, width="stretch")
        # deferred: the CSV is written when the button is pressed, not on every render
        st.download_button(tr("common.download_csv"), lambda: tabular.to_csv_bytes(data, "excel"),
                           file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv")


def narrow_columns(labels: dict[str, str], short_prefix: str, widths: dict[str, int]) -> dict:
    """column_config for a grid that must fit the page at 1366 px (tests/browser/test_truncation.py): each
    column (keyed by its full label in ``labels``) gets the short header ``{short_prefix}.{column}.short``,
    a set width and its full wording as the header's help; a long value is cut in its cell, never a header.
    The frame keeps the full labels, so its download does too."""
    return {labels[c]: st.column_config.Column(tr(f"{short_prefix}.{c}.short"), width=w, help=labels[c])
            for c, w in widths.items()}

