"""データの定義: every KPI (numerator, denominator, period, source) and the effect model's assumptions,
generated from analytics.domain.kpis.KPIS and analytics.domain.effects.ASSUMPTIONS."""
import pandas as pd
import streamlit as st

from analytics.domain import kpis
from analytics.ui import glue

lang = glue.lang()
st.title(glue.tr("page.definitions.title"))
st.markdown(glue.tr("adoption.def.intro"))

st.header(glue.tr("adoption.def.kpis"))
for k in kpis.KPIS:
    st.subheader(k.text("name", lang))
    lines = [f"- **{glue.tr('adoption.def.numerator')}**: {k.text('numerator', lang)}"]
    if k.text("denominator", lang):
        lines.append(f"- **{glue.tr('adoption.def.denominator')}**: {k.text('denominator', lang)}")
    lines += [f"- **{glue.tr('adoption.def.period')}**: {k.text('period', lang)}",
              f"- **{glue.tr('adoption.def.source')}**: {k.text('source', lang)}",
              f"- **{glue.tr('adoption.def.unit')}**: {k.unit}　`{k.key}`"]
    st.markdown("\n".join(lines))

table = kpis.kpis_frame(lang)
glue.chart_footer(counts=glue.tr("adoption.def.table_counts"), period="–", source="analytics/domain/kpis.py",
                  data=table.rename(columns=lambda c: glue.tr(f"adoption.def.col.{c}")), key="definitions_kpis")

st.header(glue.tr("adoption.def.assumptions"))
try:
    from analytics.domain.effects import assumptions_frame
except ImportError:  # the effect model is optional for this page
    st.info(glue.tr("adoption.def.no_assumptions"))
else:
    frame = assumptions_frame(lang)
    cols = [c for c in ("key", "label", "documented", "unit", "preset", "source", "date", "note_ja") if c in frame]
    st.dataframe(frame[cols].rename(columns=lambda c: glue.tr(f"adoption.def.col.{c}")), hide_index=True,
                 key="definitions_assumptions")
    for _, a in frame.iterrows():
        st.markdown(f"- **{a['label']}** (`{a['key']}`): {a['documented']:g} {a['unit']} — {a['source']}（{a['date']}）")

st.header(glue.tr("definitions.forecast_assumptions"))
# imported here, not at the top: the forecast module loads scipy (~0.8 s cold), the KPI text shows first
from analytics.domain.forecast import FORECAST_ASSUMPTIONS, MODEL_VERSION

st.caption(glue.tr("definitions.forecast_version", version=MODEL_VERSION))
forecast_frame = pd.DataFrame(
    [{"key": a.key, "value": str(a.value), "unit": a.unit, "source": a.source, "date": a.date,
      "note_ja": a.note_ja} for a in FORECAST_ASSUMPTIONS])
st.dataframe(forecast_frame.rename(columns=lambda c: glue.tr(f"definitions.fcol.{c}")), hide_index=True,
             key="definitions_forecast_assumptions")
