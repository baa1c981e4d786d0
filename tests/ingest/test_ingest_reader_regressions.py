"""Regressions of the wrong-width rule found by review (d6cac59), on the real readers and, for exchanges, on
both paths (fast and pandas): a quote left open refuses the file whole (no rows silently swallowed);
trailing delimiters are no extra columns; problems are listed in row order; counts are read once per
distinct value; quoted files are read on all threads first."""
from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import counts, csv_bytes, office, table

from analytics.ingest import fast, ingest_files, read, validate
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]
GOOD = f"2025-04,{A},{B},予定,FAX,3"


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _on_both_paths(tmp_path, monkeypatch, name: str, data: bytes, kind: str = "exchanges"):
    """(summary, stored exchanges, engine) with the fast path on, then off, each into its own database."""
    out = []
    for quick in (True, False):
        monkeypatch.setenv("CAREPLAN_INGEST_FAST", "1" if quick else "0")
        eng = store_engine.get_engine(f"duckdb:///{tmp_path}/{'fast' if quick else 'pandas'}.duckdb")
        s = ingest_files(eng, kind, [(name, data)])
        out.append((s, eng))
    return out


def _unclosed(row: int) -> str:
    return (f'{row}行目の " が閉じられていません。値の中の " を確認してください / '
            f'the quote opened on row {row} is never closed; check the " inside a value')


# ---------------------------------------------------------------- 1. a quote left open

@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_quote_never_closed_refuses_the_file_whole(encoding, tmp_path, monkeypatch):
    """/tmp/revC/unterm.py: 3 good rows, a row whose quote is never closed, 50 good rows. Before, the 50
    rows vanished into one "wrong width" row (rows_read 4); now nothing is stored and the row is named."""
    lines = [",".join(HEADER)] + [GOOD] * 3 + [f'2025-04,{A},{B},"予定,FAX,3'] + [GOOD.replace("予定", "実績")] * 50
    data = _text(lines).encode(encoding)
    for s, eng in _on_both_paths(tmp_path, monkeypatch, "u.csv", data):
        assert s.refused == [f"u.csv: {_unclosed(5)}"]
        assert (s.rows_read, s.accepted, s.rejected) == (0, 0, 0)
        assert counts(eng)["exchanges"] == counts(eng)["import_batches"] == 0


@pytest.mark.parametrize("lines,row", [
    # the quote opens on the last column: the row is as wide as the header, its value runs to the end
    ([",".join(HEADER), GOOD, f'2025-04,{A},{B},予定,FAX,"3', GOOD, GOOD], 3),
    # title rows above the header: rows are counted as a spreadsheet shows them
    (["提供票 送受信記録", ",".join(HEADER), GOOD, GOOD, f'"2025-04,{A},{B},予定,FAX,3', GOOD], 5),
    # closed amiss by the next row's quote: one row swallowed into a value of the right width
    ([",".join(HEADER), GOOD, f'2025-04,{A},{B},"予定,FAX,3', f'2025-04,{A},{C},"予定",FAX,3', GOOD], 3),
])
def test_a_quote_left_open_anywhere_names_its_row(lines, row):
    for encoding in ("utf-8", "cp932"):
        with pytest.raises(read.FileRefused) as exc:
            read.read_table("exchanges", "q.csv", _text(lines).encode(encoding))
        assert exc.value.message() == f"q.csv: {_unclosed(row)}"


def test_a_quote_left_open_before_a_long_tail_is_named_too():
    """The tail swallowed is longer than the csv module's field limit (the header scan meets it)."""
    lines = [",".join(HEADER), GOOD, f'2025-04,{A},{B},"予定,FAX,3'] + [GOOD] * 4000
    with pytest.raises(read.FileRefused) as exc:
        read.read_table("exchanges", "long.csv", _text(lines).encode("utf-8"))
    assert exc.value.message() == f"long.csv: {_unclosed(3)}"


def test_line_breaks_inside_well_quoted_values_are_still_read(tmp_path, monkeypatch):
    lines = [",".join(HEADER), GOOD, f'2025-04,{A},{C},"予\n定",FAX,"1,200"', f'2025-04,{A},{B},実績,FAX',
             f'"2025-05",{A},{B},"第7表",="FAX",2']
    for s, eng in _on_both_paths(tmp_path, monkeypatch, "nl.csv", _text(lines).encode("utf-8")):
        assert (s.rows_read, s.accepted, s.rejected, s.refused) == (4, 3, 1, [])
        assert [e["row"] for e in s.errors] == [4]
        stored = table(eng, "exchanges", "month, receiver_code, sheets")
        assert stored[["receiver_code", "form", "sheets"]].values.tolist() == [
            [B, "plan", 3], [C, "plan", 1200], [B, "sheet7", 2]]


def test_a_header_with_a_quoted_line_break_still_rejects_rows_of_the_wrong_width(tmp_path, monkeypatch):
    """/tmp/revC/nlhead.py: such a header sent the file to pandas, which filled a short row silently."""
    head = ",".join(HEADER).replace("件数", '"件\n数"')
    data = _text([head, GOOD, f"2025-04,{A},{C},予定,FAX", GOOD.replace("予定", "実績")]).encode("utf-8")
    for s, eng in _on_both_paths(tmp_path, monkeypatch, "h.csv", data):
        assert (s.rows_read, s.accepted, s.rejected) == (3, 2, 1)
        assert [(e["row"], e["column"]) for e in s.errors] == [(3, "")]
        assert table(eng, "exchanges", "form")[["form", "sheets"]].values.tolist() == [["actual", 3], ["plan", 3]]


# ---------------------------------------------------------------- 2. trailing delimiters

@pytest.mark.parametrize("case", ["rows", "header", "both", "some"])
def test_trailing_delimiters_are_no_extra_columns(case, tmp_path, monkeypatch):
    """/tmp/revC/trail.py: every row (or only the header) ending in a delimiter rejected every row."""
    head = ",".join(HEADER) + ("," if case in ("header", "both") else "")
    body = [f"2025-04,{A},{office(30, 10 + i)},予定,FAX,{i}" + ("," if case in ("rows", "both") or (case == "some" and i % 2) else "")
            for i in range(1, 5)]
    data = _text([head] + body).encode("utf-8")
    assert fast.check("t.csv", data) is not None  # plain: the fast path takes it
    for s, eng in _on_both_paths(tmp_path, monkeypatch, "t.csv", data):
        assert (s.rows_read, s.accepted, s.rejected, s.errors) == (4, 4, 0, [])
        assert sorted(table(eng, "exchanges")["sheets"]) == [1, 2, 3, 4]


def test_a_value_past_the_last_named_column_is_still_the_wrong_width(tmp_path, monkeypatch):
    lines = [",".join(HEADER) + ",,", GOOD + ",,", GOOD + ",,x", GOOD.replace("予定", "実績"),
             GOOD.replace("予定", "第1表") + ", ,", f"2025-04,{A},{C},予定,FAX,", f"2025-04,{A},{C},実績,FAX"]
    data = _text(lines).encode("utf-8")
    for s, eng in _on_both_paths(tmp_path, monkeypatch, "w.csv", data):
        assert (s.rows_read, s.accepted, s.rejected) == (6, 4, 2)
        assert [(e["row"], e["reason"]) for e in s.errors] == [
            (3, validate.ragged_reason(6, 8)[0] + " / " + validate.ragged_reason(6, 8)[1]),
            (7, validate.ragged_reason(6, 5)[0] + " / " + validate.ragged_reason(6, 5)[1])]
        # the row cut short after 送信方法 with an empty 件数 (",") is a row of 6 cells: 件数 defaults to 1
        assert sorted(table(eng, "exchanges")["sheets"]) == [1, 3, 3, 3]


def test_parse_rows_keeps_rows_narrower_than_the_parse_width():
    """Parsed 7 wide (the usual row ends in a delimiter), rows of 6 cells are kept in their place."""
    body = b"a,b,c,\nd,e,f\ng,h,i,\nj,k\nl,m,n,o\n"
    for quoted in (False, True):
        tbl, ragged = read.parse_rows(body, 3, ",", quoted=quoted, wide=4)
        assert tbl.to_pydict() == {"c0": ["a", "d", "g"], "c1": ["b", "e", "h"], "c2": ["c", "f", "i"]}
        assert ragged.values.tolist() == [[3, 2, False], [4, 4, False]]


def test_header_and_row_widths():
    assert read.header_width(["a", "b", "", ""]) == 2
    assert read.header_width(["a", "", "c"]) == 3
    grid = [["title", "", ""], ["a", "b", ""], ["1", "2", "", ""], ["1", "2", "", ""], ["1", "2"], ["", "", "", "", ""]]
    assert read.row_width(grid, 1) == 4


# ---------------------------------------------------------------- 4. problems in row order

@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # utf-8: the fast path; cp932: the pandas path
def test_problems_are_listed_in_row_order_on_both_paths(encoding, tmp_path, monkeypatch):
    lines = [",".join(HEADER), f"2025-04,{A},{B},予定,FAX", GOOD.replace("2025-04", "2025-13"), GOOD + ",extra",
             GOOD.replace("FAX", "鳩"), GOOD]
    data = _text(lines).encode(encoding)
    for s, _eng in _on_both_paths(tmp_path, monkeypatch, "o.csv", data):
        assert (s.rows_read, s.accepted, s.rejected) == (5, 1, 4)
        assert [(e["row"], e["column"]) for e in s.errors] == [(2, ""), (3, "month"), (4, ""), (5, "channel")]


def test_validate_orders_problems_by_row_whatever_their_kind():
    tbl = read.read_table("exchanges", "o.csv", _text([",".join(HEADER), f"2025-04,{A},{B},予定,FAX",
                                                      GOOD.replace("予定", "謎"), GOOD + ",x"]).encode("cp932"))
    checked = validate.exchanges(tbl)
    assert checked.errors["pos"].tolist() == [0, 1, 2]
    assert checked.errors["column"].tolist() == ["", "form", ""]


# ---------------------------------------------------------------- 3. a registration list with names

def test_a_registration_list_with_names_and_prefectures_is_refused_as_the_office_master(duck_url):
    eng = store_engine.get_engine(duck_url)
    before = counts(eng)
    s = ingest_files(eng, "offices", [
        ("reg.csv", csv_bytes([["事業所番号", "事業所名", "利用開始日", "都道府県"], [A, "さくら", "2024-04-01", "和歌山県"]])),
        ("ended.csv", csv_bytes([["office_code", "name", "ended_on"], [B, "もみじ", "2025-03-31"]]))])
    reason = ("登録一覧のようです。種類「利用登録」（careplan ingest registrations）で取り込んでください / "
              "this looks like a registration list; import it with `careplan ingest registrations`")
    assert s.refused == [f"reg.csv: {reason}", f"ended.csv: {reason}"]
    assert counts(eng) == before


def test_an_office_list_with_a_closing_date_and_services_is_a_master(duck_url):
    """廃止日 is a column of real office lists: with サービス種類 the file is the master, not a registration list."""
    eng = store_engine.get_engine(duck_url)
    s = ingest_files(eng, "offices", [("wam.csv", csv_bytes(
        [["事業所番号", "事業所名", "サービス種類", "廃止日"], [A, "さくら", "居宅介護支援", "2025-03-31"]]))])
    assert (s.refused, s.accepted) == ([], 1)
    assert table(eng, "offices")["office_code"].tolist() == [A]


# ---------------------------------------------------------------- 6, 7. the quick ways

def test_quoted_files_are_read_on_all_threads_first(monkeypatch):
    calls = []
    real = read._read_options
    monkeypatch.setattr(read, "_read_options", lambda width, threads=True: calls.append(threads) or real(width, threads))
    good = b'2025-04,"a",b\n' * 5
    tbl, ragged = read.parse_rows(good, 3, ",", quoted=True)
    assert (tbl.num_rows, len(ragged), calls) == (5, 0, [True])
    calls.clear()
    tbl, ragged = read.parse_rows(good + b'2025-04,"a"\n' + good, 3, ",", quoted=True)
    assert (tbl.num_rows, ragged.values.tolist(), calls) == (10, [[5, 2, False]], [True, False])


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]"])
def test_counts_read_once_per_distinct_value_give_the_same_values(dtype):
    values = ["3", "3", "１，２００件", "", "2.0", "1e9", "3", "99999999999", " 4 ", "-3", "12"]
    frame = pd.DataFrame({"sheets": pd.Series(values, dtype=dtype)})
    problems = validate._Problems()
    got = validate._ints(frame, "sheets", problems, default=1)
    assert got.tolist()[:5] == [3.0, 3.0, 1200.0, 1.0, 2.0]
    assert got.tolist()[6:9] == [3.0, 99999999999.0, 4.0] and got.tolist()[10] == 12.0
    errors = problems.frame()
    assert sorted(errors["pos"].tolist()) == [5, 7, 9]
    assert dict(zip(errors["pos"], errors["reason_en"]))[7].startswith("the number is too large")


def test_counts_of_thousands_of_digits_are_rejected_as_too_large(tmp_path):
    """Found by `make fuzz` (profiles, wide_cell): a count of 5,000 digits raised ValueError (Python reads no
    int over 4,300 digits) and one of 400 digits OverflowError (no float above 1e308); both are rows rejected
    as too large, the file loads. (The 5,000 digits are now refused by the cell length first; parse_count
    still answers too large for them.)"""
    rows = [["事業所番号", "対象年月", "利用者数", "ケアマネジャー数"], [A, "2025-08", "9" * 5000, "2"],
            [B, "2025-08", "1" + "0" * 400, "0" * 30 + "3"], [C, "2025-08", "12", "１，２００"]]
    eng = store_engine.get_engine(f"duckdb:///{tmp_path}/p.duckdb")
    s = ingest_files(eng, "profiles", [("profiles.csv", csv_bytes(rows))])
    assert (s.refused, s.rows_read, s.accepted, s.rejected) == ([], 3, 1, 2)
    long_cell, big_number = s.errors
    assert long_cell["row"] == 2 and long_cell["reason"].startswith("値が長すぎます（5,000文字、上限 1,000文字）")
    assert big_number["row"] == 3 and big_number["reason"].endswith(f"(enter at most {validate.MAX_COUNT:,})")
    assert validate.parse_count("9" * 5000) == validate.MAX_COUNT + 1
    assert validate.parse_count("0" * 30 + "3") == 3
