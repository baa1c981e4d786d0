"""働きかけ先: unregistered offices ranked by the sheets they would turn digital (DESIGN §3 "Unlockable").

A sheet is unlockable when it went by a non-digital channel and exactly one of sender and receiver was
registered that month; the unregistered side is the target. Ranking measure, stated on the page and in
the CLI help: **unlockable sheets per month, averaged over the window** (default window: the latest month
in the data, so N in 「登録すると月N件」 is that month's count). Offices registered in the window's last
month are left out (they are no longer targets), and so are offices a dated master closed for the whole of
it. ``registered_partners`` = distinct registered partners behind those sheets. Order: unlockable sheets
desc, registered partners desc, 事業所番号 asc.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analytics.store import aggregates, schema
from analytics.store import definitions as D
from analytics.store.engine import read_df
from analytics.store.queries_channels import _sum_int, flagged_exchanges

COLUMNS = ["rank", "office_code", "name", "prefecture_code", "municipality_code", "municipality", "kind",
           "unlockable_sheets", "registered_partners", "months"]

o = schema.offices
e = schema.exchanges


def window_months(engine, month_to: dt.date | None = None, window: int = 1) -> list[dt.date]:
    """The last ``window`` months present in the data up to month_to (default: the latest month); from the
    small monthly pre-aggregate while it is fresh (it has the same months)."""
    t = schema.exchanges_monthly if aggregates.usable(engine) else e
    q = sa.select(t.c.month).distinct()
    if month_to is not None:
        q = q.where(t.c.month <= month_to)
    q = q.order_by(t.c.month.desc()).limit(max(1, int(window)))
    df = read_df(engine, q)
    return sorted(pd.Timestamp(m).date() for m in df["month"])


def unlockable(engine, *, prefecture: str | None = None, month_to: dt.date | None = None, window: int = 1,
               municipality: str | None = None, kind: str | None = None,
               top: int | None = None) -> pd.DataFrame:
    """Ranked recruitment targets. ``prefecture`` / ``municipality`` / ``kind`` filter the target office.
    Reads the per-office pre-aggregate (analytics.store.aggregates_office) while it is fresh."""
    months = window_months(engine, month_to, window)
    if not months:
        return pd.DataFrame(columns=COLUMNS)
    first, last = months[0], months[-1]
    if aggregates.usable(engine):
        if first == last:  # one month: one row per target there, partners counted at build time
            a = schema.exchanges_targets
            per_target = sa.select(a.c.office_code, a.c.sheets, a.c.partners.label("registered_partners"))
            per_target = per_target.where(a.c.month == last)
        else:
            a = schema.exchanges_unlockable
            per_target = (sa.select(a.c.office_code, _sum_int(a.c.sheets).label("sheets"),
                                    sa.func.count(sa.distinct(a.c.partner_code)).label("registered_partners"))
                          .where(a.c.month >= first, a.c.month <= last).group_by(a.c.office_code))
        if prefecture:  # the row's prefecture is the target's (same rule as ``pref`` below)
            per_target = per_target.where(a.c.prefecture_code == prefecture)
        per_target = per_target.subquery("t")
    else:
        fx = flagged_exchanges(first, last)
        target, partner = D.unregistered_side(fx)
        per_target = (sa.select(target.label("office_code"),
                                _sum_int(fx.c.sheets).label("sheets"),
                                sa.func.count(sa.distinct(partner)).label("registered_partners"))
                      .where(D.unlockable(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered))
                      .group_by(target).subquery("t"))
    # still unregistered in the window's last month
    reg_last = D.registered_offices_in_month(last).cte("reglast")
    to = o.alias("to")
    pref = D.sender_prefecture(to, per_target.c.office_code)
    kind_then = D.kind_in_month(last, D.month_last_day(last), to)  # its kind in the window's last month
    q = (sa.select(per_target.c.office_code, to.c.name, pref.label("prefecture_code"),
                   to.c.municipality_code, to.c.municipality, kind_then.label("kind"),
                   per_target.c.sheets, per_target.c.registered_partners)
         .select_from(per_target.outerjoin(to, to.c.office_code == per_target.c.office_code)
                      .outerjoin(reg_last, reg_last.c.office_code == per_target.c.office_code))
         .where(reg_last.c.office_code.is_(None),
                # a dated master may have closed it meanwhile: no longer a target
                D.office_open_in_month(last, D.month_last_day(last), per_target.c.office_code))
         .order_by(per_target.c.sheets.desc(), per_target.c.registered_partners.desc(),
                   per_target.c.office_code))
    if prefecture:
        q = q.where(pref == prefecture)
    if municipality:
        q = q.where(to.c.municipality_code == municipality)
    if kind:
        q = q.where(D.of_kind(kind, kind_then))
    if top:
        q = q.limit(int(top))
    df = read_df(engine, q, native=True)  # tens of thousands of offices in a big prefecture
    df = df.astype({c: object for c in ("office_code", "name", "prefecture_code", "municipality_code",
                                        "municipality", "kind")}).where(df.notna(), None)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    n = len(months)
    df["unlockable_sheets"] = (df.pop("sheets").astype("int64") / n)
    if n == 1:
        df["unlockable_sheets"] = df["unlockable_sheets"].astype("int64")
    df["registered_partners"] = df["registered_partners"].astype("int64")
    df["months"] = n
    df.insert(0, "rank", range(1, len(df) + 1))
    return df[COLUMNS]


def municipalities(engine, prefecture: str) -> pd.DataFrame:
    """Municipalities of the prefecture's master offices (code, name) for the filter."""
    q = (sa.select(o.c.municipality_code, sa.func.min(o.c.municipality).label("municipality"))
         .where(o.c.prefecture_code == prefecture, o.c.municipality_code.is_not(None))
         .group_by(o.c.municipality_code).order_by(o.c.municipality_code))
    return read_df(engine, q)


def sentence(n: float, m: int, template: str) -> str:
    """「登録すると月N件がデータ連携になります（登録済みの相手M事業所）」 with N shown as a whole number
    when it is one, else to one decimal."""
    n_txt = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
    return template.format(n=n_txt, m=int(m))
