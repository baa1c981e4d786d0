"""Queries behind 将来推計: monthly registered offices by kind, master sizes, and the recruitment targets'
unlockable sheets. SQLAlchemy Core; the counting happens in the database, pandas only holds the results.

The rules are ``analytics.store.definitions``: the monthly series counts offices in the master registered
at each month end (``registered_at`` its last day), by the master's prefecture and the office's kind then
(``kind_at`` the month end: a dated master may have closed its 居宅介護支援); an office with several
registration rows counts once; master sizes are the offices open at a day with their kind at it. Targets and unlockable sheets compose ``unlockable``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analytics.store import definitions as D
from analytics.store import engine as store_engine
from analytics.store import schema

o, r, x = schema.offices, schema.registrations, schema.exchanges




def _add_months(month: dt.date, n: int) -> dt.date:
    idx = month.year * 12 + month.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def series_months(engine) -> tuple[dt.date, dt.date] | None:
    """(first, last) month of the registration series, or None when there are no registrations.

    First: the month of the earliest registration, but not before the earliest snapshot-derived one: a
    snapshot says its offices were registered on or before its date, so the months before the first
    snapshot are unknown, not a climb from 0 (the forecast would read the first snapshot as a spike).
    Last: the last complete month on or before the data's as-of date (dataset_meta 'as_of'), else the month
    of the latest registration.
    """
    with engine.connect() as conn:
        lo, hi = conn.execute(sa.select(sa.func.min(r.c.registered_on), sa.func.max(r.c.registered_on))).one()
        first_snapshot = conn.execute(sa.select(sa.func.min(r.c.registered_on))
                                      .where(D.from_snapshot(r))).scalar()
        if first_snapshot is not None:
            lo = max(_as_date(lo), _as_date(first_snapshot))
        as_of = _as_date(store_engine.get_meta(conn, "as_of"))
    lo, hi = _as_date(lo), _as_date(hi)
    if lo is None:
        return None
    first = dt.date(lo.year, lo.month, 1)
    if as_of is not None:
        last = dt.date(as_of.year, as_of.month, 1)
        if as_of != D.month_last_day(as_of):
            last = _add_months(last, -1)
    else:
        last = dt.date(hi.year, hi.month, 1)
    return (first, max(first, last))


def monthly_registered(engine, prefecture: str | None = None, start: dt.date | None = None,
                       end: dt.date | None = None, by_prefecture: bool = False) -> pd.DataFrame:
    """Columns month (first day), kind, registered: offices in the master registered at each month end.

    Every month × kind of the range is present (0 where none). prefecture None = the nation.
    ``by_prefecture``: one series per prefecture of the master (column prefecture_code first), in one query.
    """
    if start is None or end is None:
        bounds = series_months(engine)
        if bounds is None:
            return pd.DataFrame({"month": [], "kind": [], "registered": []})
        start, end = start or bounds[0], end or bounds[1]
    months = []
    mo = dt.date(start.year, start.month, 1)
    while mo <= end:
        months.append(mo)
        mo = _add_months(mo, 1)
    if not months:
        return pd.DataFrame({"month": [], "kind": [], "registered": []})
    keys = [o.c.prefecture_code] if by_prefecture else []
    grid = D.months_with_ends(months)
    # (month, office) registered at the month end, once each however many spans cover it, then counted:
    # a DISTINCT that PostgreSQL hashes (its count(DISTINCT …) sorts: 0.52 → 0.38 s for 29 months of 28k
    # registrations; DuckDB the same either way)
    # the kind at the month end: 'service' where every 居宅介護支援 service was closed then (kind_lapses of
    # the month-end dates, few rows, joined)
    ends = sa.select(grid.c.month_end).subquery("ends")
    lapses = D.kind_lapses(ends.c.month_end, ends.c.month_end, ends).subquery("lapses")
    active = (sa.select(*keys, grid.c.month, D.kind_of(lapses, o).label("kind"), r.c.office_code)
              .select_from(grid.join(r, D.registered_at(grid.c.month_end, r))
                           .join(o, sa.and_(o.c.office_code == r.c.office_code,
                                            D.office_open_at(grid.c.month_end, o.c.office_code)))
                           .outerjoin(lapses, sa.and_(lapses.c.d == grid.c.month_end,
                                                      lapses.c.office_code == o.c.office_code)))
              .distinct())
    if prefecture:
        active = active.where(o.c.prefecture_code == prefecture)
    active = active.subquery("active")
    group = [active.c[c.name] for c in keys] + [active.c.month, active.c.kind]
    q = sa.select(*group, sa.func.count().label("registered")).group_by(*group)
    got = store_engine.read_df(engine, q)
    levels, names = [months, list(schema.KINDS)], ["month", "kind"]
    if by_prefecture:
        prefs = store_engine.read_df(engine, sa.select(o.c.prefecture_code).distinct())["prefecture_code"]
        if prefecture:
            prefs = prefs[prefs == prefecture]
        levels, names = [sorted(prefs)] + levels, ["prefecture_code"] + names
    full = pd.MultiIndex.from_product(levels, names=names).to_frame(index=False)
    if not got.empty:
        got["month"] = got["month"].map(_as_date)
        got["registered"] = got["registered"].astype(int)
    else:
        got = pd.DataFrame(columns=names + ["registered"])
    out = full.merge(got, on=names, how="left")
    out["registered"] = out["registered"].fillna(0).astype(int)
    return out.sort_values(names[:-2] + ["kind", "month"], ignore_index=True)


def size_day(engine) -> dt.date:
    """The day the master's size is taken for a forecast: the end of the series' last month (the offices
    open then, ``office_open_at``), else today."""
    bounds = series_months(engine)
    return D.month_last_day(bounds[1]) if bounds is not None else dt.date.today()


def master_by_prefecture(engine, on: dt.date | None = None) -> pd.DataFrame:
    """Columns prefecture_code, kind, offices: the master's size per prefecture and kind (counted in SQL),
    the offices open on ``on`` (default ``size_day``)."""
    on = on or size_day(engine)
    oa = D.offices_at(on).subquery("oa")
    q = (sa.select(oa.c.prefecture_code, oa.c.kind, sa.func.count().label("offices"))
         .group_by(oa.c.prefecture_code, oa.c.kind).order_by(oa.c.prefecture_code, oa.c.kind))
    got = store_engine.read_df(engine, q)
    got["offices"] = got["offices"].astype(int)
    return got


def master_size(engine, prefecture: str | None = None, on: dt.date | None = None) -> pd.DataFrame:
    """Columns kind, offices: offices in the master open on ``on`` (default ``size_day``) by their kind then
    (both kinds always present)."""
    on = on or size_day(engine)
    oa = D.offices_at(on).subquery("oa")
    q = sa.select(oa.c.kind, sa.func.count().label("offices")).group_by(oa.c.kind)
    if prefecture:
        q = q.where(oa.c.prefecture_code == prefecture)
    got = store_engine.read_df(engine, q)
    out = pd.DataFrame({"kind": list(schema.KINDS)}).merge(got, on="kind", how="left")
    out["offices"] = out["offices"].fillna(0).astype(int)
    return out


def latest_exchange_month(engine) -> dt.date | None:
    with engine.connect() as conn:
        return _as_date(conn.execute(sa.select(sa.func.max(x.c.month))).scalar())


def target_ranking(engine, prefecture: str | None, month: dt.date | None = None, kind: str | None = None,
                   top: int | None = None) -> pd.DataFrame:
    """Unregistered offices in the master (area, kind) ranked by unlockable sheets in ``month``.

    Unlockable: non-digital sheets where exactly one side was registered that month; the unregistered side
    is the target. Columns office_code, name, kind, unlockable_sheets (descending, ties by office_code).
    """
    month = month or latest_exchange_month(engine)
    cols = ["office_code", "name", "kind", "unlockable_sheets"]
    if month is None:
        return pd.DataFrame(columns=cols)
    fx = D.flagged_exchanges([x.c.month == month]).subquery("fx")
    target, _partner = D.unregistered_side(fx)
    side = (sa.select(target.label("office_code"), fx.c.sheets)
            .where(D.unlockable(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered)).subquery("side"))
    kind_then = D.kind_in_month(month.replace(day=1), D.month_last_day(month), o)
    q = (sa.select(o.c.office_code, o.c.name, kind_then.label("kind"),
                   sa.func.sum(side.c.sheets).label("unlockable_sheets"))
         .select_from(side.join(o, o.c.office_code == side.c.office_code))
         .group_by(o.c.office_code, o.c.name, o.c.kind)
         .order_by(sa.desc("unlockable_sheets"), o.c.office_code))
    if prefecture:
        q = q.where(o.c.prefecture_code == prefecture)
    if kind:
        q = q.where(D.of_kind(kind, kind_then))
    if top is not None:
        q = q.limit(int(top))
    got = store_engine.read_df(engine, q)
    if got.empty:
        return pd.DataFrame(columns=cols)
    got["unlockable_sheets"] = got["unlockable_sheets"].astype(int)
    return got[cols]


def channel_totals(engine, prefecture: str | None, month: dt.date | None = None) -> dict:
    """Sheets and digital sheets sent by offices of the area (sender's master prefecture) in ``month``."""
    month = month or latest_exchange_month(engine)
    if month is None:
        return {"month": None, "sheets": 0, "digital_sheets": 0}
    q = (sa.select(sa.func.coalesce(sa.func.sum(x.c.sheets), 0),
                   sa.func.coalesce(sa.func.sum(D.digital_sheets(x.c.channel, x.c.sheets)), 0))
         .select_from(x.join(o, o.c.office_code == x.c.sender_code))
         .where(x.c.month == month))
    if prefecture:
        q = q.where(o.c.prefecture_code == prefecture)
    with engine.connect() as conn:
        sheets, digital = conn.execute(q).one()
    return {"month": month, "sheets": int(sheets), "digital_sheets": int(digital)}


def unlocked_by_targets(engine, prefecture: str | None, codes: list[str], month: dt.date | None = None) -> int:
    """Non-digital sheets sent by offices of the area in ``month`` that would turn digital if ``codes`` joined.

    A sheet turns digital when, after the join, both its sides are registered (its unregistered side, or
    both sides, among ``codes``).
    """
    month = month or latest_exchange_month(engine)
    if month is None or not codes:
        return 0
    fx = D.flagged_exchanges([x.c.month == month]).subquery("fx")
    codes = list(codes)
    s_after = sa.case((sa.or_(fx.c.sender_registered == 1, fx.c.sender_code.in_(codes)), 1), else_=0)
    r_after = sa.case((sa.or_(fx.c.receiver_registered == 1, fx.c.receiver_code.in_(codes)), 1), else_=0)
    # missed digital once the codes have joined, and not before: those sheets turn digital
    q = (sa.select(sa.func.coalesce(sa.func.sum(fx.c.sheets), 0))
         .select_from(fx.join(o, o.c.office_code == fx.c.sender_code))
         .where(D.missed_digital(fx.c.channel, s_after, r_after),
                sa.not_(D.missed_digital(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered))))
    if prefecture:
        q = q.where(o.c.prefecture_code == prefecture)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar())


def area_series(engine, prefecture: str | None) -> tuple[pd.DataFrame, dict[str, int]]:
    """The forecast's inputs for one area: the monthly series (month, kind, registered) and master sizes."""
    series = monthly_registered(engine, prefecture)
    master = master_size(engine, prefecture).set_index("kind")["offices"].astype(int).to_dict()
    return series, master


def recruitment_targets(engine, prefecture: str | None, kind: str | None, top: int,
                        month: dt.date | None = None) -> pd.DataFrame:
    """The top-N of the recruitment ranking (offices in the master only: they are the ones a forecast counts).

    Uses the targets helper's ranking (analytics.store.queries_targets.unlockable) when present, else the
    same definition here (``target_ranking``). Columns office_code, name, kind, unlockable_sheets.
    """
    if top <= 0:
        return pd.DataFrame(columns=["office_code", "name", "kind", "unlockable_sheets"])
    try:
        from analytics.store import queries_targets
        got = queries_targets.unlockable(engine, prefecture=prefecture, month_to=month, kind=kind or None)
        got = got[got["kind"].notna()].head(int(top))
        return got[["office_code", "name", "kind", "unlockable_sheets"]].reset_index(drop=True)
    except ImportError:
        return target_ranking(engine, prefecture, month, kind, top)
