"""``careplan report channels | savings | targets`` (DESIGN §6).

channels: rows {prefecture_code, month, sheets, digital_sheets, digital_share, missed_digital_sheets};
  --by prefecture: one row per prefecture (sender's area) for one month (--month, default the latest);
  --by month: one row per month for --prefecture, or for the nation with prefecture_code "00";
  --by form: as --by prefecture's month, one row per form, with a ``form`` key.
  month is "YYYY-MM"; digital_share is a fraction (0–1), null when there are no sheets.
savings: realised and potential hours and yen by prefecture or municipality (--month: that month;
  default: all months so far, summed). Per-user effect model, licence and fixed costs excluded.
targets: unregistered offices in --prefecture ranked by unlockable sheets in --month (default latest).
"""
from __future__ import annotations

import datetime as dt

from analytics.commands import access, arguments
from analytics.commands.output import emit
from analytics.services import channels as services_channels
from analytics.store import engine as store_engine


def _engine(args):
    return store_engine.get_engine(args.db)


def channels_frame(engine, by: str = "prefecture", prefecture: str | None = None,
                   month: dt.date | None = None, scope=None):
    return services_channels.report_rows(engine, scope or access.current(), by, prefecture, month)


def channels(args) -> int:
    engine = _engine(args)
    emit(channels_frame(engine, args.by, arguments.prefecture(args.prefecture), arguments.month(args.month)), args.format)
    return 0


def savings(args) -> int:
    engine = _engine(args)
    df = services_channels.savings_rows(engine, access.current(), args.by, arguments.prefecture(args.prefecture),
                                        arguments.month(args.month))
    if args.format == "table":  # for reading: hours to 0.1, yen to the yen (json/csv keep the unrounded values)
        df = services_channels.rounded(df)
    emit(df, args.format)
    return 0


def targets(args) -> int:
    top = arguments.number("top", args.top)
    engine = _engine(args)
    df = services_channels.targets(engine, access.current(), prefecture=arguments.prefecture(args.prefecture),
                                   month_to=arguments.month(args.month), top=top)
    emit(df[[*services_channels.TARGET_KEYS, *(["suppressed"] if "suppressed" in df.columns else [])]], args.format)
    return 0
