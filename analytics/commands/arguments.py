"""Reading the user's command-line values (prefecture, month, date, numbers) once, with one message when they
are wrong: dates and months by the one rule of analytics.domain.dates.allowed_range, numbers by their range
in analytics.domain.ranges."""
from __future__ import annotations

import datetime as dt

from analytics.domain import codes, dates, formats, ranges
from analytics.errors import UserError


def prefecture(value) -> str | None:
    """'30' for 30, '30', 'JP-30', '和歌山', '和歌山県', 'Wakayama'; None when not given; UserError when unknown
    or empty (``--prefecture ""`` is a mistake, not the nation)."""
    if value is None:
        return None
    code = codes.parse_prefecture(value) if str(value).strip() else None
    if code is None:
        raise UserError("msg.unknown_prefecture", value=value)
    return code


def _in_range(value, parsed: dt.date, option: str, month: bool) -> dt.date:
    problem = dates.out_of_range(parsed, month=month)
    if problem:
        shown = formats.iso_month(parsed) if month else parsed.isoformat()
        raise UserError("msg.option_out_of_range", option=option, value=value, shown=shown, problem=problem)
    return parsed


def month(value, option: str = "--month", check_range: bool = True) -> dt.date | None:
    """The first day of the month for 2025-08, 202508, 令和7年8月 …; None when not given; UserError when
    unreadable or (``check_range``) outside dates.allowed_range. A scenario's future month has its own range."""
    if value in (None, ""):
        return None
    parsed = codes.parse_month(value)
    if parsed is None:
        hint = dates.era_hint(value, month=True)
        if hint is None:
            raise UserError("msg.unreadable_month", value=value)
        raise UserError("msg.option_hint", option=option, hint=hint)
    return _in_range(value, parsed, option, month=True) if check_range else parsed


def date(value, option: str, name_ja: str = "日付") -> dt.date | None:
    """A date in any spelling parse_date reads (2025-08-31, 令和7年8月31日, R7.8.31); None when not given;
    UserError when unreadable or outside dates.allowed_range."""
    if value in (None, ""):
        return None
    parsed = codes.parse_date(value)
    if parsed is None:
        hint = dates.era_hint(value)
        if hint is not None:
            raise UserError("msg.option_hint", option=option, hint=hint)
        raise UserError("msg.unreadable_date", name=name_ja, option=option, value=value)
    return _in_range(value, parsed, option, month=False)


def number(key: str, value):
    """A number inside its range (analytics.domain.ranges), as Python int/float; None stays None; UserError
    naming the option, the value and the allowed range."""
    if value is None:
        return None
    try:
        return ranges.check(key, value, ranges.BY_KEY[key].option)
    except ranges.OutOfRange as exc:
        raise UserError("msg.text", text=exc.pair) from None
