"""The monthly pre-aggregate equals the raw data (pandas oracle), on DuckDB and PostgreSQL; queries give the
same answers through it as through the raw table; a stale aggregate is never used."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import demo
from analytics.ingest import ingest_files
from analytics.store import aggregates, aggregates_office, schema
from analytics.store import engine as store_engine
from analytics.store import queries_adoption as qa
from analytics.store import queries_channels as qc
from scale import helpers


@pytest.fixture(scope="module")
def tiny():
    return helpers.tiny()


def read_aggregate(engine) -> pd.DataFrame:
    return helpers.normalise(store_engine.read_df(engine, sa.select(schema.exchanges_monthly)))


def test_refresh_equals_pandas_oracle(engine, tiny):
    demo.load(engine.url.render_as_string(hide_password=False), tiny.data)
    with engine.begin() as conn:
        aggregates.refresh(conn)
    got = read_aggregate(engine)
    want = helpers.oracle_monthly(tiny.data)
    assert len(got) == len(want) > 1000
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["sheets"].sum() == tiny.exchanges["sheets"].sum()
    assert aggregates.is_fresh(engine)


def test_refresh_of_some_months_only(engine, tiny):
    demo.load(engine.url.render_as_string(hide_password=False), tiny.data)
    with engine.begin() as conn:
        aggregates.refresh(conn)
    may, jun = dt.date(2025, 5, 1), dt.date(2025, 6, 1)
    with engine.begin() as conn:
        # rows of May removed behind the aggregate's back, then only May rebuilt
        conn.execute(schema.exchanges.delete().where(schema.exchanges.c.month == may))
        aggregates.refresh(conn, [may, jun])
    rest = tiny.exchanges[pd.to_datetime(tiny.exchanges["month"]).dt.date != may]
    pd.testing.assert_frame_equal(read_aggregate(engine), helpers.oracle_monthly(tiny.data, rest), check_dtype=False)
    # the per-office tables too (PostgreSQL rebuilds them month by month from one flagging per month):
    # the two months rebuilt leave the same tables as rebuilding everything
    partial = _office_tables(engine)
    assert may not in set(partial["exchanges_office_monthly"].index.get_level_values("month"))
    assert jun in set(partial["exchanges_office_monthly"].index.get_level_values("month"))
    with engine.begin() as conn:
        aggregates.refresh(conn)
    full = _office_tables(engine)
    assert len(full["exchanges_office_monthly"]) > 1000 and len(full["exchanges_unlockable"]) > 100
    for name, frame in full.items():
        pd.testing.assert_frame_equal(partial[name], frame, obj=name)


def _office_tables(engine) -> dict[str, pd.DataFrame]:
    """Each per-office table summed on its key columns (the tables are additive and have no key)."""
    out = {}
    for table in aggregates_office.TABLES:
        df = store_engine.read_df(engine, sa.select(table))
        df["month"] = pd.to_datetime(df["month"]).dt.date
        keys = [c for c in df.columns if c not in ("sheets", "digital_sheets", "missed_digital_sheets", "partners")]
        out[table.name] = df.groupby(keys, dropna=False).sum(numeric_only=True).sort_index()
    return out


GROUPINGS = [
    (("prefecture_code", "month"), {}),
    (("month", "channel"), {}),
    (("form",), {"prefecture": "13", "month_from": dt.date(2025, 8, 1), "month_to": dt.date(2025, 8, 1)}),
    (("municipality_code",), {"prefecture": "30"}),
    (("prefecture_code",), {"month_from": dt.date(2025, 3, 1), "month_to": dt.date(2025, 6, 1)}),
    ((), {"prefecture": "27"}),
]


def test_queries_same_through_aggregate_and_raw(engine, tiny, monkeypatch):
    demo.load(engine.url.render_as_string(hide_password=False), tiny.data)
    aggregates.ensure_fresh(engine)
    assert aggregates.usable(engine)
    for group, kw in GROUPINGS:
        via = qc.channel_summary(engine, group, **kw)
        monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
        raw = qc.channel_summary(engine, group, **kw)
        monkeypatch.setenv("CAREPLAN_AGGREGATES", "1")
        assert len(raw) > 0
        pd.testing.assert_frame_equal(via, raw, check_dtype=False)
    via = qa.digital_share(engine)
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    pd.testing.assert_frame_equal(via, qa.digital_share(engine), check_dtype=False)
    # the oracle: nation-wide digital share of the latest month from the frames
    ex = tiny.exchanges[pd.to_datetime(tiny.exchanges["month"]).dt.date == dt.date(2025, 8, 1)]
    assert int(via["sheets"].iloc[0]) == ex["sheets"].sum()
    assert int(via["digital_sheets"].iloc[0]) == ex.loc[ex["channel"] == "digital", "sheets"].sum()


def test_stale_aggregate_is_not_used(engine, tiny):
    demo.load(engine.url.render_as_string(hide_password=False), tiny.data)
    aggregates.ensure_fresh(engine)
    # a registration written without refreshing (as a hand-made import would): flags of old rows change
    unregistered = sorted(set(tiny.exchanges["sender_code"]) - set(tiny.data.registrations["office_code"]))[0]
    with engine.begin() as conn:
        b = int(conn.execute(sa.select(schema.batch_seq.next_value())).scalar())
        conn.execute(schema.registrations.insert().values(
            office_code=unregistered, registered_on=dt.date(2024, 1, 1), ended_on=None,
            prefecture_code=unregistered[:2], batch_id=b))
        conn.execute(schema.import_batches.insert().values(
            batch_id=b, kind="registrations", file_name="by hand", content_hash="x", imported_at=dt.datetime.now(),
            rows_read=1, accepted=1, duplicates=0, rejected=0))
    assert not aggregates.is_fresh(engine)
    assert not aggregates.usable(engine)
    data = tiny.data
    regs = pd.concat([data.registrations, pd.DataFrame({
        "office_code": [unregistered], "registered_on": [pd.Timestamp("2024-01-01")], "ended_on": [pd.NaT],
        "prefecture_code": [unregistered[:2]]})], ignore_index=True)
    import dataclasses
    want = helpers.oracle_monthly(dataclasses.replace(data, registrations=regs))
    want["missed"] = want["sheets"].where((want["channel"] != "digital") & (want["sender_registered"] == 1)
                                          & (want["receiver_registered"] == 1), 0)
    got = qc.channel_summary(engine, ("prefecture_code",))
    assert got["missed_digital_sheets"].sum() == want["missed"].sum()
    # a refresh makes it fresh and right again
    assert aggregates.ensure_fresh(engine)
    want_agg = helpers.oracle_monthly(dataclasses.replace(data, registrations=regs))
    pd.testing.assert_frame_equal(read_aggregate(engine), want_agg, check_dtype=False)


def test_imports_keep_the_aggregate_fresh(engine, tiny, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    demo.load(url, tiny.master_only())
    aggregates.ensure_fresh(engine)
    files = helpers.split_files(tiny.exchanges, tmp_path, parts=3, shared=0)
    for f in files:
        s = ingest_files(engine, "exchanges", [f])
        assert s.accepted > 0 and not s.refused
        assert aggregates.is_fresh(engine), f"stale after importing {f.name}"
    pd.testing.assert_frame_equal(read_aggregate(engine), helpers.oracle_monthly(tiny.data), check_dtype=False)
    # the same file again: nothing added, still fresh
    s = ingest_files(engine, "exchanges", [files[0]])
    assert s.accepted == 0 and aggregates.is_fresh(engine)
    # registrations change every month's flags: the aggregate is rebuilt
    code = sorted(set(tiny.exchanges["receiver_code"]) - set(tiny.data.registrations["office_code"]))[0]
    reg_csv = tmp_path / "reg.csv"
    reg_csv.write_text(f"事業所番号,利用開始日\n{code},2024-01-05\n", encoding="utf-8")
    assert ingest_files(engine, "registrations", [reg_csv]).accepted == 1
    assert aggregates.is_fresh(engine)
    import dataclasses
    regs = pd.concat([tiny.data.registrations, pd.DataFrame({
        "office_code": [code], "registered_on": [pd.Timestamp("2024-01-05")], "ended_on": [pd.NaT],
        "prefecture_code": [code[:2]]})], ignore_index=True)
    want = helpers.oracle_monthly(dataclasses.replace(tiny.data, registrations=regs))
    pd.testing.assert_frame_equal(read_aggregate(engine), want, check_dtype=False)


def _estimated_rows(conn, table: str, month: dt.date) -> int:
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE month = %(m)s",
                                {"m": month}).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


@pytest.mark.postgres
def test_postgres_knows_the_new_month_right_after_its_import(pg_server, tiny, tmp_path):
    """A month's import is less than the tenth of a table after which autovacuum analyses it; without
    fresh statistics the planner took the new month, the one every page reads first, for one row (and
    looped over the registered offices once per 働きかけ先 target: 11 s at 10M rows instead of 0.1 s)."""
    import conftest
    url = conftest._new_pg_database(pg_server)
    engine = store_engine.get_engine(url)
    try:
        demo.load(url, tiny.master_only())
        ex = tiny.exchanges
        month = pd.to_datetime(ex["month"])
        last = month.max()
        helpers.write_csv(ex[month < last], tmp_path / "before.csv")
        helpers.write_csv(ex[month == last], tmp_path / "last.csv")
        assert ingest_files(engine, "exchanges", [tmp_path / "before.csv"]).accepted > 0
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # statistics of the months before, as autovacuum leaves them
        assert ingest_files(engine, "exchanges", [tmp_path / "last.csv"]).accepted > 0
        new = last.date()
        with engine.connect() as conn:
            for table in (aggregates.monthly,) + aggregates_office.TABLES:
                actual = conn.execute(sa.select(sa.func.count()).where(table.c.month == new)).scalar()
                assert actual > 20, table.name  # enough rows for the estimate to mean something
                assert _estimated_rows(conn, table.name, new) > actual / 3, table.name
    finally:
        store_engine.dispose(url)
