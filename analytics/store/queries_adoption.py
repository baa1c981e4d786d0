"""Adoption queries (DESIGN §3), aggregated in the database with SQLAlchemy Core.

The rules (registered at D, registered in month M, office kind, in the master, digital) are
``analytics.store.definitions``; this module composes them:
- an office is one 事業所番号 of the master (``offices``), counted once; its area and kind are the master's.
  At a date D only the offices open at D count, with their kind at D (``offices_at``: ``office_open_at`` and
  ``kind_at``; a dated master may have closed the office, or its 居宅介護支援 only); in a month M those open
  on some day of M, with their kind in M (``office_open_in_month``, ``kind_lapses``).
- adoption rate = registered offices that are in the master / offices in the master, same area and kind.
- registrations whose office is not in the master are counted separately, by ``registrations.prefecture_code``.

Every function takes the engine first so that the UI can cache it (``glue.cached(fn, *args)``) and returns
a small DataFrame (one row per area, month or office).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analytics.store import definitions as D
from analytics.store import engine as store_engine
from analytics.store import schema

O = schema.offices
R = schema.registrations
X = schema.exchanges

GROUPS = ("nation", "prefecture", "municipality", "kind", "prefecture_kind")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, D.month_last_day(first)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from start's month to end's month, inclusive."""
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def _group_cols(by: str, off=O) -> list:
    """The grouping columns of ``off``: ``offices``, or the master at a date (``definitions.offices_at``),
    whose ``kind`` is the kind at that date."""
    if by == "nation":
        return []
    if by == "prefecture":
        return [off.c.prefecture_code]
    if by == "municipality":
        return [off.c.prefecture_code, off.c.municipality_code, off.c.municipality]
    if by == "kind":
        return [off.c.kind]
    if by == "prefecture_kind":
        return [off.c.prefecture_code, off.c.kind]
    raise ValueError(f"unknown grouping {by!r}")


def _office_filters(prefecture: str | None, kind: str | None, municipality: str | None = None, off=O) -> list:
    conds = []
    if prefecture:
        conds.append(off.c.prefecture_code == prefecture)
    if kind:
        conds.append(D.of_kind(kind, off.c.kind))
    if municipality:
        conds.append(off.c.municipality_code == municipality)
    return conds




def adoption(engine, as_of: dt.date, by: str = "prefecture", prefecture: str | None = None,
             kind: str | None = None) -> pd.DataFrame:
    """Offices in the master, those registered at ``as_of`` and the adoption rate, by area/kind.

    by: nation | prefecture | municipality | kind | prefecture_kind. Municipality rows also carry the
    mean of the master's coordinates (lat, lon) for the map. Areas without offices in the master do not
    appear (their rate is undefined, not 0).
    """
    reg = (sa.select(R.c.office_code).where(D.registered_at(as_of)).distinct().subquery("reg"))
    oa = D.offices_at(as_of).subquery("oa")
    groups = _group_cols(by, oa)
    registered = sa.func.count(reg.c.office_code)
    offices = sa.func.count(oa.c.office_code)
    cols = groups + [offices.label("offices"), registered.label("registered"),
                     D.rate(registered, offices).label("adoption_rate")]
    if by == "municipality":
        cols += [sa.func.avg(oa.c.lat).label("lat"), sa.func.avg(oa.c.lon).label("lon")]
    q = (sa.select(*cols)
         .select_from(oa.outerjoin(reg, reg.c.office_code == oa.c.office_code))
         .where(*_office_filters(prefecture, kind, off=oa)))
    if groups:
        q = q.group_by(*groups).order_by(*[g for g in groups if g.name != "municipality"])
    out = store_engine.read_df(engine, q)
    return _typed(out)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for c in ("offices", "offices_start", "registered", "registered_start", "registered_end"):
        if c in out:
            out[c] = out[c].fillna(0).astype("int64")
    for c in ("adoption_rate", "rate_start", "rate_end", "change", "lat", "lon"):
        if c in out:
            out[c] = out[c].astype("float64")
    return out


def adoption_change(engine, start: dt.date, end: dt.date, by: str = "prefecture",
                    prefecture: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """Adoption at ``start`` and at ``end`` in one pass; change = rate_end − rate_start (a fraction).

    ``offices``: those open at ``end``; each rate has the offices open at its own date (``offices_start``),
    each with its kind at that date (an office whose 居宅介護支援 closed between them changes kind)."""
    def at(day: dt.date, name: str, is_start: int):
        oa = D.offices_at(day).subquery(f"o{name}")
        reg = sa.select(R.c.office_code).where(D.registered_at(day)).distinct().subquery(f"r{name}")
        return (sa.select(*[c.label(c.name) for c in _group_cols(by, oa)],
                          sa.literal_column(str(is_start)).label("at_start"),
                          sa.literal_column(str(1 - is_start)).label("at_end"),
                          sa.case((reg.c.office_code.is_not(None), 1), else_=0).label("reg"))
                .select_from(oa.outerjoin(reg, reg.c.office_code == oa.c.office_code))
                .where(*_office_filters(prefecture, kind, off=oa)))
    both = sa.union_all(at(start, "s", 1), at(end, "e", 0)).subquery("both")
    groups = [both.c[c.name] for c in _group_cols(by)]
    offices = sa.func.coalesce(sa.func.sum(both.c.at_end), 0)
    offices_start = sa.func.coalesce(sa.func.sum(both.c.at_start), 0)
    n_start = sa.func.coalesce(sa.func.sum(both.c.at_start * both.c.reg), 0)
    n_end = sa.func.coalesce(sa.func.sum(both.c.at_end * both.c.reg), 0)
    q = sa.select(*groups, offices.label("offices"), offices_start.label("offices_start"),
                  n_start.label("registered_start"),
                  n_end.label("registered_end"), D.rate(n_start, offices_start).label("rate_start"),
                  D.rate(n_end, offices).label("rate_end"),
                  (D.rate(n_end, offices) - D.rate(n_start, offices_start)).label("change"))
    if groups:
        q = q.group_by(*groups).order_by(*[g for g in groups if g.name != "municipality"])
    return _typed(store_engine.read_df(engine, q))


def adoption_monthly(engine, start: dt.date, end: dt.date, by: str = "nation",
                     prefectures: tuple[str, ...] | None = None, kind: str | None = None) -> pd.DataFrame:
    """Registered in month M (DESIGN §3) for each month from start to end: month, [prefecture_code | kind],
    offices, registered, adoption_rate. Months without registrations are present with 0. ``by="kind"``:
    the nation (or the given prefectures) per office kind, in one pass; kinds partition the offices, so
    their sums per month are the total. An office's kind in M is ``kind_in_month``'s (its 居宅介護支援
    closed through M: a service office that month)."""
    if by not in ("nation", "prefecture", "kind"):
        raise ValueError(f"unknown grouping {by!r}")
    months = months_between(start, end)
    if not months:
        return pd.DataFrame(columns=["month", "offices", "registered", "adoption_rate"])
    m = D.months_with_ends(months)
    conds = [O.c.prefecture_code.in_(list(prefectures))] if prefectures else []
    C = schema.office_closures
    # the cells are month × prefecture × kind, summed at the end to what ``by`` asks for
    lapses = D.kind_lapses(m.c.month, m.c.month_end, m).subquery("lapses")
    keys = ["prefecture_code", "kind"]
    base = (sa.select(O.c.prefecture_code, O.c.kind, sa.func.count().label("n")).where(*conds)
            .group_by(O.c.prefecture_code, O.c.kind).subquery("base"))
    # the month's denominator: the master's offices, less those a dated master changed in M (closed for the
    # whole month, or their 居宅介護支援 closed through it) in their stored cell, plus those of them still
    # open in M in the cell of their kind in M (a service office); closures are few: no month × office grid
    changed = sa.union(
        sa.select(m.c.month, C.c.office_code).select_from(m.join(C, D.closed_through_month(m.c.month, m.c.month_end, C))),
        sa.select(lapses.c.d.label("month"), lapses.c.office_code)).subquery("changed")
    cells = sa.union_all(
        sa.select(m.c.month, base.c.prefecture_code, base.c.kind, base.c.n).select_from(m.join(base, sa.true())),
        sa.select(changed.c.month, O.c.prefecture_code, O.c.kind, sa.literal_column("-1").label("n"))
        .select_from(changed.join(O, O.c.office_code == changed.c.office_code)).where(*conds),
        sa.select(changed.c.month, O.c.prefecture_code, sa.literal_column("'service'").label("kind"),
                  sa.literal_column("1").label("n"))
        .select_from(changed.join(O, O.c.office_code == changed.c.office_code)
                     .join(m, m.c.month == changed.c.month))
        .where(D.office_open_in_month(m.c.month, m.c.month_end), *conds)).subquery("cells")
    denominators = (sa.select(cells.c.month, *[cells.c[k] for k in keys], sa.func.sum(cells.c.n).label("offices"))
                    .group_by(cells.c.month, *[cells.c[k] for k in keys]).subquery("den"))
    # the numerator: offices registered in M and open in M, in the cell of their kind in M
    lp = lapses.alias("lp")
    regm = (sa.select(m.c.month, O.c.prefecture_code, D.kind_of(lp).label("kind"), R.c.office_code)
            .select_from(m.join(R, D.registered_in_month(m.c.month, m.c.month_end))
                         .join(O, sa.and_(O.c.office_code == R.c.office_code,
                                          D.office_open_in_month(m.c.month, m.c.month_end)))
                         .outerjoin(lp, sa.and_(lp.c.d == m.c.month, lp.c.office_code == O.c.office_code)))
            .where(*conds).distinct().subquery("regm"))
    numerators = (sa.select(regm.c.month, *[regm.c[k] for k in keys], sa.func.count().label("registered"))
                  .group_by(regm.c.month, *[regm.c[k] for k in keys]).subquery("num"))
    den, num = denominators, numerators
    joined = den.outerjoin(num, sa.and_(num.c.month == den.c.month, *[num.c[k] == den.c[k] for k in keys]))
    area = {"prefecture": [den.c.prefecture_code], "kind": [den.c.kind]}.get(by, [])
    offices = sa.func.sum(den.c.offices)
    registered = sa.func.coalesce(sa.func.sum(num.c.registered), 0)
    q = (sa.select(den.c.month, *area, offices.label("offices"), registered.label("registered"),
                   D.rate(registered, offices).label("adoption_rate"))
         .select_from(joined).where(*([D.of_kind(kind, den.c.kind)] if kind else []))
         .group_by(den.c.month, *area))
    out = _typed(store_engine.read_df(engine, q))
    out["month"] = pd.to_datetime(out["month"]).dt.date
    return out.sort_values([c.name for c in area] + ["month"]).reset_index(drop=True)


def not_in_master(engine, as_of: dt.date, prefecture: str | None = None) -> pd.DataFrame:
    """Registrations at ``as_of`` whose 事業所番号 is not in the master at that date (``in_master_at``:
    not in it, or closed in it by then), one row per office: office_code, prefecture_code (the
    registration's), registered_on (earliest current start), closed_on (the master's closing date, else
    null: not in the master at all)."""
    q = (sa.select(R.c.office_code, sa.func.min(R.c.prefecture_code).label("prefecture_code"),
                   sa.func.min(R.c.registered_on).label("registered_on"),
                   sa.func.max(D.closed_on_at(R.c.office_code, as_of)).label("closed_on"))
         .where(D.registered_at(as_of),
                ~D.in_master_at(R.c.office_code, as_of),
                *([R.c.prefecture_code == prefecture] if prefecture else []))
         .group_by(R.c.office_code).order_by(R.c.office_code))
    out = store_engine.read_df(engine, q)
    if not out.empty:
        out["registered_on"] = pd.to_datetime(out["registered_on"]).dt.date
        out["closed_on"] = pd.to_datetime(out["closed_on"]).dt.date.astype(object).where(out["closed_on"].notna(), None)
    return out


def not_in_master_counts(engine, as_of: dt.date) -> pd.DataFrame:
    """Per registration prefecture: the number of registered 事業所番号 not in the master at ``as_of``
    (``in_master_at``: not in it, or closed in it by then)."""
    inner = (sa.select(R.c.office_code, sa.func.min(R.c.prefecture_code).label("prefecture_code"))
             .where(D.registered_at(as_of), ~D.in_master_at(R.c.office_code, as_of))
             .group_by(R.c.office_code).subquery("nim"))
    q = (sa.select(inner.c.prefecture_code, sa.func.count().label("not_in_master"))
         .group_by(inner.c.prefecture_code).order_by(inner.c.prefecture_code))
    out = store_engine.read_df(engine, q)
    out["not_in_master"] = out["not_in_master"].astype("int64")
    return out


def office_list(engine, prefecture: str, as_of: dt.date, search: str | None = None,
                kind: str | None = None, municipality: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Offices of one prefecture with registration status at ``as_of``; search matches 事業所番号 or name."""
    reg = (sa.select(R.c.office_code, sa.func.min(R.c.registered_on).label("registered_on"))
           .where(D.registered_at(as_of)).group_by(R.c.office_code).subquery("reg"))
    oa = D.offices_at(as_of).subquery("oa")
    conds = _office_filters(prefecture, kind, municipality, off=oa)
    if search and search.strip():
        s = search.strip()
        conds.append(sa.or_(oa.c.office_code.contains(s, autoescape=True),
                            oa.c.name.contains(s, autoescape=True)))
    q = (sa.select(oa.c.office_code, oa.c.name, oa.c.municipality_code, oa.c.municipality, oa.c.kind,
                   (reg.c.office_code.is_not(None)).label("registered"), reg.c.registered_on)
         .select_from(oa.outerjoin(reg, reg.c.office_code == oa.c.office_code))
         .where(*conds).order_by(oa.c.office_code).limit(limit))
    out = store_engine.read_df(engine, q)
    out["registered"] = out["registered"].astype(bool)
    out["registered_on"] = pd.to_datetime(out["registered_on"]).dt.date
    return out


def registration_span(engine) -> tuple[dt.date | None, dt.date | None]:
    """Earliest registered_on and latest date seen in registrations (start, end)."""
    q = sa.select(sa.func.min(R.c.registered_on), sa.func.max(R.c.registered_on), sa.func.max(R.c.ended_on))
    with engine.connect() as conn:
        lo, hi, hi_end = conn.execute(q).one()
    his = [d for d in (hi, hi_end) if d is not None]
    return lo, (max(his) if his else None)


def default_as_of(engine) -> dt.date:
    """The data's as-of date (``dataset_meta.as_of``), else today."""
    value = store_engine.get_meta(engine, "as_of")
    if value:
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            pass
    return dt.date.today()


def _exchange_rows(engine):
    """exchanges, or its monthly pre-aggregate (same month/channel/sheets columns) while that is fresh."""
    from analytics.store import aggregates
    return schema.exchanges_monthly if aggregates.usable(engine) else X


def latest_exchange_month(engine) -> dt.date | None:
    t = _exchange_rows(engine)
    with engine.connect() as conn:
        v = conn.execute(sa.select(sa.func.max(t.c.month))).scalar()
    return v


def digital_share(engine, month: dt.date | None = None) -> pd.DataFrame:
    """One row for the month (default: the latest): month, sheets, digital_sheets, digital_share.

    The channels module has the detailed breakdowns; this is the home page's single figure."""
    month = month or latest_exchange_month(engine)
    if month is None:
        return pd.DataFrame({"month": [None], "sheets": [0], "digital_sheets": [0], "digital_share": [None]})
    t = _exchange_rows(engine)
    sheets = sa.func.coalesce(sa.func.sum(t.c.sheets), 0)
    digital = sa.func.coalesce(sa.func.sum(D.digital_sheets(t.c.channel, t.c.sheets)), 0)
    q = (sa.select(sheets.label("sheets"), digital.label("digital_sheets"),
                   D.digital_share(digital, sheets).label("digital_share"))
         .where(t.c.month == month))
    out = store_engine.read_df(engine, q)
    out.insert(0, "month", [month])
    out["sheets"] = out["sheets"].astype("int64")
    out["digital_sheets"] = out["digital_sheets"].astype("int64")
    out["digital_share"] = out["digital_share"].astype("float64")
    return out


def digital_offices(engine, month: dt.date | None = None, prefecture: str | None = None) -> int:
    """Offices in the master that sent or received at least one digital sheet in the month (funnel stage)."""
    month = month or latest_exchange_month(engine)
    if month is None:
        return 0
    sides = sa.union(
        sa.select(X.c.sender_code.label("office_code")).where(X.c.month == month, D.is_digital(X.c.channel)),
        sa.select(X.c.receiver_code.label("office_code")).where(X.c.month == month, D.is_digital(X.c.channel)),
    ).subquery("sides")
    q = (sa.select(sa.func.count(sa.distinct(O.c.office_code)))
         .select_from(sides.join(O, O.c.office_code == sides.c.office_code))
         .where(D.office_open_in_month(month.replace(day=1), D.month_last_day(month)),
                *_office_filters(prefecture, None)))
    with engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)
