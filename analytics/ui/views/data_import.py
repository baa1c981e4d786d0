"""データ取込: choose a kind, upload files, import, see the result, the rejected rows and the history."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import auth, i18n
from analytics.domain import dates
from analytics.ingest import KINDS, columns, history, ingest_files, snapshot_date, spec_for
from analytics.ingest.load import default_user
from analytics.reports import tabular
from analytics.ui import glue

st.title(glue.tr("page.import.title"))
st.write(glue.tr("import.intro"))

# labels resolved now: format_func may be called outside this run (AppTest does)
kind_labels = {k: glue.tr(f"import.kind.{k}") for k in KINDS}
kind = st.selectbox(glue.tr("import.kind"), options=list(KINDS), key="import_kind", format_func=kind_labels.get, placeholder=glue.tr("common.choose"))

with st.expander(glue.tr("import.columns"), expanded=False):
    if spec_for(kind).table is None:  # the system's own files: no table of ours to describe
        st.write(glue.tr("import.cpds_help"))
    else:
        spec = pd.DataFrame(columns.describe(kind, glue.lang()))
        spec["required"] = spec["required"].map({True: glue.tr("import.yes"), False: glue.tr("import.no")})
        spec = spec.rename(columns={"column": glue.tr("import.col.column"),
                                    "required": glue.tr("import.col.required"),
                                    "aliases": glue.tr("import.col.aliases"), "note": glue.tr("import.col.note")})
        st.dataframe(spec, hide_index=True, width="stretch")
        st.caption(glue.tr("import.rules"))
    st.caption(glue.tr("import.personal"))

files = st.file_uploader(glue.tr("import.files"), accept_multiple_files=True, key="import_files",
                         type=list(glue.UPLOAD_TYPES["import_files"]))

# a registration list without 利用開始日 is a snapshot: its as-of date, found in the title rows or the name
# when written there, for the user to confirm or give; an office master may be dated (the published name's
# timestamp), which makes it the complete master on that day, or not
as_of = None
found = [snapshot_date(kind, f.name, f.getvalue()) for f in files or []]
said = "import.master_" if spec_for(kind).as_of_optional else "import."
if any(needs for needs, _ in found):
    detected = next((day for needs, day in found if needs and day is not None), None)
    if st.session_state.get("import_as_of_read", "unset") != detected:  # other files: their date, to confirm
        st.session_state["import_as_of"] = st.session_state["import_as_of_read"] = detected
    as_of = st.date_input(glue.tr(f"{said}as_of"), key="import_as_of",
                          min_value=dates.allowed_range()[0], max_value=dates.allowed_range()[1],
                          help=glue.tr(f"{said}as_of_help"))
    st.caption(glue.tr(f"{said}as_of_found", date=detected.isoformat()) if detected is not None
               else glue.tr(f"{said}as_of_missing"))

if st.button(glue.tr("import.run"), type="primary", key="import_run"):
    if not files:
        st.warning(glue.tr("import.no_files"))
    else:
        bar = st.progress(0.0, text=glue.tr("import.progress"))

        def progress(fraction: float, message: tuple[str, str]) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message[0 if glue.lang() == "ja" else 1])

        imported_by = getattr(glue.scope(), "username", "") or default_user()
        summary = ingest_files(glue.engine(), kind, [(f.name, f.getvalue()) for f in files],
                               imported_by=imported_by, progress=progress, as_of=as_of)
        glue.data_changed()
        auth.audit(glue.engine(), imported_by, "import",
                   f"kind={kind} files={summary.files} accepted={summary.accepted} rejected={summary.rejected} "
                   f"refused={len(summary.refused)}")
        st.session_state["import_summary"] = summary
        if not summary.refused:
            st.success(glue.tr("import.done"))

summary = st.session_state.get("import_summary")
if summary is not None:
    st.subheader(glue.tr("import.summary"))
    # companions (known files of a cpds unit that are no exchange) and deletion files only when there are any
    keys = (("files", "rows_read", "accepted", "duplicates", "rejected")
            + (("companions",) if summary.companions else ()) + (("deletions",) if summary.deletions else ()))
    cells = st.columns(len(keys))
    for cell, key in zip(cells, keys):
        cell.metric(glue.tr(f"import.m.{key}"), f"{getattr(summary, key):,}", help=glue.tr(f"import.m.{key}.help"))
    notes = [f"- {n['file']}: {i18n.part(n['note'], glue.lang())}" for n in getattr(summary, "notes", [])]
    if notes:  # total rows skipped, sheets read and skipped, warnings: said, not rejected
        st.info("\n".join(notes))
    for snap in summary.snapshots:
        st.info(glue.tr(f"{'import.master_' if spec_for(summary.kind).as_of_optional else 'import.'}snapshot",
                        file=snap["file"], date=snap["as_of"]))
    if summary.refused:
        st.error(glue.tr("import.refused") + "\n\n" + "\n".join(f"- {m}" for m in summary.refused))
    rejected = history.rejected_rows(glue.engine(), [b for b in summary.batch_ids if b is not None])
    if not rejected.empty:
        # row 0: a row rejected at load (a stored key with another count) whose row number the reader did
        # not pass on; its value names the key. Shown blank rather than as a row that does not exist.
        rejected["row"] = rejected["row"].where(rejected["row"] > 0).astype("Int64")
        rejected["column"] = rejected["column"].map(lambda c: columns.header_label(summary.kind, c, glue.lang()))
        st.subheader(glue.tr("import.rejected_rows"))
        shown = rejected.rename(columns={c: glue.tr(f"import.e.{c}") for c in rejected.columns})
        st.dataframe(shown.head(1000), hide_index=True, width="stretch", key="import_rejected_table")
        st.download_button(glue.tr("import.download_rejected"), tabular.rejected_csv(rejected),
                           file_name="rejected_rows.csv", mime="text/csv", key="import_rejected_csv")

st.subheader(glue.tr("import.history"))
log = history.recent_batches(glue.engine())
if not glue.scope().may_admin():
    # file names and counts of other users' imports are theirs: a prefecture user sees its own
    log = log[log["imported_by"] == glue.scope().username]
    st.caption(glue.tr("security.import_own"))
if log.empty:
    st.caption(glue.tr("import.no_history"))
else:
    log["kind"] = log["kind"].map(lambda k: kind_labels.get(k, glue.tr("import.kind.demo") if k == "demo" else k))
    shown = log.rename(columns={c: glue.tr(f"import.h.{c}") for c in log.columns})
    counts = [glue.tr(f"import.h.{c}") for c in log.columns if c != "batch_id" and pd.api.types.is_numeric_dtype(log[c])]
    st.dataframe(shown, hide_index=True, width="stretch", key="import_history_table",
                 column_config={c: st.column_config.NumberColumn(format="localized") for c in counts})
