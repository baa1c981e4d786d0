"""Monthly pre-aggregate of the exchanges, kept up to date on import, used only while provably fresh.

``exchanges_monthly`` holds the sheets and rows of ``exchanges`` summed by month × sender's prefecture ×
sender's municipality × form × channel × (sender registered, receiver registered that month) — the
dimensions of every area-level dashboard figure (digital share, missed digital, channel mix, savings).
At national size (10⁸ sheet rows) it has ≈10⁵–10⁶ rows, so those queries read it instead of the big table.

Freshness: the aggregate is valid for one state of the data, named by a token over the imports that
change it (``import_batches`` rows of kinds demo/offices/registrations/exchanges/cpds with accepted rows:
max batch id and count). ``refresh`` stores the token it was built for in ``dataset_meta``; ``is_fresh``
compares it with the current one, and queries fall back to the raw table when they differ — so an import
path that forgets to refresh costs speed, never correctness.

Maintenance: an exchanges import appends its own batch's delta (rows are additive; the table has no key
and readers sum); an offices or registrations import rebuilds the whole table (registration flags and
areas of old rows change). On PostgreSQL an advisory transaction lock serialises the maintenance of
concurrent imports, so each sees the other's committed delta and token, and a rebuild goes month by
month, flagging each month's rows once for all five tables (``_refresh_staged``).
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Iterable

import sqlalchemy as sa

from analytics.store import aggregates_office, backend, definitions, schema

META_KEY = "aggregates_token"
TOKEN_KINDS = ("demo", "offices", "registrations", "exchanges", "cpds")
DIMENSIONS = ("month", "prefecture_code", "municipality_code", "form", "channel",
              "sender_registered", "receiver_registered")
# switch for benchmarks and comparisons (CAREPLAN_AGGREGATES=0 makes every query read the raw table)


def enabled() -> bool:
    """Queries may read the pre-aggregates (CAREPLAN_AGGREGATES=0 makes them read exchanges), read when used."""
    return os.environ.get("CAREPLAN_AGGREGATES", "1") != "0"
_LOCK_ID = 7_402_311  # pg_advisory_xact_lock key for aggregate maintenance

monthly = schema.exchanges_monthly


def token(conn, exclude_batch: int | None = None) -> str:
    """The current data state of the inputs of the aggregate (optionally as it was before one batch)."""
    b = schema.import_batches
    q = (sa.select(sa.func.max(b.c.batch_id), sa.func.count())
         .where(b.c.kind.in_(TOKEN_KINDS), b.c.accepted > 0))
    if exclude_batch is not None:
        q = q.where(b.c.batch_id != exclude_batch)
    row = conn.execute(q).fetchall()[0]
    return f"{row[0] or 0}:{row[1] or 0}"


def is_fresh(conn_or_engine) -> bool:
    """True when ``exchanges_monthly`` describes exactly the data now in the database."""
    if isinstance(conn_or_engine, sa.engine.Engine):
        with conn_or_engine.connect() as conn:
            return is_fresh(conn)
    stored = backend.get_meta(conn_or_engine, META_KEY)
    return stored is not None and stored == token(conn_or_engine)


def usable(conn_or_engine) -> bool:
    """Queries may read ``exchanges_monthly`` instead of ``exchanges``."""
    return enabled() and is_fresh(conn_or_engine)


def lock(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})


def _flagged(where=(), regm=None):
    """exchanges rows with the aggregate's dimensions and flags (``definitions.flagged_exchanges``): hash
    joins against the (month, office) registration set of the months at hand — a CTE (DuckDB), or on
    PostgreSQL that set staged and analysed (``_stage_registered``): its planner nests loops over a CTE of
    that size."""
    return definitions.flagged_exchanges(where, regm).subquery("fx_src")


# one import's rows with their flags and area, computed once and read by every pre-aggregate's delta
BATCH_FLAGGED = sa.Table(
    "_batch_flagged", sa.MetaData(),
    sa.Column("month", sa.Date), sa.Column("prefecture_code", sa.String(2)),
    sa.Column("municipality_code", sa.String(6)), sa.Column("form", sa.String(10)),
    sa.Column("channel", sa.String(10)), sa.Column("sender_registered", sa.Integer),
    sa.Column("receiver_registered", sa.Integer), sa.Column("sheets", sa.BigInteger),
    sa.Column("sender_code", sa.String(10)), sa.Column("receiver_code", sa.String(10)),
    prefixes=["TEMPORARY"])  # dropped by add_batch; a rolled-back import never created it


# PostgreSQL: (month, office_code) of the offices registered in the months being flagged (gone at commit)
REGISTERED = sa.Table("_flag_registered", sa.MetaData(), sa.Column("month", sa.Date),
                      sa.Column("office_code", sa.String(10)), prefixes=["TEMPORARY"],
                      postgresql_on_commit="DROP")


def _registered_months(where):
    """(month, office_code) registered, for the months of the exchanges rows matching ``where`` only (one
    batch: its month or two, not every stored month)."""
    e = schema.exchanges
    return definitions.registered_months(sa.select(e.c.month).distinct().where(*where).cte("m"))


def _stage_registered(conn, where) -> sa.Table:
    """Fill REGISTERED (created if missing) for the months of the exchanges rows matching ``where``."""
    REGISTERED.create(conn, checkfirst=True)
    conn.execute(sa.text(f"TRUNCATE {REGISTERED.name}"))
    regm = _registered_months(where)
    conn.execute(REGISTERED.insert().from_select(["month", "office_code"], sa.select(regm.c.month, regm.c.office_code)))
    return REGISTERED


def _flag_into(conn, where) -> None:
    """Fill BATCH_FLAGGED (created by the caller, empty) with the flagged rows matching ``where``, by hash
    joins (``backend.hash_joins``: right after a bulk insert PostgreSQL may think an import's rows are
    a handful and loop over the registered set for each of 10⁶ rows)."""
    fx = BATCH_FLAGGED
    duckdb = backend.is_duckdb(conn)
    src = _flagged(where, None if duckdb else _stage_registered(conn, where))
    with backend.hash_joins(conn, analyze=[REGISTERED.name]):  # filled on PostgreSQL only
        conn.execute(fx.insert().from_select([c.name for c in fx.columns],
                                             sa.select(*[src.c[c.name] for c in fx.columns])))


def _grouped(fx):
    cols = [fx.c[c] for c in DIMENSIONS]
    return sa.select(*cols, sa.cast(sa.func.sum(fx.c.sheets), sa.BigInteger).label("sheets"),
                     sa.cast(sa.func.count(), sa.BigInteger).label("n_rows")).group_by(*cols)


def _source(conn, months: list[dt.date] | None = None):
    """The aggregate's rows computed from ``exchanges`` (all months or the given ones), SQLAlchemy Core."""
    e = schema.exchanges
    return _grouped(_flagged([e.c.month.in_(months)] if months else []))


def _insert_from(conn, select) -> None:
    names = list(DIMENSIONS) + ["sheets", "n_rows"]
    conn.execute(monthly.insert().from_select(names, select))


def migrate_office_tables(conn) -> None:
    """Schema 2: create the per-office tables; when the monthly aggregate is fresh, rebuild the
    pre-aggregates (these tables with it), so an existing database keeps reading pre-aggregates (else the
    next refresh builds them)."""
    for table in aggregates_office.TABLES:
        table.create(conn, checkfirst=True)
    lock(conn)
    if is_fresh(conn):
        refresh(conn)  # all pre-aggregates the backend's way (PostgreSQL: one flagging a month)


def analyze(conn) -> None:
    """PostgreSQL: fresh planner statistics for the five pre-aggregates, inside the import's transaction.

    Autovacuum analyses a table once a tenth of it has changed, and a month's import is less than that.
    Until then the planner does not know the new month, which is the one every page reads first. It took
    that month for one row and looped over the registered offices once per target: 働きかけ先 took 11 s at
    10M rows and 71 s at 100M, 0.1 s with statistics."""
    backend.analyze_tables(conn, [t.name for t in (monthly,) + aggregates_office.TABLES])


def refresh(conn, months: Iterable[dt.date] | None = None) -> None:
    """Rebuild the aggregate for the given months (all months when None) inside conn's transaction,
    and record it as fresh for the current data."""
    lock(conn)
    if months is not None:
        months = sorted({m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10]) for m in months})
    if not backend.is_duckdb(conn):
        _refresh_staged(conn, months)
        backend.set_meta(conn, META_KEY, token(conn))
        analyze(conn)
        return
    if months is None:
        conn.execute(monthly.delete())
        _insert_from(conn, _source(conn))
    elif months:
        conn.execute(monthly.delete().where(monthly.c.month.in_(months)))
        _insert_from(conn, _source(conn, months))
    backend.set_meta(conn, META_KEY, token(conn))
    aggregates_office.refresh(conn, months)  # the per-office tables share the token


def _refresh_staged(conn, months: list[dt.date] | None) -> None:
    """PostgreSQL: rebuild every pre-aggregate month by month, flagging each month's rows once into
    BATCH_FLAGGED and building all five tables from it, instead of each table's query flagging every row
    again (441 → 79 s at 10⁷ rows; readers use indexes, so row order does not matter here as it does for
    DuckDB's zone maps)."""
    e = schema.exchanges
    tables = (monthly,) + aggregates_office.TABLES
    if months is None:
        for table in tables:
            conn.execute(table.delete())
        months = [m for (m,) in conn.execute(sa.select(e.c.month).distinct().order_by(e.c.month))]
    elif months:
        for table in tables:
            conn.execute(table.delete().where(table.c.month.in_(months)))
    if not months:
        return
    fx = BATCH_FLAGGED
    fx.create(conn)
    for m in months:
        conn.execute(sa.text(f"TRUNCATE {fx.name}"))
        _flag_into(conn, [e.c.month == m])
        _insert_from(conn, _grouped(fx))
        aggregates_office.rebuild_month(conn, m, fx)
    fx.drop(conn)


def add_batch(conn, batch_id: int) -> None:
    """After an exchanges import recorded as ``batch_id``: append that batch's delta when the aggregate
    was fresh before it, else rebuild everything. Call inside the import's transaction, after the
    batch row is written."""
    lock(conn)
    stored = backend.get_meta(conn, META_KEY)
    if stored is None or stored != token(conn, exclude_batch=batch_id):
        refresh(conn)
        return
    e = schema.exchanges
    fx = BATCH_FLAGGED
    fx.create(conn)
    _flag_into(conn, [e.c.batch_id == batch_id])
    _insert_from(conn, _grouped(fx))
    backend.set_meta(conn, META_KEY, token(conn))
    aggregates_office.add_batch(conn, batch_id, fx)  # the per-office tables share the token
    fx.drop(conn)
    analyze(conn)


def refresh_if_fresh(conn, months: Iterable[dt.date]) -> None:
    """After stored exchanges of ``months`` changed in place (a deletion file took sheets off): rebuild those
    months when the pre-aggregates are fresh otherwise; stale ones stay stale (queries read exchanges until
    the next full refresh). Inside the import's transaction, after its batch row and any ``add_batch``."""
    lock(conn)
    stored = backend.get_meta(conn, META_KEY)
    if stored is not None and stored == token(conn):
        refresh(conn, months)


def ensure_fresh(engine) -> bool:
    """Rebuild when stale (e.g. after a database was filled by hand); True when a rebuild ran."""
    with engine.begin() as conn:
        if is_fresh(conn):
            return False
        refresh(conn)
        return True
