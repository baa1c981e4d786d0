"""資料の出力 (export): the presentation pack for the nation or one prefecture as PPTX, PDF, XLSX, chart
PNGs and CSV tables in three encodings; a preview of every section with its text summary."""
import datetime as dt

import pandas as pd
import streamlit as st

from analytics import auth
from analytics.domain import codes
from analytics.reports import pack as pack_mod
from analytics.reports import tabular
from analytics.services import adoption as sa_
from analytics.ui import a11y, glue

lang = glue.lang()
NATION = "00"

st.title(glue.tr("page.export.title"))
st.caption(glue.tr("export.intro"))

nation = glue.cached(sa_.adoption, glue.scope(), glue.cached(sa_.default_as_of), "nation").frame
if nation.empty or (pd.notna(nation["offices"].iloc[0]) and int(nation["offices"].iloc[0]) == 0):
    st.info(glue.tr("export.no_data"))
    st.stop()

pref_name = codes.prefecture_names(lang)
scope = glue.scope()
# a prefecture's pack has municipality detail: only for users who may see that prefecture's detail
choices = [NATION] + scope.detail_prefectures(list(pref_name))
area = st.selectbox(glue.tr("export.area"), choices, key="export_area",
                    format_func=lambda c: glue.tr("common.nation") if c == NATION else f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
prefecture = None if area == NATION else area
since = None
if prefecture is not None:   # 前回比: the date the prefecture's registrations, rate and rank are compared with
    as_of = glue.cached(sa_.default_as_of)
    default, _note = glue.cached(pack_mod.default_since, as_of)
    since = st.date_input(glue.tr("export.since"), value=default, max_value=as_of - dt.timedelta(days=1),
                          key="export_since", help=glue.tr("export.since_help"))
pack = glue.cached(pack_mod.build_pack, prefecture, lang, scope=scope,
                   since=since)  # a viewer's: small counts suppressed


def _audit(what: str) -> None:
    auth.audit(glue.engine(), scope.username or "local", "export", f"{what} area={area}")


stem = pack.file_stem()

st.subheader(glue.tr("export.files"))
c1, c2, c3, c4 = st.columns(4)


def _xlsx() -> bytes:
    # deferred: the workbook (and openpyxl) is built when the button is pressed, not on every render
    from analytics.reports import xlsx_export
    return xlsx_export.to_xlsx_bytes(pack)


c1.download_button(glue.tr("export.download_xlsx"), _xlsx,
                   file_name=f"{stem}.xlsx", key="export_xlsx", on_click=_audit, args=("xlsx",),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

state_key = f"export_files:{stem}:{lang}:{since}:{glue.data_version()}"
if c2.button(glue.tr("export.build"), key="export_build", type="primary"):
    from analytics.reports import pdf_export, png_export, pptx_export
    _audit("pptx/pdf/png")
    with st.spinner(glue.tr("export.building")):
        try:
            # each file's charts drawn for where they go (the slide's picture, the PDF page as vector, a PNG),
            # all in one chromium session
            with png_export.renderer():
                st.session_state[state_key] = {
                    "pptx": pptx_export.to_pptx_bytes(pack, pptx_export.slide_pngs(pack)),
                    "pdf": pdf_export.to_pdf_bytes(pack, pdf_export.chart_pdfs(pack)),
                    "png": png_export.pngs_zip(pack, png_export.pack_pngs(pack))}
        except Exception as exc:  # chromium or fonts missing: say what to install
            st.error(glue.tr("export.error.render", error=type(exc).__name__))
files = st.session_state.get(state_key)
if files:
    st.success(glue.tr("export.ready"))
    c2.download_button(glue.tr("export.download_pptx"), files["pptx"], file_name=f"{stem}.pptx", key="export_pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    c3.download_button(glue.tr("export.download_pdf"), files["pdf"], file_name=f"{stem}.pdf", key="export_pdf",
                       mime="application/pdf")
    c4.download_button(glue.tr("export.download_png"), files["png"], file_name=f"{stem}_png.zip",
                       key="export_png", mime="application/zip")

st.subheader(glue.tr("export.csv.title"))
st.caption(glue.tr("export.csv.note"))
titles = {s.key: s.title for s in pack.sections}
chosen = st.selectbox(glue.tr("export.csv.table"), list(titles), format_func=titles.get, key="export_csv_table", placeholder=glue.tr("common.choose"))
table = pack_mod.localised(pack.section(chosen).table, lang)
cols = st.columns(len(tabular.CSV_ENCODINGS))
for col, enc in zip(cols, tabular.CSV_ENCODINGS):
    col.download_button(glue.tr(f"export.csv.enc.{enc}"), lambda enc=enc: tabular.to_csv_bytes(table, enc),
                        file_name=f"{stem}_{chosen}_{enc}.csv", mime="text/csv", key=f"export_csv_{enc}",
                        on_click=_audit, args=(f"csv {chosen}",))

st.subheader(glue.tr("export.preview"))
for s in pack.sections:
    st.markdown(f"#### {s.title}")
    if s.highlights:
        st.markdown("　".join(f"**{label}**: {value}" for label, value in s.highlights))
    if s.figure is not None:
        a11y.chart(s.figure, s.summary, key=f"export_fig_{s.key}")
    else:
        shown = pack_mod.localised(s.table, lang)
        # a table of sentences (the definitions) wraps its text, as the pack prints it; in a grid its long
        # cells pushed the last columns out of the page at 1366 px
        wordy = any(shown[c].map(lambda v: isinstance(v, str) and len(v) > 40).any() for c in shown.columns)
        if wordy:
            st.table(shown.set_index(shown.columns[0]))
        else:
            st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(s.footer(lang))
