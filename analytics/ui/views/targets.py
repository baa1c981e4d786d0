"""働きかけ先: unregistered offices ranked by the sheets they would turn digital, with a sentence each,
filters by municipality and kind, and CSV/XLSX for outreach. Office-level detail: limited to the
prefectures the signed-in user may see."""
import streamlit as st

from analytics.domain import codes, formats, kpis
from analytics.reports import channel_charts as charts
from analytics.reports import tabular
from analytics.services import channels as sc
from analytics.ui import a11y, glue

lang = glue.lang()

st.title(glue.tr("page.targets.title"))
st.caption(glue.tr("targets.intro"))

months = glue.cached(sc.months)
if not months:
    st.info(glue.tr("common.no_data"))
    st.stop()

pref_name = codes.prefecture_names(lang)
allowed = glue.scope().detail_prefectures(list(pref_name))
if not allowed:
    st.warning(glue.tr("targets.no_scope"))
    st.stop()

c1, c2, c3, c4 = st.columns(4)
prefecture = c1.selectbox(glue.tr("targets.prefecture"), allowed, key="targets_prefecture",
                          index=allowed.index("30") if "30" in allowed else 0,
                          format_func=lambda c: f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
munis = glue.cached(sc.target_municipalities, prefecture)
muni_name = dict(zip(munis["municipality_code"], munis["municipality"]))
municipality = c2.selectbox(glue.tr("targets.municipality"), [""] + list(muni_name), key="targets_municipality",
                            format_func=lambda c: glue.tr("targets.all") if not c else f"{muni_name[c]}", placeholder=glue.tr("common.choose"))
kind = c3.selectbox(glue.tr("targets.kind"), ["", "kyotaku", "service"], key="targets_kind",
                    format_func=lambda k: glue.tr("targets.all") if not k else glue.tr(f"common.kind.{k}"), placeholder=glue.tr("common.choose"))
window = c4.selectbox(glue.tr("targets.window"), [1, 3, 6, 12], key="targets_window", placeholder=glue.tr("common.choose"))

frame = glue.cached(sc.targets, glue.scope(), prefecture=prefecture, window=window, municipality=municipality or None,
                    kind=kind or None)
used = glue.cached(sc.window_months, None, window)
# one month: just 「2025年8月」, not 「2025年8月〜2025年8月 の1か月」
months_text = charts.month_range_label(used[0], used[-1], lang)
if len(used) == 1:
    st.caption(glue.tr("targets.window_note_one", month=months_text))
    period = months_text
else:
    st.caption(glue.tr("targets.window_note", n=len(used), start=formats.month_label(used[0], lang),
                       end=formats.month_label(used[-1], lang)))
    period = glue.tr("targets.period_mean", months=months_text, n=len(used))

if frame.empty:
    st.info(glue.tr("targets.none"))
    st.stop()

template = glue.tr("targets.sentence")
out = frame.copy()
out["name"] = out["name"].fillna(glue.tr("targets.unknown_name"))
out["municipality"] = out["municipality"].fillna("")
out["kind"] = out["kind"].map(lambda k: glue.tr(f"common.kind.{k}") if isinstance(k, str) else "")
out["sentence"] = [sc.target_sentence(n, m, template) for n, m in zip(out["unlockable_sheets"], out["registered_partners"])]

# a window of several months gives monthly averages (52.3333…): tenths, as the sentences read them
digits = 0 if len(used) == 1 else 1
st.metric(kpis.label("unlockable_sheets", lang),
          formats.count(out["unlockable_sheets"].sum(), "件", "sheets", lang, digits=digits),
          help=kpis.describe("unlockable_sheets", lang))
st.caption(glue.tr("targets.count", n=len(out)))

st.subheader(glue.tr("targets.top_list"))
for r in out.head(10).itertuples():
    where = f"{r.office_code}・{r.municipality}" if r.municipality else r.office_code
    st.markdown(f"{r.rank}. **{r.name}**（{where}） — {r.sentence}")

columns = {"rank": glue.tr("targets.col.rank"), "office_code": glue.tr("targets.col.office_code"),
           "name": glue.tr("targets.col.name"), "municipality": glue.tr("common.municipality"),
           "kind": glue.tr("targets.kind"), "unlockable_sheets": kpis.label("unlockable_sheets", lang),
           "registered_partners": kpis.label("registered_partners", lang),
           "sentence": glue.tr("targets.col.sentence")}
table = out[list(columns)].rename(columns=columns)
# fits the page's width at 1366 px (tests/browser/test_truncation.py): short headers with the full name in
# their help, and the sentence (the top list above, and the downloads) left out of the grid
unlock, partners = kpis.label("unlockable_sheets", lang), kpis.label("registered_partners", lang)
st.dataframe(table, hide_index=True, key="targets_table",
             column_order=[c for c in table.columns if c != columns["sentence"]],
             column_config={
                 columns[c]: st.column_config.Column(columns[c], width=w) for c, w in
                 {"rank": 60, "office_code": 110, "name": 200, "municipality": 120, "kind": 160}.items()} | {
                 unlock: st.column_config.NumberColumn(
                     glue.tr("targets.col.unlockable_short"), format=formats.printf_number(digits), width=100,
                     help=f"{unlock}: {kpis.describe('unlockable_sheets', lang)}（{period}）" if lang == "ja"
                     else f"{unlock}: {kpis.describe('unlockable_sheets', lang)} ({period})"),
                 partners: st.column_config.NumberColumn(glue.tr("targets.col.partners_short"), width=135,
                                                         help=f"{partners}: {kpis.describe('registered_partners', lang)}")})
st.caption(glue.tr("targets.table_note"))

d1, d2 = st.columns(2)
# the workbook is built only when the button is pressed (deferred download: ~1 s for a large table)
d1.download_button(glue.tr("targets.download_xlsx"),
                   lambda: tabular.to_xlsx_bytes({"働きかけ先" if lang == "ja" else "targets": table}),
                   file_name=f"targets_{prefecture}.xlsx", key="targets_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
d2.download_button(glue.tr("targets.download_csv"), tabular.to_csv_bytes(table, "excel"),
                   file_name=f"targets_{prefecture}.csv", mime="text/csv", key="targets_csv_all")

st.subheader(glue.tr("targets.chart"))
a11y.chart(charts.targets_bar(out, lang, value_label=kpis.label("unlockable_sheets", lang)),
           key="targets_chart")
# the chart's own rows (top 20) behind 表で表示 / CSV, like every other chart
glue.chart_footer(counts=kpis.describe("unlockable_sheets", lang), period=period,
                  source=kpis.source("unlockable_sheets", lang), data=table.head(20), key="targets_chart_footer")
