"""Registration snapshots (issue #21, 3): lists of the offices using the system on a date, no 利用開始日."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from ingest_helpers import csv_bytes, import_page, office, xlsx_bytes

from analytics import cli
from analytics.ingest import ingest_files, snapshots
from analytics.store import definitions, schema
from analytics.store import engine as store_engine

A, B, C, D = (office(30, i) for i in (1, 2, 3, 4))
E = office(27, 5)  # another prefecture (大阪): not covered by a 和歌山 snapshot
R = schema.registrations
AUG, SEP, OCT = dt.date(2025, 8, 31), dt.date(2025, 9, 30), dt.date(2025, 10, 31)


def registered(engine, day: dt.date) -> set[str]:
    """The offices registered at ``day`` by the one definition (analytics.store.definitions)."""
    store_engine.migrate(engine)
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(R.c.office_code).where(definitions.registered_at(day)).distinct())}


def rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(
            sa.select(R.c.office_code, R.c.registered_on, R.c.ended_on, R.c.registered_from_snapshot)))


def snapshot(codes, header=("事業所番号", "事業所名")) -> bytes:
    return csv_bytes([list(header)] + [[c, f"事業所{c[-4:]}"] for c in codes])


def test_snapshots_start_end_and_stay_one_registration(engine):
    s = ingest_files(engine, "registrations", [("wam.csv", snapshot([A, B, C]))], as_of=AUG)
    assert (s.accepted, s.rejected, s.refused) == (3, 0, [])
    assert s.snapshots == [{"file": "wam.csv", "as_of": "2025-08-31", "source": "option"}]
    assert registered(engine, AUG - dt.timedelta(days=1)) == set()
    assert registered(engine, AUG) == {A, B, C}
    # a later snapshot of the same coverage: B is missing (ended then), D is new
    ingest_files(engine, "registrations", [("wam.csv", snapshot([A, C, D]))], as_of=SEP)
    assert registered(engine, SEP - dt.timedelta(days=1)) == {A, B, C}
    assert registered(engine, SEP) == {A, C, D}
    assert rows(engine) == [(A, AUG, None, True), (B, AUG, SEP, True), (C, AUG, None, True), (D, SEP, None, True)]
    # the same snapshot again (another file of the same content, and the same file): nothing changes
    before = rows(engine)
    again = ingest_files(engine, "registrations", [("wam_copy.csv", snapshot([A, C, D, D]))], as_of=SEP)
    assert (again.accepted, again.duplicates) == (0, 4)
    same = ingest_files(engine, "registrations", [("wam.csv", snapshot([A, C, D]))], as_of=SEP)
    assert same.duplicates == 3
    assert rows(engine) == before
    # an earlier snapshot imported last: A is registered from then on (one registration), B too
    ingest_files(engine, "registrations", [("old.csv", snapshot([A, B]))], as_of=dt.date(2025, 7, 31))
    assert registered(engine, dt.date(2025, 8, 1)) == {A, B}
    assert rows(engine) == [(A, dt.date(2025, 7, 31), None, True), (B, dt.date(2025, 7, 31), SEP, True),
                            (C, AUG, None, True), (D, SEP, None, True)]


def test_snapshot_covers_only_its_prefectures(engine):
    ingest_files(engine, "registrations", [("a.csv", csv_bytes([["事業所番号", "利用開始日"], [E, "2024-04-01"]]))])
    ingest_files(engine, "registrations", [("s.csv", snapshot([A]))], as_of=AUG)
    ingest_files(engine, "registrations", [("s2.csv", snapshot([B]))], as_of=SEP)
    assert registered(engine, OCT) == {B, E}  # E (大阪) is not in the 和歌山 snapshots: not ended
    assert registered(engine, AUG) == {A, E}


def test_dated_and_snapshot_lists_mix_dates_win(engine):
    dated = csv_bytes([["事業所番号", "利用開始日"], [A, "2024-04-01"], [B, "令和7年9月15日"]])
    ingest_files(engine, "registrations", [("dated.csv", dated)])
    ingest_files(engine, "registrations", [("s1.csv", snapshot([A, B, C]))], as_of=AUG)
    ingest_files(engine, "registrations", [("s2.csv", snapshot([B, C]))], as_of=OCT)
    assert registered(engine, dt.date(2024, 5, 1)) == {A}            # the dated start is kept
    assert registered(engine, AUG) == {A, B, C}                       # B listed before its dated start
    assert registered(engine, OCT) == {B, C}                          # A missing from the later snapshot
    assert rows(engine) == [(A, dt.date(2024, 4, 1), OCT, False),
                            (B, AUG, dt.date(2025, 9, 15), True),     # the snapshot run ends at the dated start
                            (B, dt.date(2025, 9, 15), None, False),
                            (C, AUG, None, True)]
    # a dated list imported after the snapshots: its earlier date wins over C's snapshot start
    ingest_files(engine, "registrations", [("c.csv", csv_bytes([["事業所番号", "利用開始日"], [C, "2025-01-10"]]))])
    assert (C, dt.date(2025, 1, 10), None, False) in rows(engine)
    assert not [r for r in rows(engine) if r[0] == C and r[3]]
    assert registered(engine, dt.date(2025, 2, 1)) == {A, C}


def test_as_of_from_title_rows_and_file_name(engine):
    data = xlsx_bytes([["ケアプランデータ連携システム 利用状況（令和7年8月31日時点）"], [], ["事業所番号", "事業所名"],
                       [A, "x"], [B, "y"]])
    s = ingest_files(engine, "registrations", [("riyou.xlsx", data)])
    assert s.snapshots == [{"file": "riyou.xlsx", "as_of": "2025-08-31", "source": "title"}]
    s = ingest_files(engine, "registrations", [("list_R070930.csv", snapshot([A]))])
    assert s.snapshots == [{"file": "list_R070930.csv", "as_of": "2025-09-30", "source": "name"}]
    assert registered(engine, SEP) == {A}
    csv = csv_bytes([["2025年10月31日現在 利用事業所一覧"], ["事業所番号"], [A]])
    s = ingest_files(engine, "registrations", [("x_20250101.csv", csv)])
    assert s.snapshots[0]["as_of"] == "2025-10-31"  # the title row wins over the name
    # no date column, no --as-of, none in the title or the name: refused whole with the old message and a hint
    s = ingest_files(engine, "registrations", [("list.csv", snapshot([C]))])
    assert s.refused and "必須の列がありません: 利用開始日" in s.refused_files[0]["reason"]
    assert "--as-of" in s.refused_files[0]["reason"]
    assert C not in registered(engine, OCT)


@pytest.mark.parametrize("text,expected", [
    (["利用状況 令和7年8月31日時点"], AUG), (["R7.8.31 現在"], AUG), (["（２０２５年８月３１日現在）"], AUG),
    (["令和99年1月1日時点"], None), (["一覧"], None)])
def test_date_in_title(text, expected):
    assert snapshots.date_in_title(text) == expected


@pytest.mark.parametrize("name,expected", [
    ("利用状況_R070831.xlsx", AUG), ("wam_20250831.csv", AUG), ("list-2025-08-31.csv", AUG),
    ("jigyosho_430.csv", None), ("list_20991231.csv", None)])
def test_date_in_name(name, expected):
    assert snapshots.date_in_name(name) == expected


def test_cli_as_of_and_summary_line(tmp_path, duck_url, capsys):
    path = tmp_path / "wam.csv"
    path.write_bytes(snapshot([A, B]))
    assert cli.main(["--db", duck_url, "--lang", "ja", "ingest", "registrations", str(path), "--as-of", "令和7年8月31日"]) == 0
    out = capsys.readouterr().out
    assert "基準日 2025-08-31（--as-of で指定）" in out
    path2 = tmp_path / "wam_R070930.csv"
    path2.write_bytes(snapshot([A]))
    assert cli.main(["--db", duck_url, "--lang", "en", "ingest", "registrations", str(path2)]) == 0
    assert "as of 2025-09-30 (read from the file name)" in capsys.readouterr().out
    engine = store_engine.get_engine(duck_url)
    assert registered(engine, SEP) == {A}
    assert registered(engine, AUG) == {A, B}
    path3 = tmp_path / "wam3.csv"
    path3.write_bytes(snapshot([A, B, C]))
    assert cli.main(["--db", duck_url, "ingest", "registrations", str(path3), "--as-of", "2025-10-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["accepted"], out["snapshots"]) == (3, [{"file": "wam3.csv", "as_of": "2025-10-31", "source": "option"}])
    assert registered(engine, OCT) == {A, B, C}
    assert cli.main(["--db", duck_url, "ingest", "exchanges", str(path), "--as-of", "2025-08-31"]) != 0
    assert cli.main(["--db", duck_url, "ingest", "registrations", str(path), "--as-of", "2099-01-01"]) != 0


def test_forecast_series_starts_at_the_first_snapshot(engine):
    """The first snapshot is a stock on its date, not a climb from 0: the series does not start before it."""
    from analytics.store import queries_forecast as qf
    ingest_files(engine, "registrations", [("d.csv", csv_bytes([["事業所番号", "利用開始日"], [E, "2024-04-01"]]))])
    assert qf.series_months(engine)[0] == dt.date(2024, 4, 1)
    ingest_files(engine, "registrations", [("s.csv", snapshot([A, B]))], as_of=AUG)
    assert qf.series_months(engine)[0] == dt.date(2025, 8, 1)


def test_import_page_asks_for_the_as_of_date(duck_url):
    at = import_page(duck_url)
    at.selectbox(key="import_kind").set_value("registrations").run()
    assert not at.date_input  # no file yet: no as-of date
    at.file_uploader(key="import_files").upload("wam_R070831.csv", snapshot([A, B, C]), "text/csv").run()
    assert at.date_input(key="import_as_of").value == AUG  # read from the name, shown to confirm
    assert any("2025-08-31" in c.value for c in at.caption)
    at.date_input(key="import_as_of").set_value(SEP).run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["取込"] == "3"
    assert any("2025-09-30" in i.value and "スナップショット" in i.value for i in at.info)
    engine = store_engine.get_engine(duck_url)
    assert registered(engine, SEP) == {A, B, C} and registered(engine, AUG) == set()
