"""The DuckDB-checked path for exchange logs (analytics.ingest.fast) gives exactly what the pandas path
gives: the same stored rows, the same rejected rows (row, column, value, reason) and the same counts,
on DuckDB and PostgreSQL; and files it cannot take plainly go the pandas way."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from ingest_helpers import csv_bytes, office, table

from analytics.domain import codes
from analytics.ingest import fast, ingest_files, validate
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
FW_A = A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))  # full-width: normalised, accepted
BAD_CHECK = A[:9] + str((int(A[9]) + 1) % 10)
HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]


def _log(n: int, seed: int = 7) -> list[list]:
    rng = random.Random(seed)
    offices = [office(30, i) for i in range(1, 60)] + [office(13, i) for i in range(1, 40)]
    rows = [["month", "sender_code", "receiver_code", "form", "channel", "sheets"]]
    for _ in range(n):
        s, r = rng.sample(offices, 2)
        rows.append([rng.choice(["2025-07", "2025-08"]), s, r, rng.choice(["plan", "actual", "sheet1", "sheet7"]),
                     rng.choice(["fax", "post", "digital", "email"]), str(rng.randint(1, 4))])
    return rows


MIXED = [HEADER,
         ["2025-08", A, B, "予定", "FAX", "3"], ["令和7年8月", A, B, "提供票予定", "ファックス", "2"],
         ["202508", A, B, "実績", "ケアプランデータ連携", ""], ["2025/8", A, C, "第1表", "郵送", "1"],
         ["R7.9", B, C, "第7表", "手渡し", "4"], ["2025-09", A, A, "予定", "FAX", "1"],
         ["2025-09", A, B, "予定", "伝書鳩", "1"], ["2025-09", FW_A, C, "plan", "fax", "１，２００件"],
         ["2025-13", A, C, "plan", "fax", "1"], ["", A, C, "plan", "fax", "1"],
         ["2025-09", BAD_CHECK, C, "plan", "fax", "1"], ["2025-09", "ABC", "", "plan", "fax", "1"],
         ["2025-09", B, A, "plan", "fax", "-3"], ["2025-09", B, A, "actual", "fax", "1.5"],
         ["2025-09", B, A, "sheet2", "fax", "99999999999"], ["2025-09", B, A, "sheet6", "fax", "2.0"],
         ["2025-09", C, FW_A, "sheet6", "post", " 2 "], ["2025-10", C, A, "謎の帳票", "謎", "x"],
         ["2025-10", f" {C}", B, "plan", "fax", "1"]]

CASES = {
    "plain log, LF, no BOM": (csv_bytes(_log(3000)).replace(b"\r\n", b"\n").removeprefix(b"\xef\xbb\xbf"), True),
    "Japanese values and every kind of problem, BOM, CRLF": (csv_bytes(MIXED), True),
    "title rows above the header": (csv_bytes([["提供票 送受信記録"], ["令和7年度"]] + MIXED), True),
    "personal column and no 件数 column": (
        csv_bytes([HEADER[:5] + ["被保険者番号"]] + [r[:5] + ["0000012345"] for r in MIXED[1:]]), True),
    "tab separated": (csv_bytes(MIXED, sep="\t"), True),
    "a blank line of separators": (csv_bytes(MIXED[:4] + [["", "", "", "", "", ""]] + MIXED[4:]), False),
    "quoted cells": (csv_bytes(MIXED).replace(b"2025-08,", b'"2025-08",'), False),
    "CP932": (csv_bytes(MIXED, "cp932"), False),
    # rows of another width than the header (a comma inside a value; a cut-short row): rejected whole
    "rows of the wrong width": (csv_bytes(MIXED[:3] + [["2025-08", "山田", "太郎", A, B, "予定", "FAX"]] + MIXED[3:6]
                                          + [["2025-09", A]] + MIXED[6:]), True),
    "rows of the wrong width, quoted cells": (
        csv_bytes(MIXED[:3] + [["2025-08", "山田", "太郎", A, B, "予定", "FAX"]] + MIXED[3:]).replace(
            b"2025-08,", b'"2025-08",'), False),
    # problems of both sorts interleaved: the summary lists them in row order on both paths
    "wrong width and bad values interleaved": (
        csv_bytes([HEADER, ["2025-08", A, B, "予定", "FAX"], ["2025-13", A, B, "予定", "FAX", "3"],
                   ["2025-08", A, B, "予定", "FAX", "3", "x"], ["2025-08", A, B, "予定", "鳩", "3"],
                   ["2025-08", A, B, "予定", "FAX", "3"]]), True),
    # a trailing delimiter is no extra column: on every row, on the header only, or on some rows
    "every row ends in a delimiter": (csv_bytes([HEADER] + [r + [""] for r in MIXED[1:]]), True),
    "the header ends in a delimiter": (csv_bytes([HEADER + [""]] + MIXED[1:]), True),
    "some rows end in delimiters, one has a value past the header": (
        csv_bytes([HEADER + ["", ""]] + [r + [""] * (i % 3) for i, r in enumerate(MIXED[1:])]
                  + [["2025-08", A, B, "予定", "FAX", "3", "", "x"], ["2025-08", A, C, "予定", "FAX", "3", " "]]),
        True),
    "trailing delimiters, quoted cells": (
        csv_bytes([HEADER] + [r + [""] for r in MIXED[1:]]).replace(b"2025-08,", b'"2025-08",'), False),
    "counts in other spellings": (csv_bytes([HEADER] + [["2025-09", A, office(30, 10 + i), "plan", "fax", c] for i, c in
                                                        enumerate(["1e9", "2.5", "1.5e3", "+3", "0x10", "007", "1.00"])]), True),
    "impossible months": (csv_bytes([HEADER] + [[m, A, B, "plan", "fax", "1"] for m in
                                                ("2099-01", "1900-01", "平成31年5月", "令和1年4月", "2000-04")]), True),
}


def _run(url, name, data, quick: bool, monkeypatch):
    monkeypatch.setenv("CAREPLAN_INGEST_FAST", "1" if quick else "0")
    eng = store_engine.get_engine(url)
    s = ingest_files(eng, "exchanges", [(name, data)])
    stored = table(eng, "exchanges", "month, sender_code, receiver_code, form, channel").drop(columns="batch_id")
    rejected = (table(eng, "rejected_rows", "row_number, column_name, reason_en")
                [["file", "row_number", "column_name", "value", "reason_ja", "reason_en"]])
    # in the order the summary lists them (row order on both paths): not sorted here
    errors = [(e["row"], e["column"], e["value"], e["reason"]) for e in s.errors]
    return (s.rows_read, s.accepted, s.duplicates, s.rejected, s.refused), errors, stored, rejected


@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_gives_what_the_pandas_path_gives(case, db_url, tmp_path, monkeypatch, request):
    data, plain = CASES[case]
    assert (fast.check("x.csv", data) is not None) == plain  # the fast path really runs (or really doesn't)
    if db_url.startswith("duckdb"):
        other = f"duckdb:///{tmp_path / 'pandas-path.duckdb'}"
    else:  # a second PostgreSQL database beside the fixture's
        import conftest
        other = conftest._new_pg_database(request.getfixturevalue("pg_server"))
    got = _run(db_url, "ex.csv", data, True, monkeypatch)
    want = _run(other, "ex.csv", data, False, monkeypatch)
    assert got[0] == want[0]
    assert got[1] == want[1]
    pd.testing.assert_frame_equal(got[2].reset_index(drop=True), want[2].reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(got[3].reset_index(drop=True), want[3].reset_index(drop=True), check_dtype=False)


def test_fast_path_known_rows_and_reasons(duck_url):
    """Hand-checked: which rows of MIXED are stored and why the others are refused."""
    s = ingest_files(store_engine.get_engine(duck_url), "exchanges", [("mixed.csv", csv_bytes(MIXED))])
    assert (s.rows_read, s.accepted, s.rejected) == (19, 9, 10)
    problems = {(e["row"], e["column"]) for e in s.errors}
    assert problems == {(7, "receiver_code"), (8, "channel"), (10, "month"), (11, "month"),
                        (12, "sender_code"), (13, "sender_code"), (13, "receiver_code"), (14, "sheets"),
                        (15, "sheets"), (16, "sheets"), (19, "form"), (19, "channel"), (19, "sheets")}
    same = [e for e in s.errors if e["row"] == 7]
    assert same[0]["reason"] == "送信元と送信先が同じ事業所です / sender and receiver are the same office"
    stored = table(store_engine.get_engine(duck_url), "exchanges")
    # 1,200 sheets (full-width "１，２００件") from the full-width 事業所番号, now in half-width digits
    assert stored.loc[stored["sheets"] == 1200, "sender_code"].tolist() == [A]
    assert stored["sheets"].sum() == 3 + 2 + 1 + 1 + 4 + 1200 + 2 + 2 + 1


def test_clean_valid_code_sql_matches_the_python_rule():
    """The check-digit rule written in SQL accepts exactly what validate.clean_valid_office_codes accepts."""
    import duckdb
    rng = random.Random(3)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ー-"
    values = []
    for i in range(20_000):
        v = "".join(rng.choice("0123456789") for _ in range(2)) + rng.choice(alphabet[:36]) + \
            "".join(rng.choice("0123456789") for _ in range(6))
        if i % 2 and v[2] not in "IOQ":
            v += codes.office_check_digit(v)
        else:
            v += rng.choice("0123456789")
        if i % 50 == 0:
            v = v[:rng.randint(0, 10)] + rng.choice(alphabet)
        values.append(v)
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(values)}))
    got = np.array(con.sql(f"SELECT {fast.CLEAN_VALID_CODE} AS ok FROM t").to_arrow_table().column(0).to_pylist())
    want = validate.clean_valid_office_codes(np.array(values, dtype=object))
    assert 3_000 < want.sum() < 17_000  # the sample has plenty of valid codes and plenty of invalid ones
    assert (got == want).all()


def _checked(data: bytes):
    rows, errors, n = fast.check("x.csv", data)
    return rows.to_pylist(), errors.drop(columns="pos").to_dict("records"), n


def _known() -> set[str]:
    t = fast.VALID_CODES.get()
    assert t is None or t.num_rows == len(set(t.column("v").to_pylist()))  # each code kept once
    return set() if t is None else set(t.column("v").to_pylist())


@pytest.fixture
def no_remembered_codes():
    """Each of these tests starts and ends with nothing remembered (the cache is process-wide)."""
    fast.VALID_CODES.clear()
    yield
    fast.VALID_CODES.clear()


def test_remembered_codes_skip_the_check_digit_sql(monkeypatch, no_remembered_codes):
    """With the SQL rule made to pass nothing, every code it is asked about goes on to the Python check:
    on the second file those are only the codes never seen, not the remembered ones."""
    _checked(csv_bytes(MIXED))
    monkeypatch.setattr(fast, "CLEAN_VALID_CODE", "false")
    asked = []
    verdicts = fast._verdicts

    def spy(column, values):
        if column == "sender_code":
            asked.extend(values)
        return verdicts(column, values)

    monkeypatch.setattr(fast, "_verdicts", spy)
    rows, errors, _ = _checked(csv_bytes([HEADER, ["2025-09", A, B, "plan", "fax", "2"],
                                          ["2025-09", office(13, 5), C, "plan", "fax", "1"]]))
    assert asked == [office(13, 5)]
    assert len(rows) == 2 and errors == []  # the Python check finds it valid: the same rows as ever


def test_codes_found_valid_are_remembered_and_give_the_same_check(no_remembered_codes):
    """The second file checks only the codes it is the first to bring: the remembered ones are exactly
    the valid codes seen, and the verdicts (rows kept, problems, reasons) are those of a fresh check."""
    first = csv_bytes(MIXED)
    _checked(first)
    assert _known() == {A, B, C}  # FW_A is normalised to A; BAD_CHECK, "ABC", " C" are not valid
    later = [HEADER, ["2025-09", A, office(13, 5), "plan", "fax", "2"], ["2025-09", office(13, 5), BAD_CHECK,
             "plan", "fax", "1"], ["2025-09", B, "0170100011", "plan", "fax", "1"], ["2025-09", C, B, "plan", "fax", "1"]]
    remembered = _checked(csv_bytes(later))
    assert _known() == {A, B, C, office(13, 5)}
    fast.VALID_CODES.clear()
    fresh = _checked(csv_bytes(later))
    assert remembered == fresh
    assert len(fresh[0]) == 2 and {e["value"] for e in fresh[1]} == {BAD_CHECK, "0170100011"}


def test_remembered_codes_are_bounded_and_never_repeated(monkeypatch, no_remembered_codes):
    monkeypatch.setattr(fast._ValidCodes, "LIMIT", 3)
    fast.VALID_CODES.add(pa.table({"v": [A, B]}))
    before = fast.VALID_CODES.get()
    fast.VALID_CODES.add(pa.table({"v": [C]}), since=before)  # nothing added meanwhile: appended as it is
    assert _known() == {A, B, C}
    fast.VALID_CODES.clear()
    fast.VALID_CODES.add(pa.table({"v": [A]}))
    fast.VALID_CODES.add(pa.table({"v": [B]}), since=None)  # a check that began with nothing remembered …
    fast.VALID_CODES.add(pa.table({"v": [A, C]}), since=None)  # … and a concurrent one: A is there already
    assert _known() == {A, B, C}
    fast.VALID_CODES.add(pa.table({"v": [office(13, 1), office(13, 2)]}))  # beyond the limit: the newest only
    assert _known() == {office(13, 1), office(13, 2)}
    fast.VALID_CODES.add(pa.table({"v": [office(13, i) for i in range(3, 8)]}))  # more than the limit alone
    assert _known() == set()
