"""Very long cells (issue 24, 2 and 3): a cell far longer than any code, date or name is rejected by its
length before any parser or regular expression reads it, and the personal-data test is linear and reads a
bounded prefix. Before, one rejected cell of 20,000 letters cost 32 s in ``personal_safe`` (200,000: 678 s),
so each file here (hundreds of 100,000-character cells of letters) would have held the test for hours.
A cell past the csv module's field limit (131,072) is a long cell, not a quote left open.

No timings are asserted: the sizes are such that the old code would obviously hang."""
from __future__ import annotations

import random
import re
import string

import pytest
from ingest_helpers import all_text, counts, csv_bytes, office, table, xlsx_bytes

from analytics import settings
from analytics.domain import codes, dates, text
from analytics.ingest import columns, fast, ingest_files, read, validate
from analytics.store import engine as store_engine

LONG = 100_000
A, B, C = office(30, 1), office(30, 2), office(30, 3)
EXCHANGE_HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]
_LETTERS = bytes((string.ascii_letters * 5)[:256], "ascii")


def letters(rng: random.Random, n: int = LONG) -> str:
    """n random ASCII letters: one run of letters, the old pattern's worst case (and no ZIP bomb in an xlsx)."""
    return rng.randbytes(n).translate(_LETTERS).decode("ascii")


def too_long(n: int, limit: int = 1_000) -> str:
    ja, en = validate.too_long_reason(n, limit)
    return f"{ja} / {en}"


def _ingest(tmp_path, kind: str, name: str, data: bytes, db: str = "t"):
    eng = store_engine.get_engine(f"duckdb:///{tmp_path}/{db}.duckdb")
    s = ingest_files(eng, kind, [(name, data)])
    assert s.refused == []
    assert s.rows_read == s.accepted + s.duplicates + s.rejected
    return s, eng


def _shown(value: str) -> str:
    return value[:validate.SHOWN_CHARS] + "…"


# ---------------------------------------------------------------- files full of long cells

def _offices_rows(rng):
    header = ["事業所番号", "事業所名", "サービス種類コード", "都道府県", "市区町村コード"]
    good = [[A, "テスト居宅", "43", "30", "302015"], [B, "テスト訪問", "11", "和歌山県", "30201"]]
    return header, good, [[letters(rng) for _ in header] for _ in range(50)]


def _registrations_rows(rng):
    header = ["事業所番号", "利用開始日", "利用終了日", "事業所名"]
    good = [[A, "2024-04-01", "", "テスト居宅"], [B, "令和6年5月1日", "", "テスト訪問"]]
    return header, good, [[letters(rng) for _ in header] for _ in range(50)]


def _exchanges_rows(rng):
    good = [["2025-04", A, B, "予定", "FAX", "3"], ["2025-04", A, C, "実績", "データ連携", "2"]]
    return EXCHANGE_HEADER, good, [[letters(rng) for _ in EXCHANGE_HEADER] for _ in range(50)]


BUILDERS = {"offices": _offices_rows, "registrations": _registrations_rows, "exchanges": _exchanges_rows}


@pytest.mark.parametrize("kind", list(BUILDERS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_full_of_long_cells_rejects_each_such_row_by_its_length(kind, fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("CAREPLAN_INGEST_FAST", "0")
    header, good, long_rows = BUILDERS[kind](random.Random(kind + fmt))
    rows = [header] + good[:1] + long_rows + good[1:]
    data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    s, eng = _ingest(tmp_path, kind, f"long.{fmt}", data)
    assert (s.rows_read, s.accepted, s.rejected) == (52, 2, 50)
    # an xlsx cell holds at most 32,767 characters (Excel's limit, applied by openpyxl)
    chars = LONG if fmt == "csv" else 32_767
    assert len(s.errors) == 50 * len(header)      # one problem per long cell, and only the length
    assert {e["reason"] for e in s.errors} == {too_long(chars)}
    assert sorted({e["row"] for e in s.errors}) == list(range(3, 53))
    # a row's cells in column order, each named by its column
    first = [e["column"] for e in s.errors if e["row"] == 3]
    assert sorted(first) == sorted(read.read_table(kind, "h.csv", csv_bytes([header, good[0]])).frame.columns)
    # the value is kept only by its beginning
    by_cell = {(e["row"], e["column"]): e["value"] for e in s.errors}
    column = first[0]
    assert by_cell[(3, column)] == _shown(long_rows[0][0])
    rejected = table(eng, "rejected_rows")
    assert len(rejected) == len(s.errors) and rejected["value"].str.len().max() <= validate.SHOWN_CHARS + 1


def test_long_cells_among_plain_rows_take_the_fast_path_with_the_same_result(tmp_path, monkeypatch):
    """A plain exchange log with a long cell in a different column of each of 20 rows after 40 good ones:
    the fast path (DuckDB) and the pandas path reject the same rows for the same reason."""
    rng = random.Random(7)
    good = [["2025-04", A, office(30, 100 + i), "予定", "FAX", str(i + 1)] for i in range(40)]
    long_rows = []
    for i in range(20):
        row = ["2025-05", A, office(30, 200 + i), "実績", "FAX", "1"]
        row[i % 6] = letters(rng) if i % 6 != 5 else "1" * LONG
        long_rows.append(row)
    data = csv_bytes([EXCHANGE_HEADER] + good + long_rows, "utf-8")
    assert fast.check("f.csv", data) is not None
    results = []
    for quick in ("1", "0"):
        monkeypatch.setenv("CAREPLAN_INGEST_FAST", quick)
        s, eng = _ingest(tmp_path, "exchanges", "f.csv", data, db=f"q{quick}")
        assert (s.rows_read, s.accepted, s.rejected) == (60, 40, 20)
        results.append([(e["row"], e["column"], e["value"], e["reason"]) for e in s.errors])
    assert results[0] == results[1]
    order = ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]
    assert [(r[0], r[1]) for r in results[0]] == [(42 + i, order[i % 6]) for i in range(20)]
    assert {r[3] for r in results[0]} == {too_long(LONG)}


def test_an_overlong_value_that_may_hold_a_name_is_never_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREPLAN_INGEST_FAST", "0")
    rows = [EXCHANGE_HEADER,
            ["2025-04", "YAMADA Taro " + "x" * LONG, B, "予定", "FAX", "1"],
            ["2025-04", "山田　太郎" + "1" * LONG, B, "予定", "FAX", "1"],
            # a name past what is shown: only the digits before it are
            ["2025-04", "1" * (LONG // 2) + " YAMADA Hanako", B, "予定", "FAX", "1"],
            ["2025-04", A, B, "予定", "FAX", "1"]]
    s, eng = _ingest(tmp_path, "exchanges", "n.csv", csv_bytes(rows))
    assert (s.rows_read, s.accepted, s.rejected) == (4, 1, 3)
    assert [e["value"] for e in s.errors] == [columns.PERSONAL_PLACEHOLDER, columns.PERSONAL_PLACEHOLDER,
                                              "1" * validate.SHOWN_CHARS + "…"]
    stored = all_text(eng)
    assert "YAMADA" not in stored and "山田" not in stored and "Taro" not in stored


def test_the_cell_limit_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREPLAN_MAX_CELL_CHARS", "12")
    rows = [["事業所番号", "事業所名"], [A, "短い名前"], [B, "とても長い事業所の名前です"]]
    s, eng = _ingest(tmp_path, "offices", "o.csv", csv_bytes(rows))
    assert (s.rows_read, s.accepted, s.rejected) == (2, 1, 1)
    assert [(e["row"], e["column"], e["value"], e["reason"]) for e in s.errors] == [
        (3, "name", "とても長い事業所の名前です"[:validate.SHOWN_CHARS] + "…", too_long(13, 12))]
    assert counts(eng)["offices"] == 1
    monkeypatch.setenv("CAREPLAN_MAX_CELL_CHARS", "0")
    with pytest.raises(settings.SettingError):
        settings.max_cell_chars()


# ---------------------------------------------------------------- past the csv module's field limit

def _exchange_text(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [EXCHANGE_HEADER] + rows) + "\n").encode("utf-8")


@pytest.mark.parametrize("quick", ["1", "0"])
@pytest.mark.parametrize("where", ["unquoted", "quoted", "late"])
def test_a_cell_past_the_csv_field_limit_is_too_long_not_an_open_quote(where, quick, tmp_path, monkeypatch):
    """A 320,000-character cell on row 6 (inside the header scan) was refused as 「6行目の " が閉じられて
    いません」; now that row alone is rejected as too long, with its row and column. ``late``: on row 30,
    in a file with quotes elsewhere (pyarrow's quoted way)."""
    monkeypatch.setenv("CAREPLAN_INGEST_FAST", quick)
    huge = "a" * 320_000
    good = [["2025-04", A, office(30, 100 + i), "予定", "FAX", str(i + 1)] for i in range(40)]
    row = ["2025-04", A, B, '"' + huge + '"' if where == "quoted" else huge, "FAX", "1"]
    at = 4 if where != "late" else 28
    rows = good[:at] + [row] + good[at:]
    if where == "late":
        rows[0][3] = '"予定"'
    s, eng = _ingest(tmp_path, "exchanges", "big.csv", _exchange_text(rows))
    assert (s.rows_read, s.accepted, s.rejected) == (41, 40, 1)
    assert [(e["row"], e["column"], e["reason"]) for e in s.errors] == [(at + 2, "form", too_long(320_000))]
    assert s.errors[0]["value"] == _shown(huge)


def test_a_long_cell_in_a_row_of_the_wrong_width_counts_its_cells_right():
    """pyarrow hands rows of another width to the csv module, whose field limit made the row one cell."""
    huge = "a" * 200_000
    good = [["2025-04", A, office(30, 100 + i), "予定", "FAX", str(i + 1)] for i in range(30)]
    good[0][3] = '"予定"'
    rows = good[:25] + [["2025-04", A, B, huge, "FAX", "1", "extra"]] + good[25:]
    t = read.read_table("exchanges", "w.csv", _exchange_text(rows))
    assert t.ragged[["pos", "cells"]].values.tolist() == [[25, 7]]


def test_a_quote_left_open_is_still_an_open_quote():
    """The tail swallowed by an open quote passes the field limit in the header scan, or runs past the
    end of the file: both refuse the file naming the row."""
    good = ["2025-04", A, B, "予定", "FAX", "1"]
    tails = {"long tail": [good] * 8000, "huge cell, never closed": [["a" * 320_000]]}
    for rows in tails.values():
        lines = [good, ["2025-04", A, B, '"予定', "FAX", "1"]] + rows
        with pytest.raises(read.FileRefused) as exc:
            read.read_table("exchanges", "q.csv", _exchange_text(lines))
        assert exc.value.ja == '3行目の " が閉じられていません。値の中の " を確認してください'
        assert exc.value.en == 'the quote opened on row 3 is never closed; check the " inside a value'


@pytest.mark.parametrize("line,cells", [
    ("a,b,c", ["a", "b", "c"]), ('a,"b,c",d', ["a", "b,c", "d"]), ('"x""y",z\r\n', ['x"y', "z"]),
    ('"a"b,c', ["ab", "c"]), ('a"b,c', ['a"b', "c"]), ('"multi\nline",x\n', ["multi\nline", "x"]),
    ("", [""]), ("a,", ["a", ""]), ('"open,x', None), ('a,"b""', None),
])
def test_split_cells_reads_a_row_as_the_csv_module_does(line, cells):
    import csv
    import io
    assert read.split_cells(line, ",") == cells
    if cells is not None:
        assert next(csv.reader(io.StringIO(line, newline="")), [""]) == cells


# ---------------------------------------------------------------- the patterns themselves

OLD_LATIN_NAME = re.compile(r"[^\W\d_]{2,}[\s\u3000,]+[^\W\d_]{2,}")


def test_the_name_pattern_on_200000_letters_gives_the_right_answer():
    run = "a" * 200_000
    assert validate._LATIN_NAME.search(run) is None
    assert validate._LATIN_NAME.search(run + " Taro") is not None
    assert validate._LATIN_NAME.search(run + "1 Taro") is None
    assert validate._LATIN_NAME.search(" ".join(["a"] * 100_000)) is None
    assert validate.may_name_a_person(run) is False
    assert validate.may_name_a_person("1" * 200_000) is False


@pytest.mark.parametrize("value,named", [
    ("YAMADA Taro", True), ("Yamada, Taro", True), ("山田　太郎", True), ("山田太郎", True), ("ヤマダ", True),
    ("YAMADA　Taro", True), ("R5.10.5", False), ("令和5年10月5日", False), ("3010100018", False),
    ("12 AB", False), ("A B", False), ("ab1 cd", False), ("FAX", False), (None, False),
])
def test_names_are_still_detected(value, named):
    assert validate.may_name_a_person(value) is named


def test_the_new_patterns_agree_with_the_old_ones_on_short_text():
    """Each linear replacement gives what its old regular expression gave, on random short text."""
    old_brackets = re.compile(r"\s*[(\[（【][^)\]）】]*[)\]）】]\s*$")
    old_quoted = re.compile(r'^=\s*"(.*)"$', re.S)

    def old_unquote(t):
        while (m := old_quoted.match(t)):
            t = m.group(1).strip()
        return t

    rng = random.Random(24)
    alphabet = list("([（【)]）】 a1\n,\u3000=\"")
    for _ in range(20_000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        assert bool(OLD_LATIN_NAME.search(t)) == bool(validate._LATIN_NAME.search(t)), repr(t)
        assert old_brackets.sub("", t) == dates.drop_trailing_remark(t), repr(t)
        assert re.sub(r"（[^）]*）$|\([^)]*\)$", "", t).strip() == codes._strip_qualifier(t), repr(t)
        assert old_unquote(t.strip()) == text._unquote_excel(t.strip()), repr(t)


@pytest.mark.parametrize("value", ["(" * 200_000, "令和" + " " * 200_000 + "x", "（" * 200_000 + "）",
                                   '="' * 100_000 + '"' * 100_000, "2023-1-1" + " " * 200_000 + "x"])
def test_parsers_of_cell_values_stay_linear_on_long_text(value):
    """Once quadratic (a minute or more each at this size): brackets before a date's remark, a service's
    qualifier, nested ="…"; now each returns at once with the right answer."""
    assert dates.parse_date(value) is None and dates.parse_month(value) is None
    assert codes.service_from_code(value) is None
    assert codes.normalise_office_code(value) is None
    assert validate.parse_count(value) == (None if value.startswith("=") else -1)   # ="" nested: empty
    assert validate.parse_count("1" * 200_000) == validate.MAX_COUNT + 1   # int() refuses over 4,300 digits
