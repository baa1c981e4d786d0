import datetime as dt

import pandas as pd
import sqlalchemy as sa
from scale import helpers

from analytics.store import engine as store_engine
from analytics.store import schema


def test_migrate_creates_schema_and_version(engine):
    with engine.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION
    # migrating again keeps the version and the data
    with engine.begin() as conn:
        store_engine.set_meta(conn, "as_of", "2025-08-31")
    assert store_engine.migrate(engine) == schema.SCHEMA_VERSION
    assert store_engine.get_meta(engine, "as_of") == "2025-08-31"


def test_bulk_insert_round_trip_keeps_leading_zeros(engine):
    frame = pd.DataFrame({
        "month": [dt.date(2025, 8, 1)] * 2,
        "sender_code": ["0170100013", "30A0000011"],
        "receiver_code": ["0170102313", "3070000019"],
        "form": ["plan", "actual"], "channel": ["fax", "digital"], "sheets": [3, 5], "batch_id": [1, 1],
    })
    with engine.begin() as conn:
        assert store_engine.bulk_insert(conn, schema.exchanges, frame) == 2
    got = store_engine.read_df(engine, sa.select(schema.exchanges).order_by(schema.exchanges.c.sheets))
    assert got["sender_code"].tolist() == ["0170100013", "30A0000011"]
    assert got["sheets"].tolist() == [3, 5]


def test_bulk_insert_rolls_back_with_transaction(engine):
    frame = pd.DataFrame({"office_code": ["0170100013"], "month": [dt.date(2025, 8, 1)],
                          "users": [90], "care_managers": [3]})
    try:
        with engine.begin() as conn:
            store_engine.bulk_insert(conn, schema.profiles, frame)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert store_engine.read_df(engine, sa.select(sa.func.count()).select_from(schema.profiles)).iat[0, 0] == 0


def test_resolve_url_precedence(monkeypatch):
    monkeypatch.setenv("CAREPLAN_DB_URL", "duckdb:////tmp/x.duckdb")
    assert store_engine.resolve_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"
    assert store_engine.resolve_url() == "duckdb:////tmp/x.duckdb"
    monkeypatch.delenv("CAREPLAN_DB_URL")
    assert store_engine.resolve_url().endswith("data/careplan.duckdb")


def test_bulk_insert_handles_nulls_and_float_integers(engine):
    frame = pd.DataFrame({"office_code": ["0170100013", "0170102313"],
                          "month": [dt.date(2025, 8, 1), dt.date(2025, 8, 1)],
                          "users": [90.0, None], "care_managers": [3.0, None], "batch_id": [None, 7.0]})
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.profiles, frame)
    got = store_engine.read_df(engine, sa.select(schema.profiles).order_by(schema.profiles.c.office_code))
    assert got["users"].tolist()[0] == 90
    assert pd.isna(got["users"].tolist()[1])
    assert got["batch_id"].tolist()[1] == 7


def test_monthly_aggregate_month_index_only_on_postgresql(engine):
    with engine.connect() as conn:
        assert helpers.index_exists(conn, "ix_exchanges_monthly_month") == (engine.dialect.name == "postgresql")


def test_migration_4_indexes_the_monthly_aggregate_on_postgresql(engine):
    """A schema-3 database (no index on exchanges_monthly.month) gets it on PostgreSQL when opened, rows kept."""
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP INDEX ix_exchanges_monthly_month"))
        conn.execute(schema.exchanges_monthly.insert().values(
            month=dt.date(2025, 4, 1), prefecture_code="01", municipality_code=None, form="plan", channel="fax",
            sender_registered=1, receiver_registered=0, sheets=7, n_rows=1))
        conn.execute(schema.schema_version.delete())
        conn.execute(schema.schema_version.insert().values(version=3, applied_at=dt.datetime.now(), note="v3"))
        assert not helpers.index_exists(conn, "ix_exchanges_monthly_month")
    store_engine.dispose(url)
    eng = store_engine.get_engine(url)   # opening migrates
    with eng.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION
        assert helpers.index_exists(conn, "ix_exchanges_monthly_month") == (conn.dialect.name == "postgresql")
        assert conn.execute(sa.text("SELECT sum(sheets) FROM exchanges_monthly")).scalar() == 7


def test_month_index_only_on_postgresql(engine):
    # DuckDB finds months by zone maps; its ART index only slowed every import's commit
    with engine.connect() as conn:
        assert helpers.index_exists(conn, "ix_exchanges_month") == (engine.dialect.name == "postgresql")


def test_migration_3_drops_duckdb_month_index_and_keeps_rows(duck_url):
    eng = store_engine.get_engine(duck_url)
    with eng.begin() as conn:   # as a schema-2 database left it: the index, version 2, stored rows
        conn.execute(sa.text("CREATE INDEX ix_exchanges_month ON exchanges (month)"))
        conn.execute(sa.text("INSERT INTO exchanges (month, sender_code, receiver_code, form, channel, sheets, batch_id) "
                             "VALUES ('2025-04-01', '0110100010', '0110100028', "
                             "'plan', 'fax', 7, NULL)"))
        conn.execute(schema.schema_version.delete())
        conn.execute(schema.schema_version.insert().values(version=2, applied_at=dt.datetime.now(), note="v2"))
        assert helpers.index_exists(conn, "ix_exchanges_month")
    store_engine.dispose(duck_url)
    eng = store_engine.get_engine(duck_url)   # opening migrates
    with eng.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION
        assert not helpers.index_exists(conn, "ix_exchanges_month")
        assert conn.execute(sa.text("SELECT sum(sheets) FROM exchanges")).scalar() == 7


def test_hash_joins_turns_nested_loops_off_inside_only(engine):
    """PostgreSQL plans the statements inside without nested loops, after analysing the staged table, and
    has its own setting back afterwards; DuckDB has nothing to change."""
    with engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        conn.execute(sa.text("CREATE TEMPORARY TABLE _t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO _t VALUES (1), (2), (3)"))
        before = conn.execute(sa.text("SHOW enable_nestloop")).scalar() if pg else None
        with store_engine.hash_joins(conn, analyze=["_t"]):
            if pg:
                assert conn.execute(sa.text("SHOW enable_nestloop")).scalar() == "off"
                assert conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = '_t'")).scalar() == 3
        if pg:
            assert before == "on" and conn.execute(sa.text("SHOW enable_nestloop")).scalar() == "on"
        assert conn.execute(sa.text("SELECT sum(x) FROM _t")).scalar() == 6


def _opened_as(engine, version: int):
    """The database marked as schema ``version``, then opened again (which migrates it) at the current one."""
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(schema.schema_version.delete())
        conn.execute(schema.schema_version.insert().values(version=version, applied_at=dt.datetime.now(),
                                                           note=f"v{version}"))
    store_engine.dispose(url)
    eng = store_engine.get_engine(url)
    with eng.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION == 8
    return eng


def test_migration_5_adds_registered_from_snapshot_and_keeps_rows(engine):
    """A schema-4 database (no snapshot tables, registrations without registered_from_snapshot) gets them when
    opened; its registrations are kept as dated ones (not from a snapshot) and a snapshot then imports."""
    from analytics.ingest import ingest_files
    with engine.begin() as conn:
        for t in ("registrations", "registration_snapshots", "snapshot_offices"):
            conn.execute(sa.text(f"DROP TABLE {t}"))
        conn.execute(sa.text("CREATE TABLE registrations (office_code VARCHAR(10) NOT NULL, registered_on DATE NOT NULL, "
                             "ended_on DATE, prefecture_code VARCHAR(2) NOT NULL, batch_id BIGINT, "
                             "PRIMARY KEY (office_code, registered_on))"))
        conn.execute(sa.text("INSERT INTO registrations VALUES ('3071000016', DATE '2024-04-01', NULL, '30', NULL)"))
    eng = _opened_as(engine, 4)
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT office_code, registered_from_snapshot FROM registrations")).all() == [
            ("3071000016", False)]
    snap = "事業所番号\r\n3071000032\r\n".encode()
    s = ingest_files(eng, "registrations", [("s.csv", snap)], as_of=dt.date(2025, 8, 31))
    assert s.accepted == 1
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT office_code, ended_on FROM registrations ORDER BY office_code")).all() == [
            ("3071000016", dt.date(2025, 8, 31)), ("3071000032", None)]


def test_migration_6_adds_the_master_snapshot_tables_and_closes_nothing(engine):
    """A schema-5 database (no master snapshot tables) gets them when opened; its offices stay open on every
    day, and a dated master then closes the one it does not list."""
    from analytics.ingest import ingest_files
    from analytics.store import definitions
    url = engine.url.render_as_string(hide_password=False)
    plain = "事業所番号,事業所名,都道府県コード,サービス種類コード\r\n3071000016,居宅A,30,43\r\n3071000032,居宅B,30,43\r\n"
    ingest_files(engine, "offices", [("offices.csv", plain.encode())])
    with engine.begin() as conn:
        for t in ("master_snapshots", "master_snapshot_services", "office_closures"):
            conn.execute(sa.text(f"DROP TABLE {t}"))
        conn.execute(schema.schema_version.delete())
        conn.execute(schema.schema_version.insert().values(version=5, applied_at=dt.datetime.now(), note="v5"))
    store_engine.dispose(url)
    eng = store_engine.get_engine(url)   # opening migrates
    o = schema.offices

    def open_at(day):
        with eng.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.select(o.c.office_code).where(definitions.office_open_at(day))))

    with eng.connect() as conn:
        assert store_engine.current_version(conn) == schema.SCHEMA_VERSION == 8
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.office_closures)).scalar() == 0
    assert open_at(dt.date(2030, 1, 1)) == ["3071000016", "3071000032"]
    later = "事業所番号,事業所名,都道府県コード,サービス種類コード\r\n3071000016,居宅A,30,43\r\n"
    ingest_files(eng, "offices", [("offices.csv", later.encode())], as_of=dt.date(2025, 12, 31))
    assert open_at(dt.date(2025, 12, 30)) == ["3071000016", "3071000032"]
    assert open_at(dt.date(2025, 12, 31)) == ["3071000016"]


def test_migration_7_adds_the_service_codes_and_the_deletions_table(engine):
    """A schema-6 database (exchanges without sender_service / receiver_service, no exchange_deletions) gets
    them when opened; its exchanges are kept with no service codes, and a v4.1 file then stores its codes."""
    import io
    import zipfile

    from analytics.ingest import ingest_files
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE exchange_deletions"))
        for c in ("sender_service", "receiver_service"):
            conn.execute(sa.text(f"ALTER TABLE exchanges DROP COLUMN {c}"))
        conn.execute(sa.text("INSERT INTO exchanges (month, sender_code, receiver_code, form, channel, sheets, batch_id) "
                             "VALUES ('2025-04-01', '3071000016', '3071000032', 'plan', 'digital', 7, NULL)"))
    eng = _opened_as(engine, 6)
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT sheets, sender_service, receiver_service FROM exchanges")).all() == [
            (7, None, None)]
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.exchange_deletions)).scalar() == 0
    name = "UPPLAN_202508_3071000016_43_3071000032_11_20250725101010.CSV"
    buf = io.BytesIO()   # a v4.1 plan as the software writes it: CP932 records, no header
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "202410,202508,302018,0000000001,山田太郎,ヤマダタロウ,19400101\r\n".encode("cp932"))
    s = ingest_files(eng, "cpds", [("unit.zip", buf.getvalue())])
    assert s.accepted == 1
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT month, sender_service, receiver_service, sheets FROM exchanges "
                                    "ORDER BY month")).all() == [(dt.date(2025, 4, 1), None, None, 7),
                                                                 (dt.date(2025, 8, 1), "43", "11", 1)]


def test_migration_8_derives_the_service_closures_of_the_stored_masters(engine):
    """A schema-7 database with dated masters stored (no service_closures) gets the table when opened, filled
    from those masters: the office whose 居宅介護支援 a December master dropped, while its 訪問介護 stayed, is a
    service office from then on; before, it was counted as 居宅介護支援 on every day."""
    from analytics.ingest import ingest_files
    from analytics.store import definitions
    head = "事業所番号,事業所名,都道府県コード,サービス種類コード\r\n"
    jun = head + "3071000016,居宅A,30,43\r\n3071000032,居宅B,30,43\r\n3071000032,訪問B,30,11\r\n"
    dec = head + "3071000016,居宅A,30,43\r\n3071000032,訪問B,30,11\r\n"
    ingest_files(engine, "offices", [("jun.csv", jun.encode())], as_of=dt.date(2025, 6, 30))
    ingest_files(engine, "offices", [("dec.csv", dec.encode())], as_of=dt.date(2025, 12, 31))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE service_closures"))
    eng = _opened_as(engine, 7)
    o = schema.offices

    def kinds(day):
        with eng.connect() as conn:
            return dict(conn.execute(sa.select(o.c.office_code, definitions.kind_at(day))).all())

    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT office_code, service_code, closed_on, reopened_on "
                                    "FROM service_closures")).all() == [("3071000032", "43", dt.date(2025, 12, 31), None)]
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.office_closures)).scalar() == 0
    assert kinds(dt.date(2025, 12, 30)) == {"3071000016": "kyotaku", "3071000032": "kyotaku"}
    assert kinds(dt.date(2026, 1, 31)) == {"3071000016": "kyotaku", "3071000032": "service"}
