"""Realised and potential hours and yen by area through the effect model (DESIGN §4).

Sheets are summed per area in SQL (sender's area, as for the digital share); the vectorised per-user
model (``analytics.domain.effects.vector_effect``) is applied to that small result:
realised = vector_effect(sheets, digital_sheets), potential = vector_effect(sheets, sheets).
The period is what the caller chooses: one month (figures per month) or a range (sums over the range).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.store.queries_channels import channel_summary

BY = ("prefecture", "municipality")


def _prefecture_names(lang: str = "ja") -> dict[str, str]:
    from analytics.domain.codes import prefecture_names
    return prefecture_names(lang)


def area_sheets(engine, by: str = "prefecture", *, prefecture: str | None = None,
                month_from: dt.date | None = None, month_to: dt.date | None = None) -> pd.DataFrame:
    """Sheets and digital sheets per area (SQL aggregation)."""
    if by not in BY:
        raise ValueError(by)
    group = ["prefecture_code"] + (["municipality_code"] if by == "municipality" else [])
    df = channel_summary(engine, group, prefecture=prefecture, month_from=month_from, month_to=month_to)
    return df[group + ["sheets", "digital_sheets"]]


def savings(engine, by: str = "prefecture", *, prefecture: str | None = None,
            month_from: dt.date | None = None, month_to: dt.date | None = None,
            assumptions=None, municipality_names: dict | None = None, lang: str = "ja") -> pd.DataFrame:
    """Rows: prefecture_code, prefecture, [municipality_code, municipality], sheets, digital_sheets,
    realised_hours, realised_yen, potential_hours, potential_yen (sorted by potential yen, largest first).

    Hours and yen are the model's unrounded values: callers sum them first and round once for display
    (hours to 0.1, yen to the yen); rounding each area here made national totals drift (DESIGN §4)."""
    from analytics.domain.effects import vector_effect

    df = area_sheets(engine, by, prefecture=prefecture, month_from=month_from, month_to=month_to)
    names = _prefecture_names(lang)
    df.insert(1, "prefecture", df["prefecture_code"].map(names))
    if by == "municipality":
        if municipality_names is None:
            municipality_names = municipality_name_map(engine, prefecture)
        df.insert(3, "municipality", df["municipality_code"].map(municipality_names))
    if df.empty:
        for c in ("realised_hours", "realised_yen", "potential_hours", "potential_yen"):
            df[c] = pd.Series(dtype=float)
        return df
    sheets = df["sheets"].to_numpy(dtype=float)
    realised = vector_effect(sheets, df["digital_sheets"].to_numpy(dtype=float), assumptions)
    potential = vector_effect(sheets, sheets, assumptions)
    # round(6) only strips float noise (9237.479999999981): sums stay exact far below 0.1 h and 1 yen
    df["realised_hours"] = realised["hours_saved"].to_numpy(dtype=float).round(6)
    df["realised_yen"] = realised["yen_saved"].to_numpy(dtype=float).round(6)
    df["potential_hours"] = potential["hours_saved"].to_numpy(dtype=float).round(6)
    df["potential_yen"] = potential["yen_saved"].to_numpy(dtype=float).round(6)
    sort = ["potential_yen", "prefecture_code"] + (["municipality_code"] if by == "municipality" else [])
    return df.sort_values(sort, ascending=[False] + [True] * (len(sort) - 1),
                          kind="stable", na_position="last").reset_index(drop=True)


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A savings table for reading (page tables, CSVs under charts, the pack, the CLI's table): each row
    rounded once, hours to 0.1 and yen to the yen. Sums are taken before this, on the unrounded values.
    Cells that are not numbers (a viewer's suppressed areas) become empty."""
    out = df.copy()
    for c in ("realised_hours", "potential_hours"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(1)
    for c in ("realised_yen", "potential_yen"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(0).astype("Int64")
    return out


def municipality_name_map(engine, prefecture: str | None = None) -> dict:
    import sqlalchemy as sa

    from analytics.store import schema
    from analytics.store.engine import read_df
    o = schema.offices
    q = (sa.select(o.c.municipality_code, sa.func.min(o.c.municipality).label("municipality"))
         .where(o.c.municipality_code.is_not(None)).group_by(o.c.municipality_code))
    if prefecture:
        q = q.where(o.c.prefecture_code == prefecture)
    df = read_df(engine, q)
    return dict(zip(df["municipality_code"], df["municipality"]))
