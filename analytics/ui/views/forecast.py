"""将来推計: Bass diffusion forecast per prefecture and kind, scenarios, and a backtest with its error."""
import datetime as dt

import pandas as pd
import streamlit as st

from analytics.domain import codes, formats, kpis, ranges
from analytics.domain import forecast as fc
from analytics.domain.codes import fiscal_year
from analytics.domain.formats import fiscal_year_label
from analytics.reports import forecast_charts
from analytics.services import forecast as sf
from analytics.ui import a11y, glue

lang = glue.lang()
R = ranges.BY_KEY  # the scenario inputs' bounds: the table Scenario and the CLI check
st.title(glue.tr("page.forecast.title"))
st.caption(glue.tr("forecast.intro"))


def ym(d: dt.date | None) -> str:
    """A month as the rest of the app writes it (2025年8月 / 2025-08)."""
    return formats.month_label(d, lang) if d else glue.tr("forecast.not_reached")


def fit_caveats(fit, master: int) -> list[tuple[str, str]]:
    """(level, text) notes where a number on the page is an assumption or a bound, not learnt from the data:
    m is the saturation assumption whenever it is fixed (a caption); p or q at a bound is a warning."""
    notes = []
    if fit.m_fixed:
        sat = formats.percent(fit.m / master, 0) if master else "–"
        notes.append(("caption", glue.tr("forecast.caveat.m_fixed", sat=sat, m=f"{fit.m:,.0f}")))
    for name, value, side in fc.at_bounds(fit):   # the one bound rule (fit_problems uses it too)
        shown = f"{value:.4f}" if name == "p" else f"{value:.3f}"
        notes.append(("warning", glue.tr("forecast.caveat.at_bound", name=name, value=shown,
                                         side=glue.tr(f"forecast.caveat.{side}"))))
    return notes


bounds = glue.cached(sf.series_months)
if bounds is None:
    st.info(glue.tr("common.no_data"))
    st.stop()

# ------------------------------------------------------------------------------------------- area and kind
me = glue.scope()
pref_options = [""] + [f"{i:02d}" for i in range(1, 48)]
default_pref = me.area if getattr(me, "role", "") == "prefecture" and me.area in pref_options else ""
c1, c2, c3 = st.columns([2, 2, 2])
prefecture = c1.selectbox(glue.tr("common.prefecture"), pref_options, index=pref_options.index(default_pref),
                          format_func=lambda c: glue.tr("common.nation") if not c
                          else f"{c} {codes.prefecture_name(c, lang)}", key="forecast_pref", placeholder=glue.tr("common.choose"))
# the page opens on a fit the app stands behind (services.forecast.default_view), or says why there is none
view = glue.cached(sf.default_view, default_pref or None)
kind = c2.selectbox(glue.tr("forecast.kind"), list(sf.KIND_ORDER), index=sf.KIND_ORDER.index(view["kind"]),
                    format_func=lambda k: glue.tr(f"common.kind.{k}"), key="forecast_kind", placeholder=glue.tr("common.choose"))
target_pct = c3.slider(glue.tr("forecast.target_rate"), **R["target_rate"].widget(100), value=50, step=1,
                       format=formats.printf_percent(0), key="forecast_target")
target_rate = target_pct / 100

series, master = glue.cached(sf.area_series, prefecture or None)
s = series[series["kind"] == kind].reset_index(drop=True)
offices = int(master.get(kind, 0))
area_name = codes.prefecture_name(prefecture, lang) if prefecture else glue.tr("common.nation")
if offices == 0 or len(s) < 3:
    st.info(glue.tr("forecast.too_little"))
    st.stop()
months, counts = s["month"].tolist(), s["registered"].to_numpy()
if me.suppresses_small_counts() and counts[-1] < me.suppress_below:  # the rule of analytics.privacy
    # public view: the curve of a handful of registered offices would point at them
    st.info(glue.tr("forecast.suppressed_area", area=area_name, n=me.suppress_below))
    st.stop()
last = months[-1]
first_future = fc.add_months(last, 1)
if prefecture == default_pref and kind == view["kind"]:   # the default view: why this one, or why none fits
    if view["fits"]:
        st.caption(glue.tr("forecast.default.chosen", kind=glue.tr(f"common.kind.{kind}"),
                           limit=formats.percent(fc.ASSUMPTION_VALUES["mape_warn"], 0),
                           n=fc.ASSUMPTION_VALUES["min_registered"]))
    else:
        st.info(sf.why_no_fit(view, area_name, lang))


def target_label(d: dt.date | None) -> str:
    """A target month; one in the observed history says it was already reached (not a forecast)."""
    return glue.tr("forecast.reached", month=ym(d)) if d is not None and d <= last else ym(d)

# ------------------------------------------------------------------------------------------- scenarios
month_opts = [fc.add_months(dt.date(2025, 1, 1), i) for i in range(0, 72)]
if first_future not in month_opts:
    month_opts = sorted(set(month_opts) | {first_future})
future_opts = [m for m in month_opts if m >= first_future] or [first_future]
with st.expander(glue.tr("forecast.scenarios"), expanded=True):
    st.caption(glue.tr("forecast.scenarios_help"))
    a, b = st.columns(2)
    with a:
        free_pass = st.checkbox(glue.tr("forecast.sc.free_pass"), key="forecast_free_pass")
        fp_factor = st.number_input(glue.tr("forecast.sc.free_pass_factor"), **R["free_pass_factor"].widget(),
                                    value=float(fc.ASSUMPTION_VALUES["free_pass_p_factor"]), step=0.5,
                                    key="forecast_fp_factor")
        fp_start = st.selectbox(glue.tr("forecast.sc.free_pass_start"), month_opts,
                                index=month_opts.index(fc.parse_ym(fc.ASSUMPTION_VALUES["free_pass_start"])),
                                format_func=ym, key="forecast_fp_start", placeholder=glue.tr("common.choose"))
        fp_months = st.number_input(glue.tr("forecast.sc.free_pass_months"), **R["free_pass_months"].widget(),
                                    value=int(fc.ASSUMPTION_VALUES["free_pass_months"]), key="forecast_fp_months")
        shogu = st.checkbox(glue.tr("forecast.sc.shogu"), key="forecast_shogu",
                            help=glue.tr("forecast.sc.shogu_help"))
        shogu_pct = st.number_input(glue.tr("forecast.sc.shogu_share"),
                                    **{k: float(v) for k, v in R["shogu_share"].widget(100).items()},
                                    value=float(fc.ASSUMPTION_VALUES["shogu_share"]) * 100, step=1.0,
                                    key="forecast_shogu_pct")
    with b:
        subsidy_n = st.number_input(glue.tr("forecast.sc.subsidy_n"), **R["subsidy_offices"].widget(), value=0, step=10,
                                    key="forecast_subsidy_n",
                                    help=glue.tr("forecast.sc.subsidy_help"))
        subsidy_month = st.selectbox(glue.tr("forecast.sc.subsidy_month"), future_opts, format_func=ym,
                                     key="forecast_subsidy_month", placeholder=glue.tr("common.choose"))
        target_n = st.number_input(glue.tr("forecast.sc.targets_n"), **R["target_offices"].widget(), value=0, step=5,
                                   key="forecast_targets_n",
                                   help=glue.tr("forecast.sc.targets_help"))
        target_month = st.selectbox(glue.tr("forecast.sc.targets_month"), future_opts, format_func=ym,
                                    key="forecast_targets_month", placeholder=glue.tr("common.choose"))

targets = glue.cached(sf.recruitment_targets, prefecture or None, kind, int(target_n)) if target_n else None
joined = 0 if targets is None else len(targets)
scenario = fc.Scenario(free_pass=free_pass, free_pass_factor=fp_factor, free_pass_start=fp_start,
                       free_pass_months=int(fp_months), shogu=shogu, shogu_share=shogu_pct / 100,
                       subsidy_offices=int(subsidy_n), subsidy_month=subsidy_month,
                       target_offices=joined, target_month=target_month)
if free_pass and fc.add_months(fp_start, int(fp_months)) <= first_future:
    st.warning(glue.tr("forecast.sc.in_history", month=ym(last)))
if shogu and kind != "kyotaku":
    st.info(glue.tr("forecast.sc.shogu_kyotaku_only"))

res = fc.forecast(months, counts, offices, kind=kind, target_rate=target_rate, scenario=scenario)

# ------------------------------------------------------------------------------------------- headline
if not fc.is_reliable(counts):
    st.warning(glue.tr("forecast.few_registrations", n=fc.ASSUMPTION_VALUES["min_registered"]))
# the same six-month backtest as `careplan report forecast` (backtest_mape): a poor one is said up here,
# beside the target month, not only in the backtest section below
headline_bt, headline_mape = fc.backtest(months, counts, offices)
if fc.is_poor_fit(headline_mape):
    st.warning(glue.tr("forecast.poor_fit", mape=formats.percent(headline_mape),
                       limit=formats.percent(fc.ASSUMPTION_VALUES['mape_warn'], 0)))
short_history = fc.is_short_history(len(months))
if short_history:
    st.warning(glue.tr("forecast.short_history", n=len(months), need=fc.ASSUMPTION_VALUES["min_history_months"]))
beyond_market = not fc.target_reached_already(res) and fc.target_beyond_market(target_rate, res.fit.m, offices)
if beyond_market:
    # "not within 10 years" would read as slow adoption; it is the ceiling m the model assumes
    st.warning(glue.tr("forecast.target_beyond_market", rate=formats.percent(target_rate, 0),
                       sat=formats.percent(res.fit.m / offices, 0)))
now_rate = counts[-1] / offices
m1, m2, m3, m4 = st.columns(4)
m1.metric(glue.tr("forecast.metric.now", month=ym(last)), formats.percent(now_rate),
          help=glue.tr("forecast.metric.now_help", registered=int(counts[-1]), offices=offices))


def metric_label(d: dt.date | None) -> str:
    """A target month for a metric tile, short (a long phrase is cut off in the tile; metric_help says more)."""
    if d is None:
        return glue.tr("forecast.metric.never" if beyond_market else "forecast.metric.over_horizon")
    return glue.tr("forecast.metric.reached") if d <= last else ym(d)


def metric_help(d: dt.date | None) -> str:
    """What a target tile counts (the KPI registry), then why it reads as it does."""
    what = kpis.describe("forecast_target_month", lang)
    if d is None:
        return f"{what}\n\n{glue.tr('forecast.not_reached')}"
    return f"{what}\n\n{target_label(d)}" if d <= last else what


m2.metric(glue.tr("forecast.metric.target_baseline"), metric_label(res.target_month),
          help=metric_help(res.target_month))
delta = None
if res.target_month and res.scenario_target_month:
    diff = fc.month_index(res.scenario_target_month, res.target_month)
    delta = glue.tr("forecast.metric.months_delta", n=diff) if diff else None
m3.metric(glue.tr("forecast.metric.target_scenario"), metric_label(res.scenario_target_month), delta=delta,
          help=metric_help(res.scenario_target_month),
          delta_color="inverse")
in12 = res.frame[res.frame["month"] == fc.add_months(last, 12)].iloc[0]
m4.metric(glue.tr("forecast.metric.in12", month=ym(fc.add_months(last, 12))), formats.percent(in12['scenario_rate']),
          delta=glue.tr("forecast.unit.points",
                        value=formats.points(in12["scenario_rate"] - in12["baseline_rate"], lang, unit=False))
          if not scenario.is_baseline() else None,
          help=glue.tr("forecast.metric.in12_help"))
if res.target_month or res.scenario_target_month:
    # budgets are planned by 年度 (April–March): say which one each target month falls in
    def fy(d):
        return fiscal_year_label(fiscal_year(d), lang) if d else glue.tr("forecast.not_reached")
    st.caption(glue.tr("forecast.fiscal_years", baseline=fy(res.target_month), scenario=fy(res.scenario_target_month)))

fig = forecast_charts.forecast_figure(res.frame, target_rate=target_rate, lang=lang,
                                      show_scenario=not scenario.is_baseline(), target_month=res.target_month,
                                      scenario_target_month=res.scenario_target_month)
a11y.chart(fig, key="forecast_chart")
table = res.frame[["month", "observed", "fitted", "baseline", "low", "high", "scenario"]].round(1)
glue.chart_footer(counts=glue.tr("forecast.def.chart", area=area_name, kind=glue.tr(f"common.kind.{kind}"),
                                 offices=formats.count(offices, lang=lang)),
                  period=f"{ym(months[0])} – {ym(last)} {glue.tr('forecast.def.actual')}, "
                         f"{ym(first_future)} – {ym(res.frame['month'].iloc[-1])} {glue.tr('forecast.def.projected')}",
                  source=glue.tr("forecast.def.source"), data=table, key="forecast_main")

st.markdown(glue.tr("forecast.fit_text", p=f"{res.fit.p:.4f}", q=f"{res.fit.q:.3f}", m=f"{res.fit.m:,.0f}",
                    sat=formats.percent(res.fit.m / offices, 0), rmse=f"{res.fit.rmse:,.1f}",
                    level=formats.percent(fc.ASSUMPTION_VALUES['band_level'], 0), draws=res.draws))
for level, note in fit_caveats(res.fit, offices):
    (st.warning if level == "warning" else st.caption)(note)

# ------------------------------------------------------------------------------------------- targets join
if targets is not None:
    st.subheader(glue.tr("forecast.targets.title"))
    if joined == 0:
        st.info(glue.tr("forecast.targets.none"))
    else:
        totals = glue.cached(sf.channel_totals, prefecture or None)
        unlocked = glue.cached(sf.unlocked_by_targets, prefecture or None, tuple(targets["office_code"]))
        eff = fc.targets_effect(totals["sheets"], totals["digital_sheets"], unlocked)
        t1, t2, t3 = st.columns(3)
        t1.metric(glue.tr("forecast.targets.share", month=ym(totals["month"])),
                  formats.percent(eff['share_after'] or 0),
                  delta=glue.tr("forecast.unit.points", value=formats.points(
                      (eff["share_after"] or 0) - (eff["share_before"] or 0), lang, unit=False)),
                  help=glue.tr("forecast.targets.share_help"))
        t2.metric(glue.tr("forecast.targets.hours"),
                  formats.hours(eff["hours_added_month"], lang), help=kpis.describe("forecast_extra_hours", lang))
        t3.metric(glue.tr("forecast.targets.yen"),
                  formats.yen(eff["yen_added_month"] * 12, lang), help=kpis.describe("forecast_extra_yen", lang))
        st.caption(glue.tr("forecast.targets.note", n=joined, sheets=eff["unlocked_sheets"],
                           total=eff["sheets"]))

# ------------------------------------------------------------------------------------------- backtest
st.subheader(glue.tr("forecast.backtest.title"))
cut_opts = months[2:-1]
if not cut_opts:
    st.info(glue.tr("forecast.backtest.too_short", n=len(months)))
else:
    default_cut = months[max(2, len(months) - 7)] if len(months) - 7 >= 2 else cut_opts[0]
    cutoff = st.select_slider(glue.tr("forecast.backtest.cutoff"), options=cut_opts, value=default_cut,
                              format_func=ym, key="forecast_cutoff")
    # the default cutoff (six months before the last) is the headline's backtest: not fitted twice
    headline_cut = len(months) - 7 >= 2 and cutoff == months[len(months) - 7]
    bt, mape = (headline_bt, headline_mape) if headline_cut else fc.backtest(months, counts, offices, cutoff)
    st.metric(glue.tr("forecast.backtest.mape"), "–" if mape is None else formats.percent(mape),
              help=kpis.describe("backtest_mape", lang))
    st.markdown(glue.tr("forecast.backtest.explain", cutoff=ym(cutoff), n=len(bt),
                        mape="–" if mape is None else formats.percent(mape)))
    hist = pd.DataFrame({"month": months, "registered": counts})
    a11y.chart(forecast_charts.backtest_figure(bt, hist, master=offices, lang=lang), key="forecast_bt_chart")
    glue.chart_footer(counts=glue.tr("forecast.def.backtest"), period=f"{ym(months[0])} – {ym(last)}",
                      source=glue.tr("forecast.def.source"), data=bt.round(4), key="forecast_backtest")

# ------------------------------------------------------------------------------------------- all prefectures
st.subheader(glue.tr("forecast.all.title"))
allp = glue.cached(sf.prefectures_table, me, kind, target_rate).copy()
hidden = allp["suppressed"].astype(bool) if "suppressed" in allp.columns else None
if allp.empty:
    st.info(glue.tr("forecast.too_little"))
else:
    allp["prefecture"] = allp["prefecture_code"].map(lambda c: codes.prefecture_name(c, lang))
    # "YYYY-MM" from the command's table, shown like every month on the page
    allp["target_month"] = allp["target_month"].map(lambda v: target_label(fc.parse_ym(v)) if isinstance(v, str)
                                                    else ym(None))
    if hidden is not None:  # viewers: no target month either where the counts are suppressed
        allp["target_month"] = allp["target_month"].where(~hidden, glue.tr("forecast.all.suppressed"))
    # every prefecture shares the months: a short history makes each row indicative, whatever its count
    allp["reliable"] = allp["reliable"].map(lambda r: glue.tr(
        "forecast.all.reliable" if r else "forecast.all.short_history" if short_history
        else "forecast.all.unreliable"))
    shown = allp[["prefecture", "offices", "registered", "adoption_rate", "target_month", "reliable"]].rename(
        columns={"prefecture": glue.tr("forecast.all.col.prefecture"),
                 "offices": glue.tr("forecast.all.col.offices"),
                 "registered": glue.tr("forecast.all.col.registered"),
                 "adoption_rate": glue.tr("forecast.all.col.rate"),
                 "target_month": glue.tr("forecast.all.col.target_month"),
                 "reliable": glue.tr("forecast.all.col.reliable")})
    # one decimal like every other page: 23.1%, 10.0%, 12.5% (format="percent" gave 23.08% / 10%)
    shown[glue.tr("forecast.all.col.rate")] = shown[glue.tr("forecast.all.col.rate")] * 100
    st.dataframe(shown, hide_index=True, key="forecast_all_table", column_config={
        glue.tr("forecast.all.col.rate"): st.column_config.NumberColumn(format=formats.printf_percent(1))})
    glue.chart_footer(counts=glue.tr("forecast.def.all", kind=glue.tr(f"common.kind.{kind}"),
                                     rate=formats.percent(target_rate, 0)),
                      period=f"{ym(months[0])} – {ym(last)}", source=glue.tr("forecast.def.source"),
                      data=allp, key="forecast_all")

# ------------------------------------------------------------------------------------------- assumptions
with st.expander(glue.tr("forecast.assumptions")):
    st.dataframe(pd.DataFrame([{glue.tr("forecast.col.key"): glue.tr(f"forecast.assumption.label.{a.key}"),
                                glue.tr("forecast.col.value"): f"{a.value:,g}" if isinstance(a.value, (int, float))
                                else str(a.value),
                                glue.tr("forecast.col.unit"): glue.tr(f"forecast.assumption.unit.{a.key}"),
                                glue.tr("forecast.col.note"): glue.tr(f"forecast.assumption.note.{a.key}"),
                                glue.tr("forecast.col.source"): glue.tr(f"forecast.assumption.source.{a.key}"),
                                glue.tr("forecast.col.date"): a.date}
                               for a in fc.FORECAST_ASSUMPTIONS]), hide_index=True)
    st.caption(glue.tr("forecast.model_version", version=fc.MODEL_VERSION))
