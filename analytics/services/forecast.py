"""Forecast (将来推計): the Bass fit per kind for an area, the month a target adoption rate is reached
(baseline and with a scenario), the six-month backtest error, and the same for every prefecture at once
(the page's table, ``careplan report forecast``). Queries in ``analytics.store.queries_forecast``; the
model in ``analytics.domain.forecast``."""
from __future__ import annotations

import pandas as pd

from analytics import i18n
from analytics.domain import codes, formats
from analytics.domain import forecast as fc
from analytics.store import queries_forecast as qf

COLUMNS = ["prefecture_code", "prefecture", "kind", "offices", "registered", "month", "p", "q", "m",
           "fitted_registered", "target_rate", "target_month", "scenario", "scenario_target_month", "backtest_mape",
           "reliable"]


def forecast_rows(engine, prefecture: str, target_rate: float, draws: int = 0,
                  scenario: fc.Scenario | None = None) -> pd.DataFrame:
    """One row per kind; target_month 'YYYY-MM' or None when not reached within the horizon (10 years);
    reliable False when the kind has fewer than ``min_registered`` registered offices (the fit is fragile) or
    the history is shorter than ``min_history_months`` (the fit cannot be backtested).

    ``frame.attrs["notes"]``: (Japanese, English) sentences where a row's numbers need words — a target at or
    above the market m (never reached, by assumption), a target already reached in the history, a six-month
    backtest error above ``mape_warn``, a short history; ``run`` prints them on stderr."""
    series, master = qf.area_series(engine, prefecture)
    rows, notes = [], []
    for kind in ("kyotaku", "service"):
        s = series[series["kind"] == kind]
        row = {"prefecture_code": prefecture, "prefecture": codes.prefecture_name(prefecture), "kind": kind,
               "offices": master.get(kind, 0), "registered": None, "month": None, "p": None, "q": None,
               "m": None, "fitted_registered": None, "target_rate": target_rate, "target_month": None,
               "scenario": describe(scenario), "scenario_target_month": None, "backtest_mape": None,
               "reliable": False}
        if len(s) >= 3 and master.get(kind, 0) > 0:
            res = fc.forecast(s["month"].tolist(), s["registered"].to_numpy(), master[kind], kind=kind,
                              target_rate=target_rate, draws=draws, scenario=scenario)
            _, mape = fc.backtest(s["month"].tolist(), s["registered"].to_numpy(), master[kind])
            row.update(registered=int(s["registered"].iat[-1]), month=formats.iso_month(res.last_month),
                       p=round(res.fit.p, 6), q=round(res.fit.q, 6), m=round(res.fit.m, 1),
                       fitted_registered=round(float(res.fit.fitted[-1]), 1),
                       target_month=formats.iso_month(res.target_month) if res.target_month else None,
                       scenario_target_month=(formats.iso_month(res.scenario_target_month)
                                              if res.scenario_target_month else None),
                       backtest_mape=None if mape is None else round(mape, 4),
                       reliable=_reliable(s["registered"]))
            notes.extend(_notes(kind, res, target_rate, len(s), mape))
        else:  # nothing fitted for this kind: say why instead of leaving an empty row unexplained
            notes.append(i18n.both("forecast.note.no_data", kind=kind, offices=master.get(kind, 0), months=len(s)))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["notes"] = notes
    return frame


def _reliable(counts) -> bool:
    """Enough registered offices for a steady fit and enough months to backtest it (one count a month)."""
    return fc.is_reliable(counts) and not fc.is_short_history(len(counts))


def _notes(kind: str, res: fc.ForecastResult, target_rate: float, n_months: int,
           mape: float | None = None) -> list[tuple[str, str]]:
    rate, sat = formats.percent(target_rate, 0), formats.percent(res.fit.m / res.master, 0) if res.master else "–"
    out = []
    if fc.target_reached_already(res):
        month = formats.iso_month(res.target_month)
        out.append(i18n.both("forecast.note.reached", kind=kind, rate=rate, month=month))
    elif fc.target_beyond_market(target_rate, res.fit.m, res.master):
        out.append(i18n.both("forecast.note.beyond_market", kind=kind, rate=rate, sat=sat))
    if fc.is_poor_fit(mape):
        limit, off = formats.percent(fc.ASSUMPTION_VALUES["mape_warn"], 0), formats.percent(mape)
        out.append(i18n.both("forecast.note.poor_fit", kind=kind, off=off, limit=limit))
    if fc.is_short_history(n_months):
        need = fc.ASSUMPTION_VALUES["min_history_months"]
        out.append(i18n.both("forecast.note.short_history", kind=kind, months=n_months, need=need))
    return out


KIND_ORDER = ("kyotaku", "service")  # 居宅介護支援 first: the plans start there


def fit_check(engine, prefecture: str | None, kind: str) -> dict:
    """The baseline fit of one area and kind without the band (what the page fits first), with its
    six-month backtest and ``fit_problems``: {"kind", "months", "registered", "offices", "fit", "mape",
    "problems"}; ``fit`` None (problems ["no_data"]) when fewer than 3 months or no offices."""
    series, master = qf.area_series(engine, prefecture)
    s = series[series["kind"] == kind]
    offices = int(master.get(kind, 0))
    out = {"kind": kind, "months": len(s), "offices": offices, "fit": None, "mape": None,
           "registered": int(s["registered"].iat[-1]) if len(s) else 0, "problems": ["no_data"]}
    if len(s) < 3 or offices == 0:
        return out
    counts = s["registered"].to_numpy()
    fit = fc.fit_bass(counts, max(fc.ASSUMPTION_VALUES["saturation_share"] * offices, float(counts.max()), 1.0))
    _, mape = fc.backtest(s["month"].tolist(), counts, offices)
    out.update(fit=fit, mape=mape, problems=fc.fit_problems(counts, fit, mape))
    return out


def default_view(engine, prefecture: str | None = None) -> dict:
    """The kind the 将来推計 page opens on for an area (the reader's own prefecture, else the nation): the
    first of ``KIND_ORDER`` whose fit the app stands behind (no ``fit_problems``). When neither kind has
    one, the kind with data and the fewest problems (ties in ``KIND_ORDER``) and ``fits`` False, with its
    problems: the page then says in one sentence why the data cannot support a fit yet and what would.
    {"kind", "fits", "problems", "checks"}."""
    checks = {kind: fit_check(engine, prefecture, kind) for kind in KIND_ORDER}
    for kind in KIND_ORDER:
        if not checks[kind]["problems"]:
            return {"kind": kind, "fits": True, "problems": [], "checks": checks}
    with_data = [k for k in KIND_ORDER if checks[k]["fit"] is not None] or list(KIND_ORDER)
    kind = min(with_data, key=lambda k: (len(checks[k]["problems"]), KIND_ORDER.index(k)))
    return {"kind": kind, "fits": False, "problems": checks[kind]["problems"], "checks": checks}


def why_no_fit(view: dict, area: str, lang: str = "ja") -> str:
    """One sentence (catalogue ``forecast.default.why.*``) on why the default view's data cannot support a fit
    yet and what would, from its first problem (``fit_problems`` order)."""
    from analytics.i18n import t
    check = view["checks"][view["kind"]]
    problem = view["problems"][0] if view["problems"] else "no_data"
    v = fc.ASSUMPTION_VALUES
    return t(f"forecast.default.why.{problem}", lang, area=area, kind=t(f"common.kind.{view['kind']}", lang),
             registered=check["registered"], n=v["min_registered"], months=check["months"],
             need=v["min_history_months"], mape=formats.percent(check["mape"]) if check["mape"] is not None else "–",
             limit=formats.percent(v["mape_warn"], 0))


def describe(scenario: fc.Scenario | None) -> str:
    """The scenario in words for the output ('baseline' when none)."""
    if scenario is None or scenario.is_baseline():
        return "baseline"
    parts = []
    if scenario.free_pass:
        parts.append(f"free_pass x{scenario.free_pass_factor:g} from {formats.iso_month(scenario.free_pass_start)} "
                     f"for {scenario.free_pass_months} months")
    if scenario.shogu:
        parts.append(f"shogu {formats.percent(scenario.shogu_share, 0)} "
                     f"{formats.iso_month(scenario.shogu_start)}–{formats.iso_month(scenario.shogu_end)}")
    if scenario.subsidy_offices:
        parts.append(f"subsidy {scenario.subsidy_offices} offices in {formats.iso_month(scenario.subsidy_month)}")
    return "; ".join(parts)


def all_prefectures(engine, kind: str, target_rate: float) -> pd.DataFrame:
    """Every prefecture of the master: rate now and the month the baseline forecast reaches target_rate.

    Two queries (series and master sizes for all prefectures), then one fit per prefecture without the
    bootstrap band. Columns prefecture_code, prefecture, offices, registered, adoption_rate, target_month,
    reliable.
    """
    series = qf.monthly_registered(engine, by_prefecture=True)
    sizes = qf.master_by_prefecture(engine)
    sizes = sizes[sizes["kind"] == kind].set_index("prefecture_code")["offices"]
    import numpy as np
    saturation = fc.ASSUMPTION_VALUES["saturation_share"]
    horizon = int(fc.ASSUMPTION_VALUES["horizon_months"])
    areas = []
    for pref, s in series[series["kind"] == kind].groupby("prefecture_code", sort=True):
        offices = int(sizes.get(pref, 0))
        if offices == 0 or len(s) < 3:
            continue
        months = [fc.parse_ym(mo) for mo in s["month"]]
        y = s["registered"].to_numpy(dtype=float)
        # the baseline of fc.forecast (no scenario, no band): the same fit, and below the same integration
        fit = fc.fit_bass(y, max(saturation * offices, float(y.max(initial=0)), 1.0))
        areas.append((pref, offices, months, y, fit, s["registered"]))
    if not areas:
        return pd.DataFrame(columns=["prefecture_code", "prefecture", "offices", "registered", "adoption_rate",
                                     "target_month", "reliable"])
    # all prefectures in one vectorised integration (element-wise the same arithmetic as one at a time)
    paths = fc.simulate(np.array([a[3][-1] for a in areas]), np.array([a[4].p for a in areas]),
                        np.array([a[4].q for a in areas]), np.array([a[4].m for a in areas]), horizon)
    rows = []
    for (pref, offices, months, y, _fit, registered), path in zip(areas, paths):
        future = [fc.add_months(months[-1], 1 + i) for i in range(horizon)]
        target = fc.first_month_reaching(months + future, np.concatenate([y, path]), offices, target_rate)
        rows.append({"prefecture_code": pref, "prefecture": codes.prefecture_name(pref), "offices": offices,
                     "registered": int(registered.iat[-1]),
                     "adoption_rate": float(registered.iat[-1]) / offices,
                     "target_month": formats.iso_month(target) if target else None,
                     "reliable": _reliable(registered)})
    return pd.DataFrame(rows, columns=["prefecture_code", "prefecture", "offices", "registered", "adoption_rate",
                                       "target_month", "reliable"])


def prefectures_table(engine, scope, kind: str, target_rate: float) -> pd.DataFrame:
    """``all_prefectures`` with the small counts suppressed for the scope (the 将来推計 page's table)."""
    from analytics.services import for_scope
    return for_scope(all_prefectures(engine, kind, target_rate), scope)


# the page's other inputs, read as they are (the series are counts per month of the area the user chose)
series_months = qf.series_months
area_series = qf.area_series
recruitment_targets = qf.recruitment_targets
channel_totals = qf.channel_totals
unlocked_by_targets = qf.unlocked_by_targets
