"""Loading the demo frames: the previous content is replaced whole, and a half-built demo never remains.

DuckDB file: the database is built in a sibling file, checkpointed, closed and moved over the target with
``os.replace`` (atomic on POSIX; a reader keeps its open file until it reconnects). Other backends (and
in-memory DuckDB): everything is deleted and reloaded inside one transaction.
"""
from __future__ import annotations

import datetime as dt
import os
import pathlib

import pandas as pd
import sqlalchemy as sa

from analytics.store import engine as store_engine
from analytics.store import schema

# deletion order (no foreign keys, but big tables first keeps the transaction's work small on PostgreSQL)
_CLEARED = ("exchanges", "profiles", "registrations", "office_services", "offices", "rejected_rows",
            "import_batches", "dataset_meta")
_DATE_COLUMNS = {"registered_on", "ended_on", "month"}


def duckdb_file(url: str) -> pathlib.Path | None:
    """The file of a DuckDB URL, or None for other backends and in-memory DuckDB."""
    if not url.startswith("duckdb:///"):
        return None
    path = url.removeprefix("duckdb:///").split("?", 1)[0]
    if path in ("", ":memory:") or path.startswith(":memory:"):
        return None
    return pathlib.Path(path)


def non_demo_batches(url: str) -> int:
    """Imports other than the demo in the database at ``url`` (0 when it does not exist or is locked)."""
    path = duckdb_file(url)
    if path is not None and not store_engine.is_open(url):   # not open in this process: peek read-only
        if not path.exists():
            return 0
        import duckdb
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:           # held by a running app: it is the demo the app was started on
            return 0
        try:
            return int(con.sql("SELECT count(*) FROM import_batches WHERE kind <> 'demo'").fetchall()[0][0])
        except duckdb.Error:
            return 0
        finally:
            con.close()
    eng = store_engine.get_engine(url)
    with eng.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(schema.import_batches)
                                .where(schema.import_batches.c.kind != "demo")).scalar() or 0)


def _for_backend(frame: pd.DataFrame, duck: bool) -> pd.DataFrame:
    if duck:
        return frame
    out = frame.copy()
    for col in _DATE_COLUMNS & set(out.columns):
        out[col] = pd.Series([None if pd.isna(v) else v.date() for v in out[col]], dtype=object)
    for col in out.columns:            # COPY wants Python scalars
        if out[col].dtype.kind in "iu":
            out[col] = out[col].astype(object)
    return out


def _fill(conn, data) -> dict[str, int]:
    duck = store_engine.is_duckdb(conn)
    batch_id = int(conn.execute(sa.select(schema.batch_seq.next_value())).scalar())
    tables = data.tables()
    total = sum(len(f) for f in tables.values())
    conn.execute(schema.import_batches.insert().values(
        batch_id=batch_id, kind="demo", file_name=f"demo:{data.scale}:{data.seed}",
        content_hash=data.content_hash(), imported_at=dt.datetime.now(), imported_by="careplan demo",
        rows_read=total, accepted=total, duplicates=0, rejected=0))
    counts = {}
    for name, frame in tables.items():
        staged = frame.assign(batch_id=batch_id)
        counts[name] = store_engine.bulk_insert(conn, schema.metadata.tables[name], _for_backend(staged, duck))
    for key, value in data.meta().items():
        store_engine.set_meta(conn, key, value)
    from analytics.store import aggregates  # the monthly pre-aggregate, fresh for this content
    aggregates.refresh(conn)
    return counts


def load(url: str | None, data) -> dict[str, int]:
    """Replace the database's content at ``url`` with the demo ``data``; returns rows per table."""
    url = store_engine.resolve_url(url)
    path = duckdb_file(url)
    if path is None:
        eng = store_engine.get_engine(url)
        with eng.begin() as conn:
            for name in _CLEARED:
                conn.execute(schema.metadata.tables[name].delete())
            return _fill(conn, data)

    path.parent.mkdir(parents=True, exist_ok=True)
    # same suffix as the target, so a build killed half-way is ignored like the database itself
    tmp = path.with_name(f"{path.stem}.building-{os.getpid()}{path.suffix}")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    tmp_eng = sa.create_engine(f"duckdb:///{tmp}")
    try:
        store_engine.migrate(tmp_eng)
        with tmp_eng.begin() as conn:
            counts = _fill(conn, data)
        with tmp_eng.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    except BaseException:
        tmp_eng.dispose()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    tmp_eng.dispose()
    # this process's own engine on the target must not keep (and later checkpoint into) the old file
    store_engine.dispose(url)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp, path)
    return counts
