"""The per-office pre-aggregates (analytics.store.aggregates_office): the three office-level queries give the
same frames through them as through the raw table (forced with ``CAREPLAN_AGGREGATES=0``), on DuckDB
and PostgreSQL, after a demo load (rebuild), exchange imports (appended deltas), a registrations import
(rebuild) and a schema-1 database migrated; plus hand values on the known network of tests/channels."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import sqlalchemy as sa
from channels import network as nw
from scale import helpers

from analytics import demo
from analytics.ingest import ingest_files
from analytics.store import aggregates, aggregates_office, schema
from analytics.store import engine as store_engine
from analytics.store import queries_channels as qc
from analytics.store import queries_targets as qt

_TINY: list = []


def tiny() -> helpers.Tiny:
    if not _TINY:
        _TINY.append(helpers.tiny())
    return _TINY[0]


def _raw(monkeypatch, fn):
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    try:
        return fn()
    finally:
        monkeypatch.setenv("CAREPLAN_AGGREGATES", "1")


def _calls(engine, exchanges: pd.DataFrame):
    """(label, call) of the three functions over the arguments the pages and the benchmark use."""
    months = sorted(pd.to_datetime(exchanges["month"]).dt.date.unique())
    last = months[-1]
    busy_sender = exchanges.groupby("sender_code")["sheets"].sum().idxmax()
    busy_receiver = exchanges.groupby("receiver_code")["sheets"].sum().idxmax()
    prefs = exchanges["sender_code"].str[:2].value_counts().index[:2].tolist()
    calls = [
        ("missed all", lambda: qc.missed_pairs(engine, limit=None)),
        ("missed last", lambda: qc.missed_pairs(engine, prefecture=prefs[0], month_from=last, month_to=last)),
        ("missed range", lambda: qc.missed_pairs(engine, prefecture=prefs[1], month_from=months[2],
                                                 month_to=months[-2], limit=50)),
        ("targets", lambda: qt.unlockable(engine, prefecture=prefs[0], window=1)),
        ("targets all", lambda: qt.unlockable(engine)),
        ("targets w3", lambda: qt.unlockable(engine, prefecture=prefs[1], window=3)),
        ("targets old", lambda: qt.unlockable(engine, prefecture=prefs[0], month_to=months[4], window=2,
                                              kind="service", top=20)),
        ("office sender", lambda: qc.office_monthly(engine, busy_sender)),
        ("office receiver", lambda: qc.office_monthly(engine, busy_receiver)),
        ("office none", lambda: qc.office_monthly(engine, "9999999999")),
        ("picker all", lambda: qc.offices_with_exchanges(engine)),
        ("picker pref", lambda: qc.offices_with_exchanges(engine, prefs[1])),
    ]
    return calls


def assert_same(engine, monkeypatch, exchanges: pd.DataFrame) -> None:
    assert aggregates.usable(engine)
    nonempty = 0
    for label, call in _calls(engine, exchanges):
        via = call()
        raw = _raw(monkeypatch, call)
        pd.testing.assert_frame_equal(via, raw, obj=label)
        nonempty += len(raw) > 0
    assert nonempty >= 10  # the comparisons are about real rows


def test_hand_values_and_self_exchange(engine, db_url, monkeypatch):
    nw.load(db_url)
    # a sheet K1 sends itself by fax (both sides registered): one missed pair, counted once, as 'sent'
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.exchanges, pd.DataFrame([(nw.AUG, nw.K1, nw.K1, "plan", "fax", 4, 1)],
                                 columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets",
                                          "batch_id"]))
    assert aggregates.ensure_fresh(engine) and aggregates.usable(engine)
    pairs = qc.missed_pairs(engine)
    # K1 and S2 both registered in July and still on fax (二重管理); K2→S1 in August; K1→K1
    assert pairs[["sender_code", "receiver_code", "missed_digital_sheets", "months"]].values.tolist() == [
        [nw.K1, nw.S2, 8, 1], [nw.K1, nw.K1, 4, 1], [nw.K2, nw.S1, 3, 1]]
    assert pairs.loc[0, "receiver_name"] == "=デイサービスうめ"
    targets = qt.unlockable(engine, prefecture="30")
    # S3 is unregistered with two registered partners (K1, K2): 5 + 5 + 6 sheets in August
    assert targets[["rank", "office_code", "unlockable_sheets", "registered_partners"]].values.tolist() == [
        [1, nw.X, 24, 1], [2, nw.S3, 16, 2], [3, nw.S2, 16, 1], [4, nw.S4, 6, 1]]
    k1 = qc.office_monthly(engine, nw.K1).set_index(["month", "direction"])
    assert tuple(k1.loc[(nw.AUG, "sent"), ["sheets", "digital_sheets", "missed_digital_sheets"]]) == (52, 10, 4)
    assert tuple(k1.loc[(nw.AUG, "received"), ["sheets", "digital_sheets", "missed_digital_sheets"]]) == (42, 10, 0)
    assert tuple(k1.loc[(nw.JUL, "sent"), ["sheets", "digital_sheets", "missed_digital_sheets"]]) == (12, 4, 8)
    for call in (lambda: qc.missed_pairs(engine), lambda: qc.missed_pairs(engine, prefecture="30", month_from=nw.AUG),
                 lambda: qt.unlockable(engine, prefecture="30"), lambda: qt.unlockable(engine, window=2),
                 lambda: qt.unlockable(engine, prefecture="30", month_to=nw.JUL),
                 lambda: qc.office_monthly(engine, nw.K1), lambda: qc.office_monthly(engine, nw.S1),
                 lambda: qc.offices_with_exchanges(engine), lambda: qc.offices_with_exchanges(engine, "30")):
        pd.testing.assert_frame_equal(call(), _raw(monkeypatch, call))
    # the office picker: every code that sends or receives, once, in code order, read off the per-office table
    every = sorted(set(nw.EXCHANGES["sender_code"]) | set(nw.EXCHANGES["receiver_code"]))
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert qc.offices_with_exchanges(engine)["office_code"].tolist() == every
        assert qc.offices_with_exchanges(engine, "30")["office_code"].tolist() == [c for c in every if c[:2] == "30"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    picker_sql = [st for st in statements if "office_code" in st and "name" in st]
    assert picker_sql and all("exchanges_office_monthly" in st for st in picker_sql)
    # the tables hold what the docstring says
    u, t = schema.exchanges_unlockable, schema.exchanges_targets
    with engine.connect() as conn:
        got = conn.execute(sa.select(u.c.office_code, u.c.partner_code, u.c.sheets)
                           .where(u.c.month == nw.AUG, u.c.office_code == nw.S3).order_by(u.c.partner_code)).all()
        per_target = conn.execute(sa.select(t.c.prefecture_code, t.c.sheets, t.c.partners)
                                  .where(t.c.month == nw.AUG, t.c.office_code == nw.S3)).all()
    assert [tuple(r) for r in got] == [(nw.S3, nw.K1, 10), (nw.S3, nw.K2, 6)]
    assert [tuple(r) for r in per_target] == [("30", 16, 2)]


def test_demo_load_rebuild(engine, monkeypatch):
    t = tiny()
    demo.load(engine.url.render_as_string(hide_password=False), t.data)
    assert_same(engine, monkeypatch, t.exchanges)
    # the pre-aggregate's totals equal the raw data's
    with engine.connect() as conn:
        om = conn.execute(sa.select(sa.func.sum(schema.exchanges_office_monthly.c.sheets))
                          .where(schema.exchanges_office_monthly.c.direction == "sent")).scalar()
    assert int(om) == int(t.exchanges["sheets"].sum())


def test_imports_append_then_registrations_rebuild(engine, monkeypatch, tmp_path):
    t = tiny()
    demo.load(engine.url.render_as_string(hide_password=False), t.master_only())
    aggregates.ensure_fresh(engine)
    files = helpers.split_files(t.exchanges, tmp_path, parts=3, shared=200)
    for f in files:
        s = ingest_files(engine, "exchanges", [f])
        assert s.accepted > 0 and not s.refused
    # (b) three deltas appended, duplicates of file 0 in file 2 not counted twice
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.exchanges_office_monthly)).scalar()
        keys = conn.execute(sa.select(sa.func.count()).select_from(
            sa.select(schema.exchanges_office_monthly.c.month, schema.exchanges_office_monthly.c.office_code,
                      schema.exchanges_office_monthly.c.direction).distinct().subquery())).scalar()
    assert n > keys  # several deltas for the same office and month: readers sum
    assert_same(engine, monkeypatch, t.exchanges)
    # (c) a registrations import changes old rows' flags: everything rebuilt
    code = qt.unlockable(engine).loc[0, "office_code"]   # the top target registers
    reg_csv = tmp_path / "reg.csv"
    reg_csv.write_text(f"事業所番号,利用開始日\n{code},2024-01-05\n", encoding="utf-8")
    assert ingest_files(engine, "registrations", [reg_csv]).accepted == 1
    assert aggregates.usable(engine)
    assert code not in set(qt.unlockable(engine)["office_code"])
    assert_same(engine, monkeypatch, t.exchanges)


def test_schema_1_database_is_migrated(db_url, monkeypatch):
    t = tiny()
    data = dataclasses.replace(t.data, exchanges=t.exchanges[pd.to_datetime(t.exchanges["month"])
                                                            >= pd.Timestamp("2025-03-01")].reset_index(drop=True))
    demo.load(db_url, data)
    eng = store_engine.get_engine(db_url)
    with eng.begin() as conn:   # as a schema-1 database left it: no per-office tables, version 1, month index
        for table in aggregates_office.TABLES:
            table.drop(conn)
        if conn.dialect.name == "duckdb":
            conn.execute(sa.text("CREATE INDEX ix_exchanges_month ON exchanges (month)"))
        conn.execute(schema.schema_version.delete())
        conn.execute(schema.schema_version.insert().values(version=1, applied_at=dt.datetime.now(), note="v1"))
    store_engine.dispose(db_url)
    eng = store_engine.get_engine(db_url)
    with eng.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION == 8
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.exchanges_missed_pairs)).scalar() > 0
        # 1 → … → 5: DuckDB's ART index dropped, PostgreSQL's B-tree kept
        assert helpers.index_exists(conn, "ix_exchanges_month") == (conn.dialect.name == "postgresql")
    assert_same(eng, monkeypatch, data.exchanges)
