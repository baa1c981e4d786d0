"""将来推計: a Bass diffusion model of registrations, its uncertainty band, scenarios and a backtest.

Pure numpy/scipy, no I/O. Input is the monthly count of registered offices (in the master, at each month
end) of one area and kind, and the number of offices in the master (the denominator).

Model. Bass cumulative share F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t}), registered N(t) = m·F(t),
with t in months since the start of the series' first month (the first observation is t = 1), p the
innovation and q the imitation coefficient per month, m the market potential.

Choice of m (documented on the page): by default m is FIXED to master offices × ``saturation_share``
and only p and q are fitted. Why: adoption is still far below the inflection point (≈10 % nationally in
2025), where m is not identifiable from the data — a free fit runs to whichever bound it is given and the
target month would be an artefact of that bound. ``fit_m=True`` fits m too, bounded between the current
count and the master size (used in tests on long synthetic series, where it is identifiable).

Forecast. From the last observed month the model is integrated forward from the OBSERVED count (the
dynamics dN/dt = (p + q·N/m)(m − N) depend only on N, so anchoring on the observation keeps the fitted
curve's shape and removes the fit's level error at "now"). Scenarios change p by a factor over a window
or add offices in given months (step changes); every scenario number is a named assumption in
``FORECAST_ASSUMPTIONS``.

Uncertainty. Residual bootstrap on the monthly increments (deterministic seed): resampled increments are
added to the fitted increments, the cumulative series refitted, and each draw's p, q projected forward.
The band is the central ``band_level`` interval of those paths: it shows parameter uncertainty, not
shocks (policy changes, data revisions) that the history cannot know about.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.domain import ranges

P_BOUNDS = (1e-6, 0.1)
Q_BOUNDS = (1e-6, 2.0)
MODEL_VERSION = "2026-11-24"


@dataclass(frozen=True)
class ForecastAssumption:
    key: str
    value: object
    unit: str
    source: str
    date: str
    note_ja: str


# The forecast's assumption registry: one row per number the forecast or a scenario depends on.
FORECAST_ASSUMPTIONS: tuple[ForecastAssumption, ...] = (
    ForecastAssumption(
        "saturation_share", 0.9, "share of offices in the master",
        "judgement: 介護保険最新情報 Vol.1405 (2025-07-22) folds the linkage into 介護情報基盤 (all municipalities "
        "by 2028-04); 10 % kept for offices that close or exchange no sheets", "2025-07-22",
        "市場規模 m = マスタの事業所数 × この割合。普及初期のデータからは m を推定できないため固定する。"),
    ForecastAssumption(
        "band_level", 0.8, "share of bootstrap paths inside the band",
        "convention for planning ranges", "2026-11-24",
        "不確実性の幅（ブートストラップの中央80%）。パラメータ推定の不確実性のみを表す。"),
    ForecastAssumption(
        "bootstrap_draws", 100, "refits", "computation budget (deterministic seed 20231005)", "2026-11-24",
        "残差ブートストラップの回数。乱数の種は固定（同じデータなら同じ結果）。"),
    ForecastAssumption(
        "horizon_months", 120, "months", "issue: a target month is reported only within 10 years",
        "2026-11-24", "推計期間（10年）。この期間内に目標に届かない場合は「期間内に到達しない」と表示。"),
    ForecastAssumption(
        "min_registered", 10, "registered offices",
        "judgement: with a handful of registrations a single office moves the fit (q runs to a bound)",
        "2026-11-24", "登録事業所がこれ未満の地域・種類は、推計を「参考値」として表示する。"),
    ForecastAssumption(
        "min_history_months", 9, "months of data",
        "the six-month backtest needs 3 months to fit and 6 to compare; 3 months fit p and q exactly (no "
        "residuals, so no band) and a shorter history cannot be checked", "2026-12-04",
        "実績の月数がこれ未満の場合、6か月先までの検証（バックテスト）ができないため、推計を「参考値」として表示する。"),
    ForecastAssumption(
        "mape_warn", 0.2, "mean absolute percentage error",
        "judgement: the six-month backtest starts from the observed count, so an error above one fifth of the "
        "registered count means the curve does not follow the area's recent registrations", "2026-12-04",
        "6か月先までの検証（バックテスト）の誤差 MAPE がこれを超える場合、目標到達月を「参考値」として表示する。"),
    ForecastAssumption(
        "free_pass_p_factor", 3.0, "× innovation p",
        "derived from domain-facts §2: ≈660 new offices/month 2023-10→2025-05 (8,100 → 7.2 % of ≈287,000) vs "
        "≈2,500/month 2025-05→2025-08 (→ 28,191), ×3.8; taken as ×3 on p because part of the rise is imitation",
        "2025-09-11", "フリーパスキャンペーン（ライセンス料1年無料）の期間中、革新係数 p をこの倍率で上げる。"),
    ForecastAssumption(
        "free_pass_start", "2025-06", "month", "フリーパスキャンペーン starts 2025-06-01 (domain-facts §1, §4)",
        "2025-06-01", "フリーパス期間の開始月。"),
    ForecastAssumption(
        "free_pass_months", 12, "months", "the licence is free for one year (domain-facts §1)", "2025-06-01",
        "フリーパス期間の長さ。既に実績データに含まれる月には効果を加えない（実績に反映済み）。"),
    ForecastAssumption(
        "shogu_share", 0.10, "share of 居宅介護支援 offices in the master",
        "judgement: 2026-06 臨時改定 gives 居宅介護支援 the 処遇改善加算 (2.1 %); joining the system meets its "
        "requirement (a pledge suffices in FY2026), domain-facts §4", "2026-06-01",
        "処遇改善加算の要件として、居宅介護支援事業所のこの割合が期間中に均等に追加登録する（居宅介護支援のみ）。"),
    ForecastAssumption(
        "shogu_start", "2026-06", "month", "2026-06 臨時改定 (domain-facts §4)", "2026-06-01",
        "処遇改善加算による追加登録の開始月。"),
    ForecastAssumption(
        "shogu_end", "2027-03", "month", "end of FY2026, when the pledge period ends (domain-facts §4)",
        "2026-06-01", "処遇改善加算による追加登録の終了月（2026年度末）。"),
    ForecastAssumption(
        "subsidy_offices", 0, "offices", "user input: offices whose first-year licence a subsidy pays "
        "(cf. 和歌山県 御坊・日高圏域 model area, domain-facts §2)", "2026-11-24",
        "補助金で登録する事業所数（指定した月に一度に登録）。"),
    ForecastAssumption(
        "target_offices", 0, "offices", "user input: the top N of the recruitment ranking (unlockable sheets)",
        "2026-11-24", "勧誘候補リストの上位N事業所が指定した月に登録する。データ連携の割合と削減効果も再計算。"),
)

ASSUMPTION_VALUES = {a.key: a.value for a in FORECAST_ASSUMPTIONS}
SEED = 20231005


# ---------------------------------------------------------------------------------------------- months

def add_months(month: dt.date, n: int) -> dt.date:
    idx = month.year * 12 + month.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def month_index(month: dt.date, origin: dt.date) -> int:
    return (month.year - origin.year) * 12 + month.month - origin.month


def parse_ym(value) -> dt.date:
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    y, m = str(value)[:7].split("-")
    return dt.date(int(y), int(m), 1)


# ---------------------------------------------------------------------------------------------- model

def bass_share(t, p: float, q: float):
    """Bass cumulative adoption share F(t), t in months (array or scalar)."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_counts(t, p: float, q: float, m: float):
    return m * bass_share(t, p, q)


@dataclass(frozen=True)
class BassFit:
    p: float
    q: float
    m: float
    m_fixed: bool
    fitted: np.ndarray       # fitted cumulative counts at t = 1..n
    rmse: float
    success: bool


def _grid_start(t: np.ndarray, y: np.ndarray, m: float | None, m_lo: float, m_hi: float) -> tuple:
    """The best (p, q[, m]) on a log grid, vectorised: a robust start for the local least-squares fit.

    For a free m the best m of each (p, q) is the linear least-squares one, clipped to its bounds.
    """
    ps = np.geomspace(P_BOUNDS[0] * 10, P_BOUNDS[1] * 0.99, 28)
    qs = np.geomspace(Q_BOUNDS[0] * 100, Q_BOUNDS[1] * 0.99, 30)
    pp, qq = np.meshgrid(ps, qs, indexing="ij")
    e = np.exp(-(pp + qq)[..., None] * t)
    share = (1.0 - e) / (1.0 + (qq / pp)[..., None] * e)
    if m is not None:
        mm = np.full(pp.shape, m)
    else:
        denom = np.maximum((share * share).sum(-1), 1e-12)
        mm = np.clip((share * y).sum(-1) / denom, m_lo, m_hi)
    cost = ((mm[..., None] * share - y) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmin(cost), cost.shape)
    return (ps[i], qs[j]) if m is not None else (ps[i], qs[j], mm[i, j])


def fit_bass(counts, m: float | None = None, *, m_max: float | None = None,
             starts: tuple | None = None) -> BassFit:
    """Least-squares fit of p, q (and m when ``m`` is None) to cumulative counts at t = 1..n.

    Bounds: 0 < p < 0.1, 0 < q < 2, and for a free m: current count ≤ m ≤ ``m_max`` (the master size).
    The local fit starts from the best point of a log grid over p and q (the Bass surface has long flat
    valleys where a single start can stop early), or from the given ``starts``.
    """
    y = np.asarray(counts, dtype=float)
    if y.size < 3:
        raise ValueError("at least 3 months are needed to fit a diffusion curve")
    t = np.arange(1, y.size + 1, dtype=float)
    scale = max(float(np.max(np.abs(y))), 1.0)
    lo_m = max(float(y.max()), 1.0)
    hi_m = float(m_max) if m_max is not None else lo_m * 10
    hi_m = max(hi_m, lo_m * (1 + 1e-9) + 1e-9)

    if m is not None:
        m = float(m)

        def resid(x):
            return (bass_counts(t, x[0], x[1], m) - y) / scale
        lo, hi = [P_BOUNDS[0], Q_BOUNDS[0]], [P_BOUNDS[1], Q_BOUNDS[1]]
    else:
        def resid(x):
            return (bass_counts(t, x[0], x[1], x[2]) - y) / scale
        lo, hi = [P_BOUNDS[0], Q_BOUNDS[0], lo_m], [P_BOUNDS[1], Q_BOUNDS[1], hi_m]
    if starts is None:
        x0s = [_grid_start(t, y, m, lo_m, hi_m)]
    else:
        x0s = [tuple(st) + (() if m is not None else (np.sqrt(lo_m * hi_m),)) if len(st) == 2 else tuple(st)
               for st in starts]

    # imported here: scipy costs ~0.7 s to load, and pages that only list the assumptions never fit
    from scipy.optimize import least_squares

    best = None
    for x0 in x0s:
        x0 = np.clip(np.asarray(x0, dtype=float), np.asarray(lo) * (1 + 1e-6), np.asarray(hi) * (1 - 1e-6))
        res = least_squares(resid, x0, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=400)
        if best is None or res.cost < best.cost:
            best = res
    p, q = float(best.x[0]), float(best.x[1])
    mm = m if m is not None else float(best.x[2])
    fitted = bass_counts(t, p, q, mm)
    return BassFit(p=p, q=q, m=mm, m_fixed=m is not None, fitted=fitted,
                   rmse=float(np.sqrt(np.mean((fitted - y) ** 2))), success=bool(best.success))


def simulate(n0, p, q, m, months: int, p_factor=None, additions=None, substeps: int = 4) -> np.ndarray:
    """Registered counts at the end of each of the next ``months`` months, starting from n0 now.

    Integrates dN/dt = (p·f(t) + q·N/m)(m − N) with RK4 (``substeps`` per month); f is the month's p factor.
    ``additions[i]`` offices join at the end of month i (capped at m). p, q, m and n0 may be arrays of
    draws: the result then has shape (draws, months).
    """
    p, q, m = (np.asarray(v, dtype=float) for v in (p, q, m))
    n = np.broadcast_to(np.asarray(n0, dtype=float), np.broadcast(p, q, m).shape).copy()
    p_factor = np.ones(months) if p_factor is None else np.asarray(p_factor, dtype=float)
    additions = np.zeros(months) if additions is None else np.asarray(additions, dtype=float)
    out = np.empty(n.shape + (months,))
    h = 1.0 / substeps

    def rate(x, pp):
        return (pp + q * x / m) * np.maximum(m - x, 0.0)
    for i in range(months):
        pp = p * p_factor[i]
        for _ in range(substeps):
            k1 = rate(n, pp)
            k2 = rate(n + 0.5 * h * k1, pp)
            k3 = rate(n + 0.5 * h * k2, pp)
            k4 = rate(n + h * k3, pp)
            n = n + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        if additions[i]:
            n = np.minimum(n + additions[i], np.maximum(m, n))
        out[..., i] = n
    return out


# ---------------------------------------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class Scenario:
    """What-if settings. Defaults (all off) are the baseline; values default to FORECAST_ASSUMPTIONS."""
    free_pass: bool = False
    free_pass_factor: float = ASSUMPTION_VALUES["free_pass_p_factor"]
    free_pass_start: dt.date = parse_ym(ASSUMPTION_VALUES["free_pass_start"])
    free_pass_months: int = ASSUMPTION_VALUES["free_pass_months"]
    shogu: bool = False
    shogu_share: float = ASSUMPTION_VALUES["shogu_share"]
    shogu_start: dt.date = parse_ym(ASSUMPTION_VALUES["shogu_start"])
    shogu_end: dt.date = parse_ym(ASSUMPTION_VALUES["shogu_end"])
    subsidy_offices: int = 0
    subsidy_month: dt.date | None = None
    target_offices: int = 0
    target_month: dt.date | None = None

    def __post_init__(self):
        # the scenario's numbers inside their documented ranges (analytics.domain.ranges): OutOfRange if not
        for key, value in (("free_pass_factor", self.free_pass_factor), ("free_pass_months", self.free_pass_months),
                           ("shogu_share", self.shogu_share), ("subsidy_offices", self.subsidy_offices),
                           ("target_offices", self.target_offices)):
            ranges.check(key, value)

    def is_baseline(self) -> bool:
        return not (self.free_pass or self.shogu or self.subsidy_offices or self.target_offices)

    def replace(self, **kw) -> "Scenario":
        return dataclasses.replace(self, **kw)


def scenario_inputs(scenario: Scenario, first_future: dt.date, months: int, kind: str,
                    master: int) -> tuple[np.ndarray, np.ndarray]:
    """(p factor, additions) per future month for one kind. Windows already in the history add nothing."""
    p_factor = np.ones(months)
    additions = np.zeros(months)
    future = [add_months(first_future, i) for i in range(months)]
    if scenario.free_pass and scenario.free_pass_months > 0:
        end = add_months(scenario.free_pass_start, scenario.free_pass_months)
        for i, mo in enumerate(future):
            if scenario.free_pass_start <= mo < end:
                p_factor[i] = scenario.free_pass_factor
    if scenario.shogu and kind == "kyotaku" and scenario.shogu_share > 0:
        window = month_index(scenario.shogu_end, scenario.shogu_start) + 1
        if window > 0:
            per_month = scenario.shogu_share * master / window
            for i, mo in enumerate(future):
                if scenario.shogu_start <= mo <= scenario.shogu_end:
                    additions[i] += per_month
    for count, month in ((scenario.subsidy_offices, scenario.subsidy_month),
                         (scenario.target_offices, scenario.target_month)):
        if count:
            idx = 0 if month is None else month_index(month, first_future)
            if 0 <= idx < months:
                additions[idx] += count
    return p_factor, additions


# ---------------------------------------------------------------------------------------------- forecast

@dataclass
class ForecastResult:
    fit: BassFit
    master: int
    frame: pd.DataFrame          # month, observed, fitted, baseline, low, high, scenario (rates too)
    target_rate: float
    target_month: dt.date | None
    scenario_target_month: dt.date | None
    last_month: dt.date
    draws: int


def _bootstrap(counts: np.ndarray, fit: BassFit, draws: int, seed: int, m_max: float | None):
    """(p, q, m) arrays of residual-bootstrap refits."""
    rng = np.random.default_rng(seed)
    inc_fit = np.diff(np.concatenate([[0.0], fit.fitted]))
    inc_obs = np.diff(np.concatenate([[0.0], counts]))
    resid = inc_obs - inc_fit
    ps, qs, ms = [np.empty(draws) for _ in range(3)]
    start = ((fit.p, fit.q),) if fit.m_fixed else ((fit.p, fit.q, fit.m),)
    for b in range(draws):
        y = np.cumsum(inc_fit + rng.choice(resid, size=resid.size, replace=True))
        f = fit_bass(y, None if not fit.m_fixed else fit.m, m_max=m_max, starts=start)
        ps[b], qs[b], ms[b] = f.p, f.q, f.m
    return ps, qs, ms


def is_reliable(counts) -> bool:
    """Enough registrations for the fit to mean something (``min_registered``)."""
    return float(np.max(np.asarray(counts, dtype=float), initial=0)) >= ASSUMPTION_VALUES["min_registered"]


def is_short_history(n_months: int) -> bool:
    """Fewer months than ``min_history_months``: the six-month backtest cannot check the fit."""
    return int(n_months) < ASSUMPTION_VALUES["min_history_months"]


def is_poor_fit(mape: float | None) -> bool:
    """The six-month backtest error is above ``mape_warn`` (None — nothing to compare — is not poor)."""
    return mape is not None and mape > ASSUMPTION_VALUES["mape_warn"]


def at_bounds(fit: BassFit) -> list[tuple[str, float, str]]:
    """(name, value, "lower" | "upper") for each of p and q that ran to its bound (within 1 %): the data did
    not determine that coefficient, so the curve's shape is the bound's, not the area's."""
    out = []
    for name, value, (lo, hi) in (("p", fit.p, P_BOUNDS), ("q", fit.q, Q_BOUNDS)):
        if value <= lo * 1.01:
            out.append((name, value, "lower"))
        elif value >= hi * 0.99:
            out.append((name, value, "upper"))
    return out


def fit_problems(counts, fit: BassFit, mape: float | None) -> list[str]:
    """Why a fit is not one to stand behind, in the order a reader should hear them: ``few`` registrations
    (``min_registered``), a ``short`` history (``min_history_months``), a coefficient ``at_bound``, a ``poor``
    six-month backtest (``mape_warn``). Empty: the fit is sound (the 将来推計 page opens on such a one)."""
    problems = []
    if not is_reliable(counts):
        problems.append("few")
    if is_short_history(len(counts)):
        problems.append("short")
    if at_bounds(fit):
        problems.append("at_bound")
    if is_poor_fit(mape):
        problems.append("poor")
    return problems


def target_beyond_market(target_rate: float, m: float, master: int) -> bool:
    """The target is at or above the market m: the Bass curve only approaches m, so neither the baseline nor
    a scenario (its additions are capped at m) can reach it — "not within 10 years" would be an artefact of
    the saturation assumption, not of slow adoption."""
    return master > 0 and target_rate * master >= m - 1e-9


def target_reached_already(result: "ForecastResult", scenario: bool = False) -> bool:
    """The target month lies in the observed history (the target was reached before the forecast starts)."""
    month = result.scenario_target_month if scenario else result.target_month
    return month is not None and month <= result.last_month


def first_month_reaching(months, counts, master: int, rate: float) -> dt.date | None:
    if master <= 0:
        return None
    hit = np.flatnonzero(np.asarray(counts, dtype=float) >= rate * master - 1e-9)
    return months[hit[0]] if hit.size else None


def forecast(months, counts, master: int, *, kind: str = "kyotaku", target_rate: float = 0.5,
             scenario: Scenario | None = None, saturation_share: float | None = None, fit_m: bool = False,
             horizon: int | None = None, draws: int | None = None, band_level: float | None = None,
             seed: int = SEED) -> ForecastResult:
    """Fit, band, baseline and scenario paths, and the month each reaches ``target_rate`` of the master.

    months: first days of consecutive months; counts: registered offices at each month end.
    """
    months = [parse_ym(mo) for mo in months]
    y = np.asarray(counts, dtype=float)
    if len(months) != y.size:
        raise ValueError("months and counts differ in length")
    target_rate = ranges.check("target_rate", target_rate)
    saturation = ASSUMPTION_VALUES["saturation_share"] if saturation_share is None else saturation_share
    horizon = int(ASSUMPTION_VALUES["horizon_months"] if horizon is None else horizon)
    draws = int(ASSUMPTION_VALUES["bootstrap_draws"] if draws is None else draws)
    level = float(ASSUMPTION_VALUES["band_level"] if band_level is None else band_level)
    scenario = scenario or Scenario()
    master = int(master)
    m_cap = max(float(master), float(y.max(initial=0)), 1.0)
    if fit_m:
        fit = fit_bass(y, None, m_max=m_cap)
    else:
        fit = fit_bass(y, max(saturation * master, float(y.max(initial=0)), 1.0))
    first_future = add_months(months[-1], 1)
    future = [add_months(first_future, i) for i in range(horizon)]
    base = simulate(y[-1], fit.p, fit.q, fit.m, horizon)
    pf, add = scenario_inputs(scenario, first_future, horizon, kind, master)
    scen = base if scenario.is_baseline() else simulate(y[-1], fit.p, fit.q, fit.m, horizon, pf, add)
    if draws > 0:
        ps, qs, ms = _bootstrap(y, fit, draws, seed, m_cap)
        paths = simulate(y[-1], ps, qs, ms, horizon)
        low, high = np.quantile(paths, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
    else:
        low = high = base
    hist = pd.DataFrame({"month": months, "observed": y, "fitted": fit.fitted})
    fut = pd.DataFrame({"month": future, "baseline": base, "low": low, "high": high, "scenario": scen})
    frame = pd.concat([hist, fut], ignore_index=True)
    # the forecast lines start at the last observation so the chart has no gap
    frame.loc[len(months) - 1, ["baseline", "low", "high", "scenario"]] = y[-1]
    for col in ("observed", "fitted", "baseline", "low", "high", "scenario"):
        frame[f"{col}_rate"] = frame[col] / master if master else np.nan
    all_months = months + future
    target = first_month_reaching(all_months, np.concatenate([y, base]), master, target_rate)
    s_target = first_month_reaching(all_months, np.concatenate([y, scen]), master, target_rate)
    return ForecastResult(fit=fit, master=master, frame=frame, target_rate=target_rate, target_month=target,
                          scenario_target_month=s_target, last_month=months[-1], draws=draws)


# ---------------------------------------------------------------------------------------------- backtest

def backtest(months, counts, master: int, cutoff: dt.date | None = None, *, ahead: int = 6,
             saturation_share: float | None = None, fit_m: bool = False) -> tuple[pd.DataFrame, float | None]:
    """Fit on the months up to ``cutoff`` (default: the last month − ``ahead``), forecast the next ``ahead``
    months from the cutoff's observed count, and compare with what was observed.

    Returns (frame month/actual/predicted/abs_pct_error, MAPE) — MAPE = mean |predicted − actual| / actual
    over the compared months with actual > 0 (None when there is nothing to compare).
    """
    months = [parse_ym(mo) for mo in months]
    y = np.asarray(counts, dtype=float)
    idx = len(months) - 1 - ahead if cutoff is None else months.index(parse_ym(cutoff))
    if idx < 2 or idx >= len(months) - 1:
        return pd.DataFrame(columns=["month", "actual", "predicted", "abs_pct_error"]), None
    saturation = ASSUMPTION_VALUES["saturation_share"] if saturation_share is None else saturation_share
    train = y[: idx + 1]
    if fit_m:
        fit = fit_bass(train, None, m_max=max(float(master), float(train.max()), 1.0))
    else:
        fit = fit_bass(train, max(saturation * master, float(train.max()), 1.0))
    n = min(ahead, len(months) - 1 - idx)
    pred = simulate(train[-1], fit.p, fit.q, fit.m, n)
    actual = y[idx + 1: idx + 1 + n]
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.where(actual > 0, np.abs(pred - actual) / actual, np.nan)
    frame = pd.DataFrame({"month": months[idx + 1: idx + 1 + n], "actual": actual, "predicted": pred,
                          "abs_pct_error": ape})
    valid = ape[~np.isnan(ape)]
    return frame, (float(valid.mean()) if valid.size else None)


# ---------------------------------------------------------------------------------------------- targets join

def targets_effect(sheets: int, digital_sheets: int, unlocked_sheets: int, assumptions=None) -> dict:
    """Digital share and the effect model's monthly savings before/after the target offices join.

    ``unlocked_sheets`` = non-digital sheets of the area that go digital once the targets are registered.
    Savings are ``analytics.domain.effects.vector_effect`` (per-user model; licence and fixed costs excluded).
    """
    from analytics.domain.effects import vector_effect

    after = min(int(digital_sheets) + int(unlocked_sheets), int(sheets))
    eff = vector_effect(np.array([sheets, sheets], dtype=float), np.array([digital_sheets, after], dtype=float),
                        assumptions)

    def share(d):
        return d / sheets if sheets else None
    return {
        "sheets": int(sheets), "digital_before": int(digital_sheets), "digital_after": after,
        "unlocked_sheets": after - int(digital_sheets),
        "share_before": share(digital_sheets), "share_after": share(after),
        "hours_saved_before": float(eff["hours_saved"].iat[0]), "hours_saved_after": float(eff["hours_saved"].iat[1]),
        "yen_saved_before": float(eff["yen_saved"].iat[0]), "yen_saved_after": float(eff["yen_saved"].iat[1]),
        "hours_added_month": float(eff["hours_saved"].iat[1] - eff["hours_saved"].iat[0]),
        "yen_added_month": float(eff["yen_saved"].iat[1] - eff["yen_saved"].iat[0]),
    }
