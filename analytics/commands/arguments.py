"""Reading the user's command-line values (prefecture, month) once, with one message when they are wrong."""
from __future__ import annotations

import datetime as dt

from analytics.domain import codes
from analytics.errors import UserError


def prefecture(value) -> str | None:
    """'30' for 30, '30', 'JP-30', '和歌山', '和歌山県', 'Wakayama'; None when not given; UserError when unknown
    or empty (``--prefecture ""`` is a mistake, not the nation)."""
    if value is None:
        return None
    code = codes.parse_prefecture(value) if str(value).strip() else None
    if code is None:
        raise UserError(f"都道府県「{value}」が分かりません。01〜47 のコードか名前（例: 30、和歌山県）で指定してください。 / "
                        f"unknown prefecture {value!r}; give a code 01–47 or a name (e.g. 30, Wakayama).")
    return code


def month(value) -> dt.date | None:
    """The first day of the month for 2025-08, 202508, 令和7年8月 …; None when not given; UserError when unreadable."""
    if value in (None, ""):
        return None
    parsed = codes.parse_month(value)
    if parsed is None:
        raise UserError(f"対象年月「{value}」が読めません。2025-08 の形で指定してください。 / "
                        f"cannot read month {value!r}: use the form 2025-08.")
    return parsed
