"""Tables that leave the app: CSV in three encodings and XLSX, with spreadsheet formulas neutralised.

Japanese users open CSV in Excel, which reads UTF-8 only with a BOM and defaults to CP932 ("Excel用").
A cell that starts with = + - @ (or a tab/CR) would run as a formula in Excel or LibreOffice; such text is
prefixed with an apostrophe. Numbers are left alone, so a negative change stays a number.
"""
from __future__ import annotations

import io

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


def to_csv_bytes(frame: pd.DataFrame, encoding: str = "excel") -> bytes:
    """CSV bytes in one of CSV_ENCODINGS; characters CP932 cannot hold become '?' rather than failing."""
    _label, codec = CSV_ENCODINGS[encoding]
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode(codec, errors="replace")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per table (names cut to Excel's 31 characters)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=str(name)[:31], index=False)
    return buf.getvalue()
