"""Readers without a database: encodings, formats, header aliases, personal columns, form/channel tables."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from ingest_helpers import OPEN_DATA_COLUMNS, csv_bytes, office, open_data_csv, open_data_row, xlsx_bytes

from analytics.errors import FileRefused
from analytics.ingest import columns, read
from analytics.ingest.validate import exchanges, parse_channel, parse_form, registrations

A, B = office(30, 1), office(30, 2)
ROWS = [["事業所番号", "事業所名", "都道府県"], [A, "ケアプラン和歌山", "和歌山県"], [B, "ﾍﾙﾊﾟｰ紀州", "30"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"])
def test_encodings_read_the_same(encoding):
    sep = "\t" if encoding == "utf-16" else ","
    t = read.read_table("offices", "o.csv", csv_bytes(ROWS, encoding, sep))
    assert list(t.frame["office_code"]) == [A, B]
    assert list(t.frame["name"]) == ["ケアプラン和歌山", "ﾍﾙﾊﾟｰ紀州"]  # raw text; NFKC happens in validate
    assert list(t.row_numbers) == [2, 3]


def test_short_cp932_file_with_halfwidth_kana():
    data = csv_bytes([["事業所番号", "事業所名"], [A, "ｹｱ"]], "cp932")
    assert read.read_table("offices", "o.csv", data).frame.loc[0, "name"] == "ｹｱ"


@pytest.mark.parametrize("data", [
    "事業所番号,名\n".encode() + b"1171201369,Caf\xe9 \xe0 la cr\xe8me\n",   # Latin-1 in a UTF-8 header file
    b"office_code,name\n1171201369,\x81\x20\x82\n",                            # broken Shift_JIS
])
def test_uncertain_encoding_is_refused(data):
    with pytest.raises(FileRefused) as exc:
        read.read_table("offices", "x.csv", data)
    assert "文字コード" in exc.value.ja and "encoding" in exc.value.en


@pytest.mark.parametrize("header,expected", [
    ("事業所番号", "office_code"), (" 事業所　番号 ", "office_code"), ("ＯＦＦＩＣＥ＿ＣＯＤＥ", "office_code"),
    ("Office Code", "office_code"), ("介護保険事業所番号", "office_code"), ("事業所名", "name"),
    ("都道府県コード又は市町村コード", "municipality_code"), ("サービスの種類", "service_code"),
    ("緯度", "lat"), ("Longitude", "lon"), ("都道府県名", "prefecture_code"),
])
def test_office_header_aliases(header, expected):
    assert columns.match_headers("offices", [header]) == {expected: 0}


@pytest.mark.parametrize("header,personal", [
    ("氏名", True), ("利用者氏名", True), ("被保険者番号", True), ("生年月日", True), ("住所", True),
    ("電話番号", True), ("TEL", True), ("フリガナ", True), ("事業所名", False), ("事業所名カナ", False),
    ("利用者数", False), ("FAX番号", False), ("送信方法", False),
])
def test_personal_headers(header, personal):
    assert columns.is_personal(header) is personal


def test_open_data_layout_24_columns():
    assert len(OPEN_DATA_COLUMNS) == 24
    data = open_data_csv([open_data_row(1, "302015", "和歌山県", "和歌山市", "居宅A", "居宅介護支援", A)])
    t = read.read_table("offices", "jigyosho_430.csv", data)
    assert set(t.frame.columns) == {"office_code", "name", "service_code", "prefecture_code", "municipality_code",
                                    "municipality", "lat", "lon"}
    assert "住所" in t.dropped_personal and "電話番号" in t.dropped_personal
    assert read.open_data_service("data/jigyosho_430.csv") == "430"


def test_title_rows_above_header_and_row_numbers():
    text = "令和6年度 登録事業所一覧\n\n事業所番号,利用開始日\n" + f"{A},令和5年10月5日\n\n{B},R6.4.1\n"
    t = read.read_table("registrations", "r.csv", text.encode("utf-8"))
    assert list(t.row_numbers) == [4, 6]  # the blank line (row 5) is layout, not data
    checked = registrations(t)
    assert list(checked.rows["registered_on"]) == [dt.date(2023, 10, 5), dt.date(2024, 4, 1)]


def test_xlsx_dates_numbers_and_title_rows():
    rows = [["事業所番号", "利用開始日"], [int(A), dt.datetime(2023, 10, 5)], ["０" + "170102313", "R5.10.5"]]
    t = read.read_table("registrations", "r.xlsx", xlsx_bytes(rows, title_rows=1))
    checked = registrations(t)
    assert checked.errors.empty, checked.errors
    assert list(checked.rows["office_code"]) == [A, "0170102313"]
    assert set(checked.rows["registered_on"]) == {dt.date(2023, 10, 5)}
    assert list(t.row_numbers) == [3, 4]


def test_parquet_and_missing_required_column():
    buf = io.BytesIO()
    pd.DataFrame({"month": ["2025-08"], "sender": [A], "receiver": [B], "form": ["plan"]}).to_parquet(buf)
    with pytest.raises(FileRefused) as exc:
        read.read_table("exchanges", "x.parquet", buf.getvalue())
    assert "channel" in exc.value.en and "送信方法" in exc.value.ja


def test_exchange_validation_is_per_distinct_value():
    n = 50_000
    frame = pd.DataFrame({"month": ["2025-08"] * n, "sender_code": [A] * n, "receiver_code": [B] * n,
                          "form": ["予定"] * n, "channel": ["FAX"] * n, "sheets": [""] * n})
    t = read.Table("big.csv", frame, pd.Series(range(2, n + 2)), [])
    checked = exchanges(t)
    assert len(checked.rows) == n and checked.errors.empty and checked.rows["sheets"].sum() == n


@pytest.mark.parametrize("value,form", [
    ("予定", "plan"), ("実績", "actual"), ("第１表", "sheet1"), ("第2表", "sheet2"), ("第6表", "sheet6"),
    ("第7表", "sheet7"), ("居宅サービス計画書", "sheet1"), ("提供票（予定）", "plan"), ("PLAN", "plan"),
    ("Actual", "actual"), ("なにか", None),
])
def test_form_aliases(value, form):
    assert parse_form(value) == form


@pytest.mark.parametrize("value,channel", [
    ("FAX", "fax"), ("ＦＡＸ", "fax"), ("ファックス", "fax"), ("郵送", "post"), ("手渡し", "hand"), ("持参", "hand"),
    ("メール", "email"), ("E-mail", "email"), ("データ連携", "digital"), ("ケアプランデータ連携", "digital"),
    ("CPDS", "digital"), ("伝書鳩", None),
])
def test_channel_aliases(value, channel):
    assert parse_channel(value) == channel


def test_describe_comes_from_alias_table():
    rows = columns.describe("exchanges", "ja")
    assert [r["column"] for r in rows] == ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]
    assert "送信元事業所番号" in rows[1]["aliases"] and rows[1]["required"] is True


def test_personal_values_are_masked_in_rejections():
    from analytics.ingest.validate import personal_safe
    errors = pd.DataFrame({"pos": [0, 1], "column": ["氏名", "office_code"], "value": ["山田太郎", "123"],
                           "reason_ja": ["x", "y"], "reason_en": ["x", "y"]})
    out = personal_safe(errors)
    assert list(out["value"]) == ["（個人情報のため非表示）", "123"]


def test_personal_columns_never_reach_the_table():
    rows = [["事業所番号", "年月", "利用者数", "利用者氏名", "被保険者番号"], [A, "2025-08", "3", "山田太郎", "H123456789"]]
    t = read.read_table("profiles", "p.csv", csv_bytes(rows))
    assert list(t.frame.columns) == ["office_code", "month", "users"]
    assert t.dropped_personal == ["利用者氏名", "被保険者番号"]
