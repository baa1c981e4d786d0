"""Office master snapshots close services, not only offices (issue #21, 4): F gives 居宅介護支援 and 訪問介護;
when a dated 居宅介護支援 master no longer lists it while the 訪問介護 one still does, F stays open and counts as a
service office from that date on (its kind at D, ``definitions.kind_at``), in every rate, monthly series and
master size; earlier dates keep their answer."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from ingest_helpers import csv_bytes
from test_master_snapshots import AUG, DEC, JAN, JUN, JUN26, A, D, F, closures, helpers, kyotaku, open_at

from analytics.ingest import ingest_files
from analytics.store import closures as store_closures
from analytics.store import definitions, schema
from analytics.store import engine as store_engine
from analytics.store import queries_adoption as qa
from analytics.store import queries_forecast as qf
from analytics.store import queries_targets as qt

NOV = dt.date(2025, 11, 30)
MASTERS = {  # as published: one file per サービス種類, the date in the name
    "jun": [("jigyosho_430_all_20250630093000.csv", kyotaku(A, F)),
            ("jigyosho_110_all_20250630093000.csv", helpers(D, F))],
    "dec": [("jigyosho_430_all_20251231093000.csv", kyotaku(A)),        # F's 居宅介護支援 has gone
            ("jigyosho_110_all_20251231093000.csv", helpers(D, F))],    # its 訪問介護 has not
    "jun26": [("jigyosho_430_all_20260630093000.csv", kyotaku(A, F))],  # F's 居宅介護支援 is back
}


def service_closures(engine) -> list[tuple]:
    sc = schema.service_closures
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(
            sa.select(sc.c.office_code, sc.c.service_code, sc.c.closed_on, sc.c.reopened_on)))


def kinds_at(engine, day: dt.date) -> dict[str, str]:
    """The kind of each office at ``day`` by the one SQL rule."""
    o = schema.offices
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(o.c.office_code, definitions.kind_at(day))).fetchall())


def by_kind(frame: pd.DataFrame, *cols: str) -> dict:
    return {r["kind"]: tuple(r[c] for c in cols) for _, r in frame.iterrows()}


def load(engine, *which: str, registered=(A, F)) -> None:
    for key in which:
        s = ingest_files(engine, "offices", MASTERS[key])
        assert s.rejected == 0 and s.refused == []
    if registered:
        ingest_files(engine, "registrations", [("reg.csv", csv_bytes(
            [["事業所番号", "利用開始日"]] + [[c, "2025-04-01"] for c in registered]))])


def test_a_closed_service_flips_the_kind_from_its_date(engine):
    load(engine, "jun", "dec")
    assert closures(engine) == []                                  # F is still open: its 訪問介護
    assert service_closures(engine) == [(F, "43", DEC, None)]
    assert open_at(engine, JAN) == {A, D, F}
    assert kinds_at(engine, DEC - dt.timedelta(days=1))[F] == "kyotaku"
    assert kinds_at(engine, DEC) == {A: "kyotaku", D: "service", F: "service"}
    # adoption at a date: each date's own offices and kinds (A, F registered; D not)
    assert by_kind(qa.adoption(engine, AUG, "kind"), "offices", "registered") == {"kyotaku": (2, 2), "service": (1, 0)}
    got = by_kind(qa.adoption(engine, JAN, "prefecture_kind", "30"), "offices", "registered", "adoption_rate")
    assert got == {"kyotaku": (1, 1, 1.0), "service": (2, 1, 0.5)}
    service = qa.adoption(engine, JAN, "prefecture", "30", "service").iloc[0]
    assert (service["offices"], service["registered"]) == (2, 1)
    # the change between two dates: each side with its own kinds
    ch = qa.adoption_change(engine, AUG, JAN, "kind")
    assert by_kind(ch, "offices_start", "offices", "registered_start", "registered_end") == {
        "kyotaku": (2, 1, 2, 1), "service": (1, 2, 0, 1)}
    # the office list: F among the service offices in January, among 居宅介護支援 in August
    jan = qa.office_list(engine, "30", JAN, kind="service")
    assert dict(zip(jan["office_code"], jan["kind"])) == {D: "service", F: "service"}
    assert set(qa.office_list(engine, "30", AUG, kind="kyotaku")["office_code"]) == {A, F}
    # the forecast's master size at each day
    assert qf.master_size(engine, "30", on=AUG).set_index("kind")["offices"].to_dict() == {"kyotaku": 2, "service": 1}
    assert qf.master_size(engine, "30", on=JAN).set_index("kind")["offices"].to_dict() == {"kyotaku": 1, "service": 2}
    sizes = qf.master_by_prefecture(engine, on=JAN)
    assert sizes.set_index("kind")["offices"].to_dict() == {"kyotaku": 1, "service": 2}


def test_the_monthly_series_keep_each_month_its_own_denominator(engine):
    load(engine, "jun", "dec")
    monthly = qa.adoption_monthly(engine, dt.date(2025, 8, 1), dt.date(2026, 1, 1), "kind")
    got = {(r["kind"], r["month"].strftime("%Y-%m")): (r["offices"], r["registered"]) for _, r in monthly.iterrows()}
    # December: F's 居宅介護支援 was open on some day of it (closed on the 31st); January: not
    assert [got[("kyotaku", m)] for m in ("2025-08", "2025-12", "2026-01")] == [(2, 2), (2, 2), (1, 1)]
    assert [got[("service", m)] for m in ("2025-08", "2025-12", "2026-01")] == [(1, 0), (1, 0), (2, 1)]
    nation = qa.adoption_monthly(engine, dt.date(2025, 8, 1), dt.date(2026, 1, 1))
    assert set(zip(nation["offices"], nation["registered"])) == {(3, 2)}      # kinds partition the offices
    service = qa.adoption_monthly(engine, dt.date(2025, 12, 1), dt.date(2026, 1, 1), "prefecture", ("30",), "service")
    assert list(zip(service["offices"], service["registered"], service["adoption_rate"])) == [(1, 0, 0.0), (2, 1, 0.5)]
    # the forecast's series: registered at each month end, by the kind then (December 31st: already service)
    series = qf.monthly_registered(engine, "30", dt.date(2025, 11, 1), dt.date(2026, 1, 1))
    got = {(r.kind, r.month.strftime("%Y-%m")): r.registered for r in series.itertuples()}
    assert got == {("kyotaku", "2025-11"): 2, ("kyotaku", "2025-12"): 1, ("kyotaku", "2026-01"): 1,
                   ("service", "2025-11"): 0, ("service", "2025-12"): 1, ("service", "2026-01"): 1}
    by_pref = qf.monthly_registered(engine, None, dt.date(2026, 1, 1), dt.date(2026, 1, 1), by_prefecture=True)
    assert by_pref.set_index("kind")["registered"].to_dict() == {"kyotaku": 1, "service": 1}


def test_a_service_listed_again_reopens_and_the_history_is_kept(engine):
    load(engine, "jun", "dec", "jun26")
    assert service_closures(engine) == [(F, "43", DEC, JUN26)]
    assert [kinds_at(engine, d)[F] for d in (AUG, JAN, JUN26)] == ["kyotaku", "service", "kyotaku"]
    assert qf.master_size(engine, "30", on=JAN).set_index("kind")["offices"].to_dict() == {"kyotaku": 1, "service": 2}
    assert qf.master_size(engine, "30", on=JUN26).set_index("kind")["offices"].to_dict() == {"kyotaku": 2, "service": 1}
    monthly = qa.adoption_monthly(engine, dt.date(2025, 8, 1), dt.date(2026, 7, 1), "kind", kind="kyotaku")
    offices = dict(zip(monthly["month"].map(lambda m: m.strftime("%Y-%m")), monthly["offices"]))
    assert (offices["2025-08"], offices["2026-01"], offices["2026-05"], offices["2026-06"], offices["2026-07"]) == (
        2, 1, 1, 2, 2)


def test_import_order_does_not_matter_and_the_same_files_again_change_nothing(db_url):
    engine = store_engine.get_engine(db_url)
    load(engine, "jun26", "dec", "jun", registered=())
    expected = [(F, "43", DEC, JUN26)]
    assert service_closures(engine) == expected and closures(engine) == []
    for key in ("dec", "jun"):  # the same files again: duplicates, nothing changes
        again = ingest_files(engine, "offices", MASTERS[key])
        assert again.accepted == 0
        assert service_closures(engine) == expected
    copy = ingest_files(engine, "offices", [("copy.csv", kyotaku(A))], as_of=DEC)   # same content, another name
    assert copy.accepted == 0 and service_closures(engine) == expected
    assert [kinds_at(engine, d)[F] for d in (AUG, JAN, JUN26)] == ["kyotaku", "service", "kyotaku"]


def test_a_master_without_a_date_closes_no_service(engine):
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, F)), ("jigyosho_110.csv", helpers(F))])
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A))])
    assert service_closures(engine) == [] and kinds_at(engine, JAN) == {A: "kyotaku", F: "kyotaku"}
    assert qa.adoption(engine, JAN, "kind").set_index("kind")["offices"].to_dict() == {"kyotaku": 2}


def test_an_office_closes_with_its_last_service_and_its_kind_is_not_counted(engine):
    """December closes F's 居宅介護支援 and its 訪問介護: F is closed (office_closures), in no kind's denominator."""
    load(engine, "jun")
    ingest_files(engine, "offices", [("jigyosho_430_all_20251231093000.csv", kyotaku(A)),
                                     ("jigyosho_110_all_20251231093000.csv", helpers(D))])
    assert closures(engine) == [(F, DEC, None)]
    assert service_closures(engine) == [(F, "11", DEC, None), (F, "43", DEC, None)]
    assert by_kind(qa.adoption(engine, JAN, "kind"), "offices", "registered") == {"kyotaku": (1, 1), "service": (1, 0)}
    monthly = qa.adoption_monthly(engine, dt.date(2026, 1, 1), dt.date(2026, 1, 1), "kind")
    assert by_kind(monthly, "offices", "registered") == {"kyotaku": (1, 1), "service": (1, 0)}


def test_the_sql_kind_agrees_with_the_pandas_oracle(engine):
    load(engine, "jun", "dec", "jun26")
    ingest_files(engine, "offices", [("jigyosho_110_all_20260630093000.csv", helpers(F))])   # D's 訪問介護 goes
    with engine.connect() as conn:
        services = store_engine.read_df(conn, sa.select(schema.office_services.c.office_code,
                                                        schema.office_services.c.service_code))
        sc = store_engine.read_df(conn, sa.select(schema.service_closures))
    assert sorted(map(tuple, sc[["office_code", "service_code"]].values)) == [(D, "11"), (F, "43")]
    for day in (JUN - dt.timedelta(days=1), JUN, AUG, NOV, DEC, JAN, JUN26, dt.date(2027, 1, 1)):
        oracle = definitions.kind_at_frame(services, sc, day).to_dict()
        sql = kinds_at(engine, day)
        open_ = open_at(engine, day)
        assert {k: v for k, v in sql.items() if k in open_} == {k: v for k, v in oracle.items() if k in open_}, day
    assert definitions.kind_at_frame(services, sc, JAN)[F] == "service"


def test_service_closures_frame_oracle():
    """The pandas rule on a hand case: a service missing from a master covering it closes; the office
    closes only when all of its services have."""
    cov = pd.DataFrame({"S": pd.to_datetime(["2025-06-30", "2025-06-30", "2025-12-31", "2026-06-30"]),
                        "prefecture_code": ["30"] * 4, "service_code": ["43", "11", "43", "11"]})
    mem = pd.DataFrame({"S": pd.to_datetime(["2025-06-30", "2025-06-30", "2025-06-30"]),
                        "office_code": ["f", "f", "g"], "service_code": ["43", "11", "43"]})
    offices = pd.DataFrame({"office_code": ["f", "g"], "prefecture_code": ["30", "30"]})
    services = pd.DataFrame({"office_code": ["f", "f", "g"], "service_code": ["43", "11", "43"]})
    got = definitions.service_closures_from_snapshots(cov, mem, offices, services)
    assert [(r.office_code, r.service_code, r.closed_on.date(), pd.isna(r.reopened_on)) for r in got.itertuples()] == [
        ("f", "11", JUN26, True), ("f", "43", DEC, True), ("g", "43", DEC, True)]
    office = definitions.office_closures_from_snapshots(cov, mem, offices, services)
    assert [(r.office_code, r.closed_on.date()) for r in office.itertuples()] == [("f", JUN26), ("g", DEC)]
    kinds = definitions.kind_at_frame(services, got, JAN)
    assert kinds.to_dict() == {"f": "service", "g": "service"}
    assert definitions.kind_at_frame(services, got, AUG).to_dict() == {"f": "kyotaku", "g": "kyotaku"}


def test_a_recruitment_target_has_its_kind_of_the_month_through_the_pre_aggregates_and_without(engine, monkeypatch):
    """The per-office pre-aggregates hold no kind: the ranking reads the kind of the window's last month on
    top of them, the same as from the raw exchanges."""
    load(engine, "jun", "dec", registered=(A,))
    log = csv_bytes([["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"],
                     ["2025-08", A, F, "予定", "FAX", 4], ["2026-01", A, F, "予定", "FAX", 5],
                     ["2026-01", A, D, "予定", "FAX", 2]])
    ingest_files(engine, "exchanges", [("log.csv", log)])

    def ranking(**kw):
        got = qt.unlockable(engine, prefecture="30", **kw)
        return list(zip(got["office_code"], got["kind"], got["unlockable_sheets"]))

    jan = ranking(kind="service")
    aug = ranking(month_to=dt.date(2025, 8, 31), kind="kyotaku")
    assert jan == [(F, "service", 5), (D, "service", 2)] and aug == [(F, "kyotaku", 4)]
    assert ranking(kind="kyotaku") == [] and ranking(month_to=dt.date(2025, 8, 31), kind="service") == []
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    assert ranking(kind="service") == jan and ranking(month_to=dt.date(2025, 8, 31), kind="kyotaku") == aug
    got = qf.target_ranking(engine, "30", dt.date(2026, 1, 1), "service")
    assert list(zip(got["office_code"], got["kind"])) == [(F, "service"), (D, "service")]


def test_the_store_derives_both_closures_from_the_facts_alone(engine):
    """``closures.derive`` from the stored facts gives what the imports gave (the migration relies on it)."""
    load(engine, "jun", "dec", registered=())
    before = (closures(engine), service_closures(engine))
    with engine.begin() as conn:
        conn.execute(schema.service_closures.delete())
        conn.execute(schema.office_closures.delete())
        store_closures.derive(conn)
    assert (closures(engine), service_closures(engine)) == before == ([], [(F, "43", DEC, None)])
