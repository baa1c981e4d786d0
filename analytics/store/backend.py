"""What differs between the backends on an open connection (DuckDB, PostgreSQL), and the dataset_meta
key/values: the helpers the pre-aggregates share with ``analytics.store.engine``, below both (the engine
migrates through the aggregates, so they cannot import it back)."""
from __future__ import annotations

import contextlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analytics.store import schema


def is_duckdb(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "duckdb"


def analyze_tables(conn: Connection, tables) -> None:
    """PostgreSQL: fresh planner statistics for the named tables, inside the caller's transaction (a
    temporary table has none of its own; autovacuum gets to a big table only after a tenth of it changed).
    DuckDB keeps its own: nothing to do."""
    if conn.dialect.name == "postgresql" and tables:
        conn.execute(sa.text("ANALYZE " + ", ".join(tables)))


@contextlib.contextmanager
def hash_joins(conn: Connection, analyze=()):
    """PostgreSQL: the statements inside plan without nested loops, after ANALYZE of the named (freshly
    filled, temporary) tables. Right after a bulk insert its planner may judge 10⁶ rows a handful and loop
    over a big table once per row (minutes or hours instead of seconds). DuckDB: nothing to do. On an error
    the transaction rolls back, and the setting with it."""
    if conn.dialect.name != "postgresql":
        yield
        return
    analyze_tables(conn, analyze)
    conn.execute(sa.text("SET LOCAL enable_nestloop = off"))
    yield
    conn.execute(sa.text("SET LOCAL enable_nestloop TO DEFAULT"))  # the session's own setting again


def get_meta(conn_or_engine, key: str, default: str | None = None) -> str | None:
    q = sa.select(schema.dataset_meta.c.value).where(schema.dataset_meta.c.key == key)
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            v = conn.execute(q).scalar()
    else:
        v = conn_or_engine.execute(q).scalar()
    return default if v is None else v


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(schema.dataset_meta.delete().where(schema.dataset_meta.c.key == key))
    conn.execute(schema.dataset_meta.insert().values(key=key, value=value))
