"""Issue #21 items 5–8: files as users keep them (codes damaged by Excel, spreadsheets, the master's word)."""
from __future__ import annotations

import pytest
from ingest_helpers import csv_bytes, office, open_data_csv, open_data_row, table

from analytics.domain.codes import municipality_check_digit, municipality_in_prefecture
from analytics.ingest import ingest_files


def _muni(code5: str) -> str:
    return code5 + municipality_check_digit(code5)


SAPPORO_CHUO = _muni("01101")     # 011011
AOMORI = _muni("02201")           # 青森市
OSAKA = _muni("27100")


def test_municipality_in_prefecture_restores_the_zero_excel_dropped():
    assert SAPPORO_CHUO == "011011"
    assert municipality_in_prefecture("11011", "01") == ("011011", None)
    assert municipality_in_prefecture(AOMORI.lstrip("0"), "02") == (AOMORI, None)
    assert municipality_in_prefecture("011011", "01") == ("011011", None)
    assert municipality_in_prefecture("11011", None)[0] == "11011" + municipality_check_digit("11011")
    code, problem = municipality_in_prefecture(OSAKA, "01")
    assert code is None and "大阪府" in problem[0] and "北海道" in problem[0] and "Osaka" in problem[1]


def test_open_data_saved_in_excel_keeps_each_row_in_its_own_prefecture(engine):
    hokkaido, aomori, wrong = office(1, 1), office(2, 2), office(1, 3)
    data = open_data_csv([
        open_data_row(1, SAPPORO_CHUO.lstrip("0"), "北海道", "札幌市中央区", "居宅A", "居宅介護支援", hokkaido),
        open_data_row(2, AOMORI.lstrip("0"), "青森県", "青森市", "居宅B", "居宅介護支援", aomori),
        open_data_row(3, OSAKA, "北海道", "札幌市中央区", "居宅C", "居宅介護支援", wrong),
    ])
    s = ingest_files(engine, "offices", [("jigyosho_430.csv", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.rejected) == (3, 2, 1)
    o = table(engine, "offices", "office_code").set_index("office_code")
    assert o.loc[hokkaido, "municipality_code"] == "011011" and o.loc[hokkaido, "prefecture_code"] == "01"
    assert o.loc[aomori, "municipality_code"] == AOMORI and o.loc[aomori, "prefecture_code"] == "02"
    assert [(e["row"], e["column"], e["value"]) for e in s.errors] == [(4, "municipality_code", OSAKA)]
    assert "大阪府のコード" in s.errors[0]["reason"] and "北海道" in s.errors[0]["reason"]


def test_plain_office_list_without_prefecture_uses_the_office_number(engine):
    hokkaido = office(1, 7)
    data = csv_bytes([["事業所番号", "事業所名", "市区町村コード"], [hokkaido, "居宅札幌", "11011"]], "cp932")
    s = ingest_files(engine, "offices", [("offices.csv", data)], imported_by="tester")
    assert (s.accepted, s.rejected) == (1, 0)
    assert table(engine, "offices")["municipality_code"].tolist() == ["011011"]


# ---------------------------------------------------------------- 5c: total rows

EXCHANGE_HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]


def _exchange_rows():
    a, b = office(30, 1), office(30, 2)
    return [["2025-08", a, b, "予定", "FAX", "3"], ["2025-08", b, a, "実績", "FAX", "4"],
            ["合計", "", "", "", "", "7"]]


def test_total_row_is_skipped_with_one_note_not_rejected(engine):
    data = csv_bytes([EXCHANGE_HEADER] + _exchange_rows() + [["", "小計", "", "", "", "7"]], "cp932")
    s = ingest_files(engine, "exchanges", [("log.csv", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.duplicates, s.rejected, s.skipped) == (4, 2, 0, 0, 2)
    assert s.rows_read == s.accepted + s.duplicates + s.rejected + s.skipped
    assert s.errors == [] and [n["file"] for n in s.notes] == ["log.csv"]
    assert "合計・小計の行を 2 行" in s.notes[0]["note"]
    assert table(engine, "rejected_rows").empty
    assert s.as_json()["skipped"] == 2 and s.as_json()["notes"] == s.notes


def test_total_row_in_a_utf8_log_leaves_the_fast_path(engine):
    data = csv_bytes([EXCHANGE_HEADER] + _exchange_rows(), "utf-8")
    s = ingest_files(engine, "exchanges", [("log.csv", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.rejected, s.skipped) == (3, 2, 0, 1)


def test_total_label_in_a_name_column_is_not_shown_as_personal(engine):
    data = csv_bytes([["事業所番号", "対象年月", "利用者数", "氏名"], [office(30, 1), "2025-08", "12", "山田"],
                      ["計", "", "12", ""]], "cp932")
    s = ingest_files(engine, "profiles", [("profiles.csv", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.rejected, s.skipped) == (2, 1, 0, 1)
    assert "（個人情報のため非表示）" not in repr(s.as_json())


def test_a_form_named_like_a_plan_is_no_total():
    from analytics.ingest.read import TOTAL_LABEL, has_total_cell
    assert not TOTAL_LABEL.fullmatch("居宅サービス計画書") and not TOTAL_LABEL.fullmatch("会計")
    assert TOTAL_LABEL.fullmatch("8月計") and TOTAL_LABEL.fullmatch("total")
    assert not has_total_cell("x,居宅サービス計画書,会計\r\n".encode("cp932"))
    assert has_total_cell("x,合計,3\r\n".encode("cp932")) and has_total_cell(b"Total,,3\n")


@pytest.mark.parametrize("cell,enc", [("小計", "utf-8"), ("総合計", "cp932"), ("計", "utf-8"), ("Grandtotal", "utf-8"),
                                      ("SubTotal", "cp932"), ("TOTAL", "utf-8")])
def test_every_total_label_passes_the_byte_search(cell, enc):
    """The byte pre-check (計 in UTF-8 or CP932, "total" in any case) must let every label through to the
    regex; a log with none of them is no total without running it."""
    from analytics.ingest.read import has_total_cell
    rows = "2025-08,3070001007,3070002013,plan,data,12\n" * 3
    assert has_total_cell((rows + f"2025-08,{cell},,,,36\n").encode(enc))
    assert not has_total_cell((rows + "2025-08,totalled,x\n").encode(enc))


# ---------------------------------------------------------------- 5a, 5b: spreadsheets as kept

def _merged_header_sheet(ws, rows):
    """送信元 merged over 送信元事業所番号 / 送信先事業所番号; 対象年月, 帳票, 送信方法, 件数 merged down."""
    ws.append(["対象年月", "送信元", None, "帳票", "送信方法", "件数"])
    ws.append([None, "送信元事業所番号", "送信先事業所番号", None, None, None])
    ws.merge_cells("B1:C1")
    for col in "ADEF":
        ws.merge_cells(f"{col}1:{col}2")
    for r in rows:
        ws.append(r)


def _workbook(sheets: dict) -> bytes:
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, fill in sheets.items():
        fill(wb.create_sheet(title))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_two_row_header_with_merged_group_cells(engine):
    a, b = office(30, 1), office(30, 2)
    data = _workbook({"8月": lambda ws: _merged_header_sheet(ws, [["2025-08", a, b, "予定", "FAX", 3],
                                                                   ["2025-08", b, a, "実績", "郵送", 2]])})
    s = ingest_files(engine, "exchanges", [("log.xlsx", data)], imported_by="tester")
    assert (s.refused, s.rows_read, s.accepted, s.rejected) == ([], 2, 2, 0)
    x = table(engine, "exchanges", "sender_code")
    assert sorted(x["sender_code"]) == sorted([a, b]) and sorted(x["sheets"]) == [2, 3]


def test_two_row_header_group_prefix_names_the_column():
    from analytics.ingest.read import _two_row_header
    header = _two_row_header("exchanges", ["対象年月", "送信元", None, "送信先", "帳票", "送信方法"],
                             [None, "事業所番号", "事業所名", "事業所番号", None, None])
    assert header == ["対象年月", "送信元事業所番号", "事業所名", "送信先事業所番号", "帳票", "送信方法"]


def test_every_sheet_of_the_kind_is_read_and_the_others_named(engine):
    a, b, c = office(30, 1), office(30, 2), office(30, 3)

    def plain(rows):
        def fill(ws):
            ws.append(["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"])
            for r in rows:
                ws.append(r)
        return fill

    data = _workbook({
        "7月": plain([["2025-07", a, b, "予定", "FAX", 1]]),
        "メモ": lambda ws: ws.append(["この表は事務所の控えです"]),
        "8月": plain([["2025-08", a, c, "予定", "FAX", 2], ["2025-08", a, "123", "予定", "FAX", 1],
                      ["合計", None, None, None, None, 3]]),
    })
    s = ingest_files(engine, "exchanges", [("log.xlsx", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.rejected, s.skipped) == (4, 2, 1, 1)
    assert s.rows_read == s.accepted + s.duplicates + s.rejected + s.skipped
    notes = [n["note"] for n in s.notes]
    assert notes[0].startswith("シート 「7月」、「8月」 を読みました") and "'7月', '8月'" in notes[0]
    assert notes[1].startswith("シート「メモ」は読み飛ばしました: 必須の列がありません")
    assert "合計・小計の行を 1 行" in notes[2]
    assert [(e["file"], e["row"]) for e in s.errors] == [("log.xlsx [8月]", 3)]
    assert table(engine, "rejected_rows")["file"].tolist() == ["log.xlsx [8月]"]
    assert sorted(table(engine, "exchanges")["month"].astype(str).str[:7]) == ["2025-07", "2025-08"]


# ---------------------------------------------------------------- 8: the master is the authority

def _failing(code: str) -> str:
    """The same number with a wrong check digit (as a みなし指定 office's may be)."""
    return code[:9] + str((int(code[9]) + 1) % 10)


def test_master_stores_a_number_failing_the_check_digit_with_a_warning(engine):
    from analytics.domain.codes import office_code_failing_check
    minashi = _failing(office(30, 9, klass="1"))
    assert office_code_failing_check(minashi) == minashi and office_code_failing_check(office(30, 9)) is None
    data = open_data_csv([open_data_row(1, "302015", "和歌山県", "和歌山市", "テスト病院", "訪問看護", minashi),
                          open_data_row(2, "302015", "和歌山県", "和歌山市", "訪問看護B", "訪問看護", "12345")])
    s = ingest_files(engine, "offices", [("jigyosho_130.csv", data)], imported_by="tester")
    assert (s.rows_read, s.accepted, s.rejected, s.warnings) == (2, 1, 1, 1)
    assert table(engine, "offices")["office_code"].tolist() == [minashi]
    assert any("検査数字が合わない事業所番号 1 件を警告つきで保存しました" in n["note"] for n in s.notes)
    assert s.as_json()["warnings"] == 1


def test_other_kinds_accept_a_failing_number_only_when_the_master_has_it(engine):
    minashi = _failing(office(30, 9, klass="1"))
    stranger = _failing(office(30, 8))
    master = csv_bytes([["事業所番号", "事業所名", "都道府県"], [minashi, "テスト病院", "和歌山県"]], "cp932")
    assert ingest_files(engine, "offices", [("offices.csv", master)], imported_by="tester").warnings == 1
    a_valid = csv_bytes([["事業所番号", "事業所名", "都道府県"], [office(30, 7), "居宅C", "和歌山県"]], "cp932")
    ingest_files(engine, "offices", [("offices2.csv", a_valid)], imported_by="tester")
    from analytics.ingest import load  # DuckDB checks the master in SQL, PostgreSQL in Python: the same set
    assert load.master_codes_failing_check(engine) == {minashi}
    regs = csv_bytes([["事業所番号", "利用開始日"], [minashi, "2025-06-01"], [stranger, "2025-06-01"]], "cp932")
    s = ingest_files(engine, "registrations", [("regs.csv", regs)], imported_by="tester")
    assert (s.accepted, s.rejected, s.warnings) == (1, 1, 0)
    assert table(engine, "registrations")["office_code"].tolist() == [minashi]
    assert "検査数字" in s.errors[0]["reason"] and s.errors[0]["value"] == stranger
    a = office(30, 1)
    log = csv_bytes([EXCHANGE_HEADER, ["2025-08", a, minashi, "予定", "FAX", "2"],
                     ["2025-08", a, stranger, "予定", "FAX", "1"]], "utf-8")
    s = ingest_files(engine, "exchanges", [("log.csv", log)], imported_by="tester")
    assert (s.accepted, s.rejected) == (1, 1)
    assert "事業所マスタにあるため受け付けました" in s.notes[0]["note"]


# ---------------------------------------------------------------- 7: the open data as a ZIP

def test_zip_of_open_data_csvs_reads_each_member_as_its_own_file(engine):
    from ingest_helpers import cpds_zip
    a, b = office(30, 1), office(30, 2)
    archive = cpds_zip({
        "jigyosho_430.csv": open_data_csv([open_data_row(1, "302015", "和歌山県", "和歌山市", "居宅A", "居宅介護支援", a)]),
        "jigyosho_110.csv": open_data_csv([open_data_row(1, "302015", "和歌山県", "和歌山市", "ヘルパーB", "訪問介護", b)]),
    })
    s = ingest_files(engine, "offices", [("opendata.zip", archive)], imported_by="tester")
    assert (s.files, s.accepted, s.rejected, s.refused) == (2, 2, 0, [])
    svc = table(engine, "office_services", "office_code")
    assert svc[["office_code", "service_code"]].values.tolist() == [[a, "43"], [b, "11"]]
    assert table(engine, "import_batches", "batch_id")["file_name"].tolist() == [
        "opendata.zip/jigyosho_430.csv", "opendata.zip/jigyosho_110.csv"]


def test_zip_for_registrations_and_exchanges_and_bomb_limits(engine, monkeypatch):
    from ingest_helpers import cpds_zip
    a, b = office(30, 1), office(30, 2)
    regs = csv_bytes([["事業所番号", "利用開始日"], [a, "2025-06-01"]], "cp932")
    s = ingest_files(engine, "registrations", [("regs.zip", cpds_zip({"r.csv": regs}))], imported_by="tester")
    assert (s.files, s.accepted, s.refused) == (1, 1, [])
    log = csv_bytes([EXCHANGE_HEADER, ["2025-08", a, b, "予定", "FAX", "2"]], "cp932")
    monkeypatch.setenv("CAREPLAN_MAX_ZIP_ENTRIES", "1")
    s = ingest_files(engine, "exchanges", [("logs.zip", cpds_zip({"1.csv": log, "2.csv": log}))],
                     imported_by="tester")
    assert s.accepted == 0 and len(s.refused) == 1 and s.refused_files[0]["file"] == "logs.zip"


def test_zip_still_refused_for_profiles(engine):
    from ingest_helpers import cpds_zip
    data = csv_bytes([["事業所番号", "対象年月", "利用者数"], [office(30, 1), "2025-08", "3"]], "cp932")
    s = ingest_files(engine, "profiles", [("p.zip", cpds_zip({"p.csv": data}))], imported_by="tester")
    assert s.accepted == 0 and "この種類ではZIPファイルは使えません" in s.refused_files[0]["reason"]
