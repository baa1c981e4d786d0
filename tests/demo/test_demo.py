"""`careplan demo`: determinism, calibration to the public figures, valid codes, the load contract."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import cli, demo
from analytics.demo import activity, loader, master
from analytics.demo import params as P
from analytics.domain import codes
from analytics.store import engine as store_engine
from analytics.store import schema

TINY = P.SCALES["tiny"]


def registered_at(regs: pd.DataFrame, day: str) -> pd.DataFrame:
    d = pd.Timestamp(day)
    return regs[(regs["registered_on"] <= d) & (regs["ended_on"].isna() | (regs["ended_on"] > d))]


@pytest.fixture(scope="module")
def national_regs():
    """National scale without exchange logs (registrations are what the calibration is about)."""
    return demo.generate("national", 20231005, with_exchanges=False)


@pytest.fixture(scope="module")
def tiny():
    return demo.generate("tiny", 11)


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = demo.generate("tiny", 5), demo.generate("tiny", 5), demo.generate("tiny", 6)
    for name in a.tables():
        assert demo.frame_hash(a.tables()[name]) == demo.frame_hash(b.tables()[name]), name
    assert demo.frame_hash(a.offices) != demo.frame_hash(c.offices)
    assert demo.frame_hash(a.exchanges) != demo.frame_hash(c.exchanges)


def test_office_check_digits_vectorised_match_domain():
    first9 = np.array([117120136, 111120034, 17010231, 307000001, 459999999])
    got = master.office_check_digits(first9)
    want = [int(codes.office_check_digit(f"{x:09d}")) for x in first9]
    assert got.tolist() == want == [9, 9, 3, want[3], want[4]]


def test_largest_remainder_keeps_total():
    assert master.largest_remainder(np.array([0.4, 0.4, 0.4, 1.8])).tolist() == [1, 0, 0, 2]


def test_national_master_sizes(national_regs):
    off = national_regs.offices
    assert len(off) == P.TARGET_OFFICES == 287_000
    assert (off["kind"] == "kyotaku").sum() == P.KYOTAKU_TOTAL
    kyo = off[off["kind"] == "kyotaku"].groupby("prefecture_code").size()
    for pc, n in P.KYOTAKU_KNOWN.items():                     # 東京 3,498; 大阪 3,755; … 広島 883
        assert abs(kyo[pc] - n) <= 1, pc
    assert sorted(off["prefecture_code"].unique()) == [f"{i:02d}" for i in range(1, 48)]
    per_pref = national_regs.municipalities.groupby("prefecture_code").size()
    assert per_pref.min() >= 10 and per_pref.max() <= 60 and per_pref["30"] == 30


def test_national_registration_calibration(national_regs):
    regs = national_regs.registrations
    on = registered_at(regs, "2023-10-05")
    assert abs(len(on) - 8_100) <= 810
    assert (on["prefecture_code"] == "30").sum() == 71           # 和歌山県, source-slides
    assert len(registered_at(regs, "2025-08-31")) == 28_191
    assert abs(len(registered_at(regs, "2025-05-31")) - 0.072 * 287_000) <= 300
    # the free pass step: June–August 2025 adds more than the preceding three months
    assert (len(registered_at(regs, "2025-08-31")) - len(registered_at(regs, "2025-05-31"))
            > 2 * (len(registered_at(regs, "2025-05-31")) - len(registered_at(regs, "2025-02-28"))))
    assert regs["registered_on"].min() == pd.Timestamp(P.LAUNCH)
    ended = regs[regs["ended_on"].notna()]
    assert 0 < len(ended) < 500 and (ended["ended_on"] > ended["registered_on"]).all()
    unknown = ~regs["office_code"].isin(national_regs.offices["office_code"])
    assert 24 <= unknown.sum() <= 100


def adoption(data, day="2025-08-31", by=("kind",)) -> pd.DataFrame:
    on = registered_at(data.registrations, day)["office_code"].unique()
    off = data.offices.assign(reg=data.offices["office_code"].isin(on))
    return off.groupby(list(by))["reg"].mean()


def test_national_adoption_by_kind_and_model_areas(national_regs):
    by_kind = adoption(national_regs)
    assert 0.20 <= by_kind["kyotaku"] <= 0.30 and 0.05 <= by_kind["service"] <= 0.10
    by_muni = adoption(national_regs, by=("municipality_code",))
    assert abs(by_muni["452025"] - 0.362) < 0.01                # 都城市
    assert abs(by_muni["312029"] - 0.40) < 0.01                 # 米子市
    national = national_regs.offices["office_code"].isin(
        registered_at(national_regs.registrations, "2025-08-31")["office_code"]).mean()
    assert 0.09 <= national <= 0.105                            # 9.8 % of ≈287,000


def test_small_scale_counts_scale_with_fraction():
    data = demo.generate("small", 20231005, with_exchanges=False)
    assert data.fraction == 1 / 20 and data.meta()["demo_scale"] == "small"
    on = registered_at(data.registrations, "2023-10-05")
    assert abs(len(on) - 8_100 / 20) <= 8_100 / 20 * 0.10
    assert (on["prefecture_code"] == "30").sum() == round(71 / 20)
    assert abs(len(data.offices) - 287_000 / 20) <= 1
    assert data.meta()["demo_sample_fraction"] == "0.05"


def test_every_code_is_valid(tiny):
    assert tiny.offices["office_code"].map(codes.is_valid_office_code).all()
    assert tiny.registrations["office_code"].map(codes.is_valid_office_code).all()
    assert tiny.offices["office_code"].is_unique
    assert (tiny.offices["office_code"].str[:2] == tiny.offices["prefecture_code"]).all()
    assert set(tiny.offices["office_code"].str[2]) <= {"7", "9"}
    munis = tiny.municipalities
    assert munis["municipality_code"].map(codes.is_valid_municipality_code).all()
    assert munis["municipality_code"].is_unique
    assert (munis["municipality_code"].str[:2] == munis["prefecture_code"]).all()
    wakayama = munis[munis["prefecture_code"] == "30"].set_index("municipality_code")["municipality"]
    assert wakayama["302015"] == "和歌山市" and wakayama["303828"] == "日高町" and len(wakayama) == 30


def test_municipalities_lie_inside_their_prefecture(tiny):
    from analytics.domain import geo
    munis = tiny.municipalities
    inside = [geo.point_in_prefecture(r.lon, r.lat, r.prefecture_code) for r in munis.itertuples()]
    # the shipped outlines are main islands only, so a few coastal or island points may fall outside
    assert sum(inside) / len(inside) > 0.97


def test_kind_is_computed_like_ingestion(tiny):
    svc = tiny.office_services.groupby("office_code")["service_code"].agg(list)
    kinds = tiny.offices.set_index("office_code")["kind"]
    assert (svc.map(codes.office_kind) == kinds.loc[svc.index]).all()
    assert set(svc.index) == set(kinds.index)
    # a number listed under several services is still one office
    assert len(tiny.office_services) > len(tiny.offices)


def test_exchanges_follow_the_rules(tiny):
    ex = tiny.exchanges
    assert set(ex["form"]) == {"plan", "actual"} and set(ex["channel"]) <= set(schema.CHANNELS)
    assert (ex["sheets"] >= 1).all()
    months = activity.exchange_months()
    assert sorted(ex["month"].unique()) == list(pd.to_datetime(months))
    # sheets sent to one partner never exceed the office's users
    users = tiny.profiles.set_index(["office_code", "month"])["users"]
    plan = ex[ex["form"] == "plan"].groupby(["sender_code", "month", "receiver_code"])["sheets"].sum()
    assert (plan.values <= users.reindex(plan.index.droplevel(2)).values).all()


def test_registered_in_month_definition():
    offices = pd.DataFrame({"office_code": ["A", "B", "C"]})
    regs = pd.DataFrame({"office_code": ["A", "B", "Z"],
                         "registered_on": pd.to_datetime(["2025-07-31", "2025-06-01", "2025-01-01"]),
                         "ended_on": pd.to_datetime([None, "2025-07-01", None])})
    months = np.array(["2025-06-01", "2025-07-01", "2025-08-01"], dtype="datetime64[D]")
    got = activity.registered_in_month(offices, regs, months)
    assert got.tolist() == [[False, True, True], [True, False, False], [False, False, False]]


# ---------------------------------------------------------------- through the CLI into a database

def query(url, sql):
    with store_engine.get_engine(url).connect() as conn:
        return conn.exec_driver_sql(sql).fetchall()


DIGITAL_VIOLATIONS = """
SELECT count(*) FROM exchanges e
WHERE e.channel = 'digital' AND NOT (
  EXISTS (SELECT 1 FROM registrations r WHERE r.office_code = e.sender_code
          AND r.registered_on <= e.month + INTERVAL '1 month' - INTERVAL '1 day'
          AND (r.ended_on IS NULL OR r.ended_on > e.month))
  AND EXISTS (SELECT 1 FROM registrations r WHERE r.office_code = e.receiver_code
          AND r.registered_on <= e.month + INTERVAL '1 month' - INTERVAL '1 day'
          AND (r.ended_on IS NULL OR r.ended_on > e.month)))
"""

ADOPTION = """
SELECT o.prefecture_code, o.kind, count(*) AS offices, count(r.office_code) AS registered
FROM offices o LEFT JOIN (SELECT DISTINCT office_code FROM registrations
                          WHERE registered_on <= DATE '2025-08-31'
                            AND (ended_on IS NULL OR ended_on > DATE '2025-08-31')) r
  ON r.office_code = o.office_code
GROUP BY o.prefecture_code, o.kind
"""


def test_cli_builds_the_demo(db_url, monkeypatch, capsys):
    monkeypatch.setenv("CAREPLAN_DEMO_FRACTION", str(TINY))
    assert cli.main(["--db", db_url, "demo", "--seed", "11"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("デモデータを作成しました（small、シード 11、") and "offices " in err
    want = demo.generate("tiny", 11)
    for name, frame in want.tables().items():
        assert query(db_url, f"SELECT count(*) FROM {name}")[0][0] == len(frame), name
    # digital only between offices both registered that month, and there is some
    assert query(db_url, DIGITAL_VIOLATIONS)[0][0] == 0
    assert query(db_url, "SELECT count(*) FROM exchanges WHERE channel = 'digital'")[0][0] > 0
    # adoption never above 100 %; registrations outside the master exist and are not in any rate
    rows = query(db_url, ADOPTION)
    assert len({r[0] for r in rows}) == 47 and all(r[3] <= r[2] for r in rows)
    outside = query(db_url, "SELECT count(*) FROM registrations WHERE office_code NOT IN "
                            "(SELECT office_code FROM offices)")[0][0]
    assert outside >= 12
    eng = store_engine.get_engine(db_url)
    assert store_engine.get_meta(eng, "demo_scale") == "small"
    assert store_engine.get_meta(eng, "demo_sample_fraction") == repr(TINY)
    assert store_engine.get_meta(eng, "as_of") == "2025-08-31"
    assert store_engine.get_meta(eng, "seed") == "11"
    assert store_engine.get_meta(eng, "source") == "デモデータ（架空）"
    batches = query(db_url, "SELECT kind, file_name, accepted FROM import_batches")
    assert batches == [("demo", "demo:small:11", sum(len(f) for f in want.tables().values()))]
    # codes survive the round trip as 10-character text
    got = store_engine.read_df(eng, sa.select(schema.offices.c.office_code, schema.offices.c.kind)
                               .order_by(schema.offices.c.office_code))
    assert got["office_code"].tolist() == sorted(want.offices["office_code"])
    # building again replaces the previous demo instead of adding to it
    assert cli.main(["--db", db_url, "demo", "--seed", "12"]) == 0
    assert query(db_url, "SELECT count(*) FROM import_batches")[0][0] == 1
    assert store_engine.get_meta(store_engine.get_engine(db_url), "seed") == "12"
    assert query(db_url, "SELECT count(*) FROM offices")[0][0] == len(want.offices)


def test_failed_build_keeps_the_previous_database(db_url, monkeypatch, tmp_path):
    demo.build(db_url, "tiny", 1)
    before = query(db_url, "SELECT count(*), min(office_code) FROM offices")

    def boom(conn, data):
        store_engine.bulk_insert(conn, schema.offices, data.offices.assign(batch_id=99))
        raise RuntimeError("killed mid-load")
    monkeypatch.setattr(loader, "_fill", boom)
    with pytest.raises(RuntimeError):
        demo.build(db_url, "tiny", 2)
    assert query(db_url, "SELECT count(*), min(office_code) FROM offices") == before
    assert store_engine.get_meta(store_engine.get_engine(db_url), "seed") == "1"
    path = loader.duckdb_file(db_url)
    if path is not None:
        assert [p.name for p in path.parent.iterdir() if "building" in p.name] == []


def test_refuses_a_database_with_imported_data(db_url, capsys):
    with store_engine.get_engine(db_url).begin() as conn:
        conn.execute(schema.import_batches.insert().values(
            batch_id=500, kind="offices", file_name="jigyosho_430.csv", content_hash="x" * 64,
            imported_at=dt.datetime(2025, 9, 1)))
    assert cli.main(["--db", db_url, "demo"]) == 2
    assert capsys.readouterr().err == "エラー: このデータベースには取り込んだデータがあります。デモは別の --db に作成してください\n"
    assert cli.main(["--lang", "en", "--db", db_url, "demo"]) == 2
    assert capsys.readouterr().err == "error: this database holds imported data; build the demo with another --db\n"
    assert query(db_url, "SELECT count(*) FROM offices")[0][0] == 0


def test_small_scale_sizes(duck_url):
    # its build time is measured by benchmarks/timings.py (≈1–2 s on 2 cores), not asserted here
    counts = demo.build(duck_url, "small", 20231005)
    assert 400_000 < counts["exchanges"] < 1_500_000
    assert counts["offices"] == 14_350
    on = query(duck_url, "SELECT count(*) FROM registrations WHERE registered_on <= DATE '2023-10-05' "
                         "AND (ended_on IS NULL OR ended_on > DATE '2023-10-05')")[0][0]
    assert abs(on - 405) <= 40
