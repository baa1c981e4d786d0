"""Adoption: offices, registered offices and the adoption rate by area and kind at a date, its change over a
period and its monthly trend (DESIGN §3; queries in ``analytics.store.queries_adoption``)."""
from __future__ import annotations

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


def report_rows(engine, scope, by: str, prefecture: str | None, as_of: dt.date) -> pd.DataFrame:
    """``careplan report adoption``'s rows with exactly the contract's keys (DESIGN §6)."""
    frame = adoption(engine, scope, as_of, REPORT_GROUPS[by], prefecture).frame
    extra = {"prefecture": [], "municipality": ["municipality_code", "municipality"], "kind": ["kind"]}[by]
    cols = ["prefecture_code", "prefecture", *extra, "offices", "registered", "adoption_rate"]
    if "suppressed" in frame.columns:
        cols.append("suppressed")
    return frame[cols].reset_index(drop=True)
