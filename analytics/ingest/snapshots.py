"""Registration snapshots: a list of the offices using the system on one date (WAM NET の利用状況, a
help-desk or prefecture list), with no 利用開始日.

The as-of date is ``--as-of`` (the import page's date input), else a date written in the file's title rows
(「令和7年8月31日時点」, 「2025年8月31日現在」, 「R7.8.31」), else one in its name (``_R070831``,
``_20250831``); always read by ``analytics.domain.dates`` and held to ``dates.allowed_range``.

A snapshot covers the prefectures appearing in it. It is stored as facts (``registration_snapshots``:
prefecture × date, ``snapshot_offices``: office × date) and ``reconcile`` derives the registrations from all
snapshots at once, so the order of imports does not matter and the same snapshot again changes nothing:
- an office first seen in a snapshot is registered from that date (``registered_from_snapshot``: on or
  before it), until the first later snapshot of its prefecture that does not list it (``ended_on``);
- dated registrations (利用開始日) win: a snapshot date at which a dated registration is current adds
  nothing, a snapshot-derived registration ends where a dated one starts, and a dated registration current
  at a later snapshot that does not list the office ends on that snapshot's date.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd
import sqlalchemy as sa

from analytics.domain import dates
from analytics.errors import FileRefused
from analytics.ingest import load
from analytics.store import definitions, schema
from analytics.store import engine as store_engine

R = schema.registrations

# a date in a title row: 和暦 or western, with day; 時点 / 現在 / 付 may follow
_TITLE_DATE = re.compile(
    r"((?:令和|平成|昭和|[RHS])\s*(?:\d{1,2}|元)\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?"
    r"|\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?)")
# a date in a file name: _R070831, R7.8.31, _20250831, 2025-08-31
_NAME_DATE = re.compile(r"(?<![0-9A-Za-z])([RHS])(\d{2})(\d{2})(\d{2})(?![0-9])"
                        r"|(?<![0-9])(\d{4})(\d{2})(\d{2})(?![0-9])"
                        r"|(?<![0-9])(\d{4}-\d{1,2}-\d{1,2}|[RHS]\d{1,2}\.\d{1,2}\.\d{1,2})(?![0-9])")

SOURCES = ("option", "title", "name")  # where an as-of date came from (summary: shown to be confirmed)


def _allowed(day: dt.date | None) -> dt.date | None:
    return day if day is not None and dates.out_of_range(day) is None else None


def date_in_title(lines: list[str]) -> dt.date | None:
    """The first date (with a day) written in the title rows above the header, within the allowed range."""
    for line in lines:
        for m in _TITLE_DATE.finditer(unicodedata.normalize("NFKC", line)):
            day = _allowed(dates.parse_date(re.sub(r"\s+", "", m.group(1))))
            if day is not None:
                return day
    return None


def date_in_name(name: str) -> dt.date | None:
    """A date in the file's name (its stem): _R070831 (和暦, two digits each), _20250831, 2025-08-31."""
    stem = unicodedata.normalize("NFKC", str(name)).rsplit("/", 1)[-1]
    for m in _NAME_DATE.finditer(stem):
        if m.group(1):
            text = f"{m.group(1)}{int(m.group(2))}.{int(m.group(3))}.{int(m.group(4))}"
        elif m.group(5):
            text = f"{m.group(5)}-{m.group(6)}-{m.group(7)}"
        else:
            text = m.group(8)
        day = _allowed(dates.parse_date(text))
        if day is not None:
            return day
    return None


def checked_option(option: dt.date) -> tuple[dt.date, str]:
    """An --as-of date the user gave (registrations and office masters alike), refused outside the allowed
    range (``dates.allowed_range``)."""
    problem = dates.out_of_range(option)
    if problem:
        raise FileRefused("refused.as_of", date=option.isoformat(), problem=problem)
    return option, "option"


def as_of_for(title: list[str], name: str, option: dt.date | None) -> tuple[dt.date | None, str | None]:
    """(as-of date, source) of a file without dates: the option, else its title rows, else its name."""
    if option is not None:
        return checked_option(option)
    day = date_in_title(title)
    if day is not None:
        return day, "title"
    day = date_in_name(name)
    return (day, "name") if day is not None else (None, None)


# ---------------------------------------------------------------- storing

def store(conn, batch_id: int, rows: pd.DataFrame) -> int:
    """Record one snapshot (rows: office_code, prefecture_code, as_of); returns the rows already stored
    for the same date (the same snapshot again)."""
    as_of = pd.Timestamp(rows["as_of"].iloc[0]).date()
    members = rows[["office_code", "prefecture_code"]].drop_duplicates("office_code", keep="last").astype(object)
    repeated = len(rows) - len(members)
    stored = {r[0] for r in conn.execute(sa.select(schema.snapshot_offices.c.office_code)
                                         .where(schema.snapshot_offices.c.as_of == as_of)).fetchall()}
    new = members[~members["office_code"].isin(stored)].assign(as_of=as_of, batch_id=batch_id)
    if len(new):
        store_engine.bulk_insert(conn, schema.snapshot_offices, new[["as_of", "office_code", "prefecture_code", "batch_id"]])
    covered = {r[0] for r in conn.execute(sa.select(schema.registration_snapshots.c.prefecture_code)
                                          .where(schema.registration_snapshots.c.as_of == as_of)).fetchall()}
    prefs = sorted(set(members["prefecture_code"]) - covered)
    if prefs:
        store_engine.bulk_insert(conn, schema.registration_snapshots,
                                 pd.DataFrame({"as_of": as_of, "prefecture_code": prefs, "batch_id": batch_id}))
    return repeated + int(members["office_code"].isin(stored).sum())


def _frame(conn, stmt, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt).fetchall()], columns=columns)


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s)


def reconcile(conn) -> None:
    """Derive the snapshot registrations (and the ends of dated ones) from all stored snapshots."""
    cov = _frame(conn, sa.select(schema.registration_snapshots.c.prefecture_code, schema.registration_snapshots.c.as_of),
                 ["prefecture_code", "S"])
    if cov.empty:
        return
    cov["S"] = _ts(cov["S"])
    so = schema.snapshot_offices
    mem = _frame(conn, sa.select(so.c.office_code, so.c.as_of, so.c.prefecture_code, so.c.batch_id),
                 ["office_code", "S", "prefecture_code", "batch_id"])
    mem["S"] = _ts(mem["S"])
    regs = _frame(conn, sa.select(R.c.office_code, R.c.registered_on, R.c.ended_on, R.c.prefecture_code,
                                  R.c.registered_from_snapshot),
                  ["office_code", "registered_on", "ended_on", "prefecture_code", "from_snapshot"])
    regs["registered_on"], regs["ended_on"] = _ts(regs["registered_on"]), _ts(regs["ended_on"])
    from_snapshot = regs["from_snapshot"].fillna(False).astype(bool)
    dated, old = regs[~from_snapshot], regs[from_snapshot]
    runs, changed_ends = definitions.snapshot_registrations(cov, mem, dated)
    _write(conn, runs, old, changed_ends)


def _write(conn, runs: pd.DataFrame, old: pd.DataFrame, changed_ends: pd.DataFrame) -> None:
    """Apply the difference between the stored snapshot registrations and the derived ones."""
    key = ["office_code", "registered_on"]
    by_key = old[key].merge(runs, on=key, how="outer", indicator=True)
    gone = by_key[by_key["_merge"] == "left_only"]
    new = by_key[by_key["_merge"] == "right_only"]
    # stored with another end (pandas joins an open end, NaT, to NaT): updated in place
    same = runs.merge(old[key + ["ended_on"]], on=key + ["ended_on"], how="left", indicator=True)
    moved = same[same["_merge"] == "left_only"].merge(old[key], on=key)
    def as_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        out = frame[columns].copy()
        for c in columns[1:]:
            out[c] = out[c].map(lambda v: None if pd.isna(v) else pd.Timestamp(v).date()).astype(object)
        return out

    match = ("registrations.office_code = s.office_code AND registrations.registered_on = s.registered_on")
    if len(gone):
        with load.staged(conn, "_stage_snapshot_gone", as_dates(gone, key)) as st:
            conn.execute(sa.text(f"DELETE FROM registrations WHERE EXISTS (SELECT 1 FROM {st} s WHERE {match})"))
    if len(new):
        frame = as_dates(new, key + ["ended_on"]).assign(prefecture_code=new["prefecture_code"].to_numpy(),
                                                      batch_id=new["batch_id"].astype("int64").to_numpy(),
                                                      registered_from_snapshot=True)
        store_engine.bulk_insert(conn, R, frame)
    ends = pd.concat([moved[key + ["ended_on"]], changed_ends[key + ["ended_on"]]], ignore_index=True)
    if len(ends):
        with load.staged(conn, "_stage_snapshot_ends", as_dates(ends, key + ["ended_on"])) as st:
            conn.execute(sa.text(f"UPDATE registrations SET ended_on = s.ended_on FROM {st} s WHERE {match}"))
