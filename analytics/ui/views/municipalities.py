"""市区町村: within one prefecture, municipalities (map and table), 居宅介護支援 / service split, office list."""
import pandas as pd
import streamlit as st

from analytics.domain import codes, formats, kpis
from analytics.reports import adoption_charts as charts
from analytics.reports import summaries
from analytics.services import adoption as sa_
from analytics.ui import a11y, glue

lang = glue.lang()


def plot(fig, key: str) -> None:
    a11y.chart(fig, key=key)  # PNG button named after key, text summary under the chart


st.title(glue.tr("page.municipalities.title"))
as_of = glue.cached(sa_.default_as_of)
pref_name = codes.prefecture_names(lang)
scope = glue.scope()
by_pref = glue.cached(sa_.adoption, scope, as_of, "prefecture", None, None, lang).frame
allowed = scope.detail_prefectures(by_pref["prefecture_code"].tolist())
if by_pref.empty:
    st.info(glue.tr("common.no_data"))
    st.stop()
if not allowed:
    st.warning(glue.tr("adoption.muni.no_access"))
    st.stop()

default = scope.area if scope.area in allowed else ("30" if "30" in allowed else allowed[0])
c1, c2 = st.columns(2)
pref = c1.selectbox(glue.tr("common.prefecture"), allowed, index=allowed.index(default), key="muni_pref",
                    format_func=lambda c: f"{c} {pref_name.get(c, c)}", placeholder=glue.tr("common.choose"))
kind = c2.selectbox(glue.tr("adoption.kind"), ["all", "kyotaku", "service"], key="muni_kind",
                    format_func=lambda k: glue.tr("adoption.kind.all") if k == "all" else glue.tr(f"common.kind.{k}"), placeholder=glue.tr("common.choose"))
kind_arg = None if kind == "all" else kind
period = glue.tr("adoption.period.as_of", date=as_of.isoformat())

total = glue.cached(sa_.adoption, scope, as_of, "prefecture", pref, kind_arg, lang).frame
row = total.iloc[0] if len(total) else pd.Series({"offices": 0, "registered": 0, "adoption_rate": float("nan")})
m1, m2, m3 = st.columns(3)
m1.metric(kpis.label("offices", lang), formats.count(row["offices"]), help=kpis.describe("offices", lang))
m2.metric(kpis.label("registered", lang), formats.count(row["registered"]), help=kpis.describe("registered", lang))
m3.metric(kpis.label("adoption_rate", lang), formats.percent(row["adoption_rate"]), help=kpis.describe("adoption_rate", lang))

# 居宅介護支援 / サービス事業所
st.subheader(glue.tr("adoption.muni.kinds"))
kinds = glue.cached(sa_.adoption, scope, as_of, "kind", pref, None, lang).frame
if len(kinds):
    plot(charts.kind_bar(kinds, lang), "muni_kinds")
    kt = kinds.assign(kind=kinds["kind"].map(lambda k: glue.tr(f"common.kind.{k}")),
                      adoption_rate=formats.percent_number(kinds["adoption_rate"]))
    glue.chart_footer(counts=kpis.describe("adoption_rate", lang) + glue.tr("common.sentence_join") + glue.tr("adoption.muni.kind_note"),
                      period=period, source=kpis.source("adoption_rate", lang),
                      data=kt.rename(columns=lambda c: glue.tr(f"adoption.col.{c}")), key="muni_kinds")

st.subheader(glue.tr("adoption.muni.map"))
# ranks and highest/lowest only among municipalities with enough offices (services.adoption.rank_areas)
limit = sa_.min_offices_for_rank()
order = st.radio(glue.tr("adoption.muni.order"), list(sa_.MUNICIPALITY_ORDERS), horizontal=True, key="muni_order",
                 format_func=lambda o: glue.tr(f"adoption.muni.order.{o}"))
munis = glue.cached(sa_.municipalities, scope, as_of, pref, kind_arg, lang, order, limit).frame
if len(munis):
    ext = sa_.extremes(munis)
    st.caption(glue.tr("adoption.muni.rank_rule", n=limit, ranked=ext["rankable"], total=len(munis)))
    if ext["highest"] is not None:
        st.markdown(glue.tr("adoption.muni.extremes", n=limit, hi=summaries.area_with_rate(ext["highest"], lang),
                            lo=summaries.area_with_rate(ext["lowest"], lang)))
    else:
        st.markdown(glue.tr("adoption.muni.no_extremes", n=limit))
    if lang != "ja":
        st.caption(glue.tr("adoption.muni.names_note"))
    summary = summaries.describe("municipalities", munis, lang, area=pref_name.get(pref, pref), min_offices=limit)
    if munis[["lat", "lon"]].notna().all(axis=1).any():
        a11y.chart(charts.scatter_map(munis, lang, pref, min_offices=limit), summary, key="muni_map")
    else:
        st.caption(glue.tr("adoption.muni.no_coordinates"))
    # n (offices) stands beside every rate; the rank is blank where the area is too small to rank
    table = munis[["municipality_code", "municipality", "adoption_rate", "offices", "registered", "rank"]].copy()
    table["adoption_rate"] = formats.percent_number(table["adoption_rate"])
    # an unranked area's rank is written as in the pack (the grid would print a missing number as "None")
    table["rank"] = table["rank"].map(formats.count)
    table = table.rename(columns=lambda c: glue.tr(f"adoption.col.{c}"))
    glue.chart_footer(counts=kpis.describe("adoption_rate", lang) + glue.tr("common.sentence_join")
                      + glue.tr("adoption.muni.map_note"),
                      period=period, source=kpis.source("adoption_rate", lang), data=table, key="muni_table")
    st.dataframe(table, hide_index=True, key="muni_df", column_config={
        glue.tr("adoption.col.adoption_rate"): st.column_config.NumberColumn(format=formats.printf_number(1))})

st.subheader(glue.tr("adoption.muni.offices"))
f1, f2, f3 = st.columns([2, 2, 1])
search = f1.text_input(glue.tr("adoption.muni.search"), key="muni_search",
                       placeholder=glue.tr("adoption.muni.search_hint"))
muni_opts = [""] + sorted(munis["municipality_code"].tolist())
muni_names = dict(zip(munis["municipality_code"], munis["municipality"]))
muni = f2.selectbox(glue.tr("common.municipality"), muni_opts, key="muni_filter",
                    format_func=lambda c: glue.tr("adoption.muni.all") if not c else f"{c} {muni_names.get(c) or ''}", placeholder=glue.tr("common.choose"))
status = f3.selectbox(glue.tr("adoption.muni.status"), ["all", "registered", "unregistered"], key="muni_status",
                      format_func=lambda s: glue.tr(f"adoption.muni.status.{s}"), placeholder=glue.tr("common.choose"))
offices = glue.cached(sa_.office_list, pref, as_of, search or None, kind_arg, muni or None)
if status != "all":
    offices = offices[offices["registered"] == (status == "registered")]
shown = offices.assign(
    kind=offices["kind"].map(lambda k: glue.tr(f"common.kind.{k}")),
    registered=offices["registered"].map(lambda r: glue.tr("adoption.muni.yes" if r else "adoption.muni.no")),
    registered_on=offices["registered_on"].map(lambda d: d.isoformat() if pd.notna(d) else ""))
shown = shown[["office_code", "name", "municipality", "kind", "registered", "registered_on"]]
st.caption(glue.tr("adoption.muni.count", n=len(shown)))
col = {c: glue.tr(f"adoption.col.{c}") for c in shown.columns}
st.dataframe(shown.rename(columns=col), hide_index=True, key="muni_offices", column_config=glue.narrow_columns(
    col, "adoption.col", {"office_code": 115, "name": 230, "municipality": 150, "kind": 150, "registered": 100,
                          "registered_on": 110}))
glue.chart_footer(counts=kpis.describe("registered", lang), period=period, source=kpis.source("registered", lang),
                  data=shown.rename(columns=lambda c: glue.tr(f"adoption.col.{c}")), key="muni_offices_csv")

missing = glue.cached(sa_.not_in_master, as_of, pref)
with st.expander(glue.tr("adoption.not_in_master_title", n=len(missing))):
    st.caption(kpis.describe("not_in_master", lang))
    if len(missing):
        st.dataframe(missing.rename(columns=lambda c: glue.tr(f"adoption.col.{c}")), hide_index=True)
