"""The pure forecast model: Bass curve, parameter recovery, projection, scenarios, band and backtest."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from analytics.domain import forecast as fc

D = dt.date
MONTHS36 = [fc.add_months(D(2023, 4, 1), i) for i in range(36)]


def noisy_series(p, q, m, n, sd, seed=1):
    """Bass counts with N(0, sd) noise on the monthly increments (kept ≥ 0), rounded to offices."""
    rng = np.random.default_rng(seed)
    inc = np.diff(np.concatenate([[0], fc.bass_counts(np.arange(1, n + 1), p, q, m)]))
    return np.round(np.cumsum(np.maximum(inc + rng.normal(0, sd, n), 0)))


def test_bass_share_shape():
    p, q = 0.01, 0.3
    assert fc.bass_share(0, p, q) == 0
    assert fc.bass_share(1000, p, q) == pytest.approx(1)
    # at the inflection t* = ln(q/p)/(p+q) the share is (1 − p/q)/2
    t_star = math.log(q / p) / (p + q)
    assert fc.bass_share(t_star, p, q) == pytest.approx((1 - p / q) / 2)
    # month 1: the closed form by hand
    e = math.exp(-(p + q))
    assert fc.bass_share(1, p, q) == pytest.approx((1 - e) / (1 + q / p * e))


@pytest.mark.parametrize("p,q", [(0.004, 0.12), (0.01, 0.05), (0.002, 0.3), (0.03, 0.6)])
def test_recovers_p_q_without_noise(p, q):
    y = fc.bass_counts(np.arange(1, 37), p, q, 1000)
    fit = fc.fit_bass(y, 1000)
    assert fit.p == pytest.approx(p, rel=1e-4)
    assert fit.q == pytest.approx(q, rel=1e-4)
    assert fit.rmse < 1e-3


@pytest.mark.parametrize("p,q,seed", [(0.004, 0.12, 1), (0.01, 0.05, 2), (0.003, 0.2, 3)])
def test_recovers_p_q_with_noise(p, q, seed):
    m = 5000
    y = noisy_series(p, q, m, 36, sd=5, seed=seed)
    fit = fc.fit_bass(y, m)
    assert fit.p == pytest.approx(p, rel=0.15)
    assert fit.q == pytest.approx(q, rel=0.10)


def test_recovers_m_when_the_series_passes_the_inflection():
    p, q, m = 0.01, 0.25, 800
    y = fc.bass_counts(np.arange(1, 61), p, q, m)
    fit = fc.fit_bass(y, None, m_max=1000)
    assert (fit.p, fit.q, fit.m) == pytest.approx((p, q, m), rel=1e-3)
    assert not fit.m_fixed
    noisy = noisy_series(p, q, m, 60, sd=2)
    fit = fc.fit_bass(noisy, None, m_max=1000)
    assert fit.m == pytest.approx(m, rel=0.03)
    assert fit.q == pytest.approx(q, rel=0.1)


def test_fit_needs_three_months():
    with pytest.raises(ValueError):
        fc.fit_bass([1, 2], 10)


def test_simulate_from_the_curve_continues_the_closed_form():
    p, q, m = 0.005, 0.15, 1000
    t0 = 20
    got = fc.simulate(fc.bass_counts(t0, p, q, m), p, q, m, 24)
    want = fc.bass_counts(np.arange(t0 + 1, t0 + 25), p, q, m)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_additions_and_p_factor_in_simulate():
    base = fc.simulate(100, 0.005, 0.1, 1000, 6)
    added = fc.simulate(100, 0.005, 0.1, 1000, 6, additions=[0, 0, 50, 0, 0, 0])
    np.testing.assert_allclose(added[:2], base[:2])
    assert added[2] - base[2] == pytest.approx(50)      # they join at the end of the third month
    assert np.all(np.diff(added - base)[2:] > 0)        # more registered → more imitation afterwards
    boosted = fc.simulate(100, 0.005, 0.1, 1000, 6, p_factor=[3] * 6)
    assert np.all(boosted > base)
    # additions never push the count above m
    assert fc.simulate(990, 0.005, 0.1, 1000, 2, additions=[500, 0]).max() <= 1000 + 1e-9


# ---------------------------------------------------------------------------------------------- scenarios

def _forecast(scenario=None, kind="kyotaku", rate=0.5, months=MONTHS36):
    y = noisy_series(0.004, 0.1, 900, len(months), sd=2)
    return fc.forecast(months, y, 1000, kind=kind, target_rate=rate, scenario=scenario, draws=20)


def test_baseline_scenario_equals_baseline():
    res = _forecast()
    fut = res.frame.dropna(subset=["baseline"])
    np.testing.assert_allclose(fut["scenario"], fut["baseline"])
    assert res.target_month == res.scenario_target_month
    assert res.frame["month"].iloc[-1] == fc.add_months(MONTHS36[-1], 120)


@pytest.mark.parametrize("scenario,kind", [
    (fc.Scenario(free_pass=True, free_pass_start=D(2026, 4, 1)), "kyotaku"),
    (fc.Scenario(shogu=True, shogu_share=0.2), "kyotaku"),
    (fc.Scenario(subsidy_offices=100, subsidy_month=D(2026, 6, 1)), "service"),
    (fc.Scenario(target_offices=60, target_month=D(2026, 5, 1)), "service"),
])
def test_scenarios_bring_the_target_month_earlier(scenario, kind):
    # the series runs 2023-04 … 2026-03; every scenario window lies in the future
    res = _forecast(scenario, kind=kind, rate=0.8)
    assert res.target_month is not None and res.scenario_target_month is not None
    assert res.scenario_target_month < res.target_month
    fut = res.frame.dropna(subset=["baseline"])
    assert np.all(fut["scenario"].to_numpy() >= fut["baseline"].to_numpy() - 1e-9)


def test_shogu_applies_to_kyotaku_only_and_in_its_window():
    sc = fc.Scenario(shogu=True, shogu_share=0.1)
    p_factor, add = fc.scenario_inputs(sc, D(2026, 4, 1), 24, "kyotaku", 1000)
    months = [fc.add_months(D(2026, 4, 1), i) for i in range(24)]
    on = [m for m, a in zip(months, add) if a > 0]
    assert on[0] == D(2026, 6, 1) and on[-1] == D(2027, 3, 1) and len(on) == 10
    assert add.sum() == pytest.approx(100)                 # 10 % of 1,000 offices over ten months
    assert np.all(p_factor == 1)
    assert fc.scenario_inputs(sc, D(2026, 4, 1), 24, "service", 1000)[1].sum() == 0


def test_free_pass_window_in_the_history_adds_nothing():
    # data up to 2026-03; the default window 2025-06 … 2026-05 only reaches April and May 2026
    p_factor, _ = fc.scenario_inputs(fc.Scenario(free_pass=True), D(2026, 4, 1), 12, "kyotaku", 1000)
    assert p_factor.tolist() == [3.0, 3.0] + [1.0] * 10
    p_factor, _ = fc.scenario_inputs(fc.Scenario(free_pass=True), D(2026, 7, 1), 12, "kyotaku", 1000)
    assert np.all(p_factor == 1)


def test_band_is_deterministic_and_brackets_the_forecast():
    a, b = _forecast(), _forecast()
    np.testing.assert_array_equal(a.frame["low"].to_numpy(), b.frame["low"].to_numpy())
    fut = a.frame.dropna(subset=["baseline"]).iloc[1:]
    assert np.all(fut["low"] <= fut["high"])
    assert (fut["high"] - fut["low"]).iloc[11] > 0
    inside = (fut["low"] <= fut["baseline"] + 1e-6) & (fut["baseline"] <= fut["high"] + 1e-6)
    assert inside.mean() > 0.9


def test_target_month_not_within_horizon_is_none():
    res = _forecast(rate=0.95)                      # above the 90 % saturation share
    assert res.target_month is None


def test_target_already_reached_in_the_history():
    res = _forecast(rate=0.01)
    assert res.target_month is not None and res.target_month <= MONTHS36[-1]


# ---------------------------------------------------------------------------------------------- backtest

def test_backtest_on_an_exact_curve_has_no_error():
    y = fc.bass_counts(np.arange(1, 37), 0.004, 0.12, 900)
    frame, mape = fc.backtest(MONTHS36, y, 1000)
    assert len(frame) == 6 and frame["month"].iloc[0] == MONTHS36[30]
    assert mape == pytest.approx(0, abs=1e-4)


def test_backtest_mape_is_the_mean_of_the_monthly_errors():
    y = noisy_series(0.004, 0.12, 900, 36, sd=4)
    frame, mape = fc.backtest(MONTHS36, y, 1000, cutoff=MONTHS36[25])
    assert frame["month"].tolist() == MONTHS36[26:32]
    want = np.mean(np.abs(frame["predicted"] - frame["actual"]) / frame["actual"])
    assert mape == pytest.approx(want)
    assert 0 < mape < 0.1


def test_backtest_too_short_returns_none():
    frame, mape = fc.backtest(MONTHS36[:5], [1, 2, 3, 4, 5], 100)
    assert mape is None and frame.empty


def test_targets_effect_uses_the_effect_model():
    from analytics.domain.effects import DEFAULT
    got = fc.targets_effect(sheets=1000, digital_sheets=100, unlocked_sheets=50)
    assert got["share_before"] == pytest.approx(0.10)
    assert got["share_after"] == pytest.approx(0.15)
    per_sheet_h = DEFAULT.paper_hours_per_user - DEFAULT.digital_hours_per_user     # 0.62 − 0.20
    assert got["hours_added_month"] == pytest.approx(50 * per_sheet_h)
    assert got["hours_added_month"] == pytest.approx(21.0)
    per_sheet_yen = per_sheet_h * DEFAULT.hourly_staff_cost + DEFAULT.paper_only_yen_month / DEFAULT.example_users
    assert got["yen_added_month"] == pytest.approx(50 * per_sheet_yen)
    # unlocked sheets beyond all sheets are capped
    assert fc.targets_effect(10, 8, 5)["digital_after"] == 10


def test_every_assumption_is_documented():
    keys = [a.key for a in fc.FORECAST_ASSUMPTIONS]
    assert len(keys) == len(set(keys))
    for a in fc.FORECAST_ASSUMPTIONS:
        assert a.unit and a.source and a.date and a.note_ja, a.key
    s = fc.Scenario()
    assert s.free_pass_factor == 3.0 and s.free_pass_start == D(2025, 6, 1) and s.shogu_end == D(2027, 3, 1)
