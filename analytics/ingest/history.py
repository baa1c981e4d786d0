"""What the import page shows after a run: the import log and the rejected rows of given batches (their
CSV download is ``analytics.reports.tabular.rejected_csv``)."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from analytics.store import schema
from analytics.store.engine import read_df


def recent_batches(engine, limit: int = 50) -> pd.DataFrame:
    t = schema.import_batches
    q = (sa.select(t.c.batch_id, t.c.kind, t.c.file_name, t.c.imported_at, t.c.imported_by, t.c.rows_read,
                   t.c.accepted, t.c.duplicates, t.c.rejected)
         .order_by(t.c.batch_id.desc()).limit(limit))
    return read_df(engine, q)


def rejected_rows(engine, batch_ids: list[int]) -> pd.DataFrame:
    """file, row, column, value, reason ("日本語 / English") of the given batches, in file order."""
    t = schema.rejected_rows
    cols = ["file", "row", "column", "value", "reason"]
    if not batch_ids:
        return pd.DataFrame(columns=cols)
    q = (sa.select(t.c.file, t.c.row_number.label("row"), t.c.column_name.label("column"), t.c.value,
                   (t.c.reason_ja + " / " + t.c.reason_en).label("reason"))
         .where(t.c.batch_id.in_([int(b) for b in batch_ids]))
         .order_by(t.c.batch_id, t.c.row_number, t.c.column_name))
    return read_df(engine, q)

