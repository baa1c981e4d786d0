"""PostgreSQL as the shared deployment: two imports at once while readers query, and the end state is the
same as the same imports one after the other on DuckDB (rows, sheets, duplicates, every dashboard figure)."""
from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import _new_pg_database

from analytics import demo
from analytics.ingest import ingest_files
from analytics.store import aggregates, schema
from analytics.store import engine as store_engine
from analytics.store import queries_adoption as qa
from analytics.store import queries_channels as qc
from analytics.store import queries_targets as qt
from scale import helpers


def state(engine) -> dict:
    """Everything a dashboard shows from the exchanges, as plain values."""
    with engine.connect() as conn:
        rows, sheets = conn.execute(sa.text("SELECT count(*), sum(sheets) FROM exchanges")).one()
        batches = conn.execute(sa.text(
            "SELECT count(*), sum(accepted), sum(duplicates), sum(rejected) FROM import_batches "
            "WHERE kind = 'exchanges'")).one()
    return {
        "rows": int(rows), "sheets": int(sheets), "batches": tuple(int(v) for v in batches),
        "by_pref_month": qc.channel_summary(engine, ("prefecture_code", "month")),
        "mix": qc.channel_mix(engine),
        "share": qa.digital_share(engine),
        "targets": qt.unlockable(engine, prefecture="13", window=3),
        "missed": qc.missed_pairs(engine, limit=50),
        "fresh": aggregates.is_fresh(engine),
    }


@pytest.fixture(scope="module")
def tiny():
    return helpers.tiny()


@pytest.mark.postgres
def test_two_concurrent_imports_and_readers_equal_serial_duckdb(pg_server, tmp_path, tiny):
    files = helpers.split_files(tiny.exchanges, tmp_path / "files", parts=4, shared=300)
    # DuckDB, one import after the other
    duck_url = f"duckdb:///{tmp_path / 'serial.duckdb'}"
    demo.load(duck_url, tiny.master_only())
    duck = store_engine.get_engine(duck_url)
    aggregates.ensure_fresh(duck)
    for f in files:
        assert ingest_files(duck, "exchanges", [f]).accepted > 0
    want = state(duck)
    assert want["batches"][2] == 300            # the shared rows counted once, as duplicates
    assert want["sheets"] == tiny.exchanges["sheets"].sum()

    # PostgreSQL: two importers (files 0, 1 and 2, 3) and two readers at the same time
    pg_url = _new_pg_database(pg_server)
    demo.load(pg_url, tiny.master_only())
    pg = store_engine.get_engine(pg_url)
    aggregates.ensure_fresh(pg)
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()

    def importer(paths):
        try:
            for p in paths:
                ingest_files(pg, "exchanges", [p])
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader():
        try:
            while not done.is_set():
                total = int(qc.channel_summary(pg, ())["sheets"].sum())
                seen.append(total)
                qa.digital_share(pg)
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    importers = [threading.Thread(target=importer, args=([files[0], files[1]],)),
                 threading.Thread(target=importer, args=([files[2], files[3]],))]
    for t in readers + importers:
        t.start()
    for t in importers:
        t.join(timeout=300)
    done.set()
    for t in readers:
        t.join(timeout=60)
    assert not errors, errors
    assert len(seen) >= 2
    # readers only ever see whole imports: every total is a sum of committed files
    assert all(0 <= s <= want["sheets"] for s in seen)
    got = state(pg)
    assert got["rows"] == want["rows"] and got["sheets"] == want["sheets"]
    assert got["batches"] == want["batches"]
    for key in ("by_pref_month", "mix", "share", "targets", "missed"):
        pd.testing.assert_frame_equal(got[key].reset_index(drop=True), want[key].reset_index(drop=True),
                                      check_dtype=False, obj=key)
    # the aggregate maintained by both importers is right (fresh, and equal to the oracle)
    agg = helpers.normalise(store_engine.read_df(pg, sa.select(schema.exchanges_monthly)))
    pd.testing.assert_frame_equal(agg, helpers.oracle_monthly(tiny.data), check_dtype=False)
    for url in (duck_url, pg_url):
        store_engine.dispose(url)
