"""都道府県別: map, ranking (JIS order or by value), highlight, latest value or change, comparison, table."""
import datetime as dt

import pandas as pd
import streamlit as st

from analytics.domain import codes, dates, formats, kpis
from analytics.reports import adoption_charts as charts
from analytics.services import adoption as sa_
from analytics.ui import a11y, glue

lang = glue.lang()


def plot(fig, key: str) -> None:
    a11y.chart(fig, key=key)  # PNG button named after key, text summary under the chart


st.title(glue.tr("page.prefectures.title"))
as_of = glue.cached(sa_.default_as_of)
pref_name = codes.prefecture_names(lang)
scope = glue.scope()

start_default, _ = glue.cached(sa_.registration_span)
if start_default is None:
    st.info(glue.tr("common.no_data"))
    st.stop()

c1, c2, c3 = st.columns(3)
mode = c1.radio(glue.tr("adoption.pref.mode"), ["latest", "change"], horizontal=True, key="pref_mode",
                format_func=lambda m: glue.tr(f"adoption.pref.mode.{m}"))
sort = c2.radio(glue.tr("adoption.pref.sort"), ["jis", "value"], horizontal=True, key="pref_sort",
                format_func=lambda s: glue.tr(f"adoption.pref.sort.{s}"))
kind = c3.selectbox(glue.tr("adoption.kind"), ["all", "kyotaku", "service"], key="pref_kind",
                    format_func=lambda k: glue.tr("adoption.kind.all") if k == "all" else glue.tr(f"common.kind.{k}"), placeholder=glue.tr("common.choose"))
kind_arg = None if kind == "all" else kind
default_hl = scope.area if scope.role == "prefecture" and scope.area in pref_name else None
options = [""] + list(pref_name)
highlight = st.selectbox(glue.tr("adoption.pref.highlight"), options, key="pref_highlight",
                         index=options.index(default_hl) if default_hl else 0,
                         format_func=lambda c: glue.tr("adoption.pref.none") if not c else f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
highlight = highlight or None

if mode == "change":
    d1, d2 = st.columns(2)
    lo, hi = dates.allowed_range()  # the one date rule of every date a user gives
    start = d1.date_input(glue.tr("adoption.pref.start"), key="pref_start", min_value=lo, max_value=hi,
                          value=min(max(start_default, as_of - dt.timedelta(days=365), lo), hi))
    end = d2.date_input(glue.tr("adoption.pref.end"), value=min(max(as_of, lo), hi), key="pref_end",
                        min_value=lo, max_value=hi)
    if start >= end:
        st.error(glue.tr("adoption.pref.bad_period"))
        st.stop()
    frame = glue.cached(sa_.change, scope, start, end, "prefecture", None, kind_arg, lang).frame
    nation = glue.cached(sa_.change, scope, start, end, "nation", None, kind_arg, lang).frame.iloc[0]
    value, kpi, percent, points = "change", "adoption_change", False, True
    national = nation["change"]
    period = glue.tr("adoption.period.range", start=start.isoformat(), end=end.isoformat())
else:
    frame = glue.cached(sa_.adoption, scope, as_of, "prefecture", None, kind_arg, lang).frame
    nation = glue.cached(sa_.adoption, scope, as_of, "nation", None, kind_arg, lang).frame.iloc[0]
    value, kpi, percent, points = "adoption_rate", "adoption_rate", True, False
    national = nation["adoption_rate"]
    period = glue.tr("adoption.period.as_of", date=as_of.isoformat())

frame = frame.copy()
if "suppressed" in frame.columns and frame["suppressed"].any():  # the one rule (analytics.privacy), for viewers
    st.caption(glue.tr("adoption.suppressed", n=scope.suppress_below))



def shown_value(v) -> str:
    """A rate as 9.7%; a change of a rate in percentage points: +5.9 ポイント / +5.9 pt."""
    if pd.isna(v):
        return "–"
    return formats.points(v, lang) if points else formats.percent(v)


tiles = st.columns(4 if highlight else 1)
tiles[0].metric(glue.tr("adoption.pref.national_label", kpi=kpis.label(kpi, lang)), shown_value(national),
                help=glue.tr("adoption.pref.national_help"))
if highlight:  # the own (highlighted) prefecture: its value, rank and difference from the nation
    own = sa_.standing(frame, highlight, national, value)
    area = pref_name[highlight]
    tiles[1].metric(glue.tr("adoption.pref.own_value", area=area, kpi=kpis.label(kpi, lang)),
                    shown_value(own["value"] if own else None), help=kpis.describe(kpi, lang))
    tiles[2].metric(glue.tr("adoption.pref.own_rank", area=area),
                    glue.tr("adoption.pref.own_rank_value", rank=own["rank"], n=own["n"]) if own
                    else glue.tr("adoption.pref.own_unranked"),
                    help=glue.tr("adoption.pref.own_rank_help", kpi=kpis.label(kpi, lang)))
    tiles[3].metric(glue.tr("adoption.pref.own_diff"),
                    formats.points(own["diff"], lang) if own and own["diff"] is not None else "–",
                    help=glue.tr("adoption.pref.own_diff_help", area=area, kpi=kpis.label(kpi, lang)))

# table view: all 47 in JIS order, areas without offices in the master shown empty
table = pd.DataFrame({"prefecture_code": list(pref_name)}).merge(frame, on="prefecture_code", how="left")
table["prefecture"] = table["prefecture_code"].map(pref_name)
shown = table.copy()
for c in ("adoption_rate", "rate_start", "rate_end"):
    if c in shown:
        shown[c] = formats.percent_number(shown[c])
if "change" in shown:
    shown["change"] = formats.percent_number(shown["change"])
shown = shown.rename(columns=lambda c: glue.tr(f"adoption.col.{c}"))
source = kpis.source(kpi, lang)

left, right = st.columns([3, 2])
with left:
    st.subheader(glue.tr("adoption.pref.map"))
    plot(charts.choropleth_map(frame, value, lang, highlight, value_label=kpis.label(kpi, lang), percent=percent,
                               points=points), "pref_map")
    glue.chart_footer(counts=kpis.describe(kpi, lang), period=period, source=source, data=shown, key="pref_map")
with right:
    st.subheader(glue.tr("adoption.pref.ranking"))
    plot(charts.ranking_bar(frame, value, lang, highlight, national, sort, percent,
                            value_label=kpis.label(kpi, lang), points=points), "pref_ranking")
    glue.chart_footer(counts=kpis.describe(kpi, lang) + glue.tr("common.sentence_join") + glue.tr("adoption.pref.ranking_note"),
                      period=period, source=source, data=shown, key="pref_ranking")

st.subheader(glue.tr("adoption.pref.compare"))
with_data = [c for c in pref_name if c in set(frame["prefecture_code"])]
default_cmp = [c for c in ([highlight] if highlight else []) + with_data if c in with_data]
default_cmp = list(dict.fromkeys(default_cmp))[:3]
chosen = st.multiselect(glue.tr("adoption.pref.compare_pick"), with_data, default=default_cmp,
                        format_func=lambda c: pref_name[c], key="pref_compare", placeholder=glue.tr("common.choose"))
if chosen:
    cmp = table[table["prefecture_code"].isin(chosen)].copy()
    cmp = cmp.set_index("prefecture_code").loc[chosen].reset_index()
    cmp_shown = cmp.copy()
    for c in ("adoption_rate", "rate_start", "rate_end", "change"):
        if c in cmp_shown:
            cmp_shown[c] = formats.percent_number(cmp_shown[c])
    cols = st.columns(len(chosen))
    for col, (_, row) in zip(cols, cmp.iterrows()):
        col.markdown(f"**{row['prefecture']}**")
        v = row[value]
        col.markdown(f"{kpis.label(kpi, lang)}: **{shown_value(v)}**")
        if not pd.isna(v) and not pd.isna(national):
            col.caption(glue.tr("adoption.pref.vs_nation", diff=formats.points(v - national, lang, unit=False)))
    monthly = glue.cached(sa_.monthly, scope, start_default, as_of, "prefecture", tuple(chosen), kind_arg)
    monthly["area"] = monthly["prefecture_code"].map(pref_name)
    nat = glue.cached(sa_.monthly, scope, start_default, as_of, "nation", None, kind_arg)
    nat["area"] = glue.tr("common.nation")
    series = pd.concat([monthly, nat], ignore_index=True)
    plot(charts.trend_line(series, lang=lang), "pref_compare_trend")
    trend_table = series[["area", "month", "offices", "registered", "adoption_rate"]].copy()
    trend_table["adoption_rate"] = formats.percent_number(trend_table["adoption_rate"])
    glue.chart_footer(counts=kpis.describe("adoption_rate_monthly", lang),
                      period=glue.tr("adoption.period.range", start=formats.month_label(start_default, lang),
                                     end=formats.month_label(as_of, lang)),
                      source=kpis.source("adoption_rate_monthly", lang),
                      data=trend_table.rename(columns=lambda c: glue.tr(f"adoption.col.{c}")), key="pref_compare")

missing = glue.cached(sa_.not_in_master_counts, scope, as_of)
with st.expander(glue.tr("adoption.not_in_master_title", n=int(pd.to_numeric(missing["not_in_master"]).sum()) if len(missing) else 0)):
    st.caption(kpis.describe("not_in_master", lang))
    if len(missing):
        missing = missing.assign(prefecture=missing["prefecture_code"].map(pref_name))
        st.dataframe(missing[["prefecture_code", "prefecture", "not_in_master"]].rename(
            columns=lambda c: glue.tr(f"adoption.col.{c}")), hide_index=True)
