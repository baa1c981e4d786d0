"""データの定義: every KPI (numerator, denominator, period, source) and the effect model's assumptions,
generated from analytics.domain.kpis.KPIS and analytics.domain.effects.ASSUMPTIONS.

Readers see names, units and sources in their language; internal keys and file paths stay out of it."""
import pandas as pd
import streamlit as st

from analytics import privacy
from analytics.domain import dates, kpis, ranges
from analytics.services import adoption as sa_
from analytics.ui import glue

lang = glue.lang()
st.title(glue.tr("page.definitions.title"))
st.markdown(glue.tr("adoption.def.intro"))

# the rules of DESIGN §3, word for word as analytics.store.definitions writes them
st.header(glue.tr("definitions.rules"))
st.markdown("\n".join(f"- **{r.name_ja if lang == 'ja' else r.name_en}**: {r.rule(lang)}" for r in kpis.RULES.values()))

# the one small-count rule (analytics.privacy), as every output applies it
st.header(glue.tr("definitions.suppression"))
st.markdown(glue.tr("definitions.suppression_rule", n=privacy.threshold()))

# the one rule for naming municipalities highest/lowest (services.adoption.rank_areas), with its setting
st.header(glue.tr("definitions.rank_rule"))
st.markdown(glue.tr("definitions.rank_rule_text", n=sa_.min_offices_for_rank()))

st.header(glue.tr("adoption.def.kpis"))
for k in kpis.KPIS:
    st.subheader(k.text("name", lang))
    lines = [f"- **{glue.tr('adoption.def.numerator')}**: {k.text('numerator', lang)}"]
    if k.text("denominator", lang):
        lines.append(f"- **{glue.tr('adoption.def.denominator')}**: {k.text('denominator', lang)}")
    lines += [f"- **{glue.tr('adoption.def.period')}**: {k.text('period', lang)}",
              f"- **{glue.tr('adoption.def.source')}**: {k.text('source', lang)}",
              f"- **{glue.tr('adoption.def.unit')}**: {kpis.unit_text(k.unit, lang)}"]
    st.markdown("\n".join(lines))

table = kpis.kpis_frame(lang).drop(columns="key")
glue.chart_footer(counts=glue.tr("adoption.def.table_counts"), period=glue.tr("definitions.table_period"),
                  source=glue.tr("definitions.table_source"),
                  data=table.rename(columns=lambda c: glue.tr(f"adoption.def.col.{c}")), key="definitions_kpis")

st.header(glue.tr("adoption.def.assumptions"))
try:
    from analytics.domain.effects import assumptions_frame
except ImportError:  # the effect model is optional for this page
    st.info(glue.tr("adoption.def.no_assumptions"))
else:
    frame = assumptions_frame(lang)
    frame["documented"] = frame["documented"].map(lambda x: f"{x:,g}")   # 95,218 not 95218
    frame["unit"] = frame["unit"].map(lambda u: kpis.unit_text(u, lang))
    frame["preset"] = frame["preset"].map(lambda p: glue.tr(f"effect.assumptions.preset.{p}"))
    frame["source"] = frame["key"].map(lambda k: glue.tr(f"effect.assumption.source.{k}"))
    frame["note_ja"] = frame["key"].map(lambda k: glue.tr(f"effect.assumption.note.{k}"))
    cols = ["label", "documented", "unit", "preset", "source", "date", "note_ja"]
    # a table to read, not to sort: st.table wraps its text within the page's width (a grid ran past it)
    st.table(frame[cols].rename(columns=lambda c: glue.tr(f"definitions.acol.{c}")).set_index(
        glue.tr("definitions.acol.label")))
    for _, a in frame.iterrows():
        st.markdown(glue.tr("definitions.assumption_line", label=a["label"], value=a["documented"], unit=a["unit"],
                            source=a["source"], date=a["date"]))

# the one range table (analytics.domain.ranges) and the one date rule (dates.allowed_range)
st.header(glue.tr("definitions.ranges"))
st.caption(glue.tr("definitions.ranges_note"))
st.table(pd.DataFrame(ranges.rows(lang)).drop(columns="key").rename(
    columns=lambda c: glue.tr(f"definitions.rcol.{c}")).set_index(glue.tr("definitions.rcol.label")))
_lo, _hi = dates.allowed_range()
st.markdown(glue.tr("definitions.dates_rule", lo=_lo.isoformat(), hi=_hi.isoformat()))

st.header(glue.tr("definitions.forecast_assumptions"))
# imported here, not at the top: the forecast module loads scipy (~0.8 s cold), the KPI text shows first
from analytics.domain.forecast import FORECAST_ASSUMPTIONS, MODEL_VERSION  # noqa: E402


def _value(v) -> str:
    return f"{v:,g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


st.caption(glue.tr("definitions.forecast_version", version=MODEL_VERSION))
forecast_frame = pd.DataFrame(
    [{"label": glue.tr(f"forecast.assumption.label.{a.key}"), "value": _value(a.value),
      "unit": glue.tr(f"forecast.assumption.unit.{a.key}"),
      "source": glue.tr(f"forecast.assumption.source.{a.key}"), "date": a.date,
      "note_ja": glue.tr(f"forecast.assumption.note.{a.key}")} for a in FORECAST_ASSUMPTIONS])
st.table(forecast_frame.rename(columns=lambda c: glue.tr(f"definitions.fcol.{c}")).set_index(
    glue.tr("definitions.fcol.label")))
