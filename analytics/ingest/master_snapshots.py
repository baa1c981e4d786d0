"""Office master snapshots: the MHLW 介護サービス情報公表 open data is republished complete every June and
December, and an office that closed is simply absent from the next publication.

``careplan ingest offices FILE… --as-of DATE`` (the import page's date input), or the ``_YYYYMMDDhhmmss`` of
the published file name (``jigyosho_430_all_20260709180740.csv``), makes the files the complete master on
that date for the prefectures × サービス種類 they cover. Stored as facts (``master_snapshots``: date ×
prefecture × service, ``master_snapshot_services``: date × office × service), from which ``reconcile``
derives ``office_closures`` and, per service, ``service_closures`` (``analytics.store.closures``) every time,
so the order of imports does not matter and the same master again changes nothing. A service missing from a
master covering it closes on its date even when the office stays open with another service: the office's
kind at a date reads them (``definitions.kind_at``). A master imported without a date closes
nothing: its offices are open on every day unless a dated master covering them says otherwise.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd
import sqlalchemy as sa

from analytics.domain import dates
from analytics.ingest import snapshots
from analytics.store import closures, definitions, schema
from analytics.store import engine as store_engine

# the published timestamp: _20260709180740 (YYYYMMDDhhmmss) after an underscore, before the extension
_PUBLISHED = re.compile(r"_((?:19|20)\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?![0-9])")


def date_in_name(name: str) -> dt.date | None:
    """The day of the ``_YYYYMMDDhhmmss`` timestamp in an open-data file's name, within the allowed range;
    None when the name has none (a plain jigyosho_430.csv: a master without a date)."""
    stem = unicodedata.normalize("NFKC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    for m in _PUBLISHED.finditer(stem):
        y, mo, d, hh, mi, ss = (int(g) for g in m.groups())
        if hh > 23 or mi > 59 or ss > 59:
            continue
        try:
            day = dt.date(y, mo, d)
        except ValueError:
            continue
        if dates.out_of_range(day) is None:
            return day
    return None


def as_of_for(name: str, option: dt.date | None) -> tuple[dt.date | None, str | None]:
    """(as-of date, source) of a master file: the option, else the timestamp in its name, else none."""
    if option is not None:
        return snapshots.checked_option(option)
    day = date_in_name(name)
    return (day, "name") if day is not None else (None, None)


def _services(rows: pd.DataFrame) -> pd.Series:
    return rows["service_code"].astype(object).where(rows["service_code"].notna(), definitions.ANY_SERVICE)


def store(conn, batch_id: int, rows: pd.DataFrame) -> None:
    """Record one dated master file (rows: office_code, prefecture_code, service_code, as_of): what it covers
    and whom it lists; facts already stored for the date are kept (several files make one master)."""
    as_of = pd.Timestamp(rows["as_of"].iloc[0]).date()
    frame = pd.DataFrame({"office_code": rows["office_code"].astype(object),
                          "prefecture_code": rows["prefecture_code"].astype(object),
                          "service_code": _services(rows)})
    ms, mss = schema.master_snapshots, schema.master_snapshot_services
    cov = frame[["prefecture_code", "service_code"]].drop_duplicates()
    stored = {tuple(r) for r in conn.execute(sa.select(ms.c.prefecture_code, ms.c.service_code)
                                             .where(ms.c.as_of == as_of)).fetchall()}
    cov = cov[[k not in stored for k in zip(cov["prefecture_code"], cov["service_code"])]]
    if len(cov):
        store_engine.bulk_insert(conn, ms, cov.assign(as_of=as_of, batch_id=batch_id))
    # offices of rejected rows are listed all the same (every service: nothing of theirs closes)
    listed = [c for c in rows.attrs.get("listed_not_stored", []) if c not in set(frame["office_code"])]
    mem = pd.concat([frame[["office_code", "service_code"]],
                     pd.DataFrame({"office_code": listed, "service_code": definitions.ANY_SERVICE}, dtype=object)],
                    ignore_index=True).drop_duplicates()
    stored = {tuple(r) for r in conn.execute(sa.select(mss.c.office_code, mss.c.service_code)
                                             .where(mss.c.as_of == as_of)).fetchall()}
    mem = mem[[k not in stored for k in zip(mem["office_code"], mem["service_code"])]]
    if len(mem):
        store_engine.bulk_insert(conn, mss, mem.assign(as_of=as_of, batch_id=batch_id))


def reconcile(conn) -> None:
    """Derive ``office_closures`` and ``service_closures`` again from every stored master snapshot
    (``analytics.store.closures.derive``; nothing when there is none)."""
    closures.derive(conn)
