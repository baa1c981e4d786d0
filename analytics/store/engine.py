"""One engine from one URL: ``--db``, ``CAREPLAN_DB_URL``, ``.streamlit/secrets.toml`` or the embedded file.

The embedded default is a DuckDB file (``analytics.locations``: ``data/`` in a checkout, the user's data
folder when installed); PostgreSQL (psycopg 3) uses the same code.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import pathlib
import re
import threading
import tomllib

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analytics import i18n, locations
from analytics.store import schema
from analytics.store.backend import (  # noqa: F401  (re-exported: store_engine.is_duckdb … stay valid)
    analyze_tables,
    get_meta,
    hash_joins,
    is_duckdb,
    set_meta,
)


def default_url() -> str:
    """The embedded DuckDB file: ``data/careplan.duckdb`` in a checkout, the user's data folder when installed
    (``analytics.locations``); its folder is created on first use."""
    return f"duckdb:///{locations.default_db_path()}"

_ENGINES: dict[str, Engine] = {}


def resolve_url(url: str | None = None) -> str:
    """The database URL by precedence: explicit, environment, secrets file, embedded default."""
    if url:
        return url
    env = os.environ.get("CAREPLAN_DB_URL")
    if env:
        return env
    secrets = locations.secrets_path()
    if secrets.exists():
        try:
            data = tomllib.loads(secrets.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            data = {}
        found = (data.get("connections", {}).get("careplan", {}) or {}).get("url") or data.get("db_url")
        if found:
            return found
    return default_url()


# DuckDB checkpoints when its write-ahead log passes checkpoint_threshold (16 MiB by default): a month's
# file of exchanges writes more than that, so each file's commit rewrote the changed row groups of six
# tables. Within one import call the log may grow to this, and one checkpoint closes the call.
BULK_CHECKPOINT_THRESHOLD = "1GB"


_bulk_calls: dict[str, int] = {}   # database URL → import calls storing into it now (the setting is global)
_bulk_lock = threading.Lock()


@contextlib.contextmanager
def bulk_writes(engine: Engine):
    """An import of several files on a DuckDB file: one checkpoint at the end instead of one per file's
    commit (12 files of 83k exchange rows: 164k → 216k rows/s, benchmarks/RESULTS.md run 13). Every
    file's commit is still durable (the log is on disk); the log is folded into the file when the last
    of the concurrent calls on the database leaves, also after an error. PostgreSQL and an in-memory
    DuckDB: nothing to do."""
    if not is_duckdb(engine) or duckdb_path(engine.url) is None:
        yield
        return
    key = str(engine.url)
    with _bulk_lock:
        if not _bulk_calls.get(key):
            with engine.connect() as conn:   # counted only once it is set: a failed SET leaves no count behind
                conn.exec_driver_sql(f"SET checkpoint_threshold = '{BULK_CHECKPOINT_THRESHOLD}'")
        _bulk_calls[key] = _bulk_calls.get(key, 0) + 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_calls[key] -= 1
            last = not _bulk_calls[key]
            if last:
                del _bulk_calls[key]
                with engine.connect() as conn:
                    conn.exec_driver_sql("RESET checkpoint_threshold")
        if last:
            with engine.connect() as conn:
                try:
                    conn.exec_driver_sql("CHECKPOINT")
                except sa.exc.DBAPIError:  # another connection is writing: DuckDB checkpoints later by itself
                    pass


def get_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """A cached engine for the URL; the schema is created or migrated on first use.

    A URL that cannot be used at all (not a URL, an unsupported backend, a folder that cannot be made)
    raises ``UnusableDatabase``; a server or file that cannot be opened raises SQLAlchemy's
    ``OperationalError`` (``unavailable_message`` says why). ``read_only`` (DuckDB): open the file
    read-only, for a file the user may not write; it works when the schema is already current.
    The cache is per URL: the first opening decides the mode for this process."""
    url = resolve_url(url)
    eng = _ENGINES.get(url)
    if eng is None:
        parsed = check_url(url)
        path = duckdb_path(parsed)
        if path is not None and not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _folder_error(path, exc) from None
        connect_args = {"read_only": True} if read_only and parsed.get_backend_name() == "duckdb" else {}
        # a server restarted (or a connection dropped by a firewall) leaves dead connections in the pool:
        # each is tested when it is taken out, and replaced, instead of failing the next page or command
        options = {"pool_pre_ping": True} if parsed.get_backend_name() == "postgresql" else {}
        try:
            eng = sa.create_engine(url, future=True, connect_args=connect_args, **options)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError):
            raise _backend_error(url) from None
        try:
            migrate(eng)
        except sa.exc.DBAPIError as exc:
            eng.dispose()
            if _insufficient_privilege(exc):
                raise _privilege_error(parsed, exc) from None
            if read_only and "read-only" in str(exc).lower().replace("read only", "read-only"):
                raise UnusableDatabase("db.read_only_needs_update", path=path) from None
            raise
        _ENGINES[url] = eng
    return eng


# ------------------------------------------------------------------ the user's URL: checks and messages

SUPPORTED_FORMS = ("duckdb:///path/to/careplan.duckdb",
                   "postgresql+psycopg://user:password@host:5432/dbname")
# backend → the drivers the code works with (bulk_insert: DuckDB register, psycopg 3 COPY); None = default
SUPPORTED_BACKENDS = {"duckdb": (None, "duckdb"), "postgresql": ("psycopg",)}
DUCKDB_MAGIC = b"DUCK"  # a DuckDB file holds these bytes at offset 8


class UnusableDatabase(Exception):
    """The database the user named cannot be used as given; carries the key of its message in the catalogue
    (``analytics/locales/<lang>/database.json``) and its values (passwords masked); ``text(lang)`` is it in
    one language, ``ja`` / ``en`` in each."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        self.ja, self.en = i18n.both(key, **values)
        super().__init__(self.ja)

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


def show_url(url) -> str:
    """The URL for a message: the password masked, also in a string that does not parse as a URL."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: mask anything between "user:" and "@"
        return mask_passwords(str(url))


def mask_passwords(text: str) -> str:
    """Passwords of URLs anywhere in a text (scheme://user:password@host) shown as ***."""
    return re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*:)[^@\s]*@", r"\1***@", text)


def _forms() -> tuple[str, str]:
    return tuple(i18n.t("db.forms_sep", lang).join(SUPPORTED_FORMS) for lang in ("ja", "en"))


def _backend_error(url: str) -> UnusableDatabase:
    forms_ja, forms_en = _forms()
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return UnusableDatabase("db.url_not_understood", url=show_url(url), forms=(forms_ja, forms_en))
    if parsed.get_backend_name() == "postgresql":
        return UnusableDatabase("db.pg_driver", driver=parsed.drivername, url=show_url(url))
    return UnusableDatabase("db.backend_unsupported", driver=parsed.drivername, url=show_url(url),
                            forms=(forms_ja, forms_en))


def check_url(url: str) -> sa.engine.URL:
    """The parsed URL when it names a supported backend and driver, else ``UnusableDatabase``."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise _backend_error(url) from None
    backend, _, driver = parsed.drivername.partition("+")
    if (driver or None) not in SUPPORTED_BACKENDS.get(backend, ()):
        raise _backend_error(url)
    return parsed


def duckdb_path(url) -> pathlib.Path | None:
    """The file of a DuckDB URL; None for other backends and for in-memory DuckDB."""
    parsed = url if isinstance(url, sa.engine.URL) else sa.engine.make_url(url)
    if parsed.get_backend_name() != "duckdb":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith(":memory:"):
        return None
    return pathlib.Path(database)


def _folder_error(path: pathlib.Path, exc: OSError) -> UnusableDatabase:
    reason = exc.strerror or type(exc).__name__
    return UnusableDatabase("db.folder_error", folder=path.parent, reason=reason)


def _insufficient_privilege(exc: sa.exc.DBAPIError) -> bool:
    """PostgreSQL refused a statement for lack of a privilege (SQLSTATE 42501)."""
    return getattr(exc.orig, "sqlstate", None) == "42501"


def _privilege_error(parsed: sa.engine.URL, exc: sa.exc.DBAPIError) -> UnusableDatabase:
    """The database user may not create or read the app's tables (PostgreSQL 15+: only the database owner
    may create tables in schema public by default): what to run on the server, with the server's words."""
    user, db = parsed.username or "?", parsed.database or "?"
    reason = str(exc.orig).splitlines()[0][:200]
    return UnusableDatabase("db.privilege", db=db, user=user, reason=reason)


def _is_duckdb_file(path: pathlib.Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return len(head) == 12 and head[8:12] == DUCKDB_MAGIC


def prepare_target(url: str, *, write: bool) -> None:
    """Check the database the user named (``--db``, ``CAREPLAN_DB_URL``, secrets) before it is opened.

    Refused with ``UnusableDatabase``: a URL that is not understood or an unsupported backend; a DuckDB
    target that would not keep anything (in memory) or an existing file that is not a DuckDB database;
    for ``write=False`` (reports, exports) a DuckDB file that does not exist (nothing is created); for
    ``write=True`` a file or folder that cannot be written. A DuckDB file the user may only read is
    opened read-only here for ``write=False``. Internal callers (tests, the demo builder) may still use
    in-memory DuckDB through ``get_engine``."""
    parsed = check_url(url)
    if parsed.get_backend_name() != "duckdb":
        return
    path = duckdb_path(parsed)
    if path is None:
        raise UnusableDatabase("db.in_memory", url=url)
    if url in _ENGINES:      # opened before in this process: it was checked then
        return
    if path.is_dir():
        raise UnusableDatabase("db.is_folder", path=path, example=path / "careplan.duckdb")
    if path.exists():
        try:
            is_duck = _is_duckdb_file(path)
        except OSError as exc:
            raise UnusableDatabase("db.unreadable", path=path, reason=exc.strerror) from None
        if not is_duck:
            raise UnusableDatabase("db.not_duckdb", path=path)
        if not os.access(path, os.W_OK):
            if write:
                raise UnusableDatabase("db.not_writable", path=path)
            get_engine(url, read_only=True)
        return
    if not write:
        raise UnusableDatabase("db.missing", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(path, exc) from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise _folder_error(path, PermissionError(13, "Permission denied"))


def unavailable_message(url: str, exc: Exception) -> tuple[str, str]:
    """One sentence, as its (Japanese, English) pair, saying why the database could not be opened and what to do:
    for a DuckDB file the file's hint (in use, permissions, path), for a server the server's."""
    text = str(getattr(exc, "orig", None) or exc)   # the driver's words, not the SQL statement around them
    safe_url = show_url(url)
    try:
        path = duckdb_path(url)
    except Exception:  # noqa: BLE001 - not a URL: the general hint below
        path = None
    if path is not None and "lock" in text.lower():
        return i18n.both("db.locked", url=safe_url)
    if path is not None:
        reason = text.splitlines()[0][:200]
        return i18n.both("db.cannot_open", path=path, reason=reason)
    reason = _server_reason(exc)
    said = i18n.both("db.server_said", reason=reason) if reason else ("", "")
    return i18n.both("db.cannot_connect", url=safe_url, said=said)


def _server_reason(exc: Exception) -> str:
    """The server's or driver's own words, one line (refused, password, no such database …); the
    "connection to server at … failed:" preamble dropped. psycopg never puts the password in them."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    text = re.sub(r"^connection failed:\s*", "", text)
    text = re.sub(r'connection to server at "[^"]*"(?:, port \d+)? failed:\s*', "", text)
    text = re.sub(r"\s*\(Background on this error at:.*", "", " ".join(text.split()))
    return show_url(text.replace("FATAL: ", ""))[:200]


def is_open(url: str) -> bool:
    """Whether this process holds an engine (and so, for DuckDB, the file's lock) for url."""
    return url in _ENGINES


def dispose(url: str) -> None:
    """Close this process's engine for url (releases a DuckDB file for another process); a no-op if none."""
    eng = _ENGINES.pop(url, None)
    if eng is not None:
        eng.dispose()


def dispose_all() -> None:
    for eng in _ENGINES.values():
        eng.dispose()
    _ENGINES.clear()


# Hand-written migrations: version → list of SQL statements (or callables taking a Connection).
# Reflection does not work on DuckDB, so each step is explicit and keeps the data.
def _office_aggregates(conn: Connection) -> None:
    """2: per-office pre-aggregates (created, and built when the monthly one is fresh)."""
    from analytics.store import aggregates
    aggregates.migrate_office_tables(conn)


def _no_month_index_on_duckdb(conn: Connection) -> None:
    """3: DuckDB drops the ART index on exchanges.month (see schema.py); PostgreSQL keeps its B-tree."""
    if conn.dialect.name == "duckdb":
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_exchanges_month"))


def _monthly_month_index_on_postgresql(conn: Connection) -> None:
    """4: PostgreSQL indexes exchanges_monthly by month (see schema.py); nothing on DuckDB."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_exchanges_monthly_month ON exchanges_monthly (month)"))


def _registration_snapshots(conn: Connection) -> None:
    """5: registrations.registered_from_snapshot (false for every stored row); the snapshot tables are
    created by create_all after the migrations."""
    conn.execute(sa.text("ALTER TABLE registrations ADD COLUMN IF NOT EXISTS registered_from_snapshot "
                         "BOOLEAN DEFAULT false"))


def _master_snapshots(conn: Connection) -> None:
    """6: office master snapshots: new tables only (master_snapshots, master_snapshot_services,
    office_closures), created by create_all after the migrations; no stored office closes."""


def _exchange_services(conn: Connection) -> None:
    """7: exchanges.sender_service / receiver_service (null for every stored row: their names were not
    kept); exchange_deletions is created by create_all after the migrations."""
    for column in ("sender_service", "receiver_service"):
        conn.execute(sa.text(f"ALTER TABLE exchanges ADD COLUMN IF NOT EXISTS {column} VARCHAR(2)"))


def _service_closures(conn: Connection) -> None:
    """8: service_closures, derived from the master snapshots already stored (with office_closures again),
    so an office whose 居宅介護支援 a stored dated master closed is a service office from then on."""
    from analytics.store import closures
    schema.metadata.create_all(conn, checkfirst=True)  # the tables of 6 too, when coming from before it
    closures.derive(conn)


MIGRATIONS: dict[int, list] = {2: [_office_aggregates], 3: [_no_month_index_on_duckdb],
                               4: [_monthly_month_index_on_postgresql], 5: [_registration_snapshots],
                               6: [_master_snapshots], 7: [_exchange_services], 8: [_service_closures]}


def current_version(conn: Connection) -> int:
    try:
        v = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    except sa.exc.DBAPIError:
        conn.rollback()
        return 0
    return int(v or 0)


def migrate(engine: Engine) -> int:
    """Create missing tables and apply pending migrations; returns the schema version in force."""
    with engine.begin() as conn:
        version = current_version(conn)
    if version == 0:
        with engine.begin() as conn:
            schema.metadata.create_all(conn)
            conn.execute(schema.schema_version.insert().values(
                version=schema.SCHEMA_VERSION, applied_at=dt.datetime.now(), note="initial schema"))
        return schema.SCHEMA_VERSION
    for target in sorted(v for v in MIGRATIONS if v > version):
        with engine.begin() as conn:
            for step in MIGRATIONS[target]:
                if callable(step):
                    step(conn)
                else:
                    conn.execute(sa.text(step))
            conn.execute(schema.schema_version.insert().values(
                version=target, applied_at=dt.datetime.now(), note=f"migration to {target}"))
        version = target
    # tables added to the schema without data changes (new empty tables) are created here too
    with engine.begin() as conn:
        schema.metadata.create_all(conn, checkfirst=True)
    return version


def read_df(conn_or_engine, query, params: dict | None = None, *, native: bool = False) -> pd.DataFrame:
    """Run a Core select (or text) and return a DataFrame; the aggregation is the database's.
    ``native``: on DuckDB, the frame straight from DuckDB's result (its own column types: text, integers,
    floats — no dates), for long lists where building Python rows is most of the time."""
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            return read_df(conn, query, params, native=native)
    result = conn_or_engine.execute(query, params or {})
    if native and is_duckdb(conn_or_engine):
        return result.cursor.fetchdf()
    # plain tuples: pandas probes each SQLAlchemy Row for attributes (≈10 µs a row), tuples it takes as is
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=list(result.keys()))


def bulk_insert(conn: Connection, table: sa.Table, frame) -> int:
    """Insert a frame or an Arrow table in one statement (DuckDB: registered as it is; PostgreSQL: COPY
    of CSV), inside conn's transaction."""
    arrow = not isinstance(frame, pd.DataFrame)
    names = frame.column_names if arrow else frame.columns
    cols = [c.name for c in table.columns if c.name in names]
    frame = frame.select(cols) if arrow else frame[cols]
    if len(frame) == 0:
        return 0
    raw = conn.connection.dbapi_connection
    collist = ", ".join(f'"{c}"' for c in cols)
    if is_duckdb(conn):
        name = f"_stage_{table.name}"
        raw.register(name, frame)
        try:
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({collist}) SELECT {collist} FROM {name}')
        finally:
            raw.unregister(name)
        return len(frame)
    # COPY in CSV: one statement, no per-row Python (empty unquoted field = NULL)
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({collist}) FROM STDIN WITH (FORMAT csv)') as copy:
            if arrow:  # Arrow's C++ CSV writer
                import io

                import pyarrow.csv as pacsv
                buf = io.BytesIO()
                pacsv.write_csv(frame, buf, pacsv.WriteOptions(include_header=False))
                copy.write(buf.getbuffer())
                return len(frame)
            ints = [c.name for c in table.columns if c.name in cols
                    and isinstance(c.type, sa.Integer) and frame[c.name].dtype.kind == "f"]
            if ints:  # 1.0 is not a valid bigint literal for COPY
                frame = frame.astype({c: "Int64" for c in ints})
            for start in range(0, len(frame), 500_000):
                chunk = frame.iloc[start:start + 500_000]
                copy.write(chunk.to_csv(index=False, header=False, na_rep=""))
    return len(frame)
