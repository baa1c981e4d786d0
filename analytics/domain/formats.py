"""How a person reads a number: the one copy of every display format (DESIGN §5, issue #19 item 6).

Pages, charts, the text summaries, the slide pack, the exports and the CLI call these functions instead of
writing ``f"{x:.1%}"`` or ``f"{m.year}年{m.month}月"`` themselves, so that a percent, a change in
percentage points, a month or a 年度 reads the same everywhere::

    percent(0.1234)            '12.3%'          points(0.012)          '+1.2 ポイント' ('+1.2 pt' in en)
    rate_with_n(1.0, 1)        '100.0%（n=1）'   rate_with_n(1.0, 1, "en")  '100.0% (n=1)'
    yen(95218)                 '95,218円'        yen_man(62434)         '6.2万円'
    hours(52.4)                '52.4時間'        hours(52.4, "en")      '52.4 h'
    month_label(date(2025,7,1))'2025年7月'       month_label(…, "en")   '2025-07'
    fiscal_year_label(2025)    '2025年度'        fiscal_year_label(2025, "en")  'FY2025'

Missing values (None, NaN, NaT, pd.NA) read "–". Plotly and Streamlit take format *patterns* rather than
strings; those patterns live here too (``hover_percent``, ``D3_PERCENT``, ``printf_percent``,
``month_d3``), so that a chart's hover reads what its summary says.

Pure: no pandas, no I/O; a month is anything with ``year`` and ``month`` (date, datetime, pandas
Timestamp), a numpy datetime64, an ISO text (2025-08, 2025-08-01) or a label of ours (2025年8月). Reading 和暦 or other spellings is
``analytics.domain.dates.parse_month``'s job; ``dates.month_label`` parses, then formats here.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

MISSING = "–"
POINTS_UNIT = {"ja": "ポイント", "en": "pt"}  # percentage points, never "%" (a change of a rate)
# Plotly (d3-time-format) month patterns: the chart axes read as month_label does.
MONTH_D3 = {"ja": "%Y年%-m月", "en": "%Y-%m"}
_ISO_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ].*)?\s*$")
# our own label read back (a widget may hand the shown label to its format function): 2025年8月
_LABEL_MONTH = re.compile(r"^\s*(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?\s*$")


def is_missing(value) -> bool:
    """None, NaN, NaT or pd.NA (anything not equal to itself)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pd.NA: its comparison is NA, which has no truth value
        return True


# ---------------------------------------------------------------- percent and percentage points

def percent(fraction, digits: int = 1, *, scaled: bool = False, trim: bool = False,
            missing: str = MISSING) -> str:
    """0.1234 → '12.3%' (the value is a fraction; ``scaled``: it is already in percent, 12.34 → '12.3%').
    ``trim``: no '.0' on a whole percent (0.5 → '50%', 0.123 → '12.3%'). Identical to ``f"{x:.1%}"``."""
    if is_missing(fraction):
        return missing
    value = float(fraction) if scaled else float(fraction) * 100
    if trim and round(value, digits) == round(value):
        digits = 0
    return f"{value:.{digits}f}%"


def rate_with_n(fraction, n, lang: str = "ja", digits: int = 1) -> str:
    """A rate with the count it is a share of, so that 100 % of one office never reads as a success:
    (1.0, 1) → '100.0%（n=1）' (ja) / '100.0% (n=1)' (en); a missing rate reads '–（n=0）'."""
    count_text = MISSING if is_missing(n) else f"{int(round(float(n))):,}"
    text = percent(fraction, digits)
    return f"{text}（n={count_text}）" if lang == "ja" else f"{text} (n={count_text})"


def points(delta, lang: str = "ja", digits: int = 1, *, unit: bool = True, missing: str = MISSING) -> str:
    """A change of a rate (a difference of fractions) in percentage points, always signed:
    0.012 → '+1.2 ポイント' / '+1.2 pt'; ``unit=False`` → '+1.2' (for a message that names the unit)."""
    if is_missing(delta):
        return missing
    text = f"{float(delta) * 100:+.{digits}f}"
    return f"{text} {POINTS_UNIT.get(lang, POINTS_UNIT['en'])}" if unit else text


def percent_number(values, digits: int = 1):
    """Fractions as percent numbers for a table column headed '(%)': 0.1234 → 12.3 (a scalar, or a pandas
    Series/array rounded element-wise). Missing stays missing."""
    if hasattr(values, "round"):
        return (values * 100).round(digits)
    if is_missing(values):
        return values
    return round(float(values) * 100, digits)


def d3_percent(digits: int = 1) -> str:
    """Plotly/d3 number format of a fraction as percent: '.1%' (0.123 → 12.3%)."""
    return f".{digits}%"


D3_PERCENT = d3_percent(0)  # axis ticks of a fraction: 0%, 10%, 20%


def hover_percent(ref: str = "y", digits: int = 1, *, scaled: bool = False, grouping: bool = False) -> str:
    """A plotly hover-template field reading a percent: '%{y:.1%}' of a fraction, or '%{y:.1f}%' when the
    plotted values are already percent numbers (``scaled``; ``grouping``: '%{y:,.1f}%')."""
    comma = "," if grouping else ""
    return "%{" + ref + (f":{comma}.{digits}f}}%" if scaled else f":{comma}.{digits}%}}")


def hover_points(ref: str = "y", lang: str = "ja", digits: int = 1) -> str:
    """A plotly hover-template field reading percentage points of values already ×100: '%{z:+.1f} ポイント'."""
    return "%{" + ref + f":+.{digits}f}} {POINTS_UNIT.get(lang, POINTS_UNIT['en'])}"


def hover_rate_with_n(ref: str, n_ref: str, lang: str = "ja", digits: int = 1) -> str:
    """The hover field of a rate plotted ×100 with its count, as ``rate_with_n`` writes it:
    '%{marker.color:.1f}%（n=%{customdata[0]}）' (ja) / '… (n=…)' (en)."""
    rate = hover_percent(ref, digits, scaled=True)
    return f"{rate}（n=%{{{n_ref}}}）" if lang == "ja" else f"{rate} (n=%{{{n_ref}}})"


def printf_number(digits: int = 1) -> str:
    """Streamlit's printf-style format of a plain number (NumberColumn): '%.1f' (52.3333 → 52.3), '%d'."""
    return f"%.{digits}f" if digits else "%d"


def printf_percent(digits: int = 1) -> str:
    """Streamlit's printf-style format of a percent number (NumberColumn, slider): '%.1f%%' → 12.3%."""
    return f"%.{digits}f%%" if digits else "%d%%"


# ---------------------------------------------------------------- money, hours, counts

def _fixed(value: float, digits: int, sign: str = "") -> str:
    """``value`` to ``digits`` decimals with grouping, halves rounded up as a reader does by hand: the
    model's 17.15 h reads 17.2, not the binary float's 17.1 (17.15 is stored as 17.1499…)."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{exact:{sign},.{digits}f}"


def yen_man(yen, lang: str = "ja", digits: int = 1) -> str:
    """62,434 yen → '6.2万円' (ja) / '6.2 ×10k yen' (en: the 万 unit kept, so slides compare). From 1億 on,
    Japanese reads 億 and 万 as people write them: 406,331,234 → '4億633万円' (not '40,633.1万円')."""
    if is_missing(yen):
        return MISSING
    if lang == "ja" and abs(round(float(yen) / 10_000)) >= 10_000:
        oku, man_rest = divmod(abs(round(float(yen) / 10_000)), 10_000)
        sign = "-" if float(yen) < 0 else ""
        return f"{sign}{oku:,}億{man_rest}万円" if man_rest else f"{sign}{oku:,}億円"
    man = float(yen) / 10_000
    text = f"{man:,.{digits}f}"
    return f"{text}万円" if lang == "ja" else f"{text} ×10k yen"


def yen(amount, lang: str = "ja") -> str:
    """62,434 → '62,434円' / '62,434 yen' (money to the yen, DESIGN §4)."""
    if is_missing(amount):
        return MISSING
    return f"{round(float(amount)):,}円" if lang == "ja" else f"{round(float(amount)):,} yen"


def hours(value, lang: str = "ja", digits: int = 1) -> str:
    """34.3 → '34.3時間' (ja) / '34.3 h' (en)."""
    if is_missing(value):
        return MISSING
    text = _fixed(value, digits)
    return f"{text}時間" if lang == "ja" else f"{text} h"


def hours_number(value) -> str:
    """Hours for a tile or a sentence (the unit is in the label): tenths while the figure is small; from
    1,000 h on whole hours (tenths are noise there, and a metric tile cuts a long value off with "…")."""
    if is_missing(value):
        return MISSING
    value = float(value)
    return _fixed(value, 1) if abs(round(value, 1)) < 1000 else _fixed(value, 0)  # 999.96 → "1,000", not "1,000.0"


def count(value, unit_ja: str = "", unit_en: str = "", lang: str = "ja", digits: int = 0,
          signed: bool = False) -> str:
    """1234 → '1,234事業所' / '1,234 offices'; ``digits`` for an average or a per-person figure
    (0.3 → '0.3回' / '0.3 sends'); ``signed`` for a change ('-29.7回', '+2')."""
    if is_missing(value):
        return MISSING
    sign = "+" if signed else ""
    text = f"{int(round(float(value))):{sign},}" if digits == 0 else _fixed(value, digits, sign)
    unit = unit_ja if lang == "ja" else (f" {unit_en}" if unit_en else "")
    return text + unit


# ---------------------------------------------------------------- months, dates, 年度

def _year_month_day(value) -> tuple[int, int, int] | None:
    if is_missing(value):
        return None
    if hasattr(value, "year") and hasattr(value, "month"):
        return int(value.year), int(value.month), int(getattr(value, "day", 1))
    if isinstance(value, str) or type(value).__name__ == "datetime64":
        m = _ISO_MONTH.match(str(value)) or _LABEL_MONTH.match(str(value))
        if m and 1 <= int(m.group(2)) <= 12:
            return int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    return None


def month_label(value, lang: str = "ja", missing: str | None = None) -> str | None:
    """'2025年8月' (ja) / '2025-08' (en) for a month (or any day in it); ``missing`` when there is none."""
    ymd = _year_month_day(value)
    if ymd is None:
        return missing
    return f"{ymd[0]}年{ymd[1]}月" if lang == "ja" else f"{ymd[0]}-{ymd[1]:02d}"


def iso_month(value, missing: str | None = None) -> str | None:
    """'2025-08' in either language: CLI tables, JSON/CSV fields, messages quoting what to type."""
    return month_label(value, "en", missing)


def date_label(value, lang: str = "ja", missing: str | None = None) -> str | None:
    """'2000年4月1日' (ja) / '2000-04-01' (en)."""
    ymd = _year_month_day(value)
    if ymd is None:
        return missing
    year, month, day = ymd
    return f"{year}年{month}月{day}日" if lang == "ja" else f"{year:04d}-{month:02d}-{day:02d}"


def month_d3(lang: str = "ja") -> str:
    """The plotly tick/hover format of a month axis ('%Y年%-m月' / '%Y-%m'), as month_label writes it."""
    return MONTH_D3.get(lang, MONTH_D3["en"])


def fiscal_year_label(fy: int, lang: str = "ja") -> str:
    """'2025年度' in Japanese, 'FY2025' in English."""
    return f"{int(fy)}年度" if lang == "ja" else f"FY{int(fy)}"
