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


def _key_where(e, r) -> list:
    return [e.c.month == r.month, e.c.sender_code == r.sender_code, e.c.receiver_code == r.receiver_code,
            e.c.form == r.form, e.c.channel == r.channel,
            e.c.sender_service.is_not_distinct_from(_text(r.sender_service)),
            e.c.receiver_service.is_not_distinct_from(_text(r.receiver_service))]


def _text(v):
    return v if isinstance(v, str) else None


def apply(conn, batch_id: int, deletions: pd.DataFrame | None) -> Applied:
    """Apply each deletion not applied before to its stored exchange (before the input's own rows are
    stored: a stored exchange was sent before the deletion read now) and record it."""
    out = Applied()
    if deletions is None or deletions.empty:
        return out
    e, d = schema.exchanges, schema.exchange_deletions
    out.files = len(deletions)
    for r in deletions.assign(month=pd.to_datetime(deletions["month"]).dt.date).itertuples():
        if conn.execute(sa.select(d.c.deletion_key).where(d.c.deletion_key == r.deletion_key)).fetchall():
            out.repeated += 1
            out.notes.append(i18n.both("msg.deletion_repeated", name=r.deletion_key))
            continue
        where = _key_where(e, r)
        stored = conn.execute(sa.select(e.c.sheets).where(*where)).fetchall()
        if stored:
            conn.execute(e.update().where(*where).values(sheets=e.c.sheets - int(r.users)))
            conn.execute(e.delete().where(*where, e.c.sheets <= 0))
            out.months.add(r.month)
        if not stored and not r.in_input:
            out.not_found += 1
            out.notes.append(i18n.both("msg.deletion_not_found", name=r.deletion_key,
                                       month=formats.iso_month(r.month), sender=r.sender_code, receiver=r.receiver_code))
            continue
        out.applied += 1
        conn.execute(d.insert().values(
            deletion_key=r.deletion_key, month=r.month, sender_code=r.sender_code, receiver_code=r.receiver_code,
            form=r.form, sender_service=_text(r.sender_service), receiver_service=_text(r.receiver_service),
            users=int(r.users), batch_id=batch_id))
    return out
