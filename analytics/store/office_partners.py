"""One office's partners in a month, for the effect simulator's network cap (DESIGN §4, domain-facts §1).

Both sides must be registered for a sheet to go digital, so the simulator needs, per partner, the sheets
exchanged with this office (sent and received) and whether the partner is registered that month
(``definitions.registered_in_month``). Aggregation is SQL.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analytics.store import definitions as D
from analytics.store import schema
from analytics.store.engine import read_df

ex, reg, off, prof = schema.exchanges, schema.registrations, schema.offices, schema.profiles


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, D.month_last_day(first)


def has_exchanges(engine) -> bool:
    return bool(read_df(engine, sa.select(sa.exists().where(ex.c.sheets > 0))).iat[0, 0])


def latest_month(engine, office_code: str | None = None) -> dt.date | None:
    """The latest month with exchanges (of this office, if given). One office's is read from its rows in
    ``exchanges_office_monthly`` while that pre-aggregate is fresh (every month it sent or received in has
    a row there), not by a scan of the whole exchanges table for either side."""
    from analytics.store import aggregates
    q = sa.select(sa.func.max(ex.c.month))
    if office_code and aggregates.usable(engine):
        om = schema.exchanges_office_monthly
        q = sa.select(sa.func.max(om.c.month)).where(om.c.office_code == office_code)
    elif office_code:
        q = q.where(sa.or_(ex.c.sender_code == office_code, ex.c.receiver_code == office_code))
    value = read_df(engine, q).iat[0, 0]
    if value is None or pd.isna(value):
        return None
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else pd.Timestamp(value).date()


def _registered_in(month: dt.date):
    first, last = month_bounds(month)
    return sa.select(reg.c.office_code).where(D.registered_in_month(first, last, reg)).group_by(reg.c.office_code)


def is_registered(engine, office_code: str, month: dt.date) -> bool:
    sub = _registered_in(month).subquery()
    q = sa.select(sa.func.count()).select_from(sub).where(sub.c.office_code == office_code)
    return int(read_df(engine, q).iat[0, 0]) > 0


def office_partners(engine, office_code: str, month: dt.date | None = None) -> pd.DataFrame:
    """Per partner: partner_code, name, sheets_sent (this office → partner), sheets_received, sheets,
    digital_sheets, registered (bool, in that month). Largest partners first. Empty when nothing found."""
    month = month or latest_month(engine, office_code)
    cols = ["partner_code", "name", "sheets_sent", "sheets_received", "sheets", "digital_sheets", "registered"]
    if month is None:
        return pd.DataFrame(columns=cols)
    digital = D.digital_sheets(ex.c.channel, ex.c.sheets)
    sent = sa.select(ex.c.receiver_code.label("partner_code"), ex.c.sheets.label("sent"),
                     sa.literal(0).label("received"), digital.label("digital")).where(
        ex.c.month == month, ex.c.sender_code == office_code, ex.c.receiver_code != office_code)
    received = sa.select(ex.c.sender_code.label("partner_code"), sa.literal(0).label("sent"),
                         ex.c.sheets.label("received"), digital.label("digital")).where(
        ex.c.month == month, ex.c.receiver_code == office_code, ex.c.sender_code != office_code)
    both = sa.union_all(sent, received).subquery("both_sides")
    per = (sa.select(both.c.partner_code,
                     sa.func.sum(both.c.sent).label("sheets_sent"),
                     sa.func.sum(both.c.received).label("sheets_received"),
                     sa.func.sum(both.c.digital).label("digital_sheets"))
           .group_by(both.c.partner_code).subquery("per_partner"))
    regs = _registered_in(month).subquery("registered_now")
    q = (sa.select(per.c.partner_code, off.c.name, per.c.sheets_sent, per.c.sheets_received,
                   (per.c.sheets_sent + per.c.sheets_received).label("sheets"), per.c.digital_sheets,
                   sa.case((regs.c.office_code.is_not(None), 1), else_=0).label("registered"))
         .select_from(per.outerjoin(off, off.c.office_code == per.c.partner_code)
                      .outerjoin(regs, regs.c.office_code == per.c.partner_code))
         .order_by(sa.desc("sheets"), per.c.partner_code))
    frame = read_df(engine, q)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    for c in ("sheets_sent", "sheets_received", "sheets", "digital_sheets"):
        frame[c] = frame[c].astype("int64")
    frame["registered"] = frame["registered"].astype(int).astype(bool)
    return frame[cols]


def office_profile(engine, office_code: str, month: dt.date | None = None) -> dict | None:
    """The office's latest users and care managers (profiles table) up to the month, or None."""
    q = sa.select(prof.c.month, prof.c.users, prof.c.care_managers).where(prof.c.office_code == office_code)
    if month is not None:
        q = q.where(prof.c.month <= month)
    frame = read_df(engine, q.order_by(prof.c.month.desc()).limit(1))
    if frame.empty:
        return None
    row = frame.iloc[0]
    return {"month": row["month"], "users": None if pd.isna(row["users"]) else int(row["users"]),
            "care_managers": None if pd.isna(row["care_managers"]) else int(row["care_managers"])}


def busiest_offices(engine, month: dt.date | None = None, limit: int = 300,
                    prefecture_code: str | None = None, office_code: str | None = None) -> pd.DataFrame:
    """Offices that sent sheets in the month (latest if not given), most sheets first: the picker's list.
    Optionally only one prefecture (the office's master prefecture, else code digits 1–2) or one office.

    With ``office_code`` (an office user's own office) the office is found when it exchanged anything in
    its own latest month — sent or received, like ``office_partners`` —, not only when it sent sheets in the
    data's latest month: an office that only receives, or whose log ends a month earlier, still has partners.
    """
    cols = ["office_code", "name", "prefecture_code", "sheets"]
    month = month or latest_month(engine, office_code)
    if month is None:
        return pd.DataFrame(columns=cols)
    if office_code:
        side = sa.case((ex.c.sender_code == office_code, ex.c.sender_code), else_=ex.c.receiver_code)
        per = (sa.select(side.label("office_code"), sa.func.sum(ex.c.sheets).label("sheets"))
               .where(ex.c.month == month, ex.c.sender_code != ex.c.receiver_code,
                      sa.or_(ex.c.sender_code == office_code, ex.c.receiver_code == office_code))
               .group_by(side).subquery())
    else:
        per = (sa.select(ex.c.sender_code.label("office_code"), sa.func.sum(ex.c.sheets).label("sheets"))
               .where(ex.c.month == month).group_by(ex.c.sender_code).subquery())
    pref = D.sender_prefecture(off, per.c.office_code)
    q = (sa.select(per.c.office_code, off.c.name, pref.label("prefecture_code"), per.c.sheets)
         .select_from(per.outerjoin(off, off.c.office_code == per.c.office_code)))
    if prefecture_code:
        q = q.where(pref == prefecture_code)
    if office_code:
        q = q.where(per.c.office_code == office_code)
    frame = read_df(engine, q.order_by(per.c.sheets.desc(), per.c.office_code).limit(limit))
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["sheets"] = frame["sheets"].astype("int64")
    return frame[cols]
