"""Adoption: offices, registered offices and the adoption rate by area and kind at a date, its change over a
period and its monthly trend (DESIGN §3; queries in ``analytics.store.queries_adoption``)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from analytics.domain import codes, kpis
from analytics.i18n import t
from analytics.services import Figure, for_scope
from analytics.store import queries_adoption as qa

# `careplan report adoption --by` → the query's grouping (its "kind" is per prefecture and kind)
REPORT_GROUPS = {"prefecture": "prefecture", "municipality": "municipality", "kind": "prefecture_kind"}


def default_as_of(engine) -> dt.date:
    """The data's as-of date (dataset_meta ``as_of``), else today."""
    return qa.default_as_of(engine)


def ranked(frame: pd.DataFrame, value: str = "adoption_rate") -> pd.DataFrame:
    """The prefectures with a value, highest first (ties in prefecture-code order), with ``rank`` 1…n in
    front: the one ranking of the 都道府県別 page's tiles and the pack's ranking slide."""
    out = frame.dropna(subset=[value]).sort_values([value, "prefecture_code"], ascending=[False, True])
    out = out.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def standing(frame: pd.DataFrame, code: str, national, value: str = "adoption_rate") -> dict | None:
    """One prefecture's place in ``frame`` (by prefecture): its value, rank among the n prefectures with a
    value (``ranked``) and difference from the national figure; None when the prefecture has no value."""
    table = ranked(frame, value)
    hit = table[table["prefecture_code"] == code]
    if not len(hit):
        return None
    v = float(hit[value].iloc[0])
    diff = None if national is None or pd.isna(national) else v - float(national)
    return {"value": v, "rank": int(hit["rank"].iloc[0]), "n": len(table), "diff": diff}


def registration_span(engine):
    return qa.registration_span(engine)


def latest_exchange_month(engine):
    return qa.latest_exchange_month(engine)


# the home page's national figures of the latest month (large by construction: no small counts)
digital_share = qa.digital_share
digital_offices = qa.digital_offices


def _named(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "prefecture_code" in frame.columns and "prefecture" not in frame.columns:
        names = codes.prefecture_names(lang)
        frame.insert(frame.columns.get_loc("prefecture_code") + 1, "prefecture", frame["prefecture_code"].map(names))
    return frame


def adoption(engine, scope, as_of: dt.date | None = None, by: str = "prefecture", prefecture: str | None = None,
             kind: str | None = None, lang: str = "ja") -> Figure:
    """Offices, registered and adoption_rate at ``as_of`` (default: the data's as-of date) by nation,
    prefecture, municipality, kind or prefecture_kind, with the prefecture's name in ``lang``; small counts
    suppressed for the scope."""
    as_of = as_of or default_as_of(engine)
    frame = _named(qa.adoption(engine, as_of, by, prefecture, kind).copy(), lang)
    return Figure(for_scope(frame, scope), "adoption_rate", kpis.describe("adoption_rate", lang),
                  t("export.period.as_of", lang, date=as_of.isoformat()), kpis.source("adoption_rate", lang),
                  kpis.unit_text(kpis.get("adoption_rate").unit, lang))


def change(engine, scope, start: dt.date, end: dt.date, by: str = "prefecture", prefecture: str | None = None,
           kind: str | None = None, lang: str = "ja") -> Figure:
    """The adoption rate at ``start`` and ``end`` and its change (a fraction; shown in points)."""
    frame = _named(qa.adoption_change(engine, start, end, by, prefecture, kind).copy(), lang)
    return Figure(for_scope(frame, scope), "adoption_change", kpis.describe("adoption_change", lang),
                  t("adoption.period.range", lang, start=start.isoformat(), end=end.isoformat()),
                  kpis.source("adoption_change", lang), kpis.unit_text(kpis.get("adoption_change").unit, lang))


def monthly(engine, scope, start: dt.date, end: dt.date, by: str = "nation",
            prefectures: tuple[str, ...] | None = None, kind: str | None = None) -> pd.DataFrame:
    """Registered in month M for each month from start to end (``queries_adoption.adoption_monthly``)."""
    return for_scope(qa.adoption_monthly(engine, start, end, by, prefectures, kind), scope)


def monthly_by_kind(engine, scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The nation per month as a whole (``kind`` "all") and per kind, from one query by kind (kinds
    partition the offices, so the whole is their sum), then suppressed for the scope row by row."""
    by_kind = qa.adoption_monthly(engine, start, end, "kind")
    total = by_kind.groupby("month", as_index=False)[["offices", "registered"]].sum()
    total["adoption_rate"] = (total["registered"] / total["offices"]).where(total["offices"] > 0)
    both = pd.concat([total.assign(kind="all"), by_kind], ignore_index=True)
    return for_scope(both[["kind", "month", "offices", "registered", "adoption_rate"]], scope)


def not_in_master(engine, as_of: dt.date, prefecture: str | None = None) -> pd.DataFrame:
    """Registrations whose 事業所番号 is not in the master (never in a rate), one row each (detail)."""
    return qa.not_in_master(engine, as_of, prefecture)


def not_in_master_counts(engine, scope, as_of: dt.date) -> pd.DataFrame:
    """Their count per prefecture, small counts suppressed for the scope."""
    return for_scope(qa.not_in_master_counts(engine, as_of), scope)


def office_list(engine, prefecture: str, as_of: dt.date, search: str | None = None, kind: str | None = None,
                municipality: str | None = None) -> pd.DataFrame:
    """The offices of one prefecture with their registration state (detail: the caller checks the scope)."""
    return qa.office_list(engine, prefecture, as_of, search, kind, municipality)


def report_rows(engine, scope, by: str, prefecture: str | None, as_of: dt.date, order: str = "code") -> pd.DataFrame:
    """``careplan report adoption``'s rows with exactly the contract's keys (DESIGN §6); by municipality in
    ``order`` (``municipalities``: code order, or lagging first), ``attrs["extremes"]`` and ``min_offices``
    kept for the note on stderr."""
    if by == "municipality":
        full = municipalities(engine, scope, as_of, prefecture, order=order).frame
    else:
        full = adoption(engine, scope, as_of, REPORT_GROUPS[by], prefecture).frame
    frame = full
    extra = {"prefecture": [], "municipality": ["municipality_code", "municipality"], "kind": ["kind"]}[by]
    cols = ["prefecture_code", "prefecture", *extra, "offices", "registered", "adoption_rate"]
    if "suppressed" in frame.columns:
        cols.append("suppressed")
    out = frame[cols].reset_index(drop=True)
    out.attrs.update(full.attrs)
    return out


# ---- municipalities: n beside every rate, ranks and highest/lowest only where the count can carry them ----

MUNICIPALITY_ORDERS = ("code", "lagging")


def min_offices_for_rank() -> int:
    """``CAREPLAN_MIN_OFFICES_FOR_RANK`` (setting ``min_offices_for_rank``): the fewest offices a
    municipality needs to be ranked or named highest/lowest; read when asked (a deployment may change it)."""
    from analytics import settings
    return int(settings.get("min_offices_for_rank"))


def rank_areas(frame: pd.DataFrame, min_offices: int, value: str = "adoption_rate") -> pd.DataFrame:
    """The one rule for ranking small areas: an area is ``rankable`` when it has at least ``min_offices``
    offices and a value; ``rank`` 1 is the highest value among the rankable areas (equal values share a
    rank), <NA> for the others (their 100 % or 0 % of 1–3 offices is shown, with its n, but not ranked)."""
    out = frame.copy()
    rankable = (out["offices"] >= int(min_offices)) & out[value].notna()
    if "suppressed" in out.columns:
        rankable &= ~out["suppressed"].fillna(False).astype(bool)
    out["rankable"] = rankable.astype(bool)
    ranks = out.loc[rankable, value].rank(method="min", ascending=False)
    out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if len(ranks):
        out.loc[rankable, "rank"] = ranks.astype("int64").to_numpy()
    return out


def extremes(frame: pd.DataFrame, value: str = "adoption_rate") -> dict:
    """The highest and the lowest of the rankable areas of ``rank_areas`` (ties: the area with more offices,
    then the lower code), as row dicts; both None when fewer than two areas are rankable (a single area is
    neither the highest nor the lowest of anything)."""
    pool = frame[frame["rankable"]] if "rankable" in frame.columns else frame.iloc[0:0]
    if len(pool) < 2:
        return {"highest": None, "lowest": None, "rankable": len(pool)}
    code = "municipality_code" if "municipality_code" in pool.columns else "prefecture_code"
    hi = pool.sort_values([value, "offices", code], ascending=[False, False, True]).iloc[0]
    lo = pool.sort_values([value, "offices", code], ascending=[True, False, True]).iloc[0]
    return {"highest": hi.to_dict(), "lowest": lo.to_dict(), "rankable": len(pool)}


def order_areas(frame: pd.DataFrame, order: str = "code", value: str = "adoption_rate") -> pd.DataFrame:
    """``code``: JIS code order. ``lagging``: the rankable areas first, lowest value first (ties: more
    offices first, since more offices are waiting), then the areas too small to rank, in the same order."""
    if order not in MUNICIPALITY_ORDERS:
        raise ValueError(f"unknown order {order!r}")
    code = "municipality_code" if "municipality_code" in frame.columns else "prefecture_code"
    if order == "code":
        return frame.sort_values(code).reset_index(drop=True)
    key = frame.assign(_small=~frame["rankable"], _missing=frame[value].isna())
    key = key.sort_values(["_small", "_missing", value, "offices", code],
                          ascending=[True, True, True, False, True])
    return key.drop(columns=["_small", "_missing"]).reset_index(drop=True)


def municipalities(engine, scope, as_of: dt.date | None = None, prefecture: str | None = None,
                   kind: str | None = None, lang: str = "ja", order: str = "code",
                   min_offices: int | None = None) -> Figure:
    """Adoption by municipality of one prefecture with ``rankable`` and ``rank`` (``rank_areas`` with the
    ``min_offices_for_rank`` setting unless given) in ``order``: the 市区町村 page, its downloads, the CLI's
    ``--by municipality`` and the prefecture pack read this one function. ``frame.attrs``: min_offices and
    the ``extremes``."""
    fig = adoption(engine, scope, as_of, "municipality", prefecture, kind, lang)
    limit = min_offices_for_rank() if min_offices is None else int(min_offices)
    frame = order_areas(rank_areas(fig.frame, limit), order)
    frame.attrs["min_offices"] = limit
    frame.attrs["extremes"] = extremes(frame)
    return dataclasses.replace(fig, frame=frame)
