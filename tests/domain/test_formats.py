"""analytics.domain.formats: one table of values per format, and a scan that no other module of analytics/
writes a percent, a change in points or a month label itself (issue #19 item 6)."""
from __future__ import annotations

import ast
import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.domain import dates, formats

D = dt.date
NAN = float("nan")


@pytest.mark.parametrize("value, kwargs, expected", [
    (0, {}, "0.0%"), (0.1234, {}, "12.3%"), (1, {}, "100.0%"), (None, {}, "–"), (NAN, {}, "–"),
    (pd.NA, {}, "–"), (np.float64(0.0975), {}, "9.8%"), (-0.05, {}, "-5.0%"), (0.1234, {"digits": 0}, "12%"),
    (0.125, {"digits": 2}, "12.50%"), (12.34, {"scaled": True}, "12.3%"), (0.5, {"trim": True}, "50%"),
    (0.123, {"trim": True}, "12.3%"), (0.9996, {"trim": True}, "100%"), (None, {"missing": ""}, ""),
    (2.5, {}, "250.0%"),
])
def test_percent(value, kwargs, expected):
    assert formats.percent(value, **kwargs) == expected


@pytest.mark.parametrize("x", [0.0, 0.1234, 0.00049, 0.00051, 0.99951, -0.01234, 1 / 3, 2 / 3, 0.1235, 0.0625])
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_percent_is_pythons_percent_format(x, digits):
    # the inline copies were f"{x:.1%}" and f"{x * 100:.1f}%": one function must read as both did
    assert formats.percent(x, digits) == format(x, f".{digits}%") == f"{x * 100:.{digits}f}%"


@pytest.mark.parametrize("delta, lang, kwargs, expected", [
    (0, "ja", {}, "+0.0 ポイント"), (0.012, "ja", {}, "+1.2 ポイント"), (0.012, "en", {}, "+1.2 pt"),
    (-0.0345, "ja", {}, "-3.5 ポイント"), (-0.0345, "en", {}, "-3.5 pt"), (0.1234, "ja", {"unit": False}, "+12.3"),
    (None, "ja", {}, "–"), (NAN, "en", {}, "–"), (1, "en", {}, "+100.0 pt"),
])
def test_points(delta, lang, kwargs, expected):
    assert formats.points(delta, lang, **kwargs) == expected


def test_percent_number_scalar_and_column():
    assert formats.percent_number(0.1234) == 12.3 and formats.percent_number(1) == 100.0
    assert formats.percent_number(None) is None and math.isnan(formats.percent_number(NAN))
    col = formats.percent_number(pd.Series([0.1234, None, 1.0]))
    assert col.iloc[0] == 12.3 and pd.isna(col.iloc[1]) and col.iloc[2] == 100.0


@pytest.mark.parametrize("fn, args, expected", [
    (formats.yen_man, (0,), "0.0万円"), (formats.yen_man, (62434,), "6.2万円"), (formats.yen_man, (62434, "en"), "6.2 ×10k yen"),
    (formats.yen_man, (None,), "–"), (formats.yen_man, (NAN,), "–"), (formats.yen_man, (99_994_999,), "9,999.5万円"),
    (formats.yen_man, (406_331_234,), "4億633万円"), (formats.yen_man, (-406_331_234,), "-4億633万円"),
    (formats.yen_man, (199_999_999,), "2億円"), (formats.yen_man, (1_200_050_000,), "12億5万円"),
    (formats.yen_man, (406_331_234, "en"), "40,633.1 ×10k yen"),
    (formats.yen, (0,), "0円"), (formats.yen, (95218,), "95,218円"), (formats.yen, (95218, "en"), "95,218 yen"),
    (formats.yen, (1_234_567.5,), "1,234,568円"), (formats.yen, (-62434,), "-62,434円"), (formats.yen, (None,), "–"),
    (formats.hours, (0,), "0.0時間"), (formats.hours, (52.4,), "52.4時間"), (formats.hours, (52.4, "en"), "52.4 h"),
    (formats.hours, (1234.56,), "1,234.6時間"), (formats.hours, (NAN, "en"), "–"),
    (formats.hours_number, (12.63,), "12.6"), (formats.hours_number, (999.96,), "1,000"),
    (formats.hours_number, (1_234_567.4,), "1,234,567"), (formats.hours_number, (None,), "–"),
    (formats.count, (1234, "事業所", "offices"), "1,234事業所"), (formats.count, (1234, "事業所", "offices", "en"), "1,234 offices"),
    (formats.count, (NAN, "件"), "–"),
    (formats.count, (0.25, "回", "sends", "ja", 1), "0.3回"), (formats.hours, (17.15,), "17.2時間"), (formats.count, (52.3333, "件", "sheets", "en", 1), "52.3 sheets"),
    (formats.count, (-29.7, "回", "sends", "ja", 1, True), "-29.7回"), (formats.count, (2, "件", "", "en", 0, True), "+2"),
    (formats.fiscal_year_label, (2025,), "2025年度"), (formats.fiscal_year_label, (2025, "en"), "FY2025"),
    (formats.fiscal_year_label, (np.int64(2019), "ja"), "2019年度"),
])
def test_amounts_hours_counts_years(fn, args, expected):
    assert fn(*args) == expected


@pytest.mark.parametrize("value, lang, expected", [
    (D(2025, 7, 1), "ja", "2025年7月"), (D(2025, 7, 1), "en", "2025-07"), (D(2025, 12, 31), "ja", "2025年12月"),
    (dt.datetime(2025, 8, 20, 13, 5), "en", "2025-08"), (pd.Timestamp("2025-08-01"), "ja", "2025年8月"),
    (np.datetime64("2025-08-01"), "en", "2025-08"), ("2025-08", "ja", "2025年8月"), ("2025-08-01", "en", "2025-08"),
    ("2025-08-01T00:00:00", "ja", "2025年8月"), (None, "ja", None), (pd.NaT, "en", None), (NAN, "ja", None),
    ("2025年8月", "en", "2025-08"), ("2025年8月", "ja", "2025年8月"),  # idempotent: a widget hands back the label
    ("R7.8", "ja", None), ("2025-13", "ja", None), ("2025年13月", "ja", None),
])
def test_month_label(value, lang, expected):
    assert formats.month_label(value, lang) == expected


def test_month_label_missing_text_and_iso_and_dates():
    assert formats.month_label(None, "ja", missing="–") == "–"
    assert formats.iso_month(D(2000, 4, 1)) == "2000-04" and formats.iso_month(None) is None
    assert formats.date_label(D(2000, 4, 1)) == "2000年4月1日" and formats.date_label(D(2000, 4, 1), "en") == "2000-04-01"
    # the thin wrapper in dates reads 和暦 first, then formats here
    assert dates.month_label("R7.8", "ja") == "2025年8月" and dates.month_label("x") is None
    assert dates.fiscal_year_label is formats.fiscal_year_label


def test_patterns_for_plotly_and_streamlit():
    assert formats.hover_percent() == "%{y:.1%}" and formats.hover_percent("z", scaled=True) == "%{z:.1f}%"
    assert formats.hover_percent("customdata", 0, scaled=True) == "%{customdata:.0f}%"
    assert formats.d3_percent(1) == ".1%" and formats.D3_PERCENT == ".0%"
    assert formats.printf_percent() == "%.1f%%" and formats.printf_percent(0) == "%d%%"
    assert formats.month_d3("ja") == "%Y年%-m月" and formats.month_d3("en") == "%Y-%m"
    # the d3 month pattern and month_label agree (d3 %-m is the month without a leading zero)
    day = D(2024, 9, 1)
    for lang in ("ja", "en"):
        pattern = formats.month_d3(lang).replace("%-m", str(day.month))
        assert day.strftime(pattern) == formats.month_label(day, lang)


# ---------------------------------------------------------------- no copies outside formats.py

ROOT = Path(formats.__file__).resolve().parents[1]  # analytics/

# Inline display formats, in string literals and f-strings (comments and docstrings are not read).
INLINE = {
    "percent spec": re.compile(r"\{[^{}]*:[^{}]*%\}"),                  # f"{x:.1%}", "%{y:.0%}"
    "percent suffix": re.compile(r"\{[^{}]*:[^{}]*f\}\s*%"),            # f"{x * 100:.1f}%", "%{y:.1f}%"
    "d3 percent": re.compile(r"^\.\d?%$"),                               # tickformat=".0%"
    "printf percent": re.compile(r"%\.?\d*[df]%%"),                      # format="%.1f%%"
    "points": re.compile(r"\{[^{}]*\*\s*100[^{}]*:\+"),                  # f"{d * 100:+.1f}"
    "month kanji": re.compile(r"\}年\{[^{}]*\}月|%Y年"),                  # f"{m.year}年{m.month}月", "%Y年%-m月"
    "month iso": re.compile(r"%Y-%m(?!-%d)|month:02d"),                  # "%Y-%m", f"{m.year}-{m.month:02d}"
    "fiscal year": re.compile(r"\}年度|FY\{"),                            # f"{fy}年度"
}
# Where an inline pattern is right, with the reason. Key: path under analytics/ → what may stay there.
EXCEPTIONS = {
    # 和暦 months and days are the era table's own notation (令和元年5月), written next to it
    "domain/dates.py": ("month kanji",),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _strings(source: str):
    """(line, text) of every string literal and top-level f-string's source, docstrings left out."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    inner = {id(child) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for child in ast.walk(node) if child is not node}
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, ast.get_source_segment(source, node) or ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


# Fractions turned into a table's percent numbers by hand (code, not a string): formats.percent_number.
PERCENT_COLUMN = re.compile(r"\*\s*100\s*\)\s*\.round\(")


def inline_formats(root: Path = ROOT) -> list[tuple[str, int, str, str]]:
    """Every inline display format under root but formats.py: (path, line, kind, text)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel == "domain/formats.py":
            continue
        source = path.read_text(encoding="utf-8")
        for line, text in enumerate(source.splitlines(), 1):
            if PERCENT_COLUMN.search(text.split("#")[0]):
                found.append((rel, line, "percent column", text.strip()[:80]))
        for line, text in _strings(source):
            for kind, pattern in INLINE.items():
                if pattern.search(text) and kind not in EXCEPTIONS.get(rel, ()):
                    found.append((rel, line, kind, text.strip()[:80]))
    return found


def test_the_scan_finds_the_inline_copies_it_is_for():
    source = ('a = f"{x:.1%}"\nb = f"{v * 100:.1f}%"\nc = dict(tickformat=".0%")\nd = "%{y:.1f}%"\n'
              'e = f"{m.year}年{m.month}月"\nf = f"{m.year}-{m.month:02d}"\ng = m.strftime("%Y-%m")\n'
              'h = f"{d * 100:+.1f}"\ni = "%.1f%%"\nj = f"{fy}年度"\n'
              'def k():\n    """docstrings may say f"{x:.1%}"."""\n# comments too: f"{x:.1%}"\n'
              'ok = m.strftime("%Y-%m-%d")\n')
    hits = {text for _line, text in _strings(source) if any(p.search(text) for p in INLINE.values())}
    assert len(hits) == 10 and not any("docstrings" in h or "%d" in h for h in hits)


def test_no_percent_or_month_formatting_outside_formats():
    found = inline_formats()
    assert found == [], "format with analytics.domain.formats instead:\n" + "\n".join(
        f"analytics/{p}:{n} [{k}] {t}" for p, n, k, t in found)
