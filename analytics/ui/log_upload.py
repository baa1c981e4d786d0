"""An exchange log a user uploads (事業所ビュー, 効果試算): read in memory through the ingest readers, the
rows left out listed (row, column, reason; never a cell's value), nothing stored."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.errors import FileRefused
from analytics.ingest import preview
from analytics.ui import glue

LOG_COLUMNS = ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]


def show_problems(problems: pd.DataFrame, key: str) -> None:
    """Which rows were left out and why (row, column, reason; never the cell's value)."""
    lang = glue.lang()
    n = problems["row"].nunique()
    st.warning(glue.tr("officeview.rejected_listed", n=n))
    labels = {c: glue.tr(f"officeview.rejected.col.{c}") for c in ("row", "column", "reason")}
    field = {c: glue.tr(f"officeview.field.{c}") for c in LOG_COLUMNS + ["file_name"]}
    shown = pd.DataFrame({
        labels["row"]: problems["row"],
        labels["column"]: problems["column"].map(lambda c: field.get(c, c or "")),
        labels["reason"]: problems["reason_ja" if lang == "ja" else "reason_en"]})
    with st.expander(glue.tr("officeview.rejected.details", n=n), expanded=True):
        st.dataframe(shown.head(1000), hide_index=True, width="stretch", key=f"{key}_rejected_rows",
                     column_config={labels["reason"]: st.column_config.TextColumn(width="large")})
        if len(shown) > 1000:
            st.caption(glue.tr("officeview.rejected.more", n=len(shown)))


def read(upload, key: str) -> pd.DataFrame | None:
    """The log's valid rows; None (the reason shown) for a file that cannot be read or has no valid row."""
    try:
        log, problems = preview.read_uploaded_log(upload.name, upload.getvalue())
    except FileRefused as err:
        st.error(glue.tr("officeview.refused", msg=err.ja if glue.lang() == "ja" else err.en))
        return None
    if not problems.empty:
        show_problems(problems, key)
    if log.empty:
        # every row was left out: saying the office is "not in the file" (with an empty list) would be wrong
        st.error(glue.tr("officeview.no_valid_rows"))
        return None
    return log
