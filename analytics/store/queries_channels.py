"""FAX vs データ連携: digital share, missed digital exchanges (二重管理) and the per-office view.

The rules (registered in month M, the sender's area, digital, digital share, missed digital) are
``analytics.store.definitions``; this module composes them.

Everything aggregates in the database (SQLAlchemy Core, DuckDB and PostgreSQL alike); the results are
small frames. Months are first-of-month dates; ``month_from``/``month_to`` are inclusive.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analytics.store import aggregates, schema
from analytics.store import definitions as D
from analytics.store.engine import read_df

NATION = "00"  # prefecture_code of a nation-wide row (no --prefecture)
GROUPS = ("prefecture_code", "municipality_code", "month", "form", "channel")

e = schema.exchanges
r = schema.registrations
o = schema.offices


def months_cte(month_from: dt.date | None = None, month_to: dt.date | None = None, name: str = "m"):
    q = sa.select(e.c.month).distinct()
    if month_from is not None:
        q = q.where(e.c.month >= month_from)
    if month_to is not None:
        q = q.where(e.c.month <= month_to)
    return q.cte(name)


registered_months_cte = D.registered_months
sender_prefecture = D.sender_prefecture


def flagged_exchanges(month_from=None, month_to=None, *, name: str = "fx"):
    """Exchange rows with sender/receiver registration flags (0/1) and the sender's area
    (``definitions.flagged_exchanges`` of the months from month_from to month_to)."""
    where = []
    if month_from is not None:
        where.append(e.c.month >= month_from)
    if month_to is not None:
        where.append(e.c.month <= month_to)
    return D.flagged_exchanges(where).cte(name)


def summary_source(engine, month_from=None, month_to=None):
    """The rows ``channel_summary`` sums: the monthly pre-aggregate (analytics.store.aggregates, same
    columns, ≈1 % of the rows at national size) while it is fresh, else ``flagged_exchanges``."""
    if aggregates.usable(engine):
        a = schema.exchanges_monthly
        q = sa.select(a)
        if month_from is not None:
            q = q.where(a.c.month >= month_from)
        if month_to is not None:
            q = q.where(a.c.month <= month_to)
        return q.cte("fx")
    return flagged_exchanges(month_from, month_to)


def _month_table(engine):
    """Where to read the list of months from: the small pre-aggregate when fresh."""
    return schema.exchanges_monthly if aggregates.usable(engine) else e


def _sum_int(expr):
    return sa.cast(sa.func.coalesce(sa.func.sum(expr), 0), sa.BigInteger)


def _measures(fx):
    missed = D.missed_digital(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered)
    return [
        _sum_int(fx.c.sheets).label("sheets"),
        _sum_int(D.digital_sheets(fx.c.channel, fx.c.sheets)).label("digital_sheets"),
        _sum_int(sa.case((missed, fx.c.sheets), else_=0)).label("missed_digital_sheets"),
    ]


def _finish(df: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    for c in ("sheets", "digital_sheets", "missed_digital_sheets"):
        df[c] = df[c].astype("int64")
    df["digital_share"] = D.digital_share(df["digital_sheets"], df["sheets"])
    if "month" in df:
        df["month"] = pd.to_datetime(df["month"]).dt.date
    return df.sort_values(group, kind="stable").reset_index(drop=True) if group else df


def channel_summary(engine, group=("prefecture_code", "month"), *, prefecture: str | None = None,
                    month_from: dt.date | None = None, month_to: dt.date | None = None,
                    municipality: str | None = None) -> pd.DataFrame:
    """Sheets, digital sheets, digital share and missed digital sheets grouped by any of GROUPS.

    ``prefecture`` filters on the sender's area. With no group, one total row.
    """
    group = list(group)
    bad = [g for g in group if g not in GROUPS]
    if bad:
        raise ValueError(f"unknown group {bad}")
    fx = summary_source(engine, month_from, month_to)
    cols = [fx.c[g] for g in group]
    q = sa.select(*cols, *_measures(fx))
    if prefecture:
        q = q.where(fx.c.prefecture_code == prefecture)
    if municipality:
        q = q.where(fx.c.municipality_code == municipality)
    if cols:
        q = q.group_by(*cols)
    df = read_df(engine, q)
    if df.empty:
        df = pd.DataFrame(columns=group + ["sheets", "digital_sheets", "missed_digital_sheets"])
    return _finish(df, group)


def missed_pairs(engine, *, prefecture: str | None = None, month_from: dt.date | None = None,
                 month_to: dt.date | None = None, limit: int | None = 200) -> pd.DataFrame:
    """The office pairs behind the missed digital count: both registered, still paper (二重管理).
    Reads the per-office pre-aggregate (analytics.store.aggregates_office) while it is fresh."""
    so, ro = o.alias("so2"), o.alias("ro2")
    if aggregates.usable(engine):
        a = schema.exchanges_missed_pairs
        inner = sa.select(a.c.sender_code, a.c.receiver_code, _sum_int(a.c.sheets).label("missed_digital_sheets"),
                          sa.func.count(sa.distinct(a.c.month)).label("months"))
        if month_from is not None:
            inner = inner.where(a.c.month >= month_from)
        if month_to is not None:
            inner = inner.where(a.c.month <= month_to)
        if prefecture:
            inner = inner.where(a.c.prefecture_code == prefecture)
        inner = inner.group_by(a.c.sender_code, a.c.receiver_code).subquery("mp")
    else:
        fx = flagged_exchanges(month_from, month_to)
        inner = (sa.select(fx.c.sender_code, fx.c.receiver_code,
                           _sum_int(fx.c.sheets).label("missed_digital_sheets"),
                           sa.func.count(sa.distinct(fx.c.month)).label("months"))
                 .where(D.missed_digital(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered)))
        if prefecture:
            inner = inner.where(fx.c.prefecture_code == prefecture)
        inner = inner.group_by(fx.c.sender_code, fx.c.receiver_code).subquery("mp")
    q = (sa.select(inner.c.sender_code, so.c.name.label("sender_name"), inner.c.receiver_code,
                   ro.c.name.label("receiver_name"), inner.c.missed_digital_sheets, inner.c.months)
         .select_from(inner.outerjoin(so, so.c.office_code == inner.c.sender_code)
                      .outerjoin(ro, ro.c.office_code == inner.c.receiver_code))
         .order_by(inner.c.missed_digital_sheets.desc(), inner.c.sender_code, inner.c.receiver_code))
    if limit:
        q = q.limit(limit)
    df = read_df(engine, q)
    if df.empty:
        return pd.DataFrame(columns=["sender_code", "sender_name", "receiver_code", "receiver_name",
                                     "missed_digital_sheets", "months"])
    df["missed_digital_sheets"] = df["missed_digital_sheets"].astype("int64")
    df["months"] = df["months"].astype("int64")
    return df


def month_bounds(engine) -> tuple[dt.date | None, dt.date | None]:
    t = _month_table(engine)
    with engine.connect() as conn:
        lo, hi = conn.execute(sa.select(sa.func.min(t.c.month), sa.func.max(t.c.month))).one()
    return lo, hi


def months(engine) -> list[dt.date]:
    t = _month_table(engine)
    df = read_df(engine, sa.select(t.c.month).distinct().order_by(t.c.month))
    return [pd.Timestamp(m).date() for m in df["month"]]


def channel_mix(engine, *, prefecture: str | None = None, month_from=None, month_to=None) -> pd.DataFrame:
    """Sheets by month and channel (for the stacked share chart)."""
    df = channel_summary(engine, ("month", "channel"), prefecture=prefecture,
                         month_from=month_from, month_to=month_to)
    return df[["month", "channel", "sheets"]]


# ---- one office (事業所ビュー) ------------------------------------------------------------------------

def office_monthly(engine, office_code: str) -> pd.DataFrame:
    """The office's sheets by month and direction (sent / received): all, digital, missed digital.
    Reads the per-office pre-aggregate (analytics.store.aggregates_office) while it is fresh."""
    if aggregates.usable(engine):
        a = schema.exchanges_office_monthly
        q = (sa.select(a.c.month, a.c.direction, _sum_int(a.c.sheets).label("sheets"),
                       _sum_int(a.c.digital_sheets).label("digital_sheets"),
                       _sum_int(a.c.missed_digital_sheets).label("missed_digital_sheets"))
             .where(a.c.office_code == office_code).group_by(a.c.month, a.c.direction))
        df = read_df(engine, q)
        if df.empty:
            df = pd.DataFrame(columns=["month", "direction", "sheets", "digital_sheets", "missed_digital_sheets"])
        return _finish(df, ["month", "direction"])
    fx = flagged_exchanges()
    direction = sa.case((fx.c.sender_code == office_code, "sent"), else_="received").label("direction")
    q = (sa.select(fx.c.month, direction, *_measures(fx))
         .where(sa.or_(fx.c.sender_code == office_code, fx.c.receiver_code == office_code))
         .group_by(fx.c.month, direction))
    df = read_df(engine, q)
    if df.empty:
        df = pd.DataFrame(columns=["month", "direction", "sheets", "digital_sheets", "missed_digital_sheets"])
    return _finish(df, ["month", "direction"])


PARTNER_COLUMNS = ["partner_code", "name", "registered", "sheets", "sheets_sent", "sheets_received",
                   "digital_sheets", "paper_sheets", "month", "services"]
SERVICE_SEPARATOR = "・"


def _services_text(frame: pd.DataFrame) -> pd.Series:
    """Per partner_code, its サービス種類コード in the sheets (from v4.x file names; "" when none said)."""
    frame = frame.dropna(subset=["service"])
    return frame.groupby("partner_code")["service"].agg(lambda s: SERVICE_SEPARATOR.join(sorted(set(s))))


def _partner_services(engine, office_code: str, month) -> pd.Series:
    """The partners' サービス種類コード (the partner side's, kept from v4.x names of the 標準仕様) in the
    month: an office number with several services is one partner, its services said."""
    side = sa.case((e.c.sender_code == office_code, e.c.receiver_code), else_=e.c.sender_code)
    service = sa.case((e.c.sender_code == office_code, e.c.receiver_service), else_=e.c.sender_service)
    q = (sa.select(side.label("partner_code"), service.label("service")).distinct()
         .where(e.c.month == month, sa.or_(e.c.sender_code == office_code, e.c.receiver_code == office_code),
                service.is_not(None)))
    return _services_text(read_df(engine, q))


def office_partners(engine, office_code: str, *, month: dt.date | None = None) -> pd.DataFrame:
    """The office's partners in a month (default: its latest month) with sheets both ways (and each way:
    sheets_sent = this office → partner, sheets_received = partner → this office), the digital ones, and
    whether the partner is registered: who to invite first (unregistered, most paper sheets)."""
    if month is None:
        with engine.connect() as conn:
            month = conn.execute(sa.select(sa.func.max(e.c.month)).where(
                sa.or_(e.c.sender_code == office_code, e.c.receiver_code == office_code))).scalar()
        if month is None:
            return pd.DataFrame(columns=PARTNER_COLUMNS)
    fx = flagged_exchanges(month, month)
    partner = sa.case((fx.c.sender_code == office_code, fx.c.receiver_code), else_=fx.c.sender_code)
    partner_reg = sa.case((fx.c.sender_code == office_code, fx.c.receiver_registered),
                          else_=fx.c.sender_registered)
    inner = (sa.select(partner.label("partner_code"), sa.func.max(partner_reg).label("registered"),
                       _sum_int(fx.c.sheets).label("sheets"),
                       _sum_int(sa.case((fx.c.sender_code == office_code, fx.c.sheets), else_=0)).label("sheets_sent"),
                       _sum_int(D.digital_sheets(fx.c.channel, fx.c.sheets)).label("digital_sheets"))
             .where(sa.or_(fx.c.sender_code == office_code, fx.c.receiver_code == office_code))
             .group_by(partner).subquery("pp"))
    q = (sa.select(inner.c.partner_code, o.c.name, inner.c.registered, inner.c.sheets, inner.c.sheets_sent,
                   inner.c.digital_sheets)
         .select_from(inner.outerjoin(o, o.c.office_code == inner.c.partner_code)))
    df = read_df(engine, q)
    if df.empty:
        return pd.DataFrame(columns=PARTNER_COLUMNS)
    for c in ("sheets", "sheets_sent", "digital_sheets", "registered"):
        df[c] = df[c].astype("int64")
    df["registered"] = df["registered"].astype(bool)
    df["sheets_received"] = df["sheets"] - df["sheets_sent"]
    df["paper_sheets"] = df["sheets"] - df["digital_sheets"]
    df["month"] = pd.Timestamp(month).date()
    df["services"] = df["partner_code"].map(_partner_services(engine, office_code, month)).astype(object).fillna("")
    # unregistered partners first, by paper sheets they would turn digital
    return df.sort_values(["registered", "paper_sheets", "partner_code"], ascending=[True, False, True],
                          kind="stable").reset_index(drop=True)[PARTNER_COLUMNS]


# ---- an uploaded log (事業所ビュー): kept in memory, never stored --------------------------------------

def registered_pairs(engine, months_list, office_codes) -> set[tuple[dt.date, str]]:
    """(month, office_code) for the given offices registered in the given months (same rule as above)."""
    months_list = sorted({pd.Timestamp(m).date() for m in months_list})
    office_codes = sorted({c for c in office_codes if isinstance(c, str)})
    if not months_list or not office_codes:
        return set()
    q = sa.select(r.c.office_code, r.c.registered_on, r.c.ended_on).where(r.c.office_code.in_(office_codes))
    regs = read_df(engine, q)
    return {(m, code) for m in months_list for code, on, end in regs.itertuples(index=False)
            if D.is_registered_in_month(on, end, m)}


def local_flags(frame: pd.DataFrame, registered: set) -> pd.DataFrame:
    """Registration flags on an in-memory exchange frame (month, sender_code, receiver_code, form, channel,
    sheets) — the same columns ``flagged_exchanges`` gives in SQL."""
    fx = frame.copy()
    fx["month"] = pd.to_datetime(fx["month"]).dt.date
    fx["sender_registered"] = [int((m, s) in registered) for m, s in zip(fx["month"], fx["sender_code"])]
    fx["receiver_registered"] = [int((m, c) in registered) for m, c in zip(fx["month"], fx["receiver_code"])]
    return fx


def local_office_monthly(fx: pd.DataFrame, office_code: str) -> pd.DataFrame:
    """``office_monthly`` on a flagged in-memory frame."""
    f = fx[(fx["sender_code"] == office_code) | (fx["receiver_code"] == office_code)].copy()
    f["direction"] = ["sent" if s == office_code else "received" for s in f["sender_code"]]
    f["digital"] = D.digital_sheets_frame(f)
    f["missed"] = D.missed_digital_sheets_frame(f)
    g = (f.groupby(["month", "direction"]).agg(sheets=("sheets", "sum"), digital_sheets=("digital", "sum"),
                                                missed_digital_sheets=("missed", "sum")).reset_index())
    return _finish(g, ["month", "direction"])


def local_office_partners(fx: pd.DataFrame, office_code: str, month: dt.date | None = None,
                          names: dict | None = None) -> pd.DataFrame:
    """``office_partners`` on a flagged in-memory frame (default: the office's latest month)."""
    f = fx[(fx["sender_code"] == office_code) | (fx["receiver_code"] == office_code)]
    if f.empty:
        return pd.DataFrame(columns=PARTNER_COLUMNS)
    month = month or max(f["month"])
    f = f[f["month"] == month]
    sent = f["sender_code"] == office_code
    f = f.assign(partner_code=f["receiver_code"].where(sent, f["sender_code"]),
                 registered=f["receiver_registered"].where(sent, f["sender_registered"]),
                 sent_sheets=f["sheets"].where(sent, 0),
                 digital=D.digital_sheets_frame(f))
    g = (f.groupby("partner_code").agg(registered=("registered", "max"), sheets=("sheets", "sum"),
                                       sheets_sent=("sent_sheets", "sum"),
                                       digital_sheets=("digital", "sum")).reset_index())
    g["registered"] = g["registered"].astype(bool)
    g["name"] = g["partner_code"].map(names or {})
    g["sheets_received"] = g["sheets"] - g["sheets_sent"]
    g["paper_sheets"] = g["sheets"] - g["digital_sheets"]
    g["month"] = month
    if "sender_service" in f.columns:  # a CPDS ZIP read in memory: the partner side's サービス種類コード
        svc = f.assign(service=f["receiver_service"].where(sent, f["sender_service"]))
        g["services"] = g["partner_code"].map(_services_text(svc)).astype(object).fillna("")
    else:
        g["services"] = ""
    return g.sort_values(["registered", "paper_sheets", "partner_code"], ascending=[True, False, True],
                         kind="stable").reset_index(drop=True)[PARTNER_COLUMNS]


def office_names(engine, office_codes) -> dict:
    codes_ = sorted({c for c in office_codes if isinstance(c, str)})
    if not codes_:
        return {}
    df = read_df(engine, sa.select(o.c.office_code, o.c.name).where(o.c.office_code.in_(codes_)))
    return dict(zip(df["office_code"], df["name"]))


def offices_with_exchanges(engine, prefecture: str | None = None) -> pd.DataFrame:
    """Offices that send or receive sheets in the data (with name), for the office picker.

    With a prefecture, only codes that can match it are collected before the distinct: those whose digits
    say that prefecture, and those the master puts there (a hash join on its few offices) — a superset of
    the answer, filtered exactly below; the big table is never deduplicated whole. While the per-office
    pre-aggregate is fresh its office codes are read instead (each office that sends or receives has
    rows there: the same set, ≈7 % of the rows)."""
    code_columns = ([schema.exchanges_office_monthly.c.office_code] if aggregates.usable(engine)
                    else [e.c.sender_code, e.c.receiver_code])
    sides = []
    for col in code_columns:
        if not prefecture:
            sides.append(sa.select(col.label("code")))
            continue
        sides.append(sa.select(col.label("code")).where(sa.func.substr(col, 1, 2) == prefecture))
        sides.append(sa.select(col.label("code")).select_from(col.table.join(o, o.c.office_code == col))
                     .where(o.c.prefecture_code == prefecture))
    u = (sa.union(*sides) if len(sides) > 1 else sides[0].distinct()).subquery("u")
    pref = sender_prefecture(o, u.c.code)
    q = (sa.select(u.c.code.label("office_code"), o.c.name, pref.label("prefecture_code"))
         .select_from(u.outerjoin(o, o.c.office_code == u.c.code)).order_by(u.c.code))
    if prefecture:
        q = q.where(pref == prefecture)
    return read_df(engine, q)
