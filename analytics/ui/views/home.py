"""概要 (home): national tiles with the as-of date, the funnel 事業所 → 登録 → データ連携 → 効果, the trend."""
import pandas as pd
import streamlit as st

from analytics.domain import formats, kpis
from analytics.reports import adoption_charts as charts
from analytics.services import adoption as sa_
from analytics.ui import a11y, glue

lang = glue.lang()


def plot(fig, key: str) -> None:
    a11y.chart(fig, key=key)  # PNG button named after key, text summary under the chart


st.title(glue.tr("page.home.title"))
scope = glue.scope()
as_of = glue.cached(sa_.default_as_of)
nation = glue.cached(sa_.adoption, scope, as_of, "nation", None, None, lang).frame.iloc[0]
if not pd.isna(nation["offices"]) and int(nation["offices"]) == 0:
    st.info(glue.tr("common.no_data"))
    st.stop()

share = glue.cached(sa_.digital_share).iloc[0]
month = share["month"]
digital_offices = glue.cached(sa_.digital_offices)
hours = kpis.realised_hours_saved(share["sheets"], share["digital_sheets"]) if pd.notna(month) else None
missing = glue.cached(sa_.not_in_master, as_of)

month_text = formats.month_label(month, lang) if pd.notna(month) else "–"
st.caption(glue.tr("adoption.home.as_of", date=as_of.isoformat(), month=month_text))

c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(kpis.label("offices", lang), formats.count(nation["offices"]), help=kpis.describe("offices", lang))  # "–" when suppressed (viewers)
c2.metric(kpis.label("registered", lang), formats.count(nation["registered"]),
          help=kpis.describe("registered", lang))
c3.metric(kpis.label("adoption_rate", lang), formats.percent(nation['adoption_rate']),
          help=kpis.describe("adoption_rate", lang))
c4.metric(kpis.label("digital_share", lang),
          formats.percent(share["digital_share"]),
          help=kpis.describe("digital_share", lang))
hours_text = kpis.hours_text(hours)
# the unit in the label: a tile a fifth of the page wide cuts "15,708 時間" off with "…"
c5.metric(glue.tr("adoption.home.hours_tile", label=kpis.label("hours_saved_realised", lang)), hours_text,
          help=kpis.describe("hours_saved_realised", lang))
st.caption(glue.tr("adoption.home.tiles_note", date=as_of.isoformat(), month=month_text))
if len(missing):
    st.caption(glue.tr("adoption.not_in_master_note", n=len(missing)))

st.subheader(glue.tr("adoption.home.funnel"))
stages = [(glue.tr("adoption.funnel.offices"), 0 if pd.isna(nation["offices"]) else int(nation["offices"])),
          (glue.tr("adoption.funnel.registered"), 0 if pd.isna(nation["registered"]) else int(nation["registered"])),
          (glue.tr("adoption.funnel.digital"), int(digital_offices))]
plot(charts.funnel_chart(stages, lang), "home_funnel")
effect = glue.tr("adoption.funnel.effect", hours=hours_text, month=month_text)
st.markdown(f"**{effect}**")
funnel_table = {glue.tr("adoption.col.stage"): [s[0] for s in stages], glue.tr("adoption.col.value"): [s[1] for s in stages]}
glue.chart_footer(
    counts=" → ".join([kpis.label("offices", lang), kpis.label("registered", lang),
                       kpis.label("digital_offices", lang), kpis.label("hours_saved_realised", lang)]),
    period=glue.tr("adoption.period.as_of_month", date=as_of.isoformat(), month=month_text),
    source=kpis.joined([kpis.source('registered', lang), kpis.source('digital_offices', lang)], lang),
    data=pd.DataFrame(funnel_table), key="home_funnel")

st.subheader(glue.tr("adoption.home.trend"))
start, _end = glue.cached(sa_.registration_span)
if start is not None:
    # the whole nation, then 居宅介護支援 and service offices (README: the trend by kind): one query by kind;
    # kinds partition the offices, so the nation is their sum per month
    by_kind = glue.cached(sa_.monthly_by_kind, scope, start, as_of)
    parts = [by_kind[by_kind["kind"] == "all"].drop(columns="kind").assign(area=glue.tr("adoption.home.trend_all"))]
    for kind in ("kyotaku", "service"):
        part = by_kind[by_kind["kind"] == kind].drop(columns="kind")
        parts.append(part.assign(area=glue.tr(f"common.kind.{kind}")))
    monthly = pd.concat(parts, ignore_index=True)
    plot(charts.trend_line(monthly, lang=lang), "home_trend")
    table = monthly[["area", "month", "offices", "registered", "adoption_rate"]].copy()
    table["adoption_rate"] = formats.percent_number(table["adoption_rate"])
    glue.chart_footer(counts=glue.tr("adoption.home.trend_note") + kpis.describe("adoption_rate_monthly", lang),
                      period=glue.tr("adoption.period.range", start=formats.month_label(start, lang),
                                     end=formats.month_label(as_of, lang)),
                      source=kpis.source("adoption_rate_monthly", lang),
                      data=table.rename(columns=lambda c: glue.tr(f"adoption.col.{c}")), key="home_trend")
