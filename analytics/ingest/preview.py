"""An exchange log read in memory for the office view (DESIGN §2's readers and checks), nothing stored."""
from __future__ import annotations

import pandas as pd

from analytics.ingest import cpds, read, validate


def read_uploaded_log(name: str, data: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An exchange log (CSV/XLSX/Parquet) or a CPDS ZIP read in memory through the ingest readers, nothing
    stored: (rows month, sender_code, receiver_code, form, channel, sheets; problems: row as a spreadsheet
    counts it — for a CPDS ZIP the file's place in it —, column, reason_ja, reason_en; never a value).
    Raises ``analytics.errors.FileRefused`` for a file that cannot be read at all."""
    cols = ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]
    if read.sniff_kind(name, data) == "zip":
        _rows, errors, _n, agg, _companions, _deletions = cpds.check(name, cpds.members_of_zip(name, data))
        numbers = errors["pos"] + 1
        rows = agg.groupby(cols[:-1], sort=False)["sheets"].sum().reset_index()  # over サービス種類コード
    else:
        table = read.read_table("exchanges", name, data)
        checked = validate.exchanges(table)
        errors = checked.errors
        numbers = errors["pos"].map(lambda pos: int(table.row_numbers[pos]))
        rows = checked.rows[cols].copy()
    rows["sheets"] = rows["sheets"].astype("int64")
    problems = pd.DataFrame({"row": numbers.astype("int64"), "column": errors["column"].astype(object),
                             "reason_ja": errors["reason_ja"], "reason_en": errors["reason_en"]})
    return rows, problems.sort_values("row", kind="stable").reset_index(drop=True)
