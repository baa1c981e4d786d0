"""Exchange logs the quick way: a plain UTF-8 CSV parsed by pyarrow and checked inside DuckDB.

A national month of exchanges is millions of rows with a few hundred thousand distinct 事業所番号, a
dozen months, six forms and five channels. So each column's *distinct* values are checked once — by the
very functions of ``analytics.ingest.validate`` (``EXCHANGE_CHECKS``), so the accepted rows, values and
reasons are the same as the pandas path — and DuckDB joins the verdicts back onto the rows, keeps the
good rows as an Arrow table and lists the problems with their row numbers. No pandas frame of the rows
is ever built.

Only plain files take this way: UTF-8 (BOM allowed) text whose header rows are plain lines, with no
quotes, blank lines, lone CR or NUL in the data (a row of the wrong width is rejected whole, as on the
pandas path; empty cells after the header's last column are no extra cells), and no row whose
every cell is blank (looked for only when some 事業所番号 is not valid: a row with a valid 送信元 is not
blank). ``check`` returns None for anything else, and the caller reads the file the pandas way
(``read`` → ``validate``) with the same result.
"""
from __future__ import annotations

import csv
import io
import threading

import numpy as np
import pandas as pd

from analytics import i18n
from analytics.domain import codes
from analytics.ingest import columns as cols
from analytics.ingest import limits, read, validate

HEAD_BYTES = 1 << 20          # the header is looked for in the first MB (the pandas path: first 21 rows)
_BOM = b"\xef\xbb\xbf"
_ORDER = list(validate.EXCHANGE_CHECKS)          # column order of the problems, as in the pandas path
_PLAIN_COUNT = "[0-9]{1,9}"                       # what validate._ints casts directly


def _digit_sum(i: int, weight: int) -> str:
    """The digit sum of character i × weight. The shape (codes.OFFICE_CODE_SHAPE) lets only the third
    character be a letter: the others are digits, read by their code point (cheaper than a lookup)."""
    if i != 3:
        x = f"(ascii(substr(v, {i}, 1)) - 48)"
        if weight == 1:
            return x
        if weight == 2:  # 2x for a digit x: its digit sum is 2x − 9 from x = 5 on
            return f"(2 * {x} - CASE WHEN {x} >= 5 THEN 9 ELSE 0 END)"
    else:
        x = f"(instr('{codes.OFFICE_CODE_ALPHABET}', substr(v, {i}, 1)) - 1)"
    p = f"({x} * {weight})"
    return f"({p} // 10 + {p} % 10)"


# a clean, valid 事業所番号 (codes.is_valid_office_code, the same rule) as a DuckDB expression on v, built from
# the check digit's constants in analytics.domain.codes (tests/domain compares it with the Python check)
_MOD = codes.OFFICE_CHECK_MODULUS
CLEAN_VALID_CODE = (
    f"CASE WHEN regexp_full_match(v, '{codes.OFFICE_CODE_SHAPE.strip('^$')}') THEN "
    f"CAST(substr(v, 1, 2) AS INTEGER) BETWEEN 1 AND 47 AND ({_MOD} - ("
    + " + ".join(_digit_sum(i + 1, int(w)) for i, w in enumerate(codes.OFFICE_CHECK_WEIGHTS))
    + f") % {_MOD}) % {_MOD} = ascii(substr(v, 10, 1)) - 48 ELSE false END")


class _ValidCodes:
    """事業所番号 this process has found clean and valid (the rule is a function of the text alone, so a
    verdict never goes stale). A national month names the same few hundred thousand offices as the
    month before: the next file checks only the codes it is the first to bring. At most ``LIMIT`` codes
    are kept (past that, only the latest check's new ones); shared by concurrent imports, hence the lock."""
    LIMIT = 1_000_000

    def __init__(self):
        self._lock = threading.Lock()
        self._table = None   # pyarrow table, one column v, each code once

    def get(self):
        with self._lock:
            return self._table

    def add(self, new, since=None) -> None:
        """Codes found valid and not in ``since`` (what ``get()`` gave when the check began). When a
        concurrent check has added codes meanwhile, those are dropped from ``new``: each code is kept once."""
        import pyarrow as pa
        import pyarrow.compute as pc
        if not new.num_rows:
            return
        with self._lock:
            if self._table is not None:
                if self._table is not since:
                    new = new.filter(pc.invert(pc.is_in(new.column("v"), value_set=self._table.column("v"))))
                if self._table.num_rows + new.num_rows <= self.LIMIT:
                    new = pa.concat_tables([self._table, new])
            self._table = new.combine_chunks() if new.num_rows <= self.LIMIT else None

    def clear(self) -> None:
        with self._lock:
            self._table = None


VALID_CODES = _ValidCodes()


def _head(file: str, data: bytes, start: int):
    """(grid of the first rows, delimiter, header index, byte offset of the first data row) or None."""
    chunk = data[start:start + HEAD_BYTES]
    if len(data) - start > HEAD_BYTES:
        chunk = chunk[:chunk.rfind(b"\n") + 1]
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines(keepends=True)
    whole = len(data) - start <= HEAD_BYTES
    if not whole and len(lines) < max(30, read.MAX_HEADER_SCAN + 1):
        return None  # very long lines: the pandas path looks at the whole text
    delim = read.sniff_delimiter("".join(lines[:30]))
    try:
        grid = list(csv.reader(io.StringIO("".join(lines[:read.MAX_HEADER_SCAN + 1])), delimiter=delim))
    except csv.Error:
        return None
    if not grid:
        return None
    h = read._find_header("exchanges", grid, file)  # missing columns: refused, as on the pandas path
    header_text = "".join(lines[:h + 1])
    if "\r" in header_text.replace("\r\n", "") or list(csv.reader(io.StringIO(header_text),
                                                                  delimiter=delim)) != grid[:h + 1]:
        return None
    return grid, delim, h, start + len(header_text.encode("utf-8"))


def _verdicts(column: str, values: pd.Series) -> pd.DataFrame:
    """The check of one column on its distinct values: v, value (None when refused), reason_ja, reason_en."""
    frame = pd.DataFrame({column: values})
    problems = validate._Problems()
    parsed = validate.EXCHANGE_CHECKS[column](frame, problems)
    out = pd.DataFrame({"v": values.astype(object), "value": parsed.astype(object).where(parsed.notna(), None),
                        "reason_ja": None, "reason_en": None})
    errors = problems.frame()
    if not errors.empty:
        first = errors.drop_duplicates("pos")
        out.loc[first["pos"].to_numpy(), "reason_ja"] = first["reason_ja"].to_numpy()
        out.loc[first["pos"].to_numpy(), "reason_en"] = first["reason_en"].to_numpy()
        out.loc[first["pos"].to_numpy(), "value"] = None
    return out


def _arrow_map(frame: pd.DataFrame, value_type):
    import pyarrow as pa
    return pa.table({"v": pa.array(frame["v"].tolist(), type=pa.string()),
                     "value": pa.array(frame["value"].tolist(), type=value_type, from_pandas=True),
                     "reason_ja": pa.array(frame["reason_ja"].tolist(), type=pa.string()),
                     "reason_en": pa.array(frame["reason_en"].tolist(), type=pa.string())})


def _has_blank_rows(con, present: list[str]) -> bool:
    """True when some row's every cell is empty or white space (Python's str.strip, as read._to_table):
    only rows whose 送信元 does not start with a letter or digit can be, and those few are looked at here."""
    cells = ", ".join(present)
    suspects = con.execute(f"SELECT {cells} FROM raw WHERE NOT regexp_matches(sender_code, '^[0-9A-Za-z]')").fetchall()
    return any(all(str(c).strip() == "" for c in row) for row in suspects)


def _distinct(con, sql: str) -> pd.Series:
    v = con.sql(sql).to_arrow_table().column(0)
    return pd.Series(v.to_pylist() if len(v) < 1000 else v.to_pandas(), dtype=object)


def check(file: str, data: bytes):
    """(accepted rows as an Arrow table, problems frame with ``row``, rows read) or None (not plain)."""
    import duckdb
    import pyarrow as pa
    start = 3 if data.startswith(_BOM) else 0
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"PK", b"PAR1", b"\xd0\xcf\x11\xe0")):
        return None
    head = _head(file, data, start)
    if head is None:
        return None
    grid, delim, h, offset = head
    body = memoryview(data)[offset:]
    if not len(body) or not read.plain_body(data[offset:]):
        return None
    width = read.header_width(grid[h])   # trailing empty header cells are not columns
    parsed = read.parse_rows(body, width, delim, wide=read.row_width(grid, h))
    if parsed is None:
        return None
    table, ragged = parsed
    if ragged["blank"].any():
        return None  # blank rows are layout: the pandas path drops them before numbering problems
    n = table.num_rows + len(ragged)   # rows of the header's width, and those of another width
    if table.num_rows == 0:
        return None
    found = cols.match_headers("exchanges", grid[h])
    limits.check_rows(file, n)
    canon = {name: table.column(f"c{idx}") for name, idx in found.items() if idx < width}
    if "sheets" not in found:
        canon["sheets"] = pa.repeat(pa.scalar(""), table.num_rows)
    positions = np.arange(n, dtype=np.int64)
    if len(ragged):  # rejected whole, for their width alone; the other rows keep their positions
        positions = np.delete(positions, ragged["pos"].to_numpy())
    canon["pos"] = pa.array(positions)
    rows = pa.table(canon)
    first_row = h + 2
    con = duckdb.connect()
    try:
        con.register("raw", rows)
        # 事業所番号: hundreds of thousands of distinct values, checked in SQL (those found valid before are
        # taken as they are); only the invalid ones go through Python, for their reasons
        known = VALID_CODES.get()
        con.register("known", known if known is not None else pa.table({"v": pa.array([], pa.string())}))
        con.execute(f"CREATE TEMP TABLE codes AS SELECT v, seen, CASE WHEN seen THEN true ELSE {CLEAN_VALID_CODE} "
                    f"END AS ok FROM (SELECT v, v IN (SELECT v FROM known) AS seen FROM "
                    f"(SELECT sender_code AS v FROM raw UNION SELECT receiver_code FROM raw))")
        VALID_CODES.add(con.sql("SELECT v FROM codes WHERE ok AND NOT seen").to_arrow_table(), since=known)
        rest = _verdicts("sender_code", _distinct(con, "SELECT v FROM codes WHERE NOT ok"))
        # a row whose 送信元 is a valid 事業所番号 is not blank: only a file with other codes can have one
        if not rest.empty and _has_blank_rows(con, [c for c in found if c in _ORDER]):
            return None  # blank rows are layout: the pandas path drops them before numbering problems
        maps = {c: _verdicts(c, _distinct(con, f"SELECT DISTINCT {c} FROM raw")) for c in ("month", "form", "channel")}
        maps["sheets"] = _verdicts("sheets", _distinct(
            con, f"SELECT DISTINCT sheets FROM raw WHERE NOT regexp_full_match(sheets, '{_PLAIN_COUNT}')"))
        maps["sheets"]["value"] = pd.Series([None if x is None or x != x else int(x) for x in maps["sheets"]["value"]],
                                            index=maps["sheets"].index, dtype=object)
        for c, kind in (("month", pa.date32()), ("form", pa.string()), ("channel", pa.string()),
                        ("sheets", pa.int64())):
            con.register(f"m_{c}", _arrow_map(maps[c], kind))
        sql = _Sql(clean_codes=rest.empty)
        if not rest.empty:
            con.register("m_code_rest", _arrow_map(rest, pa.string()))
            con.execute("CREATE TEMP TABLE m_code AS SELECT v, v AS value, CAST(NULL AS VARCHAR) AS reason_ja, "
                        "CAST(NULL AS VARCHAR) AS reason_en FROM codes WHERE ok UNION ALL SELECT * FROM m_code_rest")
        accepted = con.sql(f"SELECT {sql.values()} {sql.joins} WHERE {sql.ok}").to_arrow_table()
        errors = _problems(con, sql, first_row) if accepted.num_rows < table.num_rows else _no_problems()
        if len(ragged):
            odd = validate.ragged_problems(ragged, width, delim).assign(row=lambda f: f["pos"] + first_row)
            errors = pd.concat([errors, odd], ignore_index=True).sort_values("pos", kind="stable")
            errors = errors.reset_index(drop=True).astype({"pos": "int64", "row": "int64"})
    finally:
        con.close()
    return accepted, errors, n


def _no_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("pos", "row") else object)
                         for c in validate.ERROR_COLUMNS + ["row"]})


def _problems(con, sql: "_Sql", first_row: int) -> pd.DataFrame:
    """One row per problem (a row can have several), in row order then column order."""
    same_ja, same_en = i18n.both(validate.SAME_OFFICE)
    bad = f"{sql.joins} WHERE r.pos IN (SELECT pos FROM bad_rows)"
    selects = [f"SELECT r.pos, {_ORDER.index(c)} AS k, '{c}' AS col, r.{c} AS value, {sql.reason(c, 'ja')} AS "
               f"reason_ja, {sql.reason(c, 'en')} AS reason_en {bad} AND {sql.reason(c, 'ja')} IS NOT NULL"
               for c in _ORDER if sql.reason(c, "ja") != "NULL"]
    selects.append(
        f"SELECT r.pos, {_ORDER.index('receiver_code')} + 0.5, 'receiver_code', r.receiver_code, "
        f"'{same_ja}', '{same_en}' {bad} AND {sql.value('sender_code')} = {sql.value('receiver_code')}")
    query = (f"WITH bad_rows AS (SELECT r.pos {sql.joins} WHERE NOT ({sql.ok})) "
             + " UNION ALL ".join(selects) + " ORDER BY pos, k")
    frame = con.execute(query).df()
    frame = frame.drop(columns=["k"]).rename(columns={"col": "column"})
    frame["pos"] = frame["pos"].astype("int64")
    frame["row"] = (frame["pos"] + first_row).astype("int64")
    return frame[validate.ERROR_COLUMNS + ["row"]]


class _Sql:
    """The pieces of the check query: raw rows ``r`` joined to each column's verdicts ``m_<column>``.
    When every 事業所番号 in the file is clean and valid, the codes are taken as they are (no join)."""
    _ALIAS = {"month": "mm", "sender_code": "ms", "receiver_code": "mr", "form": "mf", "channel": "mc",
              "sheets": "mn"}

    def __init__(self, clean_codes: bool):
        self.clean_codes = clean_codes
        joins = ["FROM raw r", "JOIN m_month mm ON mm.v = r.month"]
        if not clean_codes:
            joins += ["JOIN m_code ms ON ms.v = r.sender_code", "JOIN m_code mr ON mr.v = r.receiver_code"]
        joins += ["JOIN m_form mf ON mf.v = r.form", "JOIN m_channel mc ON mc.v = r.channel",
                  "LEFT JOIN m_sheets mn ON mn.v = r.sheets"]
        self.joins = " ".join(joins)
        self.ok = (" AND ".join(f"{self.value(c)} IS NOT NULL" for c in _ORDER)
                   + f" AND {self.value('sender_code')} <> {self.value('receiver_code')}")

    def _code(self, c: str) -> bool:
        return c in ("sender_code", "receiver_code") and self.clean_codes

    def value(self, c: str) -> str:
        if self._code(c):
            return f"r.{c}"
        if c == "sheets":
            return (f"(CASE WHEN regexp_full_match(r.sheets, '{_PLAIN_COUNT}') THEN CAST(r.sheets AS BIGINT) "
                    f"ELSE mn.value END)")
        return f"{self._ALIAS[c]}.value"

    def reason(self, c: str, lang: str) -> str:
        return "NULL" if self._code(c) else f"{self._ALIAS[c]}.reason_{lang}"

    def values(self) -> str:
        return ", ".join(f"{self.value(c)} AS {c}" for c in _ORDER)
