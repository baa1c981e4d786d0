"""効果（地域別）: realised vs potential hours and yen by prefecture and municipality, on the map and ranked."""
import streamlit as st

from analytics.domain import codes, formats, kpis
from analytics.domain.effects import DEFAULT
from analytics.reports import channel_charts as charts
from analytics.services import channels as sc
from analytics.ui import a11y, glue

lang = glue.lang()
scope = glue.scope()

st.title(glue.tr("page.savings.title"))
st.caption(glue.tr("savings.intro"))

months = glue.cached(sc.months)
if not months:
    st.info(glue.tr("common.no_data"))
    st.stop()

c1, c2 = st.columns(2)
choice = c1.selectbox(glue.tr("savings.period"), [None] + months[::-1], key="savings_month",
                      format_func=lambda m: glue.tr("savings.all_months") if m is None
                      else formats.month_label(m, lang), placeholder=glue.tr("common.choose"))
measure = c2.radio(glue.tr("savings.measure"), ["realised_yen", "potential_yen"], horizontal=True,
                   key="savings_measure", format_func=lambda v: kpis.label(v, lang))
if choice is None:
    period = glue.tr("channels.period_all", start=formats.month_label(months[0], lang),
                     end=formats.month_label(months[-1], lang))
else:
    period = formats.month_label(choice, lang)

# rows suppressed for viewers (areas with few sheets are not drawn); the totals are national aggregates
frame, totals = glue.cached(sc.savings_with_totals, scope, "prefecture", month_from=choice, month_to=choice,
                            lang=lang, known_areas=True)
st.caption(glue.tr("savings.model_note", wage=DEFAULT.hourly_staff_cost))

m1, m2, m3, m4 = st.columns(4)
# the query's values are unrounded: summed first (by the service), rounded once here (0.1 h, the yen)
for col, key in ((m1, "realised_hours"), (m2, "realised_yen"), (m3, "potential_hours"), (m4, "potential_yen")):
    if key.endswith("_hours"):
        # tenths only where they matter: a national 103,131 時間 fits its tile, 103,130.6 時間 is cut off
        value = glue.tr("savings.tile.hours", value=kpis.hours_text(totals[key]))
        exact = glue.tr("savings.tile.hours_exact", value=f"{totals[key]:,.1f}")
    else:
        # 万円 in Japanese, millions in English ("4,802M yen"): a national 4,802,131,234 円 does not fit a
        # tile; under a million English has no shorter unit, so the yen are shown whole (not "0.0M yen")
        scale = 10_000 if lang == "ja" else 1_000_000
        amount = totals[key] / scale
        if lang != "ja" and abs(totals[key]) < 1_000_000:
            value = glue.tr("savings.tile.yen", value=f"{round(totals[key]):,}")
        else:
            value = glue.tr("savings.tile.big_yen",
                            value=f"{amount:,.0f}" if abs(amount) >= 1_000 else f"{amount:,.1f}")
        exact = glue.tr("savings.tile.yen_exact", value=f"{round(totals[key]):,}")
    col.metric(kpis.label(key, lang), value, help=f"{kpis.describe(key, lang)}\n\n{exact}")
st.caption(glue.tr("savings.tiles_exact", realised=f"{round(totals['realised_yen']):,}",
                   potential=f"{round(totals['potential_yen']):,}",
                   realised_h=f"{totals['realised_hours']:,.1f}", potential_h=f"{totals['potential_hours']:,.1f}"))

shown = sc.rounded  # the table under a chart (and its CSV): each row rounded once


model_source = kpis.source(measure, lang)
st.subheader(glue.tr("savings.chart.map"))
a11y.chart(charts.savings_map(frame, measure, lang), key="savings_map_chart")
glue.chart_footer(counts=kpis.describe(measure, lang), period=period, source=model_source, data=shown(frame),
                  key="savings_map")

unit = st.radio(glue.tr("savings.unit"), ["hours", "yen"], horizontal=True, key="savings_unit",
                format_func=lambda u: glue.tr(f"savings.unit.{u}"))
rank_counts = kpis.joined([kpis.describe(f"realised_{unit}", lang), kpis.describe(f"potential_{unit}", lang)], lang)
st.subheader(glue.tr(f"savings.chart.rank.{unit}"))
a11y.chart(charts.savings_ranking(frame, "prefecture", lang, unit=unit), key="savings_rank_chart")
glue.chart_footer(counts=rank_counts, period=period, source=model_source, data=shown(frame), key="savings_rank")

pref_name = codes.prefecture_names(lang)
with_data = [c for c in frame.sort_values("prefecture_code")["prefecture_code"] if c in pref_name]
if with_data:
    st.subheader(glue.tr(f"savings.chart.muni.{unit}"))
    pref = st.selectbox(glue.tr("savings.prefecture"), with_data, key="savings_pref",
                        index=with_data.index("30") if "30" in with_data else 0,
                        format_func=lambda c: f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
    muni = glue.cached(sc.savings, scope, "municipality", prefecture=pref, month_from=choice, month_to=choice,
                       lang=lang)
    muni = muni.assign(municipality=muni["municipality"].fillna(glue.tr("savings.unknown_muni")))
    a11y.chart(charts.savings_ranking(muni, "municipality", lang, unit=unit), key="savings_muni_chart")
    glue.chart_footer(counts=rank_counts, period=period, source=model_source, data=shown(muni), key="savings_muni")
