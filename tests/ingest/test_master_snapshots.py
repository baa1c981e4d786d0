"""Office master snapshots (issue #21, 4): the open data is republished complete every June and December;
an office missing from a later publication is closed then and leaves the denominator from that date on."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa
from ingest_helpers import csv_bytes, import_page, office, open_data_csv, open_data_row

from analytics import cli
from analytics.auth import ADMIN
from analytics.domain.codes import municipality_check_digit
from analytics.ingest import ingest_files, master_snapshots
from analytics.services import adoption as services_adoption
from analytics.store import definitions, schema
from analytics.store import engine as store_engine
from analytics.store import queries_adoption as qa
from analytics.store import queries_forecast as qf

A, B, C, F = (office(30, i) for i in (1, 2, 3, 6))
D = office(30, 4)   # a 訪問介護 office of 和歌山: another service type than the 居宅介護支援 file
E = office(27, 5)   # a 居宅介護支援 office of 大阪: another prefecture
WAKAYAMA = "30201" + municipality_check_digit("30201")
OSAKA = "27100" + municipality_check_digit("27100")
JUN, DEC, JUN26 = dt.date(2025, 6, 30), dt.date(2025, 12, 31), dt.date(2026, 6, 30)
AUG, JAN = dt.date(2025, 8, 31), dt.date(2026, 1, 31)


def kyotaku(*codes, osaka=()) -> bytes:
    """A jigyosho_430 file (居宅介護支援) as published: 和歌山 offices, then 大阪 ones."""
    rows = [open_data_row(i + 1, WAKAYAMA, "和歌山県", "和歌山市", f"居宅{c[-4:]}", "居宅介護支援", c)
            for i, c in enumerate(codes)]
    rows += [open_data_row(len(rows) + i + 1, OSAKA, "大阪府", "大阪市", f"居宅{c[-4:]}", "居宅介護支援", c)
             for i, c in enumerate(osaka)]
    return open_data_csv(rows)


def helpers(*codes) -> bytes:
    """A jigyosho_110 file (訪問介護) of 和歌山."""
    return open_data_csv([open_data_row(i + 1, WAKAYAMA, "和歌山県", "和歌山市", f"訪問{c[-4:]}", "訪問介護", c)
                          for i, c in enumerate(codes)])


def registrations(*codes) -> bytes:
    return csv_bytes([["事業所番号", "利用開始日"]] + [[c, "2025-04-01"] for c in codes])


def open_at(engine, day: dt.date) -> set[str]:
    """The offices open at ``day`` by the one definition (analytics.store.definitions)."""
    o = schema.offices
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(o.c.office_code).where(definitions.office_open_at(day)))}


def closures(engine) -> list[tuple]:
    oc = schema.office_closures
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(oc.c.office_code, oc.c.closed_on, oc.c.reopened_on)))


def wakayama_kyotaku(engine, day: dt.date) -> tuple[int, int, float]:
    """(offices, registered, adoption_rate) of 和歌山's 居宅介護支援 at ``day`` through the service."""
    frame = services_adoption.adoption(engine, ADMIN, day, "prefecture_kind", "30", "kyotaku").frame
    row = frame.iloc[0]
    return int(row["offices"]), int(row["registered"]), float(row["adoption_rate"])


def two_masters(engine) -> None:
    """June: A, B, C (和歌山) and E (大阪) give 居宅介護支援, D gives 訪問介護; December's 居宅介護支援 file lists
    only 和歌山's A and C (B closed); no December 訪問介護 file and no 大阪 rows in it."""
    s = ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B, C, osaka=[E])),
                                         ("jigyosho_110.csv", helpers(D))], as_of=JUN)
    assert (s.accepted, s.rejected, s.refused) == (5, 0, [])
    ingest_files(engine, "registrations", [("reg.csv", registrations(A, B, D, E))])
    s = ingest_files(engine, "offices", [("jigyosho_430_all_20251231093000.csv", kyotaku(A, C))])
    assert s.snapshots == [{"file": "jigyosho_430_all_20251231093000.csv", "as_of": "2025-12-31", "source": "name"}]


def test_a_vanished_office_leaves_the_denominator_from_the_later_master_on(engine):
    two_masters(engine)
    assert closures(engine) == [(B, DEC, None)]
    assert wakayama_kyotaku(engine, AUG) == (3, 2, pytest.approx(2 / 3))   # before: unchanged
    assert wakayama_kyotaku(engine, DEC - dt.timedelta(days=1)) == (3, 2, pytest.approx(2 / 3))
    assert wakayama_kyotaku(engine, JAN) == (2, 1, 0.5)                    # after: B is gone from both
    # coverage: 大阪's E and the 訪問介護 office D are not in December's file's coverage, so stay open
    assert open_at(engine, JAN) == {A, C, D, E}
    nation = qa.adoption(engine, JAN, "nation")
    assert (int(nation["offices"].iat[0]), int(nation["registered"].iat[0])) == (4, 3)
    # monthly: 2025-08 keeps B, 2026-01 does not (open on some day of the month)
    monthly = qa.adoption_monthly(engine, dt.date(2025, 8, 1), dt.date(2026, 1, 1), "prefecture", ("30",), "kyotaku")
    by_month = {m.strftime("%Y-%m"): (o, r) for m, o, r in zip(monthly["month"], monthly["offices"], monthly["registered"])}
    assert by_month["2025-08"] == (3, 2) and by_month["2025-12"] == (3, 2) and by_month["2026-01"] == (2, 1)
    # the change between the two dates: each rate over the offices open at its own date
    ch = qa.adoption_change(engine, AUG, JAN, "prefecture_kind", "30", "kyotaku").iloc[0]
    assert (ch["offices_start"], ch["offices"], ch["rate_start"], ch["rate_end"]) == (3, 2, pytest.approx(2 / 3), 0.5)
    # the office list at each date, and the forecast's master size
    assert set(qa.office_list(engine, "30", AUG, kind="kyotaku")["office_code"]) == {A, B, C}
    assert set(qa.office_list(engine, "30", JAN, kind="kyotaku")["office_code"]) == {A, C}
    assert qf.master_size(engine, "30", on=AUG).set_index("kind")["offices"].to_dict() == {"kyotaku": 3, "service": 1}
    assert qf.master_size(engine, "30", on=JAN).set_index("kind")["offices"].to_dict() == {"kyotaku": 2, "service": 1}


def test_cli_report_gives_each_date_its_own_answer(tmp_path, duck_url, capsys):
    engine = store_engine.get_engine(duck_url)
    two_masters(engine)

    def report(day: str) -> dict:
        assert cli.main(["--db", duck_url, "report", "adoption", "--by", "kind", "--prefecture", "30",
                         "--as-of", day, "--format", "json"]) == 0
        return {r["kind"]: (r["offices"], r["registered"], r["adoption_rate"])
                for r in json.loads(capsys.readouterr().out)}

    assert report("2025-08-31")["kyotaku"] == (3, 2, pytest.approx(2 / 3))
    assert report("2026-01-31")["kyotaku"] == (2, 1, 0.5)
    assert report("2026-01-31")["service"] == (1, 1, 1.0)   # D (訪問介護) not covered: still open


def test_reimport_changes_nothing_and_a_reappearing_office_reopens(engine):
    two_masters(engine)
    before = closures(engine)
    again = ingest_files(engine, "offices", [("jigyosho_430_all_20251231093000.csv", kyotaku(A, C))])
    assert again.accepted == 0 and closures(engine) == before        # the same file: a duplicate
    copy = ingest_files(engine, "offices", [("copy.csv", kyotaku(A, C))], as_of=DEC)
    assert (copy.accepted, copy.duplicates) == (0, 2) and closures(engine) == before
    assert wakayama_kyotaku(engine, JAN) == (2, 1, 0.5)
    # republished unchanged under a later timestamp: that date's master all the same (nothing closes more)
    later = ingest_files(engine, "offices", [("jigyosho_430_all_20260131093000.csv", kyotaku(A, C))])
    assert later.snapshots[0]["as_of"] == "2026-01-31" and closures(engine) == before
    with engine.connect() as conn:
        assert dt.date(2026, 1, 31) in {r[0] for r in conn.execute(sa.select(schema.master_snapshots.c.as_of))}
    # June 2026: B is listed again, C has gone
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B))], as_of=JUN26)
    assert closures(engine) == [(B, DEC, JUN26), (C, JUN26, None)]
    assert open_at(engine, JAN) == {A, C, D, E}
    assert open_at(engine, JUN26) == {A, B, D, E}
    assert wakayama_kyotaku(engine, AUG) == (3, 2, pytest.approx(2 / 3))   # the history is kept
    # an earlier master imported last changes nothing before its date is reached by a later one
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B, C, F))], as_of=dt.date(2024, 12, 31))
    assert (F, JUN, None) in closures(engine)                          # F is missing from June 2025 on
    assert F in open_at(engine, dt.date(2025, 1, 31)) and F not in open_at(engine, AUG)


def test_an_office_closes_only_when_none_of_its_services_is_left(engine):
    """F gives 居宅介護支援 and 訪問介護; a dated 居宅介護支援 master without F closes that service only."""
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, F)), ("jigyosho_110.csv", helpers(F))], as_of=JUN)
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A))], as_of=DEC)
    assert closures(engine) == [] and open_at(engine, JAN) == {A, F}
    ingest_files(engine, "offices", [("jigyosho_110.csv", helpers(D))], as_of=DEC)   # now its 訪問介護 too
    assert open_at(engine, JAN) == {A, D}
    # D: missing from June's 訪問介護 master (it covered 和歌山's 訪問介護), so not open until December lists it
    assert closures(engine) == [(D, JUN, DEC), (F, DEC, None)]
    assert open_at(engine, AUG) == {A, F} and D in open_at(engine, JUN - dt.timedelta(days=1))


def test_a_master_without_a_date_closes_nothing(engine):
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B, C))])
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A))])
    assert closures(engine) == [] and open_at(engine, JAN) == {A, B, C}
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.master_snapshots)).scalar() == 0


@pytest.mark.parametrize("name,expected", [
    ("jigyosho_430_all_20260709180740.csv", dt.date(2026, 7, 9)),
    ("jigyosho_430_20250630123456.csv", JUN),
    ("opendata/jigyosho_110_20251231235959.CSV", DEC),
    ("jigyosho_430.csv", None),                        # no timestamp: a master without a date
    ("offices_20250630.csv", None),                    # a date alone is not the published timestamp
    ("jigyosho_430_20251399000000.csv", None),         # no such day
    ("jigyosho_430_20250630256000.csv", None),         # no such time
    ("jigyosho_430_20990630120000.csv", None),         # outside the allowed range
])
def test_date_in_the_published_name(name, expected):
    assert master_snapshots.date_in_name(name) == expected


@pytest.mark.parametrize("lang,said", [
    ("ja", "基準日（--as-of）「2025-13-45」を日付として読めません"),
    ("en", "cannot read --as-of '2025-13-45' as a date"),
])
def test_cli_refuses_a_bad_as_of_in_both_languages(tmp_path, duck_url, capsys, lang, said):
    path = tmp_path / "jigyosho_430.csv"
    path.write_bytes(kyotaku(A))
    assert cli.main(["--db", duck_url, "--lang", lang, "ingest", "offices", str(path), "--as-of", "2025-13-45"]) != 0
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    with store_engine.get_engine(duck_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.offices)).scalar() == 0


@pytest.mark.parametrize("lang,said", [
    ("ja", "事業所マスタ jigyosho_430_20251231093000.csv: 基準日 2025-12-31（ファイル名から読み取り）"),
    ("en", "office master jigyosho_430_20251231093000.csv: as of 2025-12-31 (read from the file name)"),
])
def test_cli_shows_the_date_it_read_to_confirm(tmp_path, duck_url, capsys, lang, said):
    path = tmp_path / "jigyosho_430_20251231093000.csv"
    path.write_bytes(kyotaku(A))
    assert cli.main(["--db", duck_url, "--lang", lang, "ingest", "offices", str(path)]) == 0
    assert said in capsys.readouterr().out
    path2 = tmp_path / "jigyosho_430.csv"
    path2.write_bytes(kyotaku(A, B))
    assert cli.main(["--db", duck_url, "ingest", "offices", str(path2), "--as-of", "令和7年6月30日", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snapshots"] == [{"file": "jigyosho_430.csv", "as_of": "2025-06-30", "source": "option"}]
    assert open_at(store_engine.get_engine(duck_url), JAN) == {A}   # B: not in the December master


def test_import_page_shows_the_master_date(duck_url):
    at = import_page(duck_url)
    at.selectbox(key="import_kind").set_value("offices").run()
    at.file_uploader(key="import_files").set_value(("jigyosho_430.csv", kyotaku(A, B), "text/csv")).run()
    assert at.date_input(key="import_as_of").value is None      # optional: a master without a date
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    at.file_uploader(key="import_files").set_value(
        ("jigyosho_430_20251231093000.csv", kyotaku(A), "text/csv")).run()
    assert at.date_input(key="import_as_of").value == DEC       # read from the name, shown to confirm
    assert any("2025-12-31" in c.value for c in at.caption)
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("2025-12-31" in i.value and "事業所マスタ" in i.value for i in at.info)
    assert open_at(store_engine.get_engine(duck_url), JAN) == {A}


def test_a_rejected_row_does_not_close_its_office(engine):
    """B's row of the December master has a broken 市町村コード: rejected (kept with its reason), yet B is
    listed, so it stays open; C, absent, closes."""
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B, C))], as_of=JUN)
    rows = [open_data_row(1, WAKAYAMA, "和歌山県", "和歌山市", "居宅A", "居宅介護支援", A),
            open_data_row(2, "3020X", "和歌山県", "和歌山市", "居宅B", "居宅介護支援", B)]
    s = ingest_files(engine, "offices", [("jigyosho_430_20251231093000.csv", open_data_csv(rows))])
    assert (s.accepted + s.duplicates, s.rejected) == (1, 1)
    assert closures(engine) == [(C, DEC, None)] and open_at(engine, JAN) == {A, B}


def test_a_closed_office_is_no_recruitment_target(engine):
    from analytics.store import queries_targets as qt
    ingest_files(engine, "offices", [("jigyosho_430.csv", kyotaku(A, B, C))], as_of=JUN)
    ingest_files(engine, "registrations", [("reg.csv", registrations(A))])
    log = csv_bytes([["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"],
                     ["2026-01", A, B, "予定", "FAX", 7], ["2026-01", A, C, "予定", "FAX", 3]])
    ingest_files(engine, "exchanges", [("log.csv", log)])
    assert list(qt.unlockable(engine, prefecture="30")["office_code"]) == [B, C]
    ingest_files(engine, "offices", [("jigyosho_430_all_20251231093000.csv", kyotaku(A, C))])
    assert list(qt.unlockable(engine, prefecture="30")["office_code"]) == [C]   # B closed in December


def test_closures_frame_oracle():
    """The pandas rule on a hand case: coverage per prefecture × service, '*' for a list without services."""
    cov = pd.DataFrame({"S": pd.to_datetime(["2025-06-30", "2025-12-31", "2025-12-31"]),
                        "prefecture_code": ["30", "30", "27"], "service_code": ["43", "43", "*"]})
    mem = pd.DataFrame({"S": pd.to_datetime(["2025-06-30", "2025-06-30", "2025-12-31"]),
                        "office_code": ["a", "b", "a"], "service_code": ["43", "43", "43"]})
    offices = pd.DataFrame({"office_code": ["a", "b", "e", "x"], "prefecture_code": ["30", "30", "27", "13"]})
    services = pd.DataFrame({"office_code": ["a", "b", "e"], "service_code": ["43", "43", "11"]})
    got = definitions.office_closures_from_snapshots(cov, mem, offices, services)
    assert [(r.office_code, r.closed_on.date(), pd.isna(r.reopened_on)) for r in got.itertuples()] == [
        ("b", DEC, True), ("e", DEC, True)]   # x: never covered, open; e: its 27 '*' master lists no one


def test_a_registered_office_closed_in_the_master_is_listed_not_lost(db_url, capsys):
    """B is registered and vanishes from December's master: from then on it is in neither the numerator nor
    the denominator, and is listed with the offices not in the master, with its closing date (CLI note, page)."""
    engine = store_engine.get_engine(db_url)
    two_masters(engine)
    assert qa.not_in_master(engine, AUG).empty
    got = qa.not_in_master(engine, JAN)
    assert got[["office_code", "prefecture_code", "closed_on"]].values.tolist() == [[B, "30", DEC]]
    assert qa.not_in_master_counts(engine, JAN).values.tolist() == [["30", 1]]
    assert cli.main(["--db", db_url, "report", "adoption", "--prefecture", "30", "--as-of", "2026-01-31",
                     "--format", "json"]) == 0
    assert capsys.readouterr().err.strip().endswith(
        "注: 事業所マスタにない登録事業所 1 件（基準日にマスタで閉鎖済みの事業所を含む）は登録率に含めていません"
        "（基準日 2026-01-31）。")
    # a registration of a number never in the master: listed with no closing date
    ingest_files(engine, "registrations", [("reg2.csv", registrations(F))])
    got = qa.not_in_master(engine, JAN).set_index("office_code")["closed_on"].to_dict()
    assert got == {B: DEC, F: None}


def test_the_municipality_page_lists_a_closed_registered_office_with_its_date(duck_url):
    import pathlib

    from streamlit.testing.v1 import AppTest
    engine = store_engine.get_engine(duck_url)
    two_masters(engine)
    with engine.begin() as conn:
        store_engine.set_meta(conn, "as_of", JAN.isoformat())
    at = AppTest.from_file(str(pathlib.Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.session_state["lang"] = "ja"
    at.run()
    at.switch_page("analytics/ui/views/municipalities.py").run()
    assert not at.exception, at.exception
    label = next(e.label for e in at.expander if "マスタにない登録事業所" in e.label)
    assert label.startswith("事業所マスタにない登録事業所（1 件、基準日にマスタで閉鎖済みの事業所を含む")
    listed = next(d.value for d in at.dataframe if "マスタでの閉鎖日" in d.value.columns)
    assert listed["事業所番号"].tolist() == [B]
    assert pd.Timestamp(listed["マスタでの閉鎖日"].iloc[0]).date() == DEC
