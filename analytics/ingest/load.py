"""Checked rows → the database, one transaction per file, through staged frames and single statements.

DuckDB stages by registering the frame on the native connection; PostgreSQL by a temporary table filled
with COPY. Upserts are one ``INSERT … SELECT … ON CONFLICT``; exchanges (no key on the big table) are
made idempotent by an anti-join of the staged rows on their natural key: a key stored with the same sheets
is a duplicate, a key stored with other sheets is rejected (the stored value is kept, the reason listed).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analytics import i18n
from analytics.domain import formats
from analytics.ingest import deletions
from analytics.store import aggregates, definitions, schema
from analytics.store import engine as store_engine

EXCHANGE_KEY = ["month", "sender_code", "receiver_code", "form", "channel"]
# the 標準仕様's files (cpds): the same pair, month and form for other サービス種類コード (a v4.x name's) is
# another exchange; null codes (an older name) compare equal to each other
SERVICES = ["sender_service", "receiver_service"]
CPDS_KEY = EXCHANGE_KEY + SERVICES
ROW_COLUMN = "_row"  # optional column of the accepted rows: their row number in the file
CONFLICTS_IN_SUMMARY = 1_000  # conflicts handed back in Counts.conflicts; all are in rejected_rows

_TYPES = {
    "office_code": sa.String(10), "name": sa.Text(), "prefecture_code": sa.String(2),
    "municipality_code": sa.String(6), "municipality": sa.Text(), "lat": sa.Float(), "lon": sa.Float(),
    "service_code": sa.String(3), "registered_on": sa.Date(), "ended_on": sa.Date(), "month": sa.Date(),
    "sender_code": sa.String(10), "receiver_code": sa.String(10), "form": sa.String(10),
    "channel": sa.String(10), "sheets": sa.BigInteger(), "n_rows": sa.BigInteger(), "users": sa.Integer(),
    "care_managers": sa.Integer(), "registered_from_snapshot": sa.Boolean(),
    "sender_service": sa.String(2), "receiver_service": sa.String(2),
}


@dataclass
class Counts:
    batch_id: int | None
    rows_read: int
    accepted: int
    duplicates: int
    rejected: int
    # exchange rows whose key is stored with another count (their problems; the first CONFLICTS_IN_SUMMARY)
    conflicts: pd.DataFrame | None = None
    companions: int = 0  # rows read that are known files of the input but no row of ours (not stored)
    deletions: int = 0   # rows read that are deletion files (cpds' DLT…), applied or not found
    deletions_not_found: int = 0  # of them: their exchange is neither in the input nor stored
    notes: list = dataclasses.field(default_factory=list)  # (ja, en) said of the file by the load


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@contextlib.contextmanager
def staged(conn, name: str, frame: pd.DataFrame):
    """The frame visible to SQL as ``name`` for the rest of the transaction."""
    raw = conn.connection.dbapi_connection
    if store_engine.is_duckdb(conn):
        raw.register(name, frame)
        try:
            yield name
        finally:
            raw.unregister(name)
    else:
        table = sa.Table(name, sa.MetaData(), *[sa.Column(c, _TYPES[c]) for c in _columns(frame)],
                         prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
        # dropped at commit; on rollback it never existed (no DROP here: it would mask the real error)
        table.create(conn)
        store_engine.bulk_insert(conn, table, frame)
        yield name


def _columns(frame) -> list[str]:
    return list(frame.column_names) if hasattr(frame, "column_names") else list(frame.columns)


def _dates_as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for c in frame.columns:
        if _TYPES.get(c) is not None and isinstance(_TYPES[c], sa.Date):
            frame[c] = pd.to_datetime(frame[c]).dt.date.astype(object).where(frame[c].notna(), None)
    return frame


def master_codes_failing_check(engine) -> frozenset:
    """事業所番号 of the office master whose check digit does not match (みなし指定 offices, stored with a
    warning): the other kinds accept them (the master is the authority on office numbers)."""
    from analytics.ingest.validate import clean_valid_office_codes
    with engine.connect() as conn:
        if store_engine.is_duckdb(conn):   # the check in the engine: only the few failing numbers come back
            from analytics.ingest.fast import CLEAN_VALID_CODE  # (a national master: 1.5 s → 0.1 s)
            return frozenset(r[0] for r in conn.exec_driver_sql(
                f"SELECT v FROM (SELECT office_code AS v FROM {schema.offices.name}) WHERE NOT ({CLEAN_VALID_CODE})"))
        stored = np.asarray([r[0] for r in conn.execute(sa.select(schema.offices.c.office_code))], dtype=object)
    return frozenset(stored[~clean_valid_office_codes(stored)].tolist()) if len(stored) else frozenset()


def find_batch(engine, kind: str, content_hash: str):
    """The earlier import of the same content and kind, if any (rows_read of it)."""
    t = schema.import_batches
    with engine.connect() as conn:
        return conn.execute(sa.select(t.c.batch_id, t.c.rows_read)
                            .where(t.c.kind == kind, t.c.content_hash == content_hash)
                            .order_by(t.c.batch_id).limit(1)).first()


def _one(conn, stmt, params=None):
    # fetch everything: a half-read DuckDB result blocks register() on the same connection
    rows = conn.execute(stmt, params or {}).fetchall()
    return rows[0][0] if rows else None


def _new_batch_id(conn) -> int:
    return int(_one(conn, sa.select(schema.batch_seq.next_value())))


def _record(conn, batch_id, kind, file, content_hash, imported_by, counts, errors: pd.DataFrame) -> None:
    conn.execute(schema.import_batches.insert().values(
        batch_id=batch_id, kind=kind, file_name=file, content_hash=content_hash,
        imported_at=dt.datetime.now(), imported_by=imported_by, rows_read=counts.rows_read,
        accepted=counts.accepted, duplicates=counts.duplicates, rejected=counts.rejected))
    if not errors.empty:
        frame = pd.DataFrame({
            "batch_id": batch_id, "row_number": errors["row"].astype("int64"),
            # the sheet of a workbook's row ("book.xlsx [4月]"), else the file
            "file": errors["file"].fillna(file).astype(str) if "file" in errors else file,
            "column_name": errors["column"], "value": errors["value"].astype(str),
            "reason_ja": errors["reason_ja"], "reason_en": errors["reason_en"]})
        store_engine.bulk_insert(conn, schema.rejected_rows, frame)


def record_duplicate(engine, kind, file, content_hash, imported_by, rows_read) -> Counts:
    """The same content again: nothing added, every row reported as a duplicate, the attempt recorded."""
    counts = Counts(None, rows_read, 0, rows_read, 0)
    with engine.begin() as conn:
        counts.batch_id = _new_batch_id(conn)
        _record(conn, counts.batch_id, kind, file, content_hash, imported_by, counts, pd.DataFrame())
    return counts


_IMPORT_LOCK = threading.Lock()
_PG_IMPORT_LOCK = 7_220_001  # pg_advisory_xact_lock key shared by every careplan import


@contextlib.contextmanager
def _one_import_at_a_time(engine):
    """Imports are serialised: concurrent loads of the same or overlapping content would both pass the
    anti-join and store rows twice. DuckDB: one writer process, so a lock in this process; PostgreSQL: a
    transaction-scoped advisory lock (all processes), taken as the transaction's first statement."""
    if engine.dialect.name == "duckdb":
        with _IMPORT_LOCK, engine.begin() as conn:
            yield conn
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})
            yield conn


def load(engine, spec, file: str, content_hash: str, rows: pd.DataFrame, errors: pd.DataFrame,
         rows_read: int, imported_by: str, aggregated: pd.DataFrame | None = None, companions: int = 0,
         deletion_files: pd.DataFrame | None = None) -> Counts:
    """Store one file's accepted rows and rejected rows atomically through its kind's spec
    (``analytics.ingest.kinds.KindSpec``: ``store`` writes the rows, ``refresh`` the pre-aggregates);
    returns the counts.

    Exchange rows whose natural key is stored with a different count are rejected here, not stored: they
    are counted in ``rejected``, kept in ``rejected_rows`` and returned in ``Counts.conflicts`` (the first
    ``CONFLICTS_IN_SUMMARY``), so the caller lists them with the file's other problems.

    ``deletion_files`` (cpds): applied to the exchanges stored before this file, in the same transaction
    (``analytics.ingest.deletions``), and the pre-aggregates of the months they changed rebuilt."""
    rejected = int(errors["pos"].nunique()) if not errors.empty else 0
    kind = spec.name
    found, conflicts = _no_conflicts_found(), _no_conflicts()
    with _one_import_at_a_time(engine) as conn:
        t = schema.import_batches
        if _one(conn, sa.select(t.c.batch_id).where(t.c.kind == kind, t.c.content_hash == content_hash)
                .limit(1)) is not None:
            # the same content landed while this one was being read (a concurrent import)
            counts = Counts(_new_batch_id(conn), rows_read, 0, rows_read, 0)
            _record(conn, counts.batch_id, kind, file, content_hash, imported_by, counts, pd.DataFrame())
            return counts
        batch_id = _new_batch_id(conn)
        dup = 0
        applied = deletions.apply(conn, batch_id, deletion_files)
        if len(rows):  # a frame, or an Arrow table from analytics.ingest.fast
            dup, stored_other = spec.store(conn, batch_id, rows, aggregated)
            if stored_other is not None:
                found = stored_other
                conflicts = _conflict_errors(rows, found, spec.position_column, file)
        conflicted = int(found["n_rows"].sum())
        counts = Counts(batch_id, rows_read, len(rows) - dup - conflicted, dup, rejected + conflicted,
                        companions=companions, deletions=applied.files, deletions_not_found=applied.not_found,
                        notes=applied.notes)
        _record(conn, batch_id, kind, file, content_hash, imported_by, counts,
                errors if conflicts.empty else conflicts if errors.empty else
                pd.concat([errors, conflicts[[c for c in conflicts.columns if c in errors.columns]]],
                          ignore_index=True))
        if counts.accepted and spec.refresh is not None:  # keep the pre-aggregates fresh
            spec.refresh(conn, batch_id)
        if applied.months:  # stored exchanges changed by deletion files: their months again
            aggregates.refresh_if_fresh(conn, applied.months)
    counts.conflicts = conflicts.head(CONFLICTS_IN_SUMMARY)
    return counts


# ---------------------------------------------------------------- exchanges

def aggregate_exchanges(rows: pd.DataFrame) -> pd.DataFrame:
    return (rows.groupby(EXCHANGE_KEY, sort=False)
            .agg(sheets=("sheets", "sum"), n_rows=("sheets", "size")).reset_index())


def _arrow_rows(rows: pd.DataFrame):
    """The accepted rows as an Arrow table (month date32, codes text, sheets int64) for DuckDB to scan."""
    import pyarrow as pa
    if isinstance(rows, pa.Table):
        return rows

    def text(s: pd.Series):
        arr = pa.array(s.array) if isinstance(s.dtype, pd.StringDtype) else pa.array(s.astype(object), type=pa.string())
        return arr.cast(pa.string())

    month = pa.array(pd.to_datetime(rows["month"]).to_numpy("datetime64[D]")).cast(pa.date32())
    return pa.table({"month": month, "sender_code": text(rows["sender_code"]),
                     "receiver_code": text(rows["receiver_code"]), "form": text(rows["form"]),
                     "channel": text(rows["channel"]),
                     "sheets": pa.array(rows["sheets"].astype("int64").to_numpy())})


def _month_span(rows) -> tuple:
    """The first and last month of the rows (an Arrow table or a frame)."""
    if isinstance(rows, pd.DataFrame):
        return rows["month"].min(), rows["month"].max()
    import pyarrow.compute as pc
    span = pc.min_max(rows.column("month")).as_py()
    return span["min"], span["max"]


def _months_stored(conn, lo, hi) -> bool:
    """Whether ``exchanges`` holds rows of the months lo..hi: a file of months not stored yet (the usual
    monthly import) cannot hold a stored key, so its rows need no anti-join against the table."""
    return bool(_one(conn, sa.text("SELECT count(*) FROM (SELECT 1 FROM exchanges "
                                   "WHERE month BETWEEN :lo AND :hi LIMIT 1) x"), {"lo": lo, "hi": hi}))


def _grouped_sql(source: str) -> str:
    """The rows of ``source`` summed on the natural key (sheets, and n_rows = rows merged)."""
    keys = ", ".join(EXCHANGE_KEY)
    return (f"SELECT {keys}, CAST(SUM(sheets) AS BIGINT) AS sheets, COUNT(*) AS n_rows "
            f"FROM {source} GROUP BY {keys}")


def _load_exchanges_duckdb(conn, batch_id: int, rows: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """DuckDB: aggregate on the natural key, find the rows already stored and insert the rest, all in
    SQL over the registered Arrow table (no pandas group-by, no object columns to scan). Returns the
    duplicate rows and the conflicts (keys stored with other sheets)."""
    raw = conn.connection.dbapi_connection
    keys = ", ".join(EXCHANGE_KEY)
    staged_rows = _arrow_rows(rows)
    lo, hi = _month_span(staged_rows)
    stored_before = _months_stored(conn, lo, hi)
    grouped = _grouped_sql("_stage_exchange_rows")
    raw.register("_stage_exchange_rows", staged_rows)
    try:
        if not stored_before:
            conn.execute(sa.text(f"INSERT INTO exchanges ({keys}, sheets, batch_id) "
                                 f"SELECT {keys}, sheets, :b FROM ({grouped})"), {"b": batch_id})
            return 0, _no_conflicts_found()
        # the stored keys of the file's months only (zone maps skip the rest), grouped, so the left join
        # marks each staged key at most once: the same as EXISTS, ≈20× faster on a big table
        conn.execute(sa.text(
            f"CREATE OR REPLACE TEMP TABLE _stage_exchanges AS "
            f"WITH s AS ({grouped}), "
            f"stored AS (SELECT {keys}, CAST(SUM(sheets) AS BIGINT) AS stored_sheets FROM exchanges "
            f"WHERE month BETWEEN :lo AND :hi GROUP BY {keys}) "
            f"SELECT s.*, stored.stored_sheets FROM s LEFT JOIN stored USING ({keys})"),
            {"lo": lo, "hi": hi})
    finally:
        raw.unregister("_stage_exchange_rows")
    dup = _one(conn, sa.text("SELECT COALESCE(SUM(n_rows) FILTER (WHERE stored_sheets = sheets), 0) "
                             "FROM _stage_exchanges"))
    found = _fetch_conflicts(conn, "_stage_exchanges")
    conn.execute(sa.text(
        f"INSERT INTO exchanges ({keys}, sheets, batch_id) "
        f"SELECT {keys}, sheets, :b FROM _stage_exchanges WHERE stored_sheets IS NULL"), {"b": batch_id})
    conn.execute(sa.text("DROP TABLE _stage_exchanges"))
    return int(dup or 0), found


def _aggregate_arrow(rows):
    """Arrow rows summed on the natural key by an in-memory DuckDB (PostgreSQL stores take this by COPY)."""
    import duckdb
    con = duckdb.connect()
    try:
        con.register("r", rows)
        return con.sql(_grouped_sql("r")).to_arrow_table()
    finally:
        con.close()


def _same(c: str) -> str:
    """e and s agree on column c (a service code may be null on both sides: an older file name)."""
    return f"e.{c} IS NOT DISTINCT FROM s.{c}" if c in SERVICES else f"e.{c} = s.{c}"


def store_exchanges(conn, batch_id: int, rows: pd.DataFrame, aggregated: pd.DataFrame | None,
                    key: list[str] = EXCHANGE_KEY) -> tuple[int, pd.DataFrame]:
    """Insert the keys not stored yet; (duplicate rows, conflicts: keys stored with other sheets). ``key``:
    the natural key (``CPDS_KEY`` for the 標準仕様's files: with the offices' サービス種類コード)."""
    if aggregated is None and store_engine.is_duckdb(conn) and key == EXCHANGE_KEY:
        return _load_exchanges_duckdb(conn, batch_id, rows)
    if aggregated is None and not isinstance(rows, pd.DataFrame):  # Arrow rows from analytics.ingest.fast
        agg = _aggregate_arrow(rows)
    else:
        agg = aggregated if aggregated is not None else aggregate_exchanges(rows)
        agg = _dates_as_objects(agg[key + ["sheets", "n_rows"]])
        for c in set(key) & set(SERVICES):
            agg[c] = agg[c].astype(object).where(agg[c].notna(), None)
        agg["sheets"] = agg["sheets"].astype("int64")
        agg["n_rows"] = agg["n_rows"].astype("int64")
    lo, hi = _month_span(agg)
    # the stored rows of the file's months only; a file of months not stored yet needs no probe at all
    on = "e.month BETWEEN :lo AND :hi AND " + " AND ".join(_same(c) for c in key)
    stored_before = _months_stored(conn, lo, hi)
    st, cols = "_stage_exchanges", ", ".join(key)
    insert = (f"INSERT INTO exchanges ({cols}, sheets, batch_id) "
              f"SELECT {', '.join('s.' + c for c in key)}, s.sheets, :b FROM {st} s")
    with staged(conn, st, agg):
        if not stored_before:
            conn.execute(sa.text(insert), {"b": batch_id})
            return 0, _no_conflicts_found()
        # another file of a month already stored (a month sent in several files): probed by hash joins
        # (with the staged rows unanalysed, PostgreSQL looped over the month's stored rows for each one)
        with store_engine.hash_joins(conn, analyze=[st]):
            skeys = ", ".join(f"s.{c}" for c in key)
            conn.execute(sa.text(
                f"CREATE TEMPORARY TABLE _stage_exchange_match AS "
                f"SELECT {skeys}, s.sheets, s.n_rows, CAST(SUM(e.sheets) AS BIGINT) AS stored_sheets "
                f"FROM {st} s JOIN exchanges e ON {on} GROUP BY {skeys}, s.sheets, s.n_rows"),
                {"lo": lo, "hi": hi})
            dup = _one(conn, sa.text("SELECT COALESCE(SUM(n_rows), 0) FROM _stage_exchange_match "
                                     "WHERE stored_sheets = sheets"))
            found = _fetch_conflicts(conn, "_stage_exchange_match", key)
            conn.execute(sa.text(f"{insert} WHERE NOT EXISTS (SELECT 1 FROM exchanges e WHERE {on})"),
                         {"b": batch_id, "lo": lo, "hi": hi})
            conn.execute(sa.text("DROP TABLE _stage_exchange_match"))
    return int(dup or 0), found


# ---------------------------------------------------------------- conflicts (a stored key, another count)

_FOUND_COLUMNS = EXCHANGE_KEY + ["sheets", "n_rows", "stored_sheets"]
_ERROR_COLUMNS = ["pos", "column", "value", "reason_ja", "reason_en", "row", "file"]


def _no_conflicts_found() -> pd.DataFrame:
    return pd.DataFrame(columns=_FOUND_COLUMNS + SERVICES)


def _no_conflicts() -> pd.DataFrame:
    return pd.DataFrame(columns=_ERROR_COLUMNS)


def _fetch_conflicts(conn, table: str, key: list[str] = EXCHANGE_KEY) -> pd.DataFrame:
    """The staged keys stored with other sheets (few: fetched whole; none in the usual re-import)."""
    names = key + ["sheets", "n_rows", "stored_sheets"]
    found = conn.execute(sa.text(
        f"SELECT {', '.join(names)} FROM {table} WHERE stored_sheets <> sheets "
        f"ORDER BY {', '.join(key)}")).fetchall()
    return pd.DataFrame([tuple(r) for r in found], columns=names)


def conflict_reason(stored: int, sheets: int) -> tuple[str, str]:
    """Why a row was rejected although it reads well: its key is stored with another count."""
    return i18n.both("rows.conflict", stored=stored, sheets=sheets)


def _row_numbers(rows, position_column: str | None, key: list[str]) -> pd.DataFrame | None:
    """The accepted rows' keys with their row number in the file, when the rows carry it: a ``_row``
    column, or the kind's own position column (a member of a folder, numbered from 1 as its other
    problems are)."""
    names = _columns(rows)
    if ROW_COLUMN in names:
        source = ROW_COLUMN
    elif position_column is not None and position_column in names:
        source = position_column
    else:
        return None
    wanted = key + [source]
    frame = (rows.select(wanted).to_pandas() if not isinstance(rows, pd.DataFrame) else rows[wanted].copy())
    frame = frame.rename(columns={source: "row"})
    if source != ROW_COLUMN:
        frame["row"] = frame["row"] + 1
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def _conflict_errors(rows, found: pd.DataFrame, position_column: str | None, file: str) -> pd.DataFrame:
    """One problem per file row of a conflicting key (per key when the rows carry no row numbers, with
    row 0); the value names the key and the file's count, no personal data (事業所番号 are public)."""
    if found.empty:
        return _no_conflicts()
    found = found.copy()
    found["month"] = pd.to_datetime(found["month"])
    key = [c for c in EXCHANGE_KEY + SERVICES if c in found.columns]
    numbered = _row_numbers(rows, position_column, key)
    if numbered is not None:
        found = found.merge(numbered, on=key, how="left")
        found["row"] = found["row"].fillna(0)
        found = found.sort_values(["row"] + EXCHANGE_KEY, kind="stable")
    else:
        found["row"] = 0
    reasons = [conflict_reason(int(a), int(b)) for a, b in zip(found["stored_sheets"], found["sheets"])]
    def service(c):  # "_43" after an office number of a v4.x name, nothing for an older one
        return found[c].map(lambda v: f"_{v}" if isinstance(v, str) else "") if c in found else ""

    value = (found["month"].map(formats.iso_month) + " " + found["sender_code"].astype(str)
             + service("sender_service") + "→" + found["receiver_code"].astype(str)
             + service("receiver_service") + " " + found["form"].astype(str) + " "
             + found["channel"].astype(str) + ": " + found["sheets"].astype("int64").astype(str))
    return pd.DataFrame({
        "pos": -1 - pd.RangeIndex(len(found)).to_numpy(),  # negative: not a position of the read table
        "column": "sheets", "value": value.to_numpy(), "reason_ja": [r[0] for r in reasons],
        "reason_en": [r[1] for r in reasons], "row": found["row"].astype("int64").to_numpy(), "file": file})



# ---------------------------------------------------------------- offices

_OFFICE_ATTRS = ["name", "prefecture_code", "municipality_code", "municipality", "lat", "lon"]


def store_offices(conn, batch_id: int, rows: pd.DataFrame) -> int:
    merged = rows.groupby("office_code", sort=False)[_OFFICE_ATTRS].first().reset_index()
    merged["lat"] = merged["lat"].astype("float64")
    merged["lon"] = merged["lon"].astype("float64")
    for c in ("name", "prefecture_code", "municipality_code", "municipality"):
        merged[c] = merged[c].astype(object).where(merged[c].notna(), None)
    services = rows[["office_code", "service_code"]].dropna().drop_duplicates()
    services = services.astype(object)
    with staged(conn, "_stage_offices", merged) as so, staged(conn, "_stage_services", services) as ss:
        # lat/lon as stored (FLOAT: 4 bytes on DuckDB), else the same master again never counts as unchanged
        same = " AND ".join(f"COALESCE({f'CAST(s.{c} AS FLOAT)' if c in ('lat', 'lon') else f's.{c}'}, o.{c}) "
                            f"IS NOT DISTINCT FROM o.{c}" for c in _OFFICE_ATTRS if c != "prefecture_code")
        unchanged = {r[0] for r in conn.execute(sa.text(
            f"SELECT s.office_code FROM {so} s JOIN offices o ON o.office_code = s.office_code "
            f"WHERE {same} AND (s.prefecture_code = o.prefecture_code OR s.prefecture_code = SUBSTR(s.office_code, 1, 2)) "
            f"AND NOT EXISTS (SELECT 1 FROM {ss} v WHERE v.office_code = s.office_code AND NOT EXISTS "
            f"(SELECT 1 FROM office_services x WHERE x.office_code = v.office_code "
            f"AND x.service_code = v.service_code))"))}
        if len(services):
            conn.execute(sa.text(
                f"INSERT INTO office_services (office_code, service_code, batch_id) "
                f"SELECT office_code, service_code, :b FROM {ss} ON CONFLICT DO NOTHING"), {"b": batch_id})
        attrs = ", ".join(_OFFICE_ATTRS)
        updates = ", ".join(f"{c} = COALESCE(excluded.{c}, offices.{c})"
                            for c in _OFFICE_ATTRS if c != "prefecture_code")
        conn.execute(sa.text(
            f"INSERT INTO offices (office_code, {attrs}, kind, batch_id) "
            f"SELECT office_code, {attrs}, 'service', :b FROM {so} "
            f"ON CONFLICT (office_code) DO UPDATE SET {updates}, "
            # a list without a prefecture column must not overwrite the master's prefecture
            f"prefecture_code = CASE WHEN excluded.prefecture_code = SUBSTR(excluded.office_code, 1, 2) "
            f"THEN offices.prefecture_code ELSE excluded.prefecture_code END, batch_id = excluded.batch_id"),
            {"b": batch_id})
        o = schema.offices
        stage_codes = sa.select(sa.column("office_code")).select_from(sa.table(so))
        conn.execute(o.update().values(kind=definitions.kind_from_services(o.c.office_code))
                     .where(o.c.office_code.in_(stage_codes)))
    return int(rows["office_code"].isin(unchanged).sum())


# ---------------------------------------------------------------- registrations, profiles

def upsert_keyed(conn, batch_id, rows, table: sa.Table, key: list[str], attrs: list[str],
                  coalesce: tuple[str, ...]) -> int:
    frame = rows[key + attrs].copy()
    repeated = int(frame.duplicated(key, keep="last").sum())
    frame = frame.drop_duplicates(key, keep="last")
    frame = _dates_as_objects(frame)
    for c in attrs:
        if c in ("users", "care_managers"):
            # object ints with None: psycopg's COPY cannot adapt pandas.NA
            frame[c] = frame[c].astype("Int64").astype(object).where(frame[c].notna(), None)
        elif frame[c].dtype == object:
            frame[c] = frame[c].where(frame[c].notna(), None)
    name = table.name
    on = " AND ".join(f"t.{c} = s.{c}" for c in key)
    same = " AND ".join((f"COALESCE(s.{c}, t.{c}) IS NOT DISTINCT FROM t.{c}" if c in coalesce
                         else f"s.{c} IS NOT DISTINCT FROM t.{c}") for c in attrs)
    with staged(conn, f"_stage_{name}", frame) as st:
        dup = _one(conn, sa.text(f"SELECT COUNT(*) FROM {st} s JOIN {name} t ON {on} WHERE {same}"))
        sets = ", ".join((f"{c} = COALESCE(excluded.{c}, {name}.{c})" if c in coalesce else f"{c} = excluded.{c}")
                         for c in attrs)
        cols = ", ".join(key + attrs)
        conn.execute(sa.text(
            f"INSERT INTO {name} ({cols}, batch_id) SELECT {cols}, :b FROM {st} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}, batch_id = excluded.batch_id"),
            {"b": batch_id})
    return int(dup or 0) + repeated
