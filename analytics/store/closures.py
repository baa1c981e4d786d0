"""The closures a dated office master says, derived from the stored snapshot facts.

``master_snapshots`` (what each dated master covers) and ``master_snapshot_services`` (whom it lists) are
the facts; ``office_closures`` and ``service_closures`` are derived from all of them every time
(``definitions.office_closures_from_snapshots`` / ``service_closures_from_snapshots``), so the order of
imports does not matter and the same master again changes nothing. Called by an offices import
(``analytics.ingest.master_snapshots.reconcile``) and by the schema migration that added service closures.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from analytics.store import definitions, schema


def _frame(conn, stmt, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt).fetchall()], columns=columns)


def _dates_as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in ("closed_on", "reopened_on"):
        out[c] = out[c].map(lambda v: None if pd.isna(v) else pd.Timestamp(v).date()).astype(object)
    return out


def derive(conn) -> None:
    """Derive ``office_closures`` and ``service_closures`` again from every stored master snapshot (nothing
    when there is none and none was derived before)."""
    ms, mss = schema.master_snapshots, schema.master_snapshot_services
    oc, sc = schema.office_closures, schema.service_closures
    cov = _frame(conn, sa.select(ms.c.as_of, ms.c.prefecture_code, ms.c.service_code),
                 ["S", "prefecture_code", "service_code"])
    had = sum(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in (oc, sc))
    if cov.empty and not had:
        return
    mem = _frame(conn, sa.select(mss.c.as_of, mss.c.office_code, mss.c.service_code),
                 ["S", "office_code", "service_code"])
    offices = _frame(conn, sa.select(schema.offices.c.office_code, schema.offices.c.prefecture_code),
                     ["office_code", "prefecture_code"])
    services = _frame(conn, sa.select(schema.office_services.c.office_code, schema.office_services.c.service_code),
                      ["office_code", "service_code"])
    for table, rule in ((oc, definitions.office_closures_from_snapshots),
                        (sc, definitions.service_closures_from_snapshots)):
        rows = rule(cov, mem, offices, services)
        conn.execute(table.delete())
        if len(rows):
            # closures are few: one executemany (store.engine, which has bulk_insert, migrates with this module)
            conn.execute(table.insert(), _dates_as_objects(rows).to_dict("records"))
