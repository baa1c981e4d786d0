"""Input rules found by review: rows of the wrong width, file names naming a person, impossible months
and dates, 9-digit 事業所番号, counts like 1e9, a registration list given as the office master, and
damaged Excel/ZIP files. Each on the real readers and, for exchanges, on both paths (fast and pandas)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from ingest_helpers import all_text, counts, cpds_csv, cpds_zip, csv_bytes, office, table, xlsx_bytes

from analytics.domain import dates
from analytics.errors import FileRefused
from analytics.ingest import columns, fast, ingest_files, read
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]
RAGGED_8 = ("列数が見出しと合いません（見出し 7 列、この行 8 列）。値の中のカンマを確認してください / "
            "row has 8 cells but the header has 7; check for a comma inside a value")


@pytest.fixture
def pinned_today(monkeypatch):
    monkeypatch.setenv(dates.TODAY_ENV, "2025-11-10")
    return dt.date(2025, 11, 10)


def _both_paths(tmp_path, name, data, monkeypatch):
    """The file through the fast path (a.duckdb) and the pandas path (b.duckdb): per path (rows_read,
    accepted, rejected), the rejected rows, the stored exchanges and the engine."""
    out = []
    for url, quick in ((f"duckdb:///{tmp_path}/a.duckdb", True), (f"duckdb:///{tmp_path}/b.duckdb", False)):
        monkeypatch.setenv("CAREPLAN_INGEST_FAST", "1" if quick else "0")
        eng = store_engine.get_engine(url)
        s = ingest_files(eng, "exchanges", [(name, data)])
        rej = table(eng, "rejected_rows", "row_number, column_name")[["row_number", "column_name", "value",
                                                                        "reason_ja", "reason_en"]]
        stored = table(eng, "exchanges", "month, sender_code, receiver_code, form").drop(columns="batch_id")
        out.append(((s.rows_read, s.accepted, s.rejected), rej, stored, eng))
    return out


def _plain_on_both_paths(tmp_path, name, data, monkeypatch):
    """A plain UTF-8 log (the fast path takes it) whose rejected rows are the same on both paths:
    (counts, rejected rows, stored exchanges of the fast path, stored exchanges of the pandas path)."""
    assert fast.check("x.csv", data) is not None
    (got, rej, stored, _), (want, rej2, stored2, _) = _both_paths(tmp_path, name, data, monkeypatch)
    assert got == want
    pd.testing.assert_frame_equal(rej, rej2)
    return got, rej, stored, stored2


# ---------------------------------------------------------------- 1. rows of the wrong width

@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # utf-8: the fast path; cp932: pyarrow via read.py
def test_comma_inside_a_name_rejects_the_row_whole_and_keeps_none_of_its_cells(encoding, tmp_path, monkeypatch):
    text = ("対象年月,利用者氏名,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
            f"2025-09,山田,太郎,{A},{B},予定,FAX,1\n"
            f"2025-09,鈴木一郎,{A},{B},実績,FAX,2\n"
            f"2025-09,佐藤花子,{A},{C},予定,FAX\n")
    data = text.encode(encoding)
    assert (fast.check("x.csv", data) is not None) == (encoding == "utf-8")
    (got, rej, stored, eng), (want, rej2, stored2, _) = _both_paths(tmp_path, "shift.csv", data, monkeypatch)
    assert got == want == (3, 1, 2)
    assert rej.to_dict("records") == [
        {"row_number": 2, "column_name": "", "value": "", "reason_ja": RAGGED_8.split(" / ")[0],
         "reason_en": RAGGED_8.split(" / ")[1]},
        {"row_number": 4, "column_name": "", "value": "",
         "reason_ja": "列数が見出しと合いません（見出し 7 列、この行 6 列）。値の中のカンマを確認してください",
         "reason_en": "row has 6 cells but the header has 7; check for a comma inside a value"}]
    pd.testing.assert_frame_equal(rej, rej2)
    assert stored[["form", "sheets"]].values.tolist() == [["actual", 2]] and stored.equals(stored2)
    assert "太郎" not in all_text(eng) and "山田" not in all_text(eng)


def test_extra_cells_are_no_longer_accepted_silently_and_other_kinds_too(duck_url):
    eng = store_engine.get_engine(duck_url)
    reg = csv_bytes([["事業所番号", "利用開始日"], [A, "2023-10-05", "x"], [B, "2023-10-05"]]).replace(b'"', b"")
    s = ingest_files(eng, "registrations", [("reg.csv", reg)])
    assert (s.accepted, s.rejected) == (1, 1)
    assert s.errors[0]["row"] == 2 and s.errors[0]["value"] == "" and "見出し 2 列、この行 3 列" in s.errors[0]["reason"]
    tsv = "事業所番号\t事業所名\n" f"{A}\t居宅\tA\n" f"{B}\t訪問B\n"
    s = ingest_files(eng, "offices", [("o.tsv", tsv.encode("utf-8"))])
    assert (s.accepted, s.rejected) == (1, 1) and "タブ" in s.errors[0]["reason"]


def test_quoted_commas_are_values_not_extra_cells(duck_url):
    data = (",".join(HEADER) + "\n" + f'2025-09,{A},{B},"予定",FAX,"1,200"\n'
            + f'2025-09,{A},{C},予定,FAX,"3",extra\n').encode("utf-8")
    s = ingest_files(store_engine.get_engine(duck_url), "exchanges", [("q.csv", data)])
    assert (s.accepted, s.rejected) == (1, 1) and s.errors[0]["row"] == 3
    assert table(store_engine.get_engine(duck_url), "exchanges")["sheets"].tolist() == [1200]


# ---------------------------------------------------------------- 2. file names naming a person

@pytest.mark.parametrize("name,shown", [
    ("山田太郎様分.zip", f"{columns.PERSONAL_PLACEHOLDER}.zip"), ("鈴木殿.csv", f"{columns.PERSONAL_PLACEHOLDER}.csv"),
    ("花子さん_提供票.xlsx", f"{columns.PERSONAL_PLACEHOLDER}.xlsx"), ("利用者一覧", columns.PERSONAL_PLACEHOLDER),
    ("氏名入り.tsv", f"{columns.PERSONAL_PLACEHOLDER}.tsv"), ("利用者数_2025.csv", "利用者数_2025.csv"),
    ("jigyosho_430.csv", "jigyosho_430.csv"), ("2025-08_送受信.zip", "2025-08_送受信.zip"),
    # an honorific only at the end of a name-like word: 様式 and さんぽ are ordinary words
    ("様式第1号.csv", "様式第1号.csv"), ("第7表_様式.xlsx", "第7表_様式.xlsx"), ("さんぽ会.csv", "さんぽ会.csv"),
    ("御殿場_提供票.csv", "御殿場_提供票.csv"), ("山田様.csv", f"{columns.PERSONAL_PLACEHOLDER}.csv"),
    ("佐藤さん_4月.csv", f"{columns.PERSONAL_PLACEHOLDER}.csv"), ("山田様宛.csv", f"{columns.PERSONAL_PLACEHOLDER}.csv"),
])
def test_display_name_masks_names_of_people(name, shown):
    assert columns.display_name(name) == shown


def test_masked_name_is_what_history_errors_and_refusals_get(duck_url, tmp_path):
    eng = store_engine.get_engine(duck_url)
    good = csv_bytes([HEADER, ["2025-09", A, B, "予定", "FAX", "x"], ["2025-09", A, C, "予定", "FAX", "1"]])
    path = tmp_path / "山田太郎様分.csv"
    path.write_bytes(good)
    s = ingest_files(eng, "exchanges", [path, ("田中様.csv", b"")])
    hidden = columns.PERSONAL_PLACEHOLDER + ".csv"
    assert [e["file"] for e in s.errors] == [hidden]
    assert s.refused[0].startswith(hidden + ": ")
    assert table(eng, "import_batches")["file_name"].tolist() == [hidden]
    assert table(eng, "rejected_rows")["file"].tolist() == [hidden]
    assert "山田" not in all_text(eng)


# ---------------------------------------------------------------- 3, 8. months and dates

def test_month_and_date_ranges_follow_the_pinned_today(pinned_today):
    assert dates.today() == pinned_today
    assert dates.month_range() == (dt.date(2000, 4, 1), dt.date(2025, 12, 1))
    assert dates.date_range() == (dt.date(2000, 4, 1), dt.date(2025, 12, 31))


def test_impossible_months_are_rejected_on_both_paths(pinned_today, tmp_path, monkeypatch):
    rows = [HEADER] + [[m, A, B, f, "FAX", "1"] for m, f in (
        ("2099-01", "予定"), ("1900-01", "実績"), ("2000-03", "第1表"), ("2000-04", "第2表"), ("2025-12", "第6表"),
        ("2026-01", "第7表"), ("平成31年5月", "予定"), ("令和1年4月", "実績"), ("令和1年5月", "第1表"))]
    got, rej, stored, _ = _plain_on_both_paths(tmp_path, "m.csv", csv_bytes(rows), monkeypatch)
    assert got == (9, 3, 6)
    assert sorted(stored["month"].astype(str)) == ["2000-04-01", "2019-05-01", "2025-12-01"]
    by_row = dict(zip(rej["row_number"], rej["reason_ja"] + " / " + rej["reason_en"]))
    out_of_range = ("年月が範囲外です。2000年4月（介護保険の開始）から2025年12月までの年月を入力してください / the month is "
                    "out of range; enter a month from 2000-04 (start of long-term care insurance) to 2025-12")
    assert [by_row[r] for r in (2, 3, 4, 7)] == [out_of_range] * 4
    assert by_row[8].startswith("平成31年5月という年月はありません。令和元年5月（2019-05）のことなら 令和元年5月 と入力してください")
    assert by_row[9].startswith("令和元年4月という年月はありません。平成31年4月（2019-04）")


def test_registration_dates_range_and_open_ended_end_dates(pinned_today, duck_url):
    rows = [["事業所番号", "利用開始日", "利用終了日"], [A, "2099-01-01", ""], [B, "1899-01-01", ""],
            [C, "2025-12-31", "9999-12-31"], [office(30, 4), "2026-01-01", ""], [office(30, 5), "2023-10-05", "1999-03-31"],
            [office(30, 6), "平成31年5月1日", ""]]
    eng = store_engine.get_engine(duck_url)
    s = ingest_files(eng, "registrations", [("r.csv", csv_bytes(rows))])
    assert (s.accepted, s.rejected) == (1, 5)
    assert table(eng, "registrations")[["office_code", "ended_on"]].values.tolist() == [[C, dt.date(9999, 12, 31)]]
    reasons = {e["row"]: e["reason"] for e in s.errors}
    assert "2000-04-01" in reasons[2] and "2025-12-31" in reasons[2] and reasons[2] == reasons[3] == reasons[5]
    assert reasons[6].startswith("日付が範囲外です。2000年4月1日（介護保険の開始）以降の日付を入力してください")
    assert "令和元年5月1日（2019-05-01）" in reasons[7]


def test_cpds_month_in_the_file_name_is_range_checked(pinned_today, duck_url):
    users = [("300001", "0000012345")]
    z = cpds_zip({f"UPPLAN_209901_{A}_{B}_20990101120000.CSV": cpds_csv(users),
                  f"UPPLAN_202509_{A}_{B}_20250901120000.CSV": cpds_csv(users)})
    s = ingest_files(store_engine.get_engine(duck_url), "cpds", [("z.zip", z)])
    assert (s.accepted, s.rejected) == (1, 1) and "年月が範囲外です" in s.errors[0]["reason"]


# ---------------------------------------------------------------- 5. counts

def test_counts_are_whole_numbers_only_on_both_paths(tmp_path, monkeypatch):
    counts_ = ["1e9", "2.5", "１，２００件", "2.0", "1.5e3", "+3", " 4 ", "0x10", "7"]
    rows = [HEADER] + [["2025-09", A, office(30, 10 + i), "予定", "FAX", c] for i, c in enumerate(counts_)]
    got, rej, stored, stored2 = _plain_on_both_paths(tmp_path, "c.csv", csv_bytes(rows), monkeypatch)
    assert got == (9, 4, 5)
    assert rej["value"].tolist() == ["1e9", "2.5", "1.5e3", "+3", "0x10"]
    assert set(rej["reason_en"]) == {"enter a whole number of 0 or more (e.g. 12 or 1,200); no decimals or "
                                     "exponents such as 1e9"}
    assert sorted(stored["sheets"]) == [2, 4, 7, 1200] and stored.equals(stored2)


# ---------------------------------------------------------------- 6. the office master

def test_a_registration_list_is_refused_as_the_office_master(duck_url):
    eng = store_engine.get_engine(duck_url)
    before = counts(eng)
    s = ingest_files(eng, "offices", [("reg.csv", csv_bytes([["事業所番号", "利用開始日"], [A, "2024-01-01"]])),
                                      ("codes.csv", csv_bytes([["事業所番号", "備考"], [B, "x"]]))])
    assert s.refused == [
        "reg.csv: 登録一覧のようです。種類「利用登録」（careplan ingest registrations）で取り込んでください / "
        "this looks like a registration list; import it with `careplan ingest registrations`",
        "codes.csv: 事業所マスタには事業所名・都道府県／市区町村・サービス種類のいずれかの列が必要です。"
        "オープンデータのCSVまたは事業所一覧を選んでください / an office master needs an office name, "
        "prefecture/municipality or service column; choose the open-data CSV or an office list"]
    assert counts(eng) == before
    ok = ingest_files(eng, "offices", [("o.csv", csv_bytes([["事業所番号", "都道府県"], [A, "30"]]))])
    assert (ok.accepted, ok.refused) == (1, [])


# ---------------------------------------------------------------- 7. damaged files

def test_damaged_files_say_so():
    good = xlsx_bytes([HEADER, ["2025-09", A, B, "予定", "FAX", 1]])
    cases = {"fake.xlsx": b"not a zip at all", "cut.xlsx": good[: len(good) // 2],
             "locked.xlsx": b"\xd0\xcf\x11\xe0" + b"\0" * 200 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64}
    msgs = {}
    for name, data in cases.items():
        with pytest.raises(FileRefused) as exc:
            read.read_table("exchanges", name, data)
        msgs[name] = exc.value.message()
    assert msgs["fake.xlsx"] == msgs["cut.xlsx"].replace("cut.xlsx", "fake.xlsx") == (
        "fake.xlsx: Excelファイルが壊れているか、本物のExcelファイル（.xlsx）ではありません。Excelで開いて .xlsx または"
        "CSVで保存し直してください / the file is damaged or not a real Excel (.xlsx) file; open it in Excel and save "
        "it again as .xlsx or CSV")
    assert "パスワード" in msgs["locked.xlsx"] and "remove the password" in msgs["locked.xlsx"]
    # a CSV that only carries an .xlsx name is still read
    assert len(read.read_table("exchanges", "named.xlsx", csv_bytes([HEADER, ["2025-09", A, B, "予定", "FAX", 1]])).frame) == 1


def test_fake_xlsx_and_bad_zip_through_ingest(duck_url):
    eng = store_engine.get_engine(duck_url)
    s = ingest_files(eng, "exchanges", [("fake.xlsx", b"not a zip at all")])  # plain UTF-8: not the fast path
    assert "本物のExcelファイル" in s.refused[0]
    for name, data in (("bad.zip", b"PK\x03\x04garbage"), ("notzip.zip", b"hello")):
        s = ingest_files(eng, "cpds", [(name, data)])
        assert s.refused == [f"{name}: ZIPファイルが壊れているか、ZIPではありません。元のファイルからもう一度ZIPを作るか、"
                             "エクスポートし直してください / the ZIP file is damaged or not a ZIP; zip or export the "
                             "files again"]
    assert counts(eng)["import_batches"] == 0
