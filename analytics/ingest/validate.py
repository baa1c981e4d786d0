"""Text cells → typed, checked rows per kind, vectorised: every distinct value is parsed once.

Each validator returns the accepted rows (canonical, typed) with their position ``_pos`` in the file,
and the problems as a frame (pos, column, value, reason_ja, reason_en). A row with any problem is rejected.
"""
from __future__ import annotations

import contextvars
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import i18n, settings
from analytics.domain import codes, dates
from analytics.errors import FileRefused
from analytics.ingest import columns as cols
from analytics.ingest.read import Table
from analytics.store import definitions

ERROR_COLUMNS = ["pos", "column", "value", "reason_ja", "reason_en"]
MAX_COUNT = 1_000_000_000  # sheets, users, care managers: far above any real office or month


@dataclass
class Checked:
    rows: pd.DataFrame       # accepted rows, typed, with _pos
    errors: pd.DataFrame     # ERROR_COLUMNS
    rows_read: int           # data rows, and the total rows skipped (``skipped``)
    skipped: int = 0         # 合計/小計 rows: neither accepted nor rejected
    notes: list = field(default_factory=list)   # (ja, en) sentences for the summary
    warnings: int = 0        # values stored with a warning (an office number failing its check digit)


# 事業所番号 in the office master (offices table) whose check digit does not match (みなし指定 offices): the
# master is the authority on them, so the other kinds accept them. Set for one import (ingest_files).
KNOWN_UNCHECKED: contextvars.ContextVar[frozenset] = contextvars.ContextVar("known_unchecked", default=frozenset())


def unchecked_note(n: int, stored: bool) -> tuple[str, str]:
    """What the summary says of office numbers taken although their check digit does not match."""
    return i18n.both("import.note.unchecked_stored" if stored else "import.note.unchecked_in_master", n=n)


class _Problems:
    def __init__(self):
        self.parts: list[pd.DataFrame] = []
        self.warnings = 0                       # values taken with a warning (counted in the summary)
        self.notes: list[tuple[str, str]] = []  # (ja, en) sentences for the summary
        # per column, the rows of its cells rejected by their length (``_limit``): no other problem of
        # those cells is listed, they were never parsed
        self.overlong: dict[str, pd.Index] = {}

    def add(self, mask: pd.Series, column: str, values: pd.Series, ja, en) -> None:
        """ja/en: a constant sentence, or Series aligned with values (per-value reasons)."""
        if column in self.overlong:
            mask = mask & ~mask.index.isin(self.overlong[column])
        if not mask.any():
            return
        idx = mask[mask].index
        part = pd.DataFrame({"pos": idx, "column": column, "value": values.loc[idx].to_numpy()})
        part["reason_ja"] = ja.loc[idx].to_numpy() if isinstance(ja, pd.Series) else ja
        part["reason_en"] = en.loc[idx].to_numpy() if isinstance(en, pd.Series) else en
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=ERROR_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)[ERROR_COLUMNS]


def _arrow_text(series: pd.Series):
    """The column as one pyarrow string array without nulls (zero-copy for pandas' arrow-backed str, what
    the readers give), else None (object columns and the like take the pandas way)."""
    dtype = series.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    arr = pa.array(series.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr.cast(pa.string())


def _factorize(series: pd.Series):
    """(position of each row's value in uniq, distinct values as an object array); arrow's dictionary
    encoding for arrow-backed text (twice as fast as pandas' hash table), else pandas.factorize."""
    arr = _arrow_text(series)
    if arr is not None:
        enc = arr.dictionary_encode()
        return (enc.indices.to_numpy(zero_copy_only=False),
                np.asarray(enc.dictionary.to_pylist() + [None], dtype=object)[:-1], enc.dictionary)
    positions, uniq = pd.factorize(series, use_na_sentinel=False)
    return positions, np.asarray(uniq, dtype=object), None


def _text_series(mapped: np.ndarray, positions: np.ndarray, index) -> pd.Series:
    """mapped[positions] (str or None) as an arrow-backed str column, built in C (no million objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    taken = pc.take(pa.array(mapped, type=pa.string()), pa.array(positions))
    out = taken.to_pandas()
    out.index = index
    return out


def _map(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value (millions of rows, thousands of distinct codes)."""
    positions, uniq, _ = _factorize(series)
    mapped = np.empty(len(uniq), dtype=object)
    mapped[:] = [fn(u) for u in uniq]
    return pd.Series(mapped[positions], index=series.index, dtype=object)


def _clean(series: pd.Series) -> pd.Series:
    return _map(series, codes.normalise_text)


def too_long_reason(chars: int, limit: int) -> tuple[str, str]:
    """Why a cell longer than ``settings.max_cell_chars`` is rejected (its length is checked first)."""
    return i18n.both("rows.too_long", chars=chars, limit=limit)


def _lengths(series: pd.Series) -> np.ndarray:
    """Characters of each cell (0 for a non-text value); arrow-backed text in C, and not at all when no
    cell has more bytes than the limit."""
    arr = _arrow_text(series)
    if arr is not None:
        import pyarrow.compute as pc
        return pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.fromiter((len(v) if isinstance(v, str) else 0 for v in series), dtype=np.int64, count=len(series))


def _limit(frame: pd.DataFrame, column: str, problems: _Problems) -> pd.DataFrame:
    """Reject the column's cells longer than ``settings.max_cell_chars`` by their length alone (the reason
    listed now, in the column's turn) and return the frame with those cells emptied: no parser, regular
    expression or personal-data test ever reads a value far longer than any code, date or name (a
    200,000-character cell once held the server for minutes). Their later problems are not listed."""
    if column not in frame or column in problems.overlong:
        return frame
    problems.overlong[column] = pd.Index([])
    raw = frame[column]
    limit = settings.max_cell_chars()
    arr = _arrow_text(raw)
    if arr is not None and len(arr):
        import pyarrow.compute as pc
        if pc.max(pc.binary_length(arr)).as_py() <= limit:  # bytes ≥ characters: no cell is too long
            return frame
    chars = _lengths(raw)
    long = pd.Series(chars > limit, index=raw.index)
    if not long.any():
        return frame
    reasons = [too_long_reason(int(n), limit) for n in chars[long.to_numpy()]]
    idx = raw.index[long.to_numpy()]
    problems.add(long, column, raw, pd.Series([r[0] for r in reasons], index=idx),
                 pd.Series([r[1] for r in reasons], index=idx))
    problems.overlong[column] = idx
    frame = frame.copy(deep=False)
    frame[column] = raw.where(~long, "")
    return frame


# 事業所番号 character values by byte (-1: not a character of codes.OFFICE_CODE_ALPHABET)
_CHAR_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(codes.OFFICE_CODE_ALPHABET):
    _CHAR_VALUE[ord(_c)] = _i


def clean_valid_office_codes(values: np.ndarray) -> np.ndarray:
    """True where a value is already a clean, valid 事業所番号 (same rule as codes.is_valid_office_code),
    vectorised: a national log has ≈300k distinct codes per file, too many for one Python call each."""
    out = np.zeros(len(values), dtype=bool)
    if not len(values):
        return out
    text = pd.Series([v if isinstance(v, str) else "" for v in values], dtype=object)
    shape = text.str.fullmatch(_CODE_SHAPE.strip("^$")).fillna(False).to_numpy(bool)
    if not shape.any():
        return out
    b = np.array([v.encode("ascii") for v in values[shape]], dtype="S10").view(np.uint8).reshape(-1, 10)
    out[np.flatnonzero(shape)] = _check_digits_ok(b)
    return out


def _check_digits_ok(b: np.ndarray) -> np.ndarray:
    """b: n × 10 ASCII bytes of well-shaped codes → check digit and prefecture 01–47 right."""
    check = codes.office_check_digits(_CHAR_VALUE[b[:, :9]])
    pref = (b[:, 0].astype(np.int64) - 48) * 10 + (b[:, 1].astype(np.int64) - 48)
    return (check == b[:, 9].astype(np.int64) - 48) & (pref >= 1) & (pref <= 47)


_CODE_SHAPE = codes.OFFICE_CODE_SHAPE


def _clean_valid_arrow(dictionary) -> np.ndarray:
    """clean_valid_office_codes on a pyarrow string array (the shape by RE2, bytes straight from the
    buffer): the same rule, without a Python call per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc
    out = np.zeros(len(dictionary), dtype=bool)
    if not len(dictionary):
        return out
    shape = pc.match_substring_regex(dictionary, _CODE_SHAPE).to_numpy(zero_copy_only=False).astype(bool)
    if not shape.any():
        return out
    valid = pc.filter(dictionary, pa.array(shape)).cast(pa.string())
    offsets = np.frombuffer(valid.buffers()[1], dtype=np.int32)[valid.offset:valid.offset + len(valid) + 1]
    data = np.frombuffer(valid.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    out[np.flatnonzero(shape)] = _check_digits_ok(data.reshape(-1, 10))
    return out


def _normalise_office_codes(series: pd.Series) -> pd.Series:
    """codes.normalise_office_code per distinct value; values already clean and valid skip the Python call."""
    positions, uniq, dictionary = _factorize(series)
    ok = clean_valid_office_codes(uniq) if dictionary is None else _clean_valid_arrow(dictionary)
    mapped = np.where(ok, uniq, None).astype(object)
    for i in np.flatnonzero(~ok):
        mapped[i] = codes.normalise_office_code(uniq[i])
    if dictionary is not None:  # arrow-backed text in, arrow-backed text out (NaN where invalid)
        return _text_series(mapped, positions, series.index)
    return pd.Series(mapped[positions], index=series.index, dtype=object)


def listed_office_codes(table: Table, positions) -> list[str]:
    """The 事業所番号 readable in the rows at ``positions`` (rows rejected for another column): a dated master
    still lists those offices, so they must not be closed (analytics.ingest.master_snapshots)."""
    if "office_code" not in table.frame.columns or not len(positions):
        return []
    raw = table.frame["office_code"].iloc[sorted(int(p) for p in positions if 0 <= int(p) < len(table.frame))]
    code = _normalise_office_codes(raw).astype(object)
    failing = code.isna()
    if failing.any():  # みなし指定: the master takes them with a warning
        code.loc[failing] = _map(raw[failing], codes.office_code_failing_check)
    return sorted({c for c in code if isinstance(c, str)})


def _office_codes(frame: pd.DataFrame, column: str, problems: _Problems, required: bool = True,
                  master: bool = False) -> pd.Series:
    """Valid 事業所番号; a number whose check digit alone is wrong is taken when ``master`` (the office master
    is the authority: stored with a warning) or when the master holds it (``KNOWN_UNCHECKED``)."""
    frame = _limit(frame, column, problems)
    raw = frame[column]
    code = _normalise_office_codes(raw)
    bad = code.isna()
    known = KNOWN_UNCHECKED.get()
    if bad.any() and (master or known):
        unchecked = _map(raw[bad], codes.office_code_failing_check)
        taken = unchecked.notna() if master else unchecked.isin(known)
        if taken.any():
            code = code.astype(object)
            code.loc[taken[taken].index] = unchecked[taken]
            bad = code.isna()
            n = int(taken.sum())
            problems.warnings += n if master else 0
            problems.notes.append(unchecked_note(n, stored=master))
    if not required:
        bad &= _clean(raw) != ""
    if bad.any():
        why = _map(raw[bad], lambda v: codes.office_code_problem(v) or i18n.both("rows.office.invalid"))
        problems.add(bad, column, raw, why.map(lambda t: t[0]), why.map(lambda t: t[1]))
    return code


def _dates(frame, column, problems, required, month=False, upper=True) -> pd.Series:
    """Months or dates; ``upper``: also refuse those after the month after today's (dates.month_range)."""
    frame = _limit(frame, column, problems)
    raw = frame[column] if column in frame else pd.Series("", index=frame.index)
    empty = _clean(raw) == ""
    # the one rule of dates.allowed_range: 介護保険 began in 2000-04; nothing is dated after the month after
    # today's (2099-01 is a typo)
    lo, hi = dates.allowed_range(month, open_end=not upper)
    parse = codes.parse_month if month else codes.parse_date
    positions, uniq, _ = _factorize(raw)
    per_value = np.empty(len(uniq), dtype=object)
    per_value[:] = [parse(u) for u in uniq]   # once per distinct value
    outside_value = np.array([d is not None and not lo <= d <= hi for d in per_value], dtype=bool)
    parsed = pd.Series(per_value[positions], index=raw.index, dtype=object)
    outside = pd.Series(outside_value[positions], index=raw.index, dtype=bool)
    if required:
        problems.add(empty, column, raw, *i18n.both("rows.month.empty" if month else "rows.date.empty"))
    unread = parsed.isna() & ~empty
    if unread.any():
        generic = i18n.both("rows.month.unreadable" if month else "rows.date.unreadable")
        why = _map(raw[unread], lambda v: dates.era_hint(v, month) or generic)
        problems.add(unread, column, raw, why.map(lambda t: t[0]), why.map(lambda t: t[1]))
    if outside.any():
        ja, en = dates.range_problem(month, open_end=not upper)
        problems.add(outside, column, raw, ja, en)
        parsed = parsed.where(~outside, None)
    return parsed


_COUNT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.0+)?")
COUNT_REASON = "rows.count"  # the key of the reason of a cell that is not a count


def parse_count(value, default=None):
    """A count from a cell: digits, full-width digits, thousands separators (1,200), a trailing 件/枚/人/名,
    an Excel float's .0; '' gives ``default``; anything else (1e9, 2.5, -3, abc) gives -1. A number of more
    than 18 digits gives ``MAX_COUNT + 1`` (too large), not itself: Python refuses to read an int of more than
    4,300 digits and to make a float of one above 1e308 (both found by ``make fuzz``)."""
    t = re.sub(r"\s", "", codes.normalise_text(value))
    t = re.sub(r"[件枚人名]$", "", t)
    if t == "":
        return default
    if _COUNT.fullmatch(t):
        digits = t.split(".")[0].replace(",", "").lstrip("0")
        return int(digits or "0") if len(digits) <= 18 else MAX_COUNT + 1
    return -1


def _ints(frame, column, problems, default=None) -> pd.Series:
    frame = _limit(frame, column, problems)
    raw = frame[column] if column in frame else pd.Series("", index=frame.index)
    arr = _arrow_text(raw)
    if arr is not None and len(arr):
        import pyarrow.compute as pc
        # plain numbers of at most 9 digits (the usual log): the same int64 column, no problem possible
        if pc.all(pc.match_substring_regex(arr, "^[0-9]{1,9}$")).as_py():
            return pd.Series(pc.cast(arr, "int64").to_numpy(zero_copy_only=False), index=raw.index)
    # counts repeat (a million rows, a few hundred distinct values): each distinct value is read once,
    # plain ASCII digits at once, the rest one by one
    positions, uniq, _ = _factorize(raw)
    text = pd.Series([str(u) for u in uniq], dtype=object)
    plain = text.str.fullmatch(r"[0-9]{1,18}").fillna(False).to_numpy(bool)
    per_value = np.full(len(uniq), np.nan, dtype="float64")
    if plain.any():
        per_value[plain] = pd.to_numeric(text[plain]).to_numpy(dtype="float64")
    for i in np.flatnonzero(~plain):
        v = parse_count(uniq[i], default)
        per_value[i] = np.nan if v is None else float(v)
    value = pd.Series(per_value[positions], index=raw.index, dtype="float64")
    problems.add(value < 0, column, raw, *i18n.both(COUNT_REASON))
    # found by the fuzz tests: 20-digit numbers parse as floats that no integer column can hold
    problems.add(value > MAX_COUNT, column, raw, *i18n.both("rows.count_too_large", max=MAX_COUNT))
    return value


def _prefecture(frame, column, problems) -> pd.Series:
    frame = _limit(frame, column, problems)
    raw = frame[column] if column in frame else pd.Series("", index=frame.index)
    parsed = _map(raw, codes.parse_prefecture)
    problems.add(parsed.isna() & (_clean(raw) != ""), column, raw, *i18n.both("rows.prefecture"))
    return parsed


def _base(table: Table) -> tuple[pd.DataFrame, _Problems]:
    return table.frame, _Problems()


def ragged_reason(header_cells: int, row_cells: int, delimiter: str = ",") -> tuple[str, str]:
    """Why a row whose cell count differs from the header's is rejected whole (none of its cells is kept:
    a comma inside a name shifts the name's pieces into other columns)."""
    sep = {"\t": "rows.sep.tab", ";": "rows.sep.semicolon"}.get(delimiter, "rows.sep.comma")
    return i18n.both("rows.ragged", header_cells=header_cells, row_cells=row_cells, sep=i18n.both(sep))


def ragged_problems(ragged: pd.DataFrame, header_cells: int, delimiter: str) -> pd.DataFrame:
    """ERROR_COLUMNS for rows of the wrong width (ragged: pos, cells); the value is never shown."""
    if ragged is None or ragged.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    reasons = [ragged_reason(header_cells, int(n), delimiter) for n in ragged["cells"]]
    return pd.DataFrame({"pos": ragged["pos"].astype("int64").to_numpy(), "column": "", "value": "",
                         "reason_ja": [r[0] for r in reasons], "reason_en": [r[1] for r in reasons]})


def _finish(table: Table, out: pd.DataFrame, problems: _Problems) -> Checked:
    for column in table.frame.columns:  # columns read but not checked (a registration's 事業所名) have the limit too
        _limit(table.frame, column, problems)
    errors = problems.frame()
    if table.ragged is not None and not table.ragged.empty:
        # a row of the wrong width is rejected whole, for that reason alone: its cells are not its columns
        errors = errors[~errors["pos"].isin(table.ragged["pos"])]
        errors = pd.concat([errors, ragged_problems(table.ragged, table.header_cells, table.delimiter)],
                           ignore_index=True)[ERROR_COLUMNS]
    # in row order (a row's problems in column order), as the fast path lists them: the summary's first
    # problems and rejected_rows agree whichever path read the file
    errors = errors.sort_values("pos", kind="stable").reset_index(drop=True)
    bad = set(errors["pos"].unique())
    out = out.copy()
    out["_pos"] = np.arange(len(out))
    if bad:
        out = out[~out["_pos"].isin(bad)]
    return Checked(out.reset_index(drop=True), errors, len(table.frame) + table.totals, table.totals,
                   list(table.notes) + problems.notes, problems.warnings)


# ---------------------------------------------------------------- offices

_OFFICE_DESCRIPTIVE = ("name", "service_code", "prefecture_code", "municipality_code", "municipality")


def _refuse_bare_office_list(table: Table) -> None:
    """An office master must describe offices: a list of bare 事業所番号 (a registration list, say) would
    add nameless offices to the adoption denominator. Refused whole."""
    # a registration list (DESIGN §2) may also carry 事業所名 or 都道府県: its 利用開始日 tells it apart. An end
    # date alone (廃止日, 終了日) is also a column of real office lists, so it counts only without a service
    found = cols.match_headers("registrations", table.headers) if table.headers else {}
    if "registered_on" in found or ("ended_on" in found and "service_code" not in table.frame.columns):
        raise FileRefused("refused.looks_like_registrations", table.file)
    if any(c in table.frame.columns for c in _OFFICE_DESCRIPTIVE):
        return
    raise FileRefused("refused.office_master_not_descriptive", table.file)


def _muni_in_row_prefecture(raw: pd.Series, muni: pd.Series, row_pref: pd.Series, problems: _Problems) -> pd.Series:
    """Municipality codes of another prefecture than the row's (都道府県名, else the office number's first two
    digits): the leading zero Excel dropped restored, or the row rejected (codes.municipality_in_prefecture).
    Only the rows that disagree are looked at, once per distinct (code, prefecture)."""
    other = muni.notna() & row_pref.notna() & (muni.str[:2] != row_pref)
    if not other.any():
        return muni
    pairs = pd.DataFrame({"raw": raw[other].astype(str), "pref": row_pref[other].astype(str)})
    verdict = {key: codes.municipality_in_prefecture(*key) for key in set(zip(pairs["raw"], pairs["pref"]))}
    got = pd.Series([verdict[k] for k in zip(pairs["raw"], pairs["pref"])], index=pairs.index, dtype=object)
    fixed = got.map(lambda v: v[0])
    muni = muni.astype(object).copy()
    muni.loc[fixed.index] = fixed
    refused = got[fixed.isna()]
    if len(refused):
        mask = pd.Series(False, index=raw.index)
        mask.loc[refused.index] = True
        problems.add(mask, "municipality_code", raw, refused.map(lambda v: v[1][0]).reindex(raw.index),
                     refused.map(lambda v: v[1][1]).reindex(raw.index))
    return muni


def offices(table: Table, file_service: str | None = None) -> Checked:
    _refuse_bare_office_list(table)
    f, p = _base(table)
    out = pd.DataFrame(index=f.index)
    out["office_code"] = _office_codes(f, "office_code", p, master=True)
    for c in ("name", "municipality"):
        out[c] = _clean(_limit(f, c, p)[c]).replace("", None) if c in f else None
    file_svc = codes.service_from_code(file_service) if file_service is not None else None
    if file_svc is not None:  # jigyosho_430.csv: one service per open-data file
        out["service_code"] = file_svc
    elif "service_code" in f:
        raw = _limit(f, "service_code", p)["service_code"]
        svc = _map(raw, codes.service_from_code)
        p.add(svc.isna() & (_clean(raw) != ""), "service_code", raw, *i18n.both("rows.service"))
        out["service_code"] = svc
    else:
        out["service_code"] = None
    pref = _prefecture(f, "prefecture_code", p)
    if "municipality_code" in f:
        raw = _limit(f, "municipality_code", p)["municipality_code"]
        muni = _map(raw, codes.normalise_municipality_code)
        p.add(muni.isna() & (_clean(raw) != ""), "municipality_code", raw, *i18n.both("rows.municipality"))
        muni = _muni_in_row_prefecture(raw, muni, pref.fillna(out["office_code"].str[:2]), p)
    else:
        muni = pd.Series(None, index=f.index, dtype=object)
    out["municipality_code"] = muni
    pref = pref.fillna(muni.str[:2]).fillna(out["office_code"].str[:2])
    out["prefecture_code"] = pref
    for c, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
        if c in f:
            raw = _limit(f, c, p)[c]
            num = pd.to_numeric(_clean(raw).replace("", None), errors="coerce")
            bad = (num.isna() & (_clean(raw) != "")) | (num < lo) | (num > hi)
            p.add(bad, c, raw, *i18n.both("rows.lat" if c == "lat" else "rows.lon"))
            out[c] = num
        else:
            out[c] = np.nan
    return _finish(table, out, p)


# ---------------------------------------------------------------- registrations

def registrations(table: Table, as_of=None, as_of_source: str | None = None) -> Checked:
    """A dated list (利用開始日), or a snapshot on ``as_of`` (analytics.ingest.snapshots): without a date
    column the as-of date is needed; with both, the rows' dates are kept (and may be empty)."""
    if as_of is None and "registered_on" not in table.frame.columns:
        raise no_date_refusal(table.file)
    f, p = _base(table)
    out = pd.DataFrame(index=f.index)
    out["office_code"] = _office_codes(f, "office_code", p)
    if "registered_on" in f:
        out["registered_on"] = _dates(f, "registered_on", p, required=as_of is None)
    else:
        out["registered_on"] = None
    out["as_of"] = as_of
    out["as_of_source"] = as_of_source
    # a planned (or "never": 9999-12-31) 利用終了日 may lie in the future: only the lower bound applies
    out["ended_on"] = _dates(f, "ended_on", p, required=False, upper=False) if "ended_on" in f else None
    if "ended_on" in f:
        before = definitions.ends_before_start(out["registered_on"], out["ended_on"])
        p.add(before, "ended_on", f["ended_on"], *i18n.both("rows.ends_before_start"))
    pref = _prefecture(f, "prefecture_code", p)
    out["prefecture_code"] = pref.fillna(out["office_code"].str[:2])
    return _finish(table, out, p)


# ---------------------------------------------------------------- exchanges

def _fold(value) -> str:
    return re.sub(r"[\s()（）「」\-_・]+", "", unicodedata.normalize("NFKC", str(value))).lower()


FORM_ALIASES = {
    "plan": ("予定", "提供票予定", "利用票予定", "サービス提供票予定", "plan", "planned", "yotei", "予定情報"),
    "actual": ("実績", "提供票実績", "実績情報", "サービス提供実績", "actual", "actuals", "result", "jisseki"),
    "sheet1": ("第1表", "1表", "計画書1", "居宅サービス計画書1", "計画書", "居宅サービス計画書", "sheet1", "table1", "form1"),
    "sheet2": ("第2表", "2表", "計画書2", "居宅サービス計画書2", "sheet2", "table2", "form2"),
    "sheet6": ("第6表", "6表", "サービス利用票", "利用票", "提供票", "sheet6", "table6", "form6"),
    "sheet7": ("第7表", "7表", "サービス利用票別表", "利用票別表", "別表", "sheet7", "table7", "form7"),
}
CHANNEL_ALIASES = {
    "fax": ("fax", "ファックス", "ファクス", "ファクシミリ", "facsimile"),
    "post": ("郵送", "郵便", "post", "postal", "mail", "letter"),
    "hand": ("手渡し", "持参", "手交", "直接", "訪問", "hand", "in person", "handdelivery"),
    "email": ("メール", "電子メール", "eメール", "email", "e-mail"),
    "digital": ("データ連携", "ケアプランデータ連携", "ケアプランデータ連携システム", "cpds", "digital",
                "連携システム", "電子", "データ"),
}
_FORM_LOOKUP = {_fold(a): k for k, v in FORM_ALIASES.items() for a in v}
_CHANNEL_LOOKUP = {_fold(a): k for k, v in CHANNEL_ALIASES.items() for a in v}


def parse_form(value) -> str | None:
    key = _fold(value)
    if key in _FORM_LOOKUP:
        return _FORM_LOOKUP[key]
    if "予定" in key:
        return "plan"
    if "実績" in key:
        return "actual"
    m = re.search(r"第?([1267])表", key)
    return f"sheet{m.group(1)}" if m else None


def parse_channel(value) -> str | None:
    key = _fold(value)
    if key in _CHANNEL_LOOKUP:
        return _CHANNEL_LOOKUP[key]
    if "fax" in key or "ファックス" in key:
        return "fax"
    if "連携" in key:
        return "digital"
    return None


def _choice(column: str, parse, key: str):
    """The check of a column with a fixed set of values (parse → canonical value or None); ``key``: the
    reason of a value not in the set."""
    def check(frame, problems) -> pd.Series:
        frame = _limit(frame, column, problems)
        out = _map(frame[column], parse)
        problems.add(out.isna(), column, frame[column], *i18n.both(key))
        return out
    return check


_form = _choice("form", parse_form, "rows.form")
_channel = _choice("channel", parse_channel, "rows.channel")


SAME_OFFICE = "rows.same_office"  # the key of the reason of a row sent to its own office

# the checks of one exchanges column, each on its own (analytics.ingest.fast runs them on distinct values)
EXCHANGE_CHECKS = {
    "month": lambda f, p: _dates(f, "month", p, required=True, month=True),
    "sender_code": lambda f, p: _office_codes(f, "sender_code", p),
    "receiver_code": lambda f, p: _office_codes(f, "receiver_code", p),
    "form": _form,
    "channel": _channel,
    "sheets": lambda f, p: _ints(f, "sheets", p, default=1),
}


def exchanges(table: Table) -> Checked:
    f, p = _base(table)
    out = pd.DataFrame(index=f.index)
    for column, check in EXCHANGE_CHECKS.items():
        out[column] = check(f, p)
        if column == "receiver_code":
            same = out["sender_code"].notna() & (out["sender_code"] == out["receiver_code"])
            p.add(same, "receiver_code", f["receiver_code"], *i18n.both(SAME_OFFICE))
    return _finish(table, out, p)


# ---------------------------------------------------------------- profiles

def profiles(table: Table) -> Checked:
    f, p = _base(table)
    out = pd.DataFrame(index=f.index)
    out["office_code"] = _office_codes(f, "office_code", p)
    out["month"] = _dates(f, "month", p, required=True, month=True)
    out["users"] = _ints(f, "users", p)
    out["care_managers"] = _ints(f, "care_managers", p)
    none = out["users"].isna() & out["care_managers"].isna()
    col = "users" if "users" in f else "care_managers"
    p.add(none, col, f[col], *i18n.both("rows.profile_empty"))
    return _finish(table, out, p)


# columns whose valid values are codes, numbers or dates: a rejected cell there that holds words (kana,
# kanji other than a 和暦 date's, or two Latin words) is most likely a shifted or mistyped personal cell
# (a care user's name typed into 事業所番号), so its value is not kept in rejected_rows or shown
CODE_LIKE_COLUMNS = frozenset({"office_code", "sender_code", "receiver_code", "municipality_code", "service_code",
                               "prefecture_code", "sheets", "users", "care_managers", "month", "registered_on",
                               "ended_on"})
_DATE_WORDS = set("令和平成昭和大正明治元年月日")
_WORDS = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]")
# two Latin words (YAMADA Taro, Yamada, Taro): a run of 2+ letters, separators, 2 letters. Tried only where a
# run of letters begins (the look-behind), so each letter is looked at a bounded number of times: linear. The
# pattern without it, searched, tried every letter of a run as a start and backtracked over the rest of the
# run (quadratic: 20,000 letters took 32 s, 200,000 letters 678 s).
_LATIN_NAME = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,}[\s\u3000,]+[^\W\d_]{2}")
# the personal-data test reads at most this many characters of a value; a longer value is never shown past
# its first SHOWN_CHARS characters (so what is shown has always been tested)
NAME_SCAN_CHARS = 10_000
SHOWN_CHARS = 40


def may_name_a_person(value) -> bool:
    """True when a rejected cell of a code/number/date column holds words rather than a mistyped code.
    Only the first NAME_SCAN_CHARS characters are read (``personal_safe`` shows no more of a value)."""
    if not isinstance(value, str):
        return False
    text = unicodedata.normalize("NFKC", value[:NAME_SCAN_CHARS])
    if any(m.group() not in _DATE_WORDS for m in _WORDS.finditer(text)):
        return True
    return bool(_LATIN_NAME.search(text))


def shown_value(value, limit: int | None = None):
    """A rejected value as kept and shown: whole, or its first SHOWN_CHARS characters and "…" when it is
    longer than the cell limit (``limit``, else ``settings.max_cell_chars``) or than what the personal-data
    test reads."""
    limit = settings.max_cell_chars() if limit is None else limit
    if isinstance(value, str) and len(value) > min(limit, NAME_SCAN_CHARS):
        return value[:SHOWN_CHARS] + "…"
    return value


def personal_safe(errors: pd.DataFrame) -> pd.DataFrame:
    """Never show a value of a personal-data column (defence in depth: such columns are dropped on read),
    nor words found in a code, number or date column (a name typed or shifted into it); an overlong value
    only by its beginning (``shown_value``)."""
    if errors.empty:
        return errors
    mask = errors["column"].map(lambda c: cols.is_personal(c) if c else False)
    worded = errors["column"].isin(CODE_LIKE_COLUMNS) & errors["value"].map(may_name_a_person).astype(bool)
    errors = errors.copy()
    limit = settings.max_cell_chars()
    errors["value"] = errors["value"].map(lambda v: shown_value(v, limit))
    errors.loc[mask | worded, "value"] = cols.PERSONAL_PLACEHOLDER
    return errors


VALIDATORS = {"offices": offices, "registrations": registrations, "exchanges": exchanges, "profiles": profiles}


def no_date_refusal(file: str) -> FileRefused:
    return FileRefused("refused.no_registered_on", file)
