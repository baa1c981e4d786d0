"""Channels and 二重管理: sheets, digital sheets, the digital share and missed digital sheets by area, month
and form; the channel mix; the realised and potential savings; the offices whose registration would unlock
the most digital sheets (DESIGN §3–§4; queries in ``analytics.store.queries_channels`` / ``_savings`` /
``_targets``)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.domain import formats, kpis
from analytics.services import for_scope
from analytics.store import queries_channels as qc
from analytics.store import queries_savings as qs
from analytics.store import queries_targets as qt

NATION = qc.NATION
CHANNEL_KEYS = ["prefecture_code", "month", "sheets", "digital_sheets", "digital_share", "missed_digital_sheets"]
SAVINGS_KEYS = ["prefecture_code", "prefecture", "sheets", "digital_sheets", "realised_hours", "realised_yen",
                "potential_hours", "potential_yen"]
TARGET_KEYS = ["rank", "office_code", "name", "municipality", "kind", "unlockable_sheets", "registered_partners"]
rounded = qs.rounded  # hours to 0.1 h and yen to the yen, each row once, for a table a person reads


def months(engine) -> list[dt.date]:
    return qc.months(engine)


def month_bounds(engine):
    return qc.month_bounds(engine)


def summary(engine, scope, group=("prefecture_code", "month"), **filters) -> pd.DataFrame:
    """``channel_summary`` (sheets, digital_sheets, digital_share, missed_digital_sheets) for the scope."""
    return for_scope(qc.channel_summary(engine, group, **filters), scope)


def mix(engine, scope, **filters) -> pd.DataFrame:
    """Sheets by month and channel (the stacked share chart)."""
    return for_scope(qc.channel_mix(engine, **filters), scope)


def missed_pairs(engine, **filters) -> pd.DataFrame:
    """The office pairs behind 二重管理 (detail: the caller checks the scope may see the prefecture)."""
    return qc.missed_pairs(engine, **filters)


def _ym(series: pd.Series) -> pd.Series:
    return series.map(formats.iso_month)


def report_rows(engine, scope, by: str = "prefecture", prefecture: str | None = None,
                month: dt.date | None = None) -> pd.DataFrame:
    """``careplan report channels``'s rows (DESIGN §6): --by prefecture / form for one month (default the
    latest), --by month for one prefecture or the nation ("00"); month "YYYY-MM", digital_share to 4 places."""
    if by == "month":
        group = ["prefecture_code", "month"] if prefecture else ["month"]
        df = qc.channel_summary(engine, group, prefecture=prefecture, month_from=month, month_to=month)
        if not prefecture:
            df.insert(0, "prefecture_code", NATION)
        keys = CHANNEL_KEYS
    else:
        month = month if month is not None else month_bounds(engine)[1]
        if by == "form":
            df = qc.channel_summary(engine, ["form"], prefecture=prefecture, month_from=month, month_to=month)
            df.insert(0, "prefecture_code", prefecture or NATION)
            keys = CHANNEL_KEYS[:2] + ["form"] + CHANNEL_KEYS[2:]
        else:
            df = qc.channel_summary(engine, ["prefecture_code"], prefecture=prefecture,
                                    month_from=month, month_to=month)
            keys = CHANNEL_KEYS
        df.insert(1, "month", month)
    df["month"] = _ym(df["month"])
    df["digital_share"] = df["digital_share"].round(4)
    return for_scope(df[keys].reset_index(drop=True), scope)


def savings(engine, scope, by: str = "prefecture", *, prefecture: str | None = None,
            month_from: dt.date | None = None, month_to: dt.date | None = None, lang: str = "ja") -> pd.DataFrame:
    """Realised and potential hours and yen by prefecture or municipality (unrounded: sum, then round once),
    small counts suppressed for the scope (the hours and yen of a suppressed row with them)."""
    return for_scope(qs.savings(engine, by, prefecture=prefecture, month_from=month_from, month_to=month_to,
                                lang=lang), scope)


MEASURES = ("sheets", "digital_sheets", "realised_hours", "realised_yen", "potential_hours", "potential_yen")


def savings_with_totals(engine, scope, by: str = "prefecture", *, prefecture: str | None = None,
                        month_from: dt.date | None = None, month_to: dt.date | None = None, lang: str = "ja",
                        known_areas: bool = False) -> tuple[pd.DataFrame, dict[str, float]]:
    """The rows of ``savings`` (suppressed for the scope) and the sums over all of them before suppression:
    an area's total is an aggregate above the threshold, shown to every reader. ``known_areas``: only rows
    whose prefecture is known (the page's national tiles)."""
    frame = qs.savings(engine, by, prefecture=prefecture, month_from=month_from, month_to=month_to, lang=lang)
    if known_areas:
        frame = frame[frame["prefecture"].notna()]
    totals = {key: float(frame[key].sum()) for key in MEASURES}
    return for_scope(frame, scope), totals


def savings_rows(engine, scope, by: str, prefecture: str | None, month: dt.date | None) -> pd.DataFrame:
    """``careplan report savings``'s rows (DESIGN §6)."""
    df = savings(engine, scope, by, prefecture=prefecture, month_from=month, month_to=month)
    keys = SAVINGS_KEYS[:2] + (["municipality_code", "municipality"] if by == "municipality" else []) \
        + SAVINGS_KEYS[2:] + (["suppressed"] if "suppressed" in df.columns else [])
    return df[keys]


def targets(engine, scope, *, prefecture: str | None = None, month_to: dt.date | None = None,
            top: int | None = None, **filters) -> pd.DataFrame:
    """Unregistered offices ranked by the sheets their registration would turn digital."""
    return for_scope(qt.unlockable(engine, prefecture=prefecture, month_to=month_to, top=top, **filters), scope)


target_municipalities = qt.municipalities  # the municipalities of a prefecture, for the filter
window_months = qt.window_months          # the months a window of N months covers
target_sentence = qt.sentence             # 「登録すると月N件がデータ連携になります（登録済みの相手M事業所）」


def definition(key: str, lang: str = "ja") -> tuple[str, str]:
    """(definition, source) of a KPI, as printed under a chart."""
    return kpis.describe(key, lang), kpis.source(key, lang)
