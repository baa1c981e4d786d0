"""Tables that leave the app: CSV in three encodings and XLSX, with spreadsheet formulas neutralised.

Japanese users open CSV in Excel, which reads UTF-8 only with a BOM and defaults to CP932 ("Excel用").
A cell that starts with = + - @ (or a tab/CR) would run as a formula in Excel or LibreOffice; such text is
prefixed with an apostrophe. Numbers are left alone, so a negative change stays a number.
"""
from __future__ import annotations

import io
import re

import pandas as pd

CSV_ENCODINGS = {
    "utf-8": ("UTF-8", "utf-8"),
    "excel": ("Excel用 (UTF-8 BOM付き)", "utf-8-sig"),
    "cp932": ("Shift_JIS (CP932)", "cp932"),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value):
    """Text that a spreadsheet would run as a formula comes out inert (prefixed with ')."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


# the variants made for Excel, which reads a cell 01 as the number 1
FOR_EXCEL = ("excel", "cp932")
_LEADING_ZERO = re.compile(r"0[0-9]+")


def is_code_column(name) -> bool:
    """都道府県コード, 市区町村コード, 事業所番号 and their English names, as keys (prefecture_code, office_code)
    or as the English UI heads them (Prefecture code, Office no., Partner office no.)."""
    text = str(name)
    low = text.lower()
    return (low.endswith("_code") or low.endswith(" code") or "office no" in low or "コード" in text
            or "事業所番号" in text)


def keep_leading_zeros(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes with a leading zero (都道府県コード 01–09, 市区町村コード 011002, the 事業所番号 of those prefectures)
    written ="01": Excel shows the text 01 instead of the number 1, and the app's own readers strip the
    quoting on import. Only digit strings in code columns are wrapped, so no text of a user's becomes a
    formula (the rest stays neutralised)."""
    out = frame.copy()
    for col in out.columns:
        if is_code_column(col) and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(lambda v: f'="{v}"' if isinstance(v, str) and _LEADING_ZERO.fullmatch(v) else v)
    return out


def to_csv_bytes(frame: pd.DataFrame, encoding: str = "excel") -> bytes:
    """CSV bytes in one of CSV_ENCODINGS; characters CP932 cannot hold become '?' rather than failing. The
    variants for Excel keep codes' leading zeros (``keep_leading_zeros``); plain UTF-8 is left as data."""
    _label, codec = CSV_ENCODINGS[encoding]
    safe = neutralise_frame(frame)
    if encoding in FOR_EXCEL:
        safe = keep_leading_zeros(safe)
    text = safe.to_csv(index=False, lineterminator="\r\n")
    return text.encode(codec, errors="replace")



def rejected_csv(frame: pd.DataFrame) -> bytes:
    """The rejected rows of an import (``analytics.ingest.history.rejected_rows``) as the import page's
    download: UTF-8 with BOM so that Excel opens the Japanese text correctly; formulas neutralised."""
    # the values are the uploaded cells as they were: every formula start (= + - @ tab CR, full-width ＝ …)
    # is neutralised whatever the column's dtype (read_df gives string columns, not object ones)
    return to_csv_bytes(frame, "excel")

def to_xlsx_bytes(sheets: dict[str, pd.DataFrame],
                  number_formats: dict[str, dict[str, str]] | None = None) -> bytes:
    """One workbook, a sheet per table (names cut to Excel's 31 characters).

    number_formats: {sheet: {column header: Excel number format}} for the data cells of those columns
    ('#,##0' for yen and counts, '0.0%' for fractions); the sheets named there (even with {}) also get
    columns wide enough to read (at most 60)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = neutralise_frame(frame)
            safe.to_excel(writer, sheet_name=str(name)[:31], index=False)
            formats = (number_formats or {}).get(name)
            if formats is not None:
                _format_sheet(writer.sheets[str(name)[:31]], safe, {neutralise(str(c)): f for c, f in formats.items()})
    return buf.getvalue()


def _text_width(value) -> int:
    """Excel column width of a cell's text: full-width characters count two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(value))


def _format_sheet(ws, frame: pd.DataFrame, formats: dict[str, str]) -> None:
    from openpyxl.utils import get_column_letter
    for j, col in enumerate(frame.columns, 1):
        letter = get_column_letter(j)
        fmt = formats.get(str(col))
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        values = frame[col].head(200)
        shown = [_text_width(col)] + [_text_width(f"{v:,.1f}" if isinstance(v, float) else v)
                                      for v in values if v is not None and not pd.isna(v)]
        ws.column_dimensions[letter].width = min(max(shown) + 2, 60)
