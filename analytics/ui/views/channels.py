"""FAX/データ連携: channel share over months, prefecture × month heat map, by form, missed digital (二重管理)."""
import pandas as pd
import streamlit as st

from analytics.domain import codes, formats, kpis
from analytics.reports import channel_charts as charts
from analytics.services import channels as sc
from analytics.ui import a11y, glue

lang = glue.lang()
scope = glue.scope()

st.title(glue.tr("page.channels.title"))
st.caption(glue.tr("channels.intro"))

months = glue.cached(sc.months)
if not months:
    st.info(glue.tr("common.no_data"))
    st.stop()

pref_name = codes.prefecture_names(lang)
c1, c2 = st.columns(2)
area = c1.selectbox(glue.tr("channels.area"), [sc.NATION] + list(pref_name), key="channels_area",
                    format_func=lambda c: glue.tr("common.nation") if c == sc.NATION else f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
month = c2.selectbox(glue.tr("channels.month"), months[::-1], key="channels_month",
                     format_func=lambda m: formats.month_label(m, lang), placeholder=glue.tr("common.choose"))
prefecture = None if area == sc.NATION else area
area_label = glue.tr("common.nation") if prefecture is None else pref_name[prefecture]
period_all = glue.tr("channels.period_all", start=formats.month_label(months[0], lang),
                     end=formats.month_label(months[-1], lang))
period_month = formats.month_label(month, lang)

total = glue.cached(sc.summary, scope, (), prefecture=prefecture, month_from=month, month_to=month)
row = total.iloc[0] if not total.empty else None
m1, m2, m3 = st.columns(3)
m1.metric(kpis.label("digital_share", lang),
          "–" if row is None or pd.isna(row["digital_share"]) else formats.percent(row['digital_share']),
          help=kpis.describe("digital_share", lang))
m2.metric(kpis.label("sheets", lang), "–" if row is None or pd.isna(row["sheets"]) else f"{int(row['sheets']):,}",
          help=kpis.describe("sheets", lang))
m3.metric(kpis.label("missed_digital_sheets", lang),
          "–" if row is None or pd.isna(row["missed_digital_sheets"]) else f"{int(row['missed_digital_sheets']):,}",
          help=kpis.describe("missed_digital_sheets", lang))
st.caption(f"{area_label}　{period_month}")

source = kpis.source("digital_share", lang)

st.subheader(glue.tr("channels.chart.mix"))
mix = glue.cached(sc.mix, scope, prefecture=prefecture)
a11y.chart(charts.channel_mix(mix, lang), key="channels_mix_chart")
mix_table = mix.assign(channel=mix["channel"].map(lambda c: glue.tr(f"channels.channel.{c}")))
glue.chart_footer(counts=f"{area_label}: {glue.tr('channels.chart.mix_counts')}", period=period_all,
                  source=source, data=mix_table, key="channels_mix")

st.subheader(glue.tr("channels.chart.heat"))
heat = glue.cached(sc.summary, scope, ("prefecture_code", "month"))
heat = heat[heat["prefecture_code"].isin(pref_name)]
a11y.chart(charts.share_heatmap(heat, pref_name, lang), key="channels_heat_chart")
glue.chart_footer(counts=kpis.describe("digital_share", lang), period=period_all, source=source,
                  data=heat.assign(prefecture=heat["prefecture_code"].map(pref_name)), key="channels_heat")

st.subheader(glue.tr("channels.chart.form"))
by_form = glue.cached(sc.summary, scope, ("form",), prefecture=prefecture, month_from=month, month_to=month)
a11y.chart(charts.share_by_form(by_form, lang), key="channels_form_chart")
glue.chart_footer(counts=f"{area_label}: {kpis.describe('digital_share', lang)}", period=period_month,
                  source=source, data=by_form.assign(form=by_form["form"].map(lambda f: glue.tr(f"channels.form.{f}"))),
                  key="channels_form")

st.subheader(glue.tr("channels.missed.title"))
st.caption(glue.tr("channels.missed.caption"))
# the pairs name offices: only for users who may see that prefecture's detail (the nation's: admins)
if not (scope.may_admin() or (prefecture is not None and scope.sees_prefecture_detail(prefecture))):
    st.info(glue.tr("security.detail_hidden"))
    st.stop()
pairs = glue.cached(sc.missed_pairs, prefecture=prefecture, month_from=month, month_to=month)
if pairs.empty:
    st.success(glue.tr("channels.missed.none"))
else:
    shown = pairs.drop(columns=["months"]).rename(columns={
        "sender_code": glue.tr("channels.col.sender_code"), "sender_name": glue.tr("channels.col.sender_name"),
        "receiver_code": glue.tr("channels.col.receiver_code"),
        "receiver_name": glue.tr("channels.col.receiver_name"),
        "missed_digital_sheets": kpis.label("missed_digital_sheets", lang)})
    st.dataframe(shown, hide_index=True, key="channels_missed_table")
    glue.chart_footer(counts=kpis.describe("missed_digital_sheets", lang), period=period_month,
                      source=kpis.source("missed_digital_sheets", lang), data=shown, key="channels_missed")
