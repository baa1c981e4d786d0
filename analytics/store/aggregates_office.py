"""Per-office pre-aggregates of the exchanges, for the office-level queries (二重管理 pairs, 働きかけ先,
one office's view), kept and trusted exactly like ``exchanges_monthly`` (analytics.store.aggregates).

At national size (10⁸ sheet rows, almost every row a distinct office pair) these queries scan the big
table with two registration joins; the tables here hold only what each query reads:

- ``exchanges_missed_pairs``: month × sender's prefecture × sender × receiver → non-digital sheets where
  both sides were registered that month (≈0.5 % of the rows);
- ``exchanges_unlockable``: month × target's prefecture × target × partner → non-digital sheets where
  exactly one side was registered that month, target = the unregistered side (≈20 %), and
  ``exchanges_targets``, the same per target and month (sheets, distinct partners; ≈0.3 %) for the default
  one-month ranking;
- ``exchanges_office_monthly``: month × office × direction → sheets, digital sheets, missed digital sheets
  (one row per office side and month, ≈7 % of the rows).

All are additive (no key; an exchanges import appends its batch's delta, readers sum), so the queries
(``queries_channels.missed_pairs`` / ``office_monthly``, ``queries_targets.unlockable``) give the same
frames through them as through the raw table. Freshness: they are rebuilt and appended in the same
transaction as ``exchanges_monthly`` (``aggregates.refresh`` / ``aggregates.add_batch`` call this module),
so the one token of ``aggregates.usable`` covers them.

DuckDB: a rebuild writes rows ordered by the lookup columns (month, prefecture / office), so a query's
filter skips row groups by their min/max (zone maps). PostgreSQL: indexes (schema.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import sqlalchemy as sa

from analytics.store import backend, schema
from analytics.store import definitions as D

missed_pairs = schema.exchanges_missed_pairs
unlockable = schema.exchanges_unlockable
targets = schema.exchanges_targets
office_monthly = schema.exchanges_office_monthly
TABLES = (missed_pairs, unlockable, targets, office_monthly)


def _flagged(conn, where=(), *, prefecture: bool = False, staged=None):
    """exchanges rows (filtered by ``where``) with sender/receiver registration flags, optionally the
    sender's area; the same rule and the same backend strategies as ``aggregates._flagged``. ``staged``:
    a table of such rows already computed (one import's, ``aggregates.BATCH_FLAGGED``), read instead."""
    names = ["month", "sender_code", "receiver_code", "channel", "sheets", "sender_registered",
             "receiver_registered"] + (["prefecture_code"] if prefecture else [])
    # one rule for every pre-aggregate: definitions.flagged_exchanges, as aggregates._flagged reads it (or
    # its rows of one import, already staged)
    src = staged if staged is not None else D.flagged_exchanges(where).subquery("fx_src")
    return sa.select(*[src.c[n] for n in names]).subquery("fxo")


def _sum(expr):
    return sa.cast(sa.func.sum(expr), sa.BigInteger)


def _missed_select(conn, where, ordered: bool, staged=None):
    fx = _flagged(conn, where, prefecture=True, staged=staged)
    keys = [fx.c.month, fx.c.prefecture_code, fx.c.sender_code, fx.c.receiver_code]
    q = (sa.select(*keys, _sum(fx.c.sheets).label("sheets"))
         .where(D.missed_digital(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered))
         .group_by(*keys))
    return q.order_by(*keys) if ordered else q


def _unlockable_select(conn, where, ordered: bool, staged=None):
    fx = _flagged(conn, where, staged=staged)
    target, partner = D.unregistered_side(fx)
    g = (sa.select(fx.c.month, target.label("office_code"), partner.label("partner_code"),
                   _sum(fx.c.sheets).label("sheets"))
         .where(D.unlockable(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered))
         .group_by(fx.c.month, target, partner).subquery("ug"))
    to = schema.offices.alias("to")
    pref = D.sender_prefecture(to, g.c.office_code).label("prefecture_code")
    q = (sa.select(g.c.month, pref, g.c.office_code, g.c.partner_code, g.c.sheets)
         .select_from(g.outerjoin(to, to.c.office_code == g.c.office_code)))
    return q.order_by(g.c.month, pref, g.c.office_code) if ordered else q


def _office_select(conn, where, ordered: bool, staged=None):
    fx = _flagged(conn, where, staged=staged)

    def side(code_col_name: str, direction: str):
        code = fx.c[code_col_name]
        missed = D.missed_digital(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered)
        q = (sa.select(fx.c.month, code.label("office_code"),
                       sa.literal_column(f"'{direction}'", sa.String).label("direction"),
                       _sum(fx.c.sheets).label("sheets"),
                       _sum(D.digital_sheets(fx.c.channel, fx.c.sheets)).label("digital_sheets"),
                       _sum(sa.case((missed, fx.c.sheets), else_=0)).label("missed_digital_sheets"))
             .group_by(fx.c.month, code))
        if direction == "received":  # a sheet an office sends to itself counts once, as sent
            q = q.where(fx.c.receiver_code != fx.c.sender_code)
        return q
    u = sa.union_all(side("sender_code", "sent"), side("receiver_code", "received"))
    if not ordered:
        return u
    us = u.subquery("om")
    return sa.select(us).order_by(us.c.office_code, us.c.month, us.c.direction)


def _targets_select(where_pairs, ordered: bool):
    """exchanges_targets rows regrouped from the pairs (count of distinct partners: deltas may repeat a pair)."""
    u = unlockable
    keys = [u.c.month, u.c.prefecture_code, u.c.office_code]
    q = (sa.select(*keys, _sum(u.c.sheets).label("sheets"),
                   sa.cast(sa.func.count(sa.distinct(u.c.partner_code)), sa.BigInteger).label("partners"))
         .where(*where_pairs).group_by(*keys))
    return q.order_by(*keys) if ordered else q


def _insert(conn, table, select) -> None:
    conn.execute(table.insert().from_select([c.name for c in table.columns], select))


def _rebuild(conn, months: list[dt.date] | None) -> None:
    """Fill the (emptied) tables for the months (all when None). The pair tables month by month: a
    hash table of one month's 10⁶–10⁷ pairs instead of all of them (≈1 GB less peak memory at 10⁸ rows),
    and the rows still land ordered by month."""
    e = schema.exchanges
    ordered = backend.is_duckdb(conn)  # row order = zone maps for DuckDB; PostgreSQL has indexes
    if months is None:
        months = [m for (m,) in conn.execute(sa.select(e.c.month).distinct().order_by(e.c.month))]
        _insert(conn, office_monthly, _office_select(conn, [], ordered))
    else:
        _insert(conn, office_monthly, _office_select(conn, [e.c.month.in_(months)], ordered))
    for m in months:
        _insert(conn, missed_pairs, _missed_select(conn, [e.c.month == m], ordered))
        _insert(conn, unlockable, _unlockable_select(conn, [e.c.month == m], ordered))
        _insert(conn, targets, _targets_select([unlockable.c.month == m], ordered))


def rebuild_month(conn, month: dt.date, staged) -> None:
    """One month's rows, already flagged in ``staged`` (``aggregates.BATCH_FLAGGED``), into the tables
    emptied for that month (the PostgreSQL rebuild of ``aggregates._refresh_staged``)."""
    for table, build in ((office_monthly, _office_select), (missed_pairs, _missed_select),
                         (unlockable, _unlockable_select)):
        _insert(conn, table, build(conn, (), False, staged))
    _insert(conn, targets, _targets_select([unlockable.c.month == month], False))


def refresh(conn, months: Iterable[dt.date] | None = None) -> None:
    """Rebuild the tables for the given months (all when None) inside conn's transaction. Called by
    ``aggregates.refresh`` on DuckDB (which holds the maintenance lock and records the token; PostgreSQL
    rebuilds month by month through ``rebuild_month``)."""
    if months is None:
        for table in TABLES:
            conn.execute(table.delete())
        _rebuild(conn, None)
        return
    months = sorted({m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10]) for m in months})
    if months:
        for table in TABLES:
            conn.execute(table.delete().where(table.c.month.in_(months)))
        _rebuild(conn, months)


def add_batch(conn, batch_id: int, staged=None) -> None:
    """Append the delta of one exchanges import (its rows in ``exchanges``, or already flagged in
    ``staged``) and recompute the targets it touches. Called by ``aggregates.add_batch`` when the
    aggregates were fresh before the batch."""
    where = [schema.exchanges.c.batch_id == batch_id]
    for table, build in ((office_monthly, _office_select), (missed_pairs, _missed_select),
                         (unlockable, _unlockable_select)):
        _insert(conn, table, build(conn, where, False, staged))
    # (month, target) keys of the batch; their rows in exchanges_targets are replaced by a regrouping
    fx = _flagged(conn, where, staged=staged)
    target, _partner = D.unregistered_side(fx)
    keys = (sa.select(fx.c.month, target.label("office_code"))
            .where(D.unlockable(fx.c.channel, fx.c.sender_registered, fx.c.receiver_registered))
            .distinct().subquery("tk"))
    t, u = targets, unlockable
    conn.execute(t.delete().where(sa.exists().where(keys.c.month == t.c.month, keys.c.office_code == t.c.office_code)))
    touched = sa.exists().where(keys.c.month == u.c.month, keys.c.office_code == u.c.office_code)
    _insert(conn, t, _targets_select([touched], False))
