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

from analytics.commands import arguments
from analytics.commands.output import emit
from analytics.domain import formats
from analytics.errors import UserError
from analytics.store import engine as store_engine
from analytics.store import queries_channels as qc
from analytics.store import queries_savings as qs
from analytics.store import queries_targets as qt

CHANNEL_KEYS = ["prefecture_code", "month", "sheets", "digital_sheets", "digital_share", "missed_digital_sheets"]
SAVINGS_KEYS = ["prefecture_code", "prefecture", "sheets", "digital_sheets", "realised_hours", "realised_yen",
                "potential_hours", "potential_yen"]
TARGET_KEYS = ["rank", "office_code", "name", "municipality", "kind", "unlockable_sheets", "registered_partners"]


def _engine(args):
    return store_engine.get_engine(args.db)


def _latest(engine, month):
    if month is not None:
        return month
    return qc.month_bounds(engine)[1]


def _ym(series):
    return series.map(formats.iso_month)


def channels_frame(engine, by: str = "prefecture", prefecture: str | None = None,
                   month: dt.date | None = None):
    if by == "month":
        group = ["prefecture_code", "month"] if prefecture else ["month"]
        df = qc.channel_summary(engine, group, prefecture=prefecture, month_from=month, month_to=month)
        if not prefecture:
            df.insert(0, "prefecture_code", qc.NATION)
        keys = CHANNEL_KEYS
    else:
        month = _latest(engine, month)
        if by == "form":
            df = qc.channel_summary(engine, ["form"], prefecture=prefecture, month_from=month, month_to=month)
            df.insert(0, "prefecture_code", prefecture or qc.NATION)
            keys = CHANNEL_KEYS[:2] + ["form"] + CHANNEL_KEYS[2:]
        else:
            df = qc.channel_summary(engine, ["prefecture_code"], prefecture=prefecture,
                                    month_from=month, month_to=month)
            keys = CHANNEL_KEYS
        df.insert(1, "month", month)
    df["month"] = _ym(df["month"])
    df["digital_share"] = df["digital_share"].round(4)
    return df[keys]


def channels(args) -> int:
    engine = _engine(args)
    emit(channels_frame(engine, args.by, arguments.prefecture(args.prefecture), arguments.month(args.month)), args.format)
    return 0


def savings(args) -> int:
    engine = _engine(args)
    month = arguments.month(args.month)
    df = qs.savings(engine, args.by, prefecture=arguments.prefecture(args.prefecture), month_from=month, month_to=month)
    keys = SAVINGS_KEYS[:2] + (["municipality_code", "municipality"] if args.by == "municipality" else []) \
        + SAVINGS_KEYS[2:]
    df = df[keys]
    if args.format == "table":  # for reading: hours to 0.1, yen to the yen (json/csv keep the unrounded values)
        df = qs.rounded(df)
    emit(df, args.format)
    return 0


def targets(args) -> int:
    if args.top is not None and args.top < 1:
        raise UserError("--top は1以上にしてください / --top must be 1 or more")
    engine = _engine(args)
    df = qt.unlockable(engine, prefecture=arguments.prefecture(args.prefecture), month_to=arguments.month(args.month),
                       top=args.top)
    emit(df[TARGET_KEYS], args.format)
    return 0
