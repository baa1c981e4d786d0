"""Deletion files of the 標準仕様 (``DLTPLAN_``/``DLTJSK_``/``DLT1KYO_``/``DLT2KYO_`` …) applied to the stored
exchange they withdraw, inside the import's transaction.

``cpds.check`` already withdraws a deletion's users from the exchange files of its key sent before it in
the same input (it knows each user there, by keyed hash). An exchange stored by an earlier import keeps no
users, only its count, so here the deletion's distinct users are taken off the stored sheets (the exchange
is removed when none is left). A deletion is applied once: ``exchange_deletions`` records it by its name's
parts, so the same deletion in a later folder changes nothing. A deletion whose exchange is neither in the
input nor stored is reported (counted, a note; not an error): its exchange may come in a later import, and
the deletion then has to be imported again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from analytics import i18n
from analytics.domain import formats
from analytics.store import schema


@dataclass
class Applied:
    """What the deletions of one input did: files read, applied (to a stored exchange or one of the input),
    applied before (by an earlier import), not found; the months whose stored exchanges changed; a note
    (ja, en) per deletion not found."""
    files: int = 0
    applied: int = 0
    repeated: int = 0
    not_found: int = 0
    months: set = field(default_factory=set)
    notes: list = field(default_factory=list)


_KEY = ("month", "sender_code", "receiver_code", "form", "channel", "sender_service", "receiver_service")
_CHUNK = 1000  # VALUES rows per statement (7 bound parameters a row: well under PostgreSQL's 65,535)


def _key_values(keys: list[tuple], extra: tuple[str, ...] = ()) -> sa.Values:
    """A VALUES table of exchange keys (and ``extra`` integer columns) to join against ``exchanges``."""
    e = schema.exchanges
    cols = [sa.column(c, e.c[c].type) for c in _KEY] + [sa.column(c, sa.BigInteger) for c in extra]
    return sa.values(*cols, name="dk").data(keys)


def _matches(e, v) -> list:
    return [e.c.month == v.c.month, e.c.sender_code == v.c.sender_code, e.c.receiver_code == v.c.receiver_code,
            e.c.form == v.c.form, e.c.channel == v.c.channel,
            e.c.sender_service.is_not_distinct_from(v.c.sender_service),
            e.c.receiver_service.is_not_distinct_from(v.c.receiver_service)]


def _chunks(items: list) -> list[list]:
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _text(v):
    return v if isinstance(v, str) else None


def apply(conn, batch_id: int, deletions: pd.DataFrame | None) -> Applied:
    """Apply each deletion not applied before to its stored exchange (before the input's own rows are
    stored: a stored exchange was sent before the deletion read now) and record it.

    Set-based for the whole batch: one read of the deletions recorded before and one of the stored
    exchanges they name, the deletions then taken in order in memory (a later one of the same exchange
    finds it only while sheets are left), and one update, one delete and one insert for all of them."""
    out = Applied()
    if deletions is None or deletions.empty:
        return out
    e, d = schema.exchanges, schema.exchange_deletions
    rows = deletions.assign(month=pd.to_datetime(deletions["month"]).dt.date,
                            sender_service=deletions["sender_service"].map(_text).astype(object),
                            receiver_service=deletions["receiver_service"].map(_text).astype(object))
    out.files = len(rows)
    keys = [tuple(k) for k in rows[list(_KEY)].itertuples(index=False, name=None)]
    done = set()
    for chunk in _chunks(sorted(set(rows["deletion_key"]))):
        done |= {k for (k,) in conn.execute(sa.select(d.c.deletion_key).where(d.c.deletion_key.in_(chunk)))}
    left: dict[tuple, int] = {}   # the stored exchanges named, with the sheets they have left
    for chunk in _chunks(sorted(set(keys), key=repr)):
        v = _key_values(chunk)
        got = conn.execute(sa.select(*[e.c[c] for c in _KEY], sa.func.max(e.c.sheets))
                           .select_from(e.join(v, sa.and_(*_matches(e, v)))).group_by(*[e.c[c] for c in _KEY]))
        left.update({tuple(r[:-1]): int(r[-1]) for r in got})
    taken: dict[tuple, int] = {}  # users taken off each stored exchange
    records = []
    for r, key in zip(rows.itertuples(), keys):
        if r.deletion_key in done:
            out.repeated += 1
            out.notes.append(i18n.both("msg.deletion_repeated", name=r.deletion_key))
            continue
        stored = left.get(key, 0) > 0
        if stored:
            left[key] -= int(r.users)
            taken[key] = taken.get(key, 0) + int(r.users)
            out.months.add(r.month)
        elif not r.in_input:
            out.not_found += 1
            out.notes.append(i18n.both("msg.deletion_not_found", name=r.deletion_key,
                                       month=formats.iso_month(r.month), sender=r.sender_code, receiver=r.receiver_code))
            continue
        out.applied += 1
        done.add(r.deletion_key)
        records.append(dict(zip(_KEY, key), deletion_key=r.deletion_key, users=int(r.users), batch_id=batch_id))
    for chunk in _chunks([k + (n,) for k, n in taken.items()]):
        v = _key_values(chunk, ("users",))
        conn.execute(e.update().where(*_matches(e, v)).values(sheets=e.c.sheets - v.c.users))
        conn.execute(e.delete().where(e.c.sheets <= 0, sa.exists().where(*_matches(e, v))))
    if records:
        conn.execute(d.insert(), [{c.name: rec.get(c.name) for c in d.columns} for rec in records])
    return out
