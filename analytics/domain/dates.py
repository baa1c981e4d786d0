"""Dates and months as Japanese files write them: ISO, slashes, 和暦 (令和5年10月5日, R5.10.5), Excel serials.

The era table is our own (not japanera) so that results are deterministic and impossible dates such as
令和元年4月 or 平成31年5月1日 are rejected instead of being re-read as another era or as 西暦.
"""
from __future__ import annotations

import datetime as dt
import re

from analytics import i18n
from analytics.domain import formats
from analytics.domain.formats import fiscal_year_label  # noqa: F401  (re-exported: the label lives in formats)
from analytics.domain.text import is_missing, normalise_text

# (kanji, letter, first day). An era ends the day before the next one starts.
ERAS: tuple[tuple[str, str, dt.date], ...] = (
    ("明治", "M", dt.date(1868, 1, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("令和", "R", dt.date(2019, 5, 1)),
)
_ERA_BY_NAME = {}
for _i, (_kanji, _letter, _start) in enumerate(ERAS):
    _end = ERAS[_i + 1][2] - dt.timedelta(days=1) if _i + 1 < len(ERAS) else dt.date.max
    _ERA_BY_NAME[_kanji] = _ERA_BY_NAME[_letter] = (_kanji, _start, _end)

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 given Excel's 1900 leap-year bug
_ERA_ALT = "|".join(sorted(_ERA_BY_NAME, key=len, reverse=True))

_SEP = r"\s*[-/.年]\s*"
_ISO = re.compile(r"^(\d{4})" + _SEP + r"(\d{1,2})" + r"\s*[-/.月]\s*" + r"(\d{1,2})\s*日?"
                  r"(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_DATE = re.compile(r"^(" + _ERA_ALT + r")\s*(元|\d{1,2})" + _SEP + r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_SERIAL = re.compile(r"^(\d{1,5})(?:\.\d+)?$")

_MONTH_ISO = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_ERA_MONTH = re.compile(r"^(" + _ERA_ALT + r")\s*(元|\d{1,2})" + _SEP + r"(\d{1,2})\s*月?$")
# weekday or other remarks in brackets: 2023年10月5日(木)
_OPENERS, _CLOSERS = "([（【", ")]）】"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _era_year(era: str, year_text: str) -> tuple[str, int, dt.date, dt.date] | None:
    kanji, start, end = _ERA_BY_NAME[era]
    year = 1 if year_text == "元" else int(year_text)
    if year < 1:
        return None
    return kanji, start.year + year - 1, start, end


def _prepare(value: object) -> str:
    text = normalise_text(value).upper()
    return drop_trailing_remark(text).strip()


def drop_trailing_remark(text: str) -> str:
    """The text without a bracketed remark at its end (2023年10月5日(木) → 2023年10月5日): from the first
    opening bracket after the last closing one before the final closing bracket, with the spaces before it;
    what ``re.sub(r"\\s*[(\\[（【][^)\\]）】]*[)\\]）】]\\s*$", "", text)`` gives, found by a few scans
    instead (that pattern, searched, backtracks quadratically over a long run of brackets or spaces)."""
    end = len(text.rstrip())
    if not end or text[end - 1] not in _CLOSERS:
        return text
    last_close = max(text.rfind(c, 0, end - 1) for c in _CLOSERS)
    opens = [i for i in (text.find(c, last_close + 1, end - 1) for c in _OPENERS) if i >= 0]
    if not opens:
        return text
    return text[:min(opens)].rstrip()


def _from_object(value: object) -> dt.date | None | bool:
    """Dates given as objects; False means "not an object we know, parse as text"."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if type(value).__name__ == "datetime64":
        import pandas as pd

        return pd.Timestamp(value).date()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if number != number:
            return None
        if number.is_integer() and 10_000_000 <= number <= 99_999_999:
            return False  # 20231005 as a number: parse the digits
        if 1 <= number < 100_000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(number))
        return None
    return False


def parse_date(value: object) -> dt.date | None:
    """A calendar date from any common Japanese or ISO spelling; None when empty or impossible.

    Accepts 2023-10-05, 2023/10/5, 2023.10.5, 2023年10月5日, 20231005, 令和5年10月5日, 令和元年5月1日,
    R5.10.5, R5/10/5, H31.4.30, 昭和64年1月7日, 全角 digits, date/datetime/pandas Timestamp, and Excel serial
    numbers (45204 = 2023-10-05).
    """
    if is_missing(value):
        return None
    obj = _from_object(value)
    if obj is not False:
        return obj  # type: ignore[return-value]
    text = _prepare(value)
    if not text:
        return None
    match = _ISO.match(text) or _COMPACT.match(text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _ERA_DATE.match(text)
    if match:
        era = _era_year(match.group(1), match.group(2))
        if era is None:
            return None
        _, year, start, end = era
        day = _safe_date(year, int(match.group(3)), int(match.group(4)))
        if day is None or not (start <= day <= end):
            return None
        return day
    match = _SERIAL.match(text)
    if match and int(match.group(1)) >= 1:
        return _EXCEL_EPOCH + dt.timedelta(days=int(match.group(1)))
    return None


def parse_month(value: object) -> dt.date | None:
    """The first day of a month: 2025-08, 202508, 2025/8, 2025年8月, 令和7年8月, R7.8, R7/08, or a full date."""
    if is_missing(value):
        return None
    obj = _from_object(value)
    if isinstance(obj, dt.date):
        return obj.replace(day=1)
    if obj is None:
        return None
    text = _prepare(value)
    if not text:
        return None
    match = _MONTH_ISO.match(text) or _MONTH_COMPACT.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        return dt.date(year, month, 1) if 1 <= month <= 12 and year >= 1 else None
    match = _ERA_MONTH.match(text)
    if match:
        era = _era_year(match.group(1), match.group(2))
        month = int(match.group(3))
        if era is None or not 1 <= month <= 12:
            return None
        _, year, start, end = era
        first = dt.date(year, month, 1)
        # the month must overlap the era: 平成31年4月 yes, 平成31年5月 and 令和元年4月 no
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if last < start or first > end:
            return None
        return first
    day = parse_date(value)
    return day.replace(day=1) if day else None


def fiscal_year(value: object) -> int | None:
    """年度 (April–March) of a date: 2024-03-31 → 2023, 2024-04-01 → 2024."""
    day = parse_date(value)
    if day is None:
        return None
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_range(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of 年度 fy."""
    return dt.date(int(fy), 4, 1), dt.date(int(fy) + 1, 3, 31)


def to_wareki(value: object, with_day: bool = True) -> str | None:
    """令和5年10月5日 (元年 for year 1); 令和5年10月 when with_day is False."""
    day = parse_date(value)
    if day is None:
        return None
    for kanji, _letter, start in reversed(ERAS):
        if day >= start:
            year = day.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            text = f"{kanji}{year_text}年{day.month}月"
            return text + f"{day.day}日" if with_day else text
    return None


def month_label(value: object, lang: str = "ja") -> str | None:
    """'2025年8月' / '2025-08' for a month written any way parse_month reads (令和7年8月, R7.8 …); None when
    there is none. The label itself is formats.month_label."""
    return formats.month_label(parse_month(value), lang)


# ---------------------------------------------------------------- plausible range, hints

# 介護保険 began on 2000-04-01: no month or date of care-plan data can be earlier.
EARLIEST = dt.date(2000, 4, 1)
TODAY_ENV = "CAREPLAN_TODAY"


def today() -> dt.date:
    """The one "today" of the range checks: ``CAREPLAN_TODAY`` (ISO date) when set, else the clock.
    Tests pin it by that variable or by monkeypatching this function."""
    import os

    pinned = os.environ.get(TODAY_ENV, "").strip()
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return dt.date.today()


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_range(on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First and last allowed month (first days): 2000-04 … the month after today's (a plan sheet for
    next month is legitimate)."""
    return EARLIEST, _next_month((on or today()).replace(day=1))


def date_range(on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First and last allowed date: 2000-04-01 … the last day of the month after today's."""
    lo, last_month = month_range(on)
    return lo, _next_month(last_month) - dt.timedelta(days=1)


def allowed_range(month: bool = False, open_end: bool = False, on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The one rule for every date or month a user gives (an import's cells, ``--as-of``, ``--month``, a
    page's date picker): from 2000-04-01 (介護保険 began) to the end of the month after today's; months
    2000-04 … next month. ``open_end``: no upper bound (a planned 利用終了日)."""
    lo, hi = month_range(on) if month else date_range(on)
    return lo, (dt.date.max if open_end else hi)


def out_of_range(day: dt.date, month: bool = False, open_end: bool = False,
                 on: dt.date | None = None) -> tuple[str, str] | None:
    """(ja, en) naming the allowed range when ``day`` is outside allowed_range, else None."""
    lo, hi = allowed_range(month, open_end, on)
    if lo <= (day.replace(day=1) if month else day) <= hi:
        return None
    return range_problem(month, on, open_end)


def range_problem(month: bool = False, on: dt.date | None = None, open_end: bool = False) -> tuple[str, str]:
    """The reason for a month/date outside month_range/date_range, naming the allowed range
    (``open_end``: only the lower bound applies, e.g. a planned 利用終了日)."""
    if month:
        lo, hi = month_range(on)
        return i18n.both("rows.month.out_of_range", lo=(formats.month_label(lo), formats.iso_month(lo)),
                         hi=(formats.month_label(hi), formats.iso_month(hi)))
    lo, hi = date_range(on)
    if open_end:
        return i18n.both("rows.date.after", lo=(formats.date_label(lo), lo.isoformat()))
    return i18n.both("rows.date.out_of_range", lo=(formats.date_label(lo), lo.isoformat()),
                     hi=(formats.date_label(hi), hi.isoformat()))


def _era_of(day: dt.date) -> tuple[str, int] | None:
    for kanji, _letter, start in reversed(ERAS):
        if day >= start:
            return kanji, day.year - start.year + 1
    return None


def _year_text(kanji: str, year: int) -> str:
    return f"{kanji}{'元' if year == 1 else year}年"


def era_hint(value: object, month: bool = False) -> tuple[str, str] | None:
    """A hint for a 和暦 that names a month or day outside its era (平成31年5月 → 令和元年5月, 令和元年4月 →
    平成31年4月, 平成32年1月 → 令和2年1月); None when the value is not such a 和暦."""
    text = _prepare(value)
    match = (_ERA_MONTH.match(text) if month else None) or _ERA_DATE.match(text)
    if match is None and month:
        match = _ERA_DATE.match(text)
    if match is None:
        return None
    era = _era_year(match.group(1), match.group(2))
    if era is None:
        return None
    kanji, year, start, end = era
    mon = int(match.group(3))
    if not 1 <= mon <= 12:
        return None
    day_no = int(match.group(4)) if match.re is _ERA_DATE else 1
    day = _safe_date(year, mon, day_no)
    if day is None:
        return None
    if month and match.re is _ERA_MONTH:
        first, last = day, _next_month(day) - dt.timedelta(days=1)
        if not (last < start or first > end):
            return None
    elif start <= day <= end:
        return None
    right = _era_of(day)
    if right is None:
        return None
    written = f"{_year_text(kanji, year - start.year + 1)}{mon}月" + ("" if match.re is _ERA_MONTH else f"{day_no}日")
    correct = f"{_year_text(*right)}{mon}月" + ("" if match.re is _ERA_MONTH else f"{day_no}日")
    iso = formats.iso_month(day) if match.re is _ERA_MONTH else day.isoformat()
    return i18n.both("rows.era.month" if match.re is _ERA_MONTH else "rows.era.date", written=written,
                     correct=correct, iso=iso, era=kanji)
