"""Every file kind end to end on DuckDB and PostgreSQL: real-format files in, asserted rows out."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from ingest_helpers import (
    PERSONAL_VALUES,
    all_text,
    counts,
    cpds_csv,
    cpds_zip,
    csv_bytes,
    office,
    open_data_csv,
    open_data_row,
    table,
    xlsx_bytes,
)

from analytics.domain.codes import municipality_check_digit
from analytics.ingest import ingest_files

A, B, C, D, E = office(30, 1), office(30, 2), office(30, 3), office(27, 4), office(1, 5)
WAKAYAMA = "30201" + municipality_check_digit("30201")
OSAKA = "27100" + municipality_check_digit("27100")


def test_open_data_two_service_files_make_one_office_each(engine):
    f430 = open_data_csv([
        open_data_row(1, WAKAYAMA, "和歌山県", "和歌山市", "ケアプランセンターA", "居宅介護支援", A),
        open_data_row(2, OSAKA, "大阪府", "大阪市", "居宅D", "居宅介護支援", D),
    ])
    f110 = open_data_csv([
        open_data_row(1, WAKAYAMA, "和歌山県", "和歌山市", "ヘルパーA", "訪問介護", A),
        open_data_row(2, WAKAYAMA, "和歌山県", "和歌山市", "ヘルパーB", "訪問介護", B, lat="", lon=""),
    ])
    s = ingest_files(engine, "offices", [("jigyosho_430.csv", f430), ("jigyosho_110.csv", f110)],
                     imported_by="tester")
    assert (s.files, s.rows_read, s.accepted, s.duplicates, s.rejected, s.refused) == (2, 4, 4, 0, 0, [])
    o = table(engine, "offices", "office_code").set_index("office_code")
    assert list(o.index) == sorted([A, B, D])
    assert o.loc[A, "kind"] == "kyotaku" and o.loc[B, "kind"] == "service" and o.loc[D, "kind"] == "kyotaku"
    assert o.loc[A, "name"] == "ヘルパーA"  # re-import updates: the later file's name wins
    assert o.loc[D, "prefecture_code"] == "27" and o.loc[D, "municipality_code"] == OSAKA
    assert o.loc[A, "municipality"] == "和歌山市" and o.loc[A, "lat"] == pytest.approx(34.226)
    assert pd.isna(o.loc[B, "lat"])
    svc = table(engine, "office_services", "office_code, service_code")
    assert sorted(map(tuple, svc[["office_code", "service_code"]].values.tolist())) == sorted(
        [(A, "43"), (A, "11"), (B, "11"), (D, "43")])
    b = table(engine, "import_batches", "batch_id")
    assert list(b["file_name"]) == ["jigyosho_430.csv", "jigyosho_110.csv"]
    assert list(b["imported_by"]) == ["tester", "tester"] and b["content_hash"].str.len().eq(64).all()
    text = all_text(engine)
    assert "073-441-0000" not in text and "小松原通" not in text  # phone and address never stored


def test_plain_office_list_cp932_fullwidth_and_upsert(engine):
    zen = A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [["ＯＦＦＩＣＥ＿ＣＯＤＥ", " 事業所 名 ", "サービス種類コード", "都道府県"],
            [zen, "ｹｱﾌﾟﾗﾝA", "４３", "和歌山"], [f'="{B}"', "B", "11", "JP-30"], [E[1:], "E", "15", "1"]]
    s = ingest_files(engine, "offices", [("list.csv", csv_bytes(rows, "cp932"))])
    assert (s.accepted, s.rejected) == (3, 0), s.errors
    o = table(engine, "offices", "office_code").set_index("office_code")
    assert o.loc[A, "name"] == "ケアプランA"  # 半角カナ → NFKC
    assert o.loc[A, "kind"] == "kyotaku" and o.loc[B, "prefecture_code"] == "30"
    assert o.loc[E, "prefecture_code"] == "01"  # leading zero lost by Excel, restored
    # re-import with a changed name: the office is updated, not duplicated
    rows2 = [["事業所番号", "事業所名"], [A, "ケアプランA（新）"], [B, "B"]]
    s2 = ingest_files(engine, "offices", [("list2.csv", csv_bytes(rows2))])
    assert (s2.accepted, s2.duplicates) == (1, 1)
    o = table(engine, "offices", "office_code").set_index("office_code")
    assert len(o) == 3 and o.loc[A, "name"] == "ケアプランA(新)" and o.loc[A, "kind"] == "kyotaku"


def test_registrations_wareki_and_rejections(engine):
    rows = [["事業所番号", "利用開始日", "利用終了日", "事業所名"],
            [A, "令和5年10月5日", "", "A"], [B, "R5.10.5", "R6.3.31", "B"], [C, "2023/10/5", "", "C"],
            [D, "45204", "", "D"], [office(30, 9)[:-1] + "0", "2023-10-05", "", "bad check digit"],
            [office(30, 8), "そのうち", "", "bad date"], [office(30, 7), "2024-04-01", "2024-03-01", "ends before"]]
    s = ingest_files(engine, "registrations", [("reg.xlsx", xlsx_bytes(rows, title_rows=2))])
    assert (s.rows_read, s.accepted, s.rejected) == (7, 4, 3)
    r = table(engine, "registrations", "office_code").set_index("office_code")
    assert set(r["registered_on"]) == {dt.date(2023, 10, 5)}
    assert r.loc[B, "ended_on"] == dt.date(2024, 3, 31) and pd.isna(r.loc[A, "ended_on"])
    assert r.loc[D, "prefecture_code"] == "27"
    errs = {(e["row"], e["column"]) for e in s.errors}
    # two title rows, header on row 3: data rows are 4..10 as Excel shows them
    assert errs == {(8, "office_code"), (9, "registered_on"), (10, "ended_on")}
    rej = table(engine, "rejected_rows", "row_number")
    assert list(rej["row_number"]) == [8, 9, 10] and set(rej["file"]) == {"reg.xlsx"}
    assert rej.loc[0, "value"] == office(30, 9)[:-1] + "0" and "検査数字" in rej.loc[0, "reason_ja"]
    assert "check digit" in rej.loc[0, "reason_en"]


def test_exchanges_aggregate_aliases_and_idempotence(engine):
    rows = [["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"],
            ["2025-08", A, B, "予定", "FAX", "3"], ["令和7年8月", A, B, "提供票予定", "ファックス", "2"],
            ["202508", A, B, "実績", "ケアプランデータ連携", ""], ["2025/8", A, C, "第1表", "郵送", "1"],
            ["R7.9", B, C, "第7表", "手渡し", "4"], ["2025-09", A, A, "予定", "FAX", "1"],
            ["2025-09", A, B, "予定", "伝書鳩", "1"]]
    data = csv_bytes(rows, "cp932")
    s = ingest_files(engine, "exchanges", [("ex.csv", data)])
    assert (s.rows_read, s.accepted, s.duplicates, s.rejected) == (7, 5, 0, 2)
    e = table(engine, "exchanges", "month, sender_code, receiver_code, form")
    got = {(r.month.isoformat(), r.sender_code, r.receiver_code, r.form, r.channel): r.sheets
           for r in e.itertuples()}
    assert got == {("2025-08-01", A, B, "plan", "fax"): 5, ("2025-08-01", A, B, "actual", "digital"): 1,
                   ("2025-08-01", A, C, "sheet1", "post"): 1, ("2025-09-01", B, C, "sheet7", "hand"): 4}
    assert {(x["row"], x["column"]) for x in s.errors} == {(7, "receiver_code"), (8, "channel")}
    before = counts(engine)
    again = ingest_files(engine, "exchanges", [("ex-copy.csv", data)])
    assert (again.rows_read, again.accepted, again.duplicates, again.rejected) == (7, 0, 7, 0)
    after = counts(engine)
    assert after["exchanges"] == before["exchanges"] and after["import_batches"] == before["import_batches"] + 1
    # different content, overlapping keys: the known key whose file count (3) differs from the stored 5
    # is rejected with the stored value kept, the new one is stored
    more = csv_bytes(rows[:2] + [["2025-10", A, B, "予定", "FAX", "9"]])
    s3 = ingest_files(engine, "exchanges", [("ex3.csv", more)])
    assert (s3.accepted, s3.duplicates, s3.rejected) == (1, 0, 1)
    assert table(engine, "exchanges")["sheets"].sum() == 11 + 9


def test_exchanges_parquet_typed_columns(engine, tmp_path):
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-08-01", "2025-08-01", "2025-09-01"]),
                          "sender_code": [A, A, B], "receiver_code": [B, B, C], "form": ["plan", "plan", "actual"],
                          "channel": ["digital", "digital", "email"], "sheets": [10, 5, 7]})
    path = tmp_path / "ex.parquet"
    frame.to_parquet(path)
    s = ingest_files(engine, "exchanges", [path])
    assert (s.rows_read, s.accepted, s.rejected) == (3, 3, 0)
    e = table(engine, "exchanges", "month")
    assert list(e["sheets"]) == [15, 7] and list(e["channel"]) == ["digital", "email"]


def test_profiles(engine):
    rows = [["Office Code", "MONTH", "利用者数", "ケアマネジャー数"], [A, "2025-08", "90", "3"], [B, "202508", "", "2"],
            [C, "2025-08", "", ""], [A, "2025-09", "-1", "3"]]
    s = ingest_files(engine, "profiles", [("p.csv", csv_bytes(rows))])
    assert (s.accepted, s.rejected) == (2, 2)
    p = table(engine, "profiles", "office_code").set_index("office_code")
    assert p.loc[A, "users"] == 90 and p.loc[A, "care_managers"] == 3 and pd.isna(p.loc[B, "users"])


def test_cpds_zip_counts_users_and_stores_no_personal_data(engine):
    u1, u2, u3 = ("301001", "0000012345"), ("301001", "0000067890"), ("302000", "H123456789")
    z = cpds_zip({
        f"out/UPPLAN_202508_{A}_{B}_20250825100000.CSV": cpds_csv([u1, u2, u1]),       # 2 users
        f"out/UPPLAN_202508_{A}_{B}_20250826100000.CSV": cpds_csv([u2, u3], header=True),  # same key: 3 users
        f"out/UPJSK_202508_{B}_{A}_20250905100000.CSV": cpds_csv([u1]),
        f"out/UPPLAN_202508_{A}_{A}_20250825100000.CSV": cpds_csv([u1]),                # self: rejected
        "out/readme.txt": "説明".encode("cp932"),                                        # not an exchange file
    })
    s = ingest_files(engine, "cpds", [("cpds.zip", z)])
    assert (s.rows_read, s.accepted, s.duplicates, s.rejected, s.refused) == (5, 3, 0, 2, [])
    e = table(engine, "exchanges", "form")
    got = {(r.sender_code, r.receiver_code, r.form, r.channel, r.month.isoformat()): r.sheets for r in e.itertuples()}
    assert got == {(A, B, "plan", "digital", "2025-08-01"): 3, (B, A, "actual", "digital", "2025-08-01"): 1}
    text = all_text(engine)
    for value in PERSONAL_VALUES:
        assert value not in text
    again = ingest_files(engine, "cpds", [("cpds-again.zip", z)])
    assert (again.accepted, again.duplicates) == (0, 5)
    assert len(table(engine, "exchanges")) == 2


def test_cpds_folder(engine, tmp_path):
    folder = tmp_path / "cpds"
    folder.mkdir()
    (folder / f"UPJSK_202507_{C}_{A}_20250805100000.csv").write_bytes(cpds_csv([("301001", "0000012345")]))
    s = ingest_files(engine, "cpds", [folder])
    assert (s.files, s.accepted) == (1, 1)
    assert table(engine, "exchanges").loc[0, "form"] == "actual"


@pytest.mark.parametrize("name,data,needle", [
    ("empty.csv", b"", "空"),
    ("binary.csv", bytes(range(256)) * 20, "CSV"),
    ("noheader.csv", "a,b,c\n1,2,3\n".encode(), "必須の列"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls"),
    ("latin.csv", "事業所番号,事業所名\n".encode("utf-8") + "1171201369,Caf\xe9 \xd7\n".encode("latin-1"), "文字コード"),
    ("only_header.csv", "事業所番号,事業所名\n".encode(), "データの行"),
])
def test_refused_files_store_nothing(engine, name, data, needle):
    before = counts(engine)
    good = csv_bytes([["事業所番号", "事業所名"], [A, "居宅A"]])  # a bare list of numbers is refused (its own test)
    s = ingest_files(engine, "offices", [(name, data), ("good.csv", good)])
    assert len(s.refused) == 1 and s.refused[0].startswith(name) and needle in s.refused[0]
    assert " / " in s.refused[0]  # Japanese / English
    after = counts(engine)
    assert after["import_batches"] == before["import_batches"] + 1 and after["offices"] == 1
    assert after["rejected_rows"] == 0


def test_progress_and_input_forms(engine, tmp_path):
    p1 = tmp_path / "a.csv"
    p1.write_bytes(csv_bytes([["事業所番号", "利用開始日"], [A, "2024-01-01"]]))
    p2 = tmp_path / "b.csv"
    p2.write_bytes(csv_bytes([["事業所番号", "利用開始日"], [B, "2024-02-01"]]))
    seen = []
    s = ingest_files(engine, "registrations", (str(p1), p2), progress=lambda f, m: seen.append((f, m)))
    assert (s.files, s.accepted) == (2, 2)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1][1] == ("完了", "done")
    assert ("b.csv: 保存中", "b.csv: storing") in [m for _, m in seen]
    single = ingest_files(engine, "registrations", ("c.csv", csv_bytes([["事業所番号", "利用開始日"], [C, "2024-03-01"]])))
    assert single.accepted == 1 and len(table(engine, "registrations")) == 3


def test_unknown_open_data_file_code_falls_back_to_service_column(engine):
    data = open_data_csv([open_data_row(1, WAKAYAMA, "和歌山県", "和歌山市", "居宅A", "居宅介護支援", A)])
    s = ingest_files(engine, "offices", [("jigyosho_999.csv", data)])
    assert s.accepted == 1
    assert table(engine, "offices").loc[0, "kind"] == "kyotaku"


def _exchange_file(month: str, sheets: int) -> bytes:
    return csv_bytes([["month", "sender_code", "receiver_code", "form", "channel", "sheets"],
                      [month, A, B, "plan", "fax", str(sheets)], [month, B, C, "actual", "digital", "1"]])


def test_several_files_in_one_call_read_ahead_stored_in_order(engine, monkeypatch):
    """The next file is read and checked in a second thread while the current one is stored; files are
    still stored in the given order, each once, a refused file in the middle refuses only itself, and the
    same content twice in one call is stored once (the second is a duplicate of the first, stored meanwhile)."""
    import threading

    import analytics.ingest as ingest
    from analytics.ingest import load
    events, second_checked = [], threading.Event()
    check, store = ingest._check, load.load

    def spy_check(kind, name, content, as_of=None):
        events.append(("check", name, threading.current_thread().name))
        if name == "aug-again.csv":
            second_checked.set()
        return check(kind, name, content, as_of)

    def spy_load(engine_, kind, name, *args, **kwargs):
        if name == "aug.csv":  # the next file's check runs while this one is being stored
            assert second_checked.wait(30), "the next file was not read ahead while this one was stored"
        events.append(("store", name))
        return store(engine_, kind, name, *args, **kwargs)

    monkeypatch.setattr(ingest, "_check", spy_check)
    monkeypatch.setattr(load, "load", spy_load)
    aug = _exchange_file("2025-08", 3)
    files = [("aug.csv", aug), ("aug-again.csv", aug), ("broken.csv", b"\x00\x01 not a table"),
             ("sep.csv", _exchange_file("2025-09", 5))]
    s = ingest_files(engine, "exchanges", files)
    assert (s.files, s.rows_read, s.accepted, s.duplicates, s.rejected) == (4, 6, 4, 2, 0)
    assert len(s.refused) == 1 and "broken.csv" in s.refused[0]
    assert [e[1] for e in events if e[0] == "store"] == ["aug.csv", "sep.csv"]
    assert {e[2] for e in events if e[0] == "check"} == {"careplan-read_0"}
    batches = table(engine, "import_batches", "batch_id")
    assert list(batches["file_name"]) == ["aug.csv", "aug-again.csv", "sep.csv"]
    assert list(batches["accepted"]) == [2, 0, 2] and list(batches["duplicates"]) == [0, 2, 0]
    e = table(engine, "exchanges", "month, sender_code")
    assert list(e["sheets"]) == [3, 1, 5, 1]


def test_several_files_into_an_in_memory_duckdb():
    """An in-memory DuckDB is one database per thread: the file read ahead is checked without asking
    that thread's (empty) database, and every file is still stored once."""
    from analytics.store import engine as store_engine
    eng = store_engine.get_engine("duckdb:///:memory:")
    aug = _exchange_file("2025-08", 3)
    s = ingest_files(eng, "exchanges", [("aug.csv", aug), ("sep.csv", _exchange_file("2025-09", 5)),
                                        ("aug-again.csv", aug)])
    assert (s.files, s.accepted, s.duplicates, s.refused) == (3, 4, 2, [])
    assert list(table(eng, "exchanges", "month, sender_code")["sheets"]) == [3, 1, 5, 1]


def test_an_unexpected_error_reading_ahead_surfaces_in_that_files_turn(engine, monkeypatch):
    """A bug (not a user mistake) while the next file is read ahead is raised when that file's turn
    comes: the files before it are stored, as when files were read one at a time."""
    import analytics.ingest as ingest
    check = ingest._check

    def failing(kind, name, content, as_of=None):
        if name == "sep.csv":
            raise RuntimeError("reader bug")
        return check(kind, name, content, as_of)

    monkeypatch.setattr(ingest, "_check", failing)
    with pytest.raises(RuntimeError, match="reader bug"):
        ingest_files(engine, "exchanges", [("aug.csv", _exchange_file("2025-08", 3)),
                                           ("sep.csv", _exchange_file("2025-09", 5)),
                                           ("oct.csv", _exchange_file("2025-10", 7))])
    assert list(table(engine, "import_batches", "batch_id")["file_name"]) == ["aug.csv"]
    assert list(table(engine, "exchanges", "month, sender_code")["sheets"]) == [3, 1]
