"""Bytes → a frame of text cells: encoding detection, CSV / XLSX / Parquet, header row and aliases.

Every cell stays text (``dtype=str``) so that 事業所番号 keeps its leading zeros; parsing happens in
``validate``. Nothing is guessed silently: an encoding that cannot be told for sure refuses the file.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import i18n
from analytics.errors import FileRefused
from analytics.ingest import columns as cols
from analytics.ingest import limits

MAX_HEADER_SCAN = 20


@dataclass
class Table:
    """Canonical columns of one file as text, plus the spreadsheet row number of every data row."""
    file: str
    frame: pd.DataFrame          # canonical column names only, text cells ('' when empty)
    row_numbers: pd.Series       # 1-based as a spreadsheet user counts them (header = its own row)
    dropped_personal: list[str]  # headers dropped as personal data
    headers: list = field(default_factory=list)   # the header row's cells as read
    # rows whose cell count differs from the header's (CSV/TSV): pos (in frame) and cells; rejected whole
    ragged: pd.DataFrame | None = None
    header_cells: int = 0
    delimiter: str = ","
    totals: int = 0              # 合計/小計/計 rows skipped (not data, not rejected; counted in rows_read)
    row_files: pd.Series | None = None   # per row, where it was read ("book.xlsx [シート]"); None: ``file``
    notes: list = field(default_factory=list)     # (ja, en) sentences the summary says of the file
    title: list = field(default_factory=list)     # the rows above the header, each joined (「…時点」)


# ---------------------------------------------------------------- encodings

def _detect(data: bytes) -> str | None:
    """charset-normalizer's verdict among the encodings Japanese offices use, or None when unsure."""
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(data[:1_000_000], cp_isolation=["utf_8", "cp932", "shift_jis", "euc_jp"]).best()
    except Exception:  # the detector failing is the same as not knowing
        return None
    if best is None or best.chaos > 0.25:
        return None
    return {"cp932": "cp932", "shift_jis": "cp932", "euc_jp": "euc_jp"}.get(best.encoding)


_JA_CHAR = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff9f\u2010-\u2312\u00a5\u00d7\u00f7\u2460-\u24ff]")


def _looks_japanese(text: str) -> bool:
    """Nearly every non-ASCII character is kana, kanji or full-width; no control or private-use characters."""
    sample = text[:200_000]
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]", sample):
        return False
    non_ascii = [c for c in sample if ord(c) > 127]
    if not non_ascii:
        return True
    ja = sum(1 for c in non_ascii if _JA_CHAR.match(c))
    return ja / len(non_ascii) >= 0.97


def decode(data: bytes, file: str = "") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, CP932 or EUC-JP; anything uncertain is refused."""
    if not data.strip(b"\r\n\t \xef\xbb\xbf"):
        raise FileRefused("refused.empty", file)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            pass
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:4096]:
        raise FileRefused("refused.not_text", file)
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        detected = _detect(data)
        for enc in ([detected] if detected else []) + ["cp932", "euc_jp"]:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            # a strict decode alone is not proof (short Latin-1 bytes decode as 半角カナ): the detector
            # must agree, or the text must look like Japanese
            if enc == detected or _looks_japanese(text):
                return text
    raise FileRefused("refused.encoding", file)


# ---------------------------------------------------------------- grids

def sniff_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:30])
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


FIELD_LIMIT_ERROR = "field larger than field limit"   # the csv module's words for a cell past its limit


def _lines_from(text: str, pos: int, ends: list[int]):
    """The text's lines from ``pos`` (each with its LF), ``ends[0]`` set to where the last one given ends."""
    n = len(text)
    while pos < n:
        j = text.find("\n", pos)
        end = n if j < 0 else j + 1
        ends[0] = end
        yield text[pos:end]
        pos = end


def split_cells(text: str, delim: str) -> list[str] | None:
    """The cells of one row's text as the csv module reads them (a quoted value may hold the delimiter, "",
    line breaks), without its field size limit; None when a quote opened in it is never closed. For the
    rows the csv module refuses with "field larger than field limit", to tell a very long cell (a row
    rejected for its length) from a quote left open (the file refused)."""
    text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    cells: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            parts, j = [], i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return None
                parts.append(text[j:k])
                if not text.startswith('"', k + 1):
                    break
                parts.append('"')
                j = k + 2
            d = text.find(delim, k + 1)
            cells.append("".join(parts) + (text[k + 1:] if d < 0 else text[k + 1:d]))
        else:
            d = text.find(delim, i)
            cells.append(text[i:] if d < 0 else text[i:d])
        if d < 0:
            return cells
        i = d + len(delim)


def _csv_grid(text: str, file: str) -> tuple[list[list[str]], str]:
    """The first rows as lists (for finding the header) and the delimiter. A row with a cell longer than
    the csv module's field limit is split by ``split_cells`` when it is one line (the cell is only too
    long: validate rejects its row by its length) and refuses the file when a quote opened in it is not
    closed on its line (the rows after it were swallowed into one value)."""
    delim = sniff_delimiter(text)
    head: list[list[str]] = []
    pos = 0   # where the row being read starts
    while len(head) <= MAX_HEADER_SCAN and pos < len(text):
        ends = [pos]
        try:
            for row in csv.reader(_lines_from(text, pos, ends), delimiter=delim):
                head.append(row)
                pos = ends[0]
                if len(head) > MAX_HEADER_SCAN:
                    break
            else:
                break
        except csv.Error as exc:
            if FIELD_LIMIT_ERROR not in str(exc):
                raise FileRefused("refused.csv_unreadable", file, reason=str(exc)) from None
            nl = text.find("\n", pos)
            end = len(text) if nl < 0 else nl + 1
            cells = split_cells(text[pos:end], delim)
            if cells is None:  # a quote left open swallows the rows after it
                raise unclosed_quote(file, len(head) + 1) from None
            head.append(cells)
            pos = end
    return head, delim


def _find_header(kind: str, grid: list[list], file: str) -> int:
    """Index of the header row among the first rows: the one supplying the required columns."""
    spec = cols.SPECS[kind]
    best_i, best_score = -1, -1
    for i, row in enumerate(grid[:MAX_HEADER_SCAN]):
        score = cols.header_score(kind, row)
        if score > best_score:
            best_i, best_score = i, score
    found = cols.match_headers(kind, grid[best_i]) if best_i >= 0 else {}
    missing = [c for c in spec.required if c not in found]
    if missing:
        names_ja = "、".join(spec.column(c).aliases[0] for c in missing)
        raise FileRefused("refused.required_missing", file, columns=(names_ja, ", ".join(missing)))
    if spec.one_of and not any(c in found for c in spec.one_of):
        names = [spec.column(c).aliases[0] for c in spec.one_of]
        raise FileRefused("refused.one_of_missing", file, columns=("、".join(names), ", ".join(spec.one_of)))
    return best_i


def _surely_nonblank(frame: pd.DataFrame) -> bool:
    """True when some column's every cell starts with an ASCII letter or digit (no row can be blank), so
    the per-cell strip over millions of cells is not needed; False means: check the rows one by one."""
    if frame.empty:
        return False
    import pyarrow as pa
    import pyarrow.compute as pc
    for c in frame.columns:
        dtype = frame[c].dtype
        if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
            continue
        arr = pa.array(frame[c].array)
        if arr.null_count == 0 and pc.all(pc.match_substring_regex(arr, "^[0-9A-Za-z]")).as_py():
            return True
    return False


# a cell that labels a row as a total (合計, 小計, 計, 総計, 8月計, Total): the row is a sum, not data
TOTAL_LABEL = re.compile(r"(?:\d{1,4}年)?(?:\d{1,2}月)?(?:総合計|合計|小計|総計|計)|(?:grand|sub)?total",
                         re.IGNORECASE)
# the same in the bytes of a UTF-8 or CP932 CSV: such a cell alone between delimiters (the fast path leaves
# files that have one to the table reader, which skips the row)
_TOTAL_CELL = re.compile(rb'(?im)(?:^|[,\t;"])[ \t]*(?:' + b"|".join(
    re.escape(w.encode(enc)) for w in ("総合計", "合計", "小計", "総計", "計") for enc in ("utf-8", "cp932"))
    + rb'|(?:grand|sub)?total)[ \t]*(?=$|[,\t;"\r\n])')


_TOTAL_WORDS = tuple({"計".encode(enc) for enc in ("utf-8", "cp932")})


def has_total_cell(data: bytes) -> bool:
    """True when a CSV's bytes hold a cell that is only a total's label (合計, 小計, 計, Total).
    Every label holds 計 or "total", so a byte search (memchr speed) rules out most logs before the regex,
    which scans at about a seventh of that speed (2 M rows: 1.9 s → 0.27 s)."""
    if not any(w in data for w in _TOTAL_WORDS) and b"total" not in data.lower():
        return False
    return bool(_TOTAL_CELL.search(data))


def _total_rows(raw: pd.DataFrame) -> pd.Series:
    """True for the rows one of whose cells is only a total's label (TOTAL_LABEL), any column."""
    out = pd.Series(False, index=raw.index)
    for c in raw.columns:
        col = raw[c].astype(str)
        maybe = col.str.contains("計|total", case=False, regex=True, na=False)
        if maybe.any():   # once per distinct value (a form column may say 居宅サービス計画書 a million times)
            hits = {v for v in col[maybe].unique() if TOTAL_LABEL.fullmatch(cols.norm_header(v))}
            if hits:
                out |= col.isin(hits)
    return out


def totals_note(n: int) -> tuple[str, str]:
    return i18n.both("import.note.totals", n=n)


def _to_table(kind: str, file: str, raw: pd.DataFrame, header: list, first_row_number: int,
              ragged: pd.DataFrame | None = None, delimiter: str = ",") -> Table:
    """raw: the data rows (positional columns); header: the header cells; first_row_number: of raw row 0;
    ragged: rows of another width than the header (pos in raw, cells, blank), their cells in raw empty.
    A total row (合計/小計/計 in any cell) is left out and counted in ``Table.totals``."""
    found = cols.match_headers(kind, header)
    personal = [str(h) for h in header if cols.is_personal(h)]
    frame = pd.DataFrame({name: raw.iloc[:, idx] if idx < raw.shape[1] else "" for name, idx in found.items()},
                         index=raw.index)
    frame = frame.fillna("").astype(str)
    row_numbers = pd.Series(range(first_row_number, first_row_number + len(raw)), index=raw.index)
    cells = pd.Series(-1, index=raw.index, dtype="int64")
    if ragged is not None and len(ragged):
        cells.loc[ragged["pos"].to_numpy()] = ragged["cells"].to_numpy()
    total = _total_rows(raw)
    totals = int(total.sum())
    if totals:
        keep = ~total
        frame, row_numbers, cells = frame[keep], row_numbers[keep], cells[keep]
    if len(frame.columns) and not _surely_nonblank(frame):
        # blank lines are layout, not data rows (a row of the wrong width: blank when all its cells are)
        nonblank = (frame.apply(lambda s: s.str.strip()) != "").any(axis=1)
        if ragged is not None and len(ragged):
            nonblank.loc[ragged.loc[~ragged["blank"], "pos"].to_numpy()] = True
            nonblank.loc[ragged.loc[ragged["blank"], "pos"].to_numpy()] = False
        frame, row_numbers, cells = frame[nonblank], row_numbers[nonblank], cells[nonblank]
    frame = frame.reset_index(drop=True)
    row_numbers = row_numbers.reset_index(drop=True)
    cells = cells.reset_index(drop=True)
    if frame.empty:
        raise FileRefused("refused.no_rows", file)
    limits.check_rows(file, len(frame))
    bad = cells[cells >= 0]
    table_ragged = pd.DataFrame({"pos": bad.index.to_numpy(dtype="int64"), "cells": bad.to_numpy(dtype="int64")})
    return Table(file, frame, row_numbers, personal, headers=[str(h) for h in header], ragged=table_ragged,
                 header_cells=header_width(header), delimiter=delimiter, totals=totals,
                 notes=[totals_note(totals)] if totals else [])


def _data_start(text: str, grid: list[list[str]], h: int, delim: str) -> int | None:
    """Offset of the first data row: just past the header row as the csv module reads it (a header cell
    may hold a quoted line break); None when what is read there is not the grid's header rows, or a lone
    CR makes lines and rows differ."""
    stream = io.StringIO(text, newline="")
    consumed = 0

    def lines():
        nonlocal consumed
        for line in stream:
            consumed += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delim)
    head = []
    try:
        for _ in range(h + 1):
            head.append(next(reader))
    except (csv.Error, StopIteration):
        return None
    header_text = text[:consumed]
    if head != grid[:h + 1] or "\r" in header_text.replace("\r\n", ""):
        return None
    return consumed


def header_width(header: list) -> int:
    """The header's columns: its cells up to the last non-empty one (trailing empty cells, from a trailing
    delimiter, are not columns)."""
    named = [i for i, c in enumerate(header) if str(c).strip() != ""]
    return named[-1] + 1 if named else len(header)


def row_width(grid: list[list[str]], h: int) -> int:
    """Cells per row to parse the data rows at: the header's columns, or the commonest cell count of
    the first data rows when larger (every row ending in a delimiter: `…,3,`)."""
    width = header_width(grid[h])
    sizes = [len(r) for r in grid[h + 1:] if any(str(c).strip() for c in r)]
    if sizes:
        counts = np.bincount(sizes)
        width = max(width, int(counts.argmax()))
    return width


class UnclosedQuote(Exception):
    """A quote opened in a data row and never closed: every row after it would be read as its value."""

    def __init__(self, pos: int):
        self.pos = pos
        super().__init__(pos)


def unclosed_quote(file: str, row: int) -> FileRefused:
    return FileRefused("refused.unclosed_quote", file, row=row)


def _raw_rows(file: str, text: str, grid: list[list[str]], h: int, delim: str):
    """(data rows as a frame of positional text columns, ragged rows) read by pyarrow's CSV reader
    (≈10× faster than pandas' C parser); a row with another number of cells than the header's columns
    (trailing empty cells aside) is listed in ragged (pos, cells, blank) with its cells left empty.
    None when the header rows cannot be told apart from the data (pandas reads such files)."""
    start = _data_start(text, grid, h, delim)
    if start is None or start >= len(text):
        return None
    try:
        body = text[start:].encode("utf-8")
    except UnicodeEncodeError:
        return None
    width = header_width(grid[h])
    try:
        parsed = parse_rows(body, width, delim, quoted=not plain_body(body), wide=row_width(grid, h))
    except UnclosedQuote as exc:
        raise unclosed_quote(file, h + 2 + exc.pos) from None
    if parsed is None:
        return None
    table, ragged = parsed
    raw = table.to_pandas()
    raw.columns = range(width)
    if len(ragged):
        total = len(raw) + len(ragged)
        raw.index = np.delete(np.arange(total), ragged["pos"].to_numpy())
        raw = raw.reindex(range(total)).fillna("")
    return raw, ragged


def plain_body(body) -> bool:
    """Data rows pyarrow can read the plain way: no quotes, NUL, blank lines or lone CR."""
    return not (b'"' in body or b"\x00" in body or b"\n\n" in body or b"\n\r\n" in body
                or body[:1] in (b"\r", b"\n", b"")
                or (b"\r" in body and body.count(b"\r") != body.count(b"\r\n")))


def _read_options(width: int, threads: bool = True):
    import pyarrow.csv as pacsv
    return pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], block_size=16 << 20,
                             use_threads=threads)


def _convert_options(width: int):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    return pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(width)},
                                strings_can_be_null=False, quoted_strings_can_be_null=False)


def _parse_options(delim: str, quoted: bool, handler=None):
    import pyarrow.csv as pacsv
    return pacsv.ParseOptions(delimiter=delim, quote_char='"' if quoted else False, double_quote=quoted,
                              escape_char=False, newlines_in_values=quoted, ignore_empty_lines=False,
                              invalid_row_handler=handler)


def parse_plain(body, width: int, delim: str):
    """The plain data rows (bytes or a memoryview) as an Arrow table of text columns c0…c{width-1}, every
    cell text ('' when empty); None when a row does not fit (ragged, invalid UTF-8, …)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    try:
        return pacsv.read_csv(pa.BufferReader(body), read_options=_read_options(width),
                              parse_options=_parse_options(delim, False), convert_options=_convert_options(width))
    except Exception:  # any row pyarrow cannot take the plain way: pandas reads (or refuses) the file
        return None


def _is_blank(cells) -> bool:
    return all(str(c).strip() == "" for c in cells)


def _row_cells(text: str, delim: str, quoted: bool) -> tuple[list[str], bool]:
    """(the cells of one odd row's text as pyarrow reads them, whether a quote in it is left open or
    closed badly while the row spans lines: the rows after it were swallowed into one value)."""
    if not quoted:
        return text.split(delim), False
    spans = "\n" in text or "\r" in text
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True), []), False
    except csv.Error as exc:
        if FIELD_LIMIT_ERROR in str(exc):  # a very long cell, not a quote problem, unless a quote stays open
            cells = split_cells(text, delim)
            return (cells, False) if cells is not None else ([text], spans)
        try:
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
        except csv.Error:
            cells = [text]
        return cells, spans


def _blank_cells(column) -> np.ndarray:
    """True where a cell of an Arrow text column is empty or white space."""
    import pyarrow.compute as pc
    empty = pc.equal(column, "")
    if pc.all(empty).as_py():
        return np.ones(len(column), dtype=bool)
    return pc.equal(pc.utf8_trim_whitespace(column), "").to_numpy(zero_copy_only=False).astype(bool)


def _line_count(body) -> int:
    """Physical lines of a body (LF, CRLF or lone CR ends; a last line without one counts)."""
    data = body if isinstance(body, bytes) else bytes(body)
    lines = data.count(b"\n")
    if b"\r" in data:
        lines += data.count(b"\r") - data.count(b"\r\n")
    return lines + (0 if data.endswith((b"\n", b"\r")) else 1)


def _quotes_strict(body, delim: str) -> bool:
    """True when every quote of the body opens a value (after a delimiter, a line end or =), closes one
    (before a delimiter, a line end or the end) or is doubled inside one, and every quote opened is
    closed: a line break inside a value is then one the file meant (vectorised over the bytes)."""
    buf = np.frombuffer(bytes(body), dtype=np.uint8)
    q = np.flatnonzero(buf == ord('"'))
    if len(q) % 2:
        return False
    opens, closes = q[0::2], q[1::2]
    before = np.array([ord(delim), 10, 13, ord('"'), ord("=")], dtype=np.uint8)
    after = np.array([ord(delim), 10, 13, ord('"')], dtype=np.uint8)
    ok_open = (opens == 0) | np.isin(buf[np.maximum(opens - 1, 0)], before)
    ok_close = (closes + 1 == len(buf)) | np.isin(buf[np.minimum(closes + 1, len(buf) - 1)], after)
    return bool(ok_open.all() and ok_close.all())


def _check_quotes(body, table, positions: np.ndarray, delim: str) -> None:
    """Raise UnclosedQuote when a quote left open (or closed amiss) swallowed line breaks into a value:
    the rows after it would be read as that value. Only when some value spans lines at all (more lines
    than rows) and the quotes are not all well placed is each value looked at for a line break."""
    import pyarrow.compute as pc
    if _line_count(body) <= len(positions) or _quotes_strict(body, delim):
        return
    first = None
    for column in table.columns:
        hit = pc.match_substring_regex(column, "[\r\n]")
        idx = pc.index(hit, True).as_py()
        if idx is not None and idx >= 0 and (first is None or idx < first):
            first = idx
    if first is not None:
        raise UnclosedQuote(int(positions[first]))


def parse_rows(body, width: int, delim: str, quoted: bool = False, wide: int | None = None):
    """(Arrow table of the data rows, c0…c{width-1}; ragged rows: DataFrame pos, cells, blank) or None.

    ``width``: the header's columns; ``wide``: the cells per row to parse at (≥ width: rows may end in
    empty cells after the last column). A row of the wrong width has a non-empty cell past the header's
    columns, or fewer cells than the header's columns; it is listed in ragged by its position among all
    rows and left out of the table (other rows keep their order). The body is read on all threads first;
    only when some row has another cell count is it read again on one thread (pyarrow numbers the rows
    it skips only then). ``quoted``: values may be quoted and hold line breaks; a quote left open (every
    row after it swallowed into one value) raises ``UnclosedQuote`` with the position of its row."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    wide = max(width, wide or width)
    odd: list[tuple[int, int, bool, list[str] | None]] = []   # pos, cells, blank, cells kept (None: ragged)
    unclosed: list[int] = []
    try:
        table = pacsv.read_csv(pa.BufferReader(body), read_options=_read_options(wide),
                               parse_options=_parse_options(delim, quoted), convert_options=_convert_options(wide))
    except Exception:
        table = None
    if table is None:
        def odd_row(row):
            if row.number is None:
                return "error"
            cells, open_quote = _row_cells(row.text, delim, quoted)
            pos = row.number - 1
            if open_quote:
                unclosed.append(pos)
                return "error"
            n = len(cells)
            blank = _is_blank(cells)
            fits = n >= width and not blank and _is_blank(cells[width:])
            odd.append((pos, n, blank, cells[:width] if fits else None))
            return "skip"

        try:
            table = pacsv.read_csv(pa.BufferReader(body), read_options=_read_options(wide, threads=False),
                                   parse_options=_parse_options(delim, quoted, odd_row),
                                   convert_options=_convert_options(wide))
        except Exception:  # not CSV pyarrow can take: pandas reads (or refuses) the file
            if unclosed:
                raise UnclosedQuote(unclosed[0]) from None
            return None
    n = table.num_rows + len(odd)
    positions = np.delete(np.arange(n, dtype=np.int64), [o[0] for o in odd]) if odd else np.arange(n, dtype=np.int64)
    if quoted and table.num_rows:
        _check_quotes(body, table, positions, delim)
    bad = [(o[0], o[1], o[2]) for o in odd if o[3] is None]
    if wide > width:   # cells past the header's columns must be empty
        extra = np.zeros(table.num_rows, dtype=bool)
        for i in range(width, wide):
            extra |= ~_blank_cells(table.column(i))
        if extra.any():
            bad += [(int(p), wide, False) for p in positions[extra]]
            table, positions = table.filter(pa.array(~extra)), positions[~extra]
    table = table.select(range(width))
    kept = [o for o in odd if o[3] is not None]
    if kept:   # rows with another count of cells, all past the header's columns empty: rows like any other
        more = pa.table({f"c{i}": pa.array([o[3][i] for o in kept], type=pa.string()) for i in range(width)})
        order = np.argsort(np.concatenate([positions, [o[0] for o in kept]]), kind="stable")
        table = pa.concat_tables([table, more]).take(pa.array(order))
    ragged = pd.DataFrame(sorted(bad), columns=["pos", "cells", "blank"])
    return table, ragged.astype({"pos": "int64", "cells": "int64", "blank": bool})


def read_csv_text(kind: str, file: str, text: str) -> Table:
    grid, delim = _csv_grid(text, file)
    h = _find_header(kind, grid, file)
    got = _raw_rows(file, text, grid, h, delim) if grid else None
    title = _title(grid[:h])
    if got is not None:
        raw, ragged = got
        return _titled(_to_table(kind, file, raw, grid[h], h + 2, ragged, delim), title)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delim, header=None, skiprows=h + 1, dtype=str,
                          keep_default_na=False, skip_blank_lines=False, engine="c", on_bad_lines="error",
                          names=range(max(len(r) for r in grid)) if grid else None)
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileRefused("refused.csv_ragged", file, reason=str(exc).splitlines()[0]) from None
    return _titled(_to_table(kind, file, raw, grid[h], h + 2, None, delim), title)


def _title(rows: list[list]) -> list[str]:
    return [" ".join(str(c) for c in r if str(c).strip()) for r in rows if any(str(c).strip() for c in r)]


def _titled(table: Table, title: list[str]) -> Table:
    table.title = title
    return table


def _cell_text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if hasattr(v, "strftime"):
        if getattr(v, "hour", 0) or getattr(v, "minute", 0) or getattr(v, "second", 0):
            return v.isoformat(sep=" ")
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _two_row_header(kind: str, upper: list, lower: list) -> list:
    """One header from a group row merged over the row under it (送信元 over 送信元事業所番号 / 送信先事業所番号,
    対象年月 and 件数 in the upper row, merged down): a lower cell names its column (prefixed by its group
    when only the two together are a header of the kind: 送信元 + 事業所番号); where the lower cell is empty
    (merged down from above), the upper one does."""
    known = {cols.norm_header(a) for c in cols.SPECS[kind].columns for a in (c.name,) + c.aliases}
    out, group = [], ""
    for j in range(max(len(upper), len(lower))):
        up = _cell_text(upper[j]).strip() if j < len(upper) else ""
        low = _cell_text(lower[j]).strip() if j < len(lower) else ""
        group = up or group   # a merged cell's value is in its first column only
        if not low:
            out.append(up)
        elif cols.norm_header(low) not in known and cols.norm_header(group + low) in known:
            out.append(group + low)
        else:
            out.append(low)
    return out


def _sheet_header(kind: str, rows: list[list], file: str) -> tuple[list, int, int]:
    """(header cells, index of the first data row, index of the first header row) of a sheet: one header
    row, else a group row merged over the row under it (``_two_row_header``); the refusal of the one-row
    search when neither has the kind's columns. The rows above the header are its title (「…時点」)."""
    try:
        h = _find_header(kind, rows, file)
        return rows[h], h + 1, h
    except FileRefused as exc:
        refusal = exc
    for i in range(min(len(rows) - 1, MAX_HEADER_SCAN)):
        header = _two_row_header(kind, rows[i], rows[i + 1])
        try:
            _find_header(kind, [header], file)
        except FileRefused:
            continue
        return header, i + 2, i
    raise refusal


def _sheets_note(read_: list[str], skipped: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """What the summary says of a workbook of several sheets: the sheets read, each sheet skipped and why."""
    notes = [i18n.both("import.note.sheets_read",
                       sheets=("、".join(f"「{t}」" for t in read_), ", ".join(f"'{t}'" for t in read_)))]
    notes += [i18n.both("import.note.sheet_skipped", sheet=t, reason=(ja, en)) for t, ja, en in skipped]
    return notes


def _join_sheets(kind: str, file: str, tables: list[tuple[str, Table]]) -> Table:
    """The tables of a workbook's sheets as one (rows in sheet order; each row knows its sheet)."""
    first = tables[0][1]
    frame = pd.concat([t.frame for _, t in tables], ignore_index=True).fillna("")
    limits.check_rows(file, len(frame))
    row_numbers = pd.concat([t.row_numbers for _, t in tables], ignore_index=True)
    row_files = pd.Series([f"{file} [{title}]" for title, t in tables for _ in range(len(t.frame))], dtype=object)
    personal = list(dict.fromkeys(h for _, t in tables for h in t.dropped_personal))
    return Table(file, frame, row_numbers, personal, headers=first.headers, ragged=first.ragged,
                 header_cells=first.header_cells, totals=sum(t.totals for _, t in tables),
                 notes=[n for _, t in tables for n in t.notes], row_files=row_files, title=first.title)


def read_xlsx(kind: str, file: str, data: bytes) -> Table:
    """Every sheet that has a header of the kind (one row, or a group row merged over the row under it),
    as one table; with several sheets, the summary names those read and those skipped, and why."""
    import openpyxl

    limits.check_xlsx(file, data)  # an .xlsx is a ZIP: no bombs into openpyxl
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # a member whose data is damaged is named; else openpyxl could not make sense of the workbook
        raise bad_member_refusal(file, data) or FileRefused("refused.xlsx_unopenable", file) from None
    last_error: FileRefused | None = None
    tables: list[tuple[str, Table]] = []
    skipped: list[tuple[str, str, str]] = []
    try:
        sheets = list(wb.worksheets)
        for ws in sheets:
            try:
                rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            except Exception:  # openpyxl parses the sheet as it goes: a damaged member fails here, not at open
                raise damaged_xlsx(file, data, getattr(ws, "_worksheet_path", "")) from None
            if not rows:
                skipped.append((ws.title, *i18n.both("import.note.sheet_empty")))
                continue
            try:
                header, start, top = _sheet_header(kind, rows, file)
                width = max(len(r) for r in rows)
                raw = pd.DataFrame([r + [""] * (width - len(r)) for r in rows[start:]], dtype=str)
                if raw.shape[1] == 0:
                    raw = pd.DataFrame(index=range(0), columns=range(width), dtype=str)
                tables.append((ws.title, _titled(_to_table(kind, file, raw, header, start + 1), _title(rows[:top]))))
            except FileRefused as exc:
                last_error = exc
                skipped.append((ws.title, exc.ja, exc.en))
    finally:
        wb.close()
    if not tables:
        raise last_error or FileRefused("refused.no_sheet_data", file)
    if len(sheets) == 1:
        return tables[0][1]
    table = _join_sheets(kind, file, tables)
    table.notes = _sheets_note([t for t, _ in tables], skipped) + table.notes
    return table


def read_parquet(kind: str, file: str, data: bytes) -> Table:
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception:
        raise FileRefused("refused.parquet", file) from None
    header = [str(c) for c in df.columns]
    _find_header(kind, [header], file)
    raw = pd.DataFrame({i: _series_text(df[c]) for i, c in enumerate(df.columns)})
    return _to_table(kind, file, raw, header, 2)


def _series_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_float_dtype(s):
        out = s.map(lambda v: "" if v != v else (str(int(v)) if float(v).is_integer() else str(v)))
        return out.astype(str)
    if pd.api.types.is_integer_dtype(s):
        return s.astype("string").fillna("").astype(str)
    return s.map(_cell_text).astype(str)


def sniff_kind(name: str, data: bytes) -> str:
    """'xlsx', 'parquet', 'zip', 'badzip' (a ZIP header but no readable archive), 'xls', 'encrypted'
    (an OLE file holding a password-protected workbook) or 'text', from the content (names lie; magic
    bytes do not)."""
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if any(n.startswith("xl/") for n in z.namelist()):
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, ValueError):
            return "badzip"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # a password-protected .xlsx is an OLE file with an "EncryptedPackage" stream (UTF-16 name)
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted"
        return "xls"
    return "text"


_EXCEL_NAME = re.compile(r"\.(xlsx|xlsm|xltx|xls)$", re.IGNORECASE)
_ZIP_NAME = re.compile(r"\.zip$", re.IGNORECASE)


def damaged(file: str) -> FileRefused:
    """The refusal of a file whose name says Excel or ZIP but whose content is not a readable one."""
    if _ZIP_NAME.search(file):
        return FileRefused("refused.zip_damaged", file)
    return FileRefused("refused.xlsx_damaged", file)


# what reading one member of a valid ZIP can raise when its data is damaged: CRC or header mismatch,
# corrupt deflate/bzip2/LZMA data, an unsupported compression method, data ending early
try:
    from lzma import LZMAError as _LZMAError
except ImportError:  # a Python built without lzma: zipfile then refuses LZMA members with NotImplementedError
    class _LZMAError(Exception):
        pass
# RuntimeError: zipfile's answer to an encrypted member (a password is required)
MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, _LZMAError, NotImplementedError, EOFError, OSError, ValueError,
                 RuntimeError)


ENCRYPTED = "refused.member.encrypted"  # the key of the problem of a member encrypted with a password


def member_problem(exc: BaseException, info: zipfile.ZipInfo) -> tuple[str, str]:
    """What is wrong with one ZIP member that could not be read (``MEMBER_ERRORS``), in ja and en; no
    member name (the caller says which member, when its name may be shown)."""
    if info.flag_bits & 0x1:
        return i18n.both(ENCRYPTED)
    text = str(exc)
    if isinstance(exc, NotImplementedError) or "compression method" in text:
        return i18n.both("refused.member.compression", method=info.compress_type)
    if "CRC" in text:
        return i18n.both("refused.member.crc")
    if "File name in directory" in text:
        return i18n.both("refused.member.name_mismatch")
    return i18n.both("refused.member.data")


def first_bad_member(z: zipfile.ZipFile) -> tuple[str, tuple[str, str]] | None:
    """(name, problem) of the first member whose data cannot be read in full, or None (reads through each
    member in chunks, bounded by the sizes ``limits.check_archive`` has already checked)."""
    for info in z.infolist():
        if limits.is_folder(info):
            continue
        if info.flag_bits & 0x1:  # zipfile raises RuntimeError (a password is needed) on open
            return info.filename, i18n.both(ENCRYPTED)
        try:
            with z.open(info) as fh:
                while fh.read(limits.CHUNK):
                    pass
        except MEMBER_ERRORS as exc:
            return info.filename, member_problem(exc, info)
    return None


def _damaged_excel(file: str, what: tuple[str, str]) -> FileRefused:
    return FileRefused("refused.xlsx_part_damaged", file, what=what)


def bad_member_refusal(file: str, data: bytes) -> FileRefused | None:
    """The refusal of an .xlsx one of whose ZIP members cannot be read (CRC, compression), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = first_bad_member(z)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if bad is None:
        return None
    member, problem = bad
    return _damaged_excel(file, i18n.both("refused.what.member", member=member, problem=problem))


def damaged_xlsx(file: str, data: bytes, sheet_path: str = "") -> FileRefused:
    """The refusal of an .xlsx whose ZIP opens but whose sheet could not be read: the member whose data
    is damaged (CRC, compression), else the sheet whose XML is cut short or broken."""
    refusal = bad_member_refusal(file, data)
    if refusal is not None:
        return refusal
    sheet = sheet_path.lstrip("/") or "xl/worksheets/…"
    return _damaged_excel(file, i18n.both("refused.what.sheet_xml", sheet=sheet))


def read_table(kind: str, file: str, data: bytes) -> Table:
    fmt = sniff_kind(file, data)
    if fmt == "xlsx":
        return read_xlsx(kind, file, data)
    if fmt == "parquet":
        return read_parquet(kind, file, data)
    if fmt == "encrypted":
        raise FileRefused("refused.xlsx_encrypted", file)
    if fmt == "xls":
        raise FileRefused("refused.xls", file)
    if fmt == "zip":
        # kinds that take a ZIP (KindSpec.zip_of_files, cpds) open it before this: a ZIP here is of another kind
        raise FileRefused("refused.zip_not_for_kind", file)
    if fmt == "badzip":  # a cut-short .xlsx or .zip: its directory at the end is missing
        raise damaged(file)
    try:
        return read_csv_text(kind, file, decode(data, file))
    except FileRefused:
        if _EXCEL_NAME.search(file) or _ZIP_NAME.search(file):
            # named .xlsx but no Excel file inside (and no readable table either): say so, not "column missing"
            raise damaged(file) from None
        raise


OPEN_DATA_NAME = re.compile(r"jigyosho_(\d{3})", re.IGNORECASE)


def open_data_service(file: str) -> str | None:
    """The 3-digit service code from an open-data file name (jigyosho_430.csv → '430')."""
    m = OPEN_DATA_NAME.search(file.rsplit("/", 1)[-1])
    return m.group(1) if m else None
