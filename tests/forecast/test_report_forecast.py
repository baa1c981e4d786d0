"""``careplan report forecast`` and the backtest metric on the demo data."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import cli_in_both_languages

from analytics import cli
from analytics.domain import forecast as fc
from analytics.store import engine as store_engine
from analytics.store import queries_forecast as qf
from tests.forecast import synthetic


def _json(capsys, argv):
    assert cli.main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_recovers_the_synthetic_parameters(synthetic_url, capsys):
    rows = _json(capsys, ["--db", synthetic_url, "report", "forecast", "--prefecture", "和歌山県",
                          "--target-rate", "0.5", "--format", "json"])
    assert [r["kind"] for r in rows] == ["kyotaku", "service"]
    by = {r["kind"]: r for r in rows}
    for kind, (p, q) in synthetic.TRUE.items():
        assert by[kind]["prefecture_code"] == "30" and by[kind]["prefecture"] == "和歌山県"
        assert by[kind]["p"] == pytest.approx(p, rel=0.05)
        assert by[kind]["q"] == pytest.approx(q, rel=0.05)
        assert by[kind]["month"] == "2025-08"
        assert by[kind]["backtest_mape"] < 0.02
    assert by["kyotaku"]["offices"] == 400 and by["kyotaku"]["m"] == pytest.approx(360)
    # the true curve: 0.9 × 400 × F(t) reaches 200 offices (50 %) in the month F(t) ≥ 5/9
    t = np.arange(1, 200)
    first = int(np.argmax(fc.bass_counts(t, *synthetic.TRUE["kyotaku"], 360) >= 200))
    true_month = fc.add_months(synthetic.START, first).strftime("%Y-%m")
    got = by["kyotaku"]["target_month"]
    assert abs(fc.month_index(fc.parse_ym(got), fc.parse_ym(true_month))) <= 1
    assert by["kyotaku"]["registered"] == round(fc.bass_counts(29, *synthetic.TRUE["kyotaku"], 360))


def test_cli_target_not_reached_is_null(synthetic_url, capsys):
    rows = _json(capsys, ["--db", synthetic_url, "report", "forecast", "--prefecture", "30",
                          "--target-rate", "0.95", "--format", "json"])
    assert all(r["target_month"] is None for r in rows)


@pytest.mark.parametrize("argv,fragment", [
    (["--prefecture", "99"], "都道府県"),
    (["--prefecture", "Atlantis"], "unknown prefecture"),
    (["--prefecture", "30", "--target-rate", "1.5"], "--target-rate"),
])
def test_cli_user_errors(synthetic_url, capsys, argv, fragment):
    code, _, err = cli_in_both_languages(capsys, ["--db", synthetic_url, "report", "forecast", *argv])
    assert code == 2
    assert fragment in err and "Traceback" not in err


def test_cli_on_empty_database_says_what_to_do(duck_url, capsys):
    assert cli.main(["--db", duck_url, "report", "forecast", "--prefecture", "30"]) == 2
    assert "careplan demo" in capsys.readouterr().err


def test_backtest_metric_on_the_demo_data(demo_url):
    engine = store_engine.get_engine(demo_url)
    series, master = qf.area_series(engine, None)
    for kind in ("kyotaku", "service"):
        s = series[series["kind"] == kind]
        frame, mape = fc.backtest(s["month"].tolist(), s["registered"].to_numpy(), master[kind])
        assert len(frame) == 6
        assert frame["actual"].tolist() == s["registered"].tail(6).tolist()
        want = float(np.mean(np.abs(frame["predicted"] - frame["actual"]) / frame["actual"]))
        assert mape == pytest.approx(want)
        # a six-month forecast of the demo's national series is off by less than a quarter on average
        assert 0 < mape < 0.25, (kind, mape)


def test_cli_on_the_demo_data(demo_url, capsys):
    rows = _json(capsys, ["--db", demo_url, "report", "forecast", "--prefecture", "13", "--format", "json"])
    assert len(rows) == 2
    for r in rows:
        assert 0 < r["p"] < 0.1 and 0 < r["q"] < 2
        assert r["registered"] <= r["offices"]
        assert r["backtest_mape"] is not None and r["backtest_mape"] >= 0


def test_all_prefectures_matches_the_single_prefecture_forecast(synthetic_url, capsys):
    from analytics.services import forecast as services_forecast
    engine = store_engine.get_engine(synthetic_url)
    table = services_forecast.all_prefectures(engine, "kyotaku", 0.5)
    assert table["prefecture_code"].tolist() == ["13", "30"]
    assert table["offices"].tolist() == [200, 400]
    assert table["reliable"].tolist() == [True, True]
    single = {r["kind"]: r for r in _json(capsys, ["--db", synthetic_url, "report", "forecast", "--prefecture",
                                                   "30", "--format", "json"])}
    row = table.set_index("prefecture_code").loc["30"]
    assert row["target_month"] == single["kyotaku"]["target_month"]
    assert row["adoption_rate"] == pytest.approx(single["kyotaku"]["registered"] / 400)


def test_few_registrations_are_flagged(demo_url, capsys):
    rows = _json(capsys, ["--db", demo_url, "report", "forecast", "--prefecture", "30", "--format", "json"])
    for r in rows:
        assert r["reliable"] == (r["registered"] >= fc.ASSUMPTION_VALUES["min_registered"])


def test_cli_scenarios_move_the_target_month(synthetic_url, capsys):
    base = {r["kind"]: r for r in _json(capsys, ["--db", synthetic_url, "report", "forecast", "--prefecture", "30",
                                                 "--format", "json"])}
    assert base["kyotaku"]["scenario"] == "baseline"
    assert base["kyotaku"]["scenario_target_month"] == base["kyotaku"]["target_month"]
    rows = {r["kind"]: r for r in _json(capsys, [
        "--db", synthetic_url, "report", "forecast", "--prefecture", "30", "--subsidy", "150",
        "--subsidy-month", "2025-10", "--format", "json"])}
    k = rows["kyotaku"]
    assert k["scenario"] == "subsidy 150 offices in 2025-10"
    assert k["target_month"] == base["kyotaku"]["target_month"]  # the baseline column does not move
    # 150 of 400 offices joining in 2025-10 on top of the curve: 50 % is reached earlier, and exactly when
    # the domain model says (the page computes it the same way)
    engine = store_engine.get_engine(synthetic_url)
    series, master = qf.area_series(engine, "30")
    s = series[series["kind"] == "kyotaku"]
    want = fc.forecast(s["month"].tolist(), s["registered"].to_numpy(), master["kyotaku"], kind="kyotaku",
                       target_rate=0.5, draws=0, scenario=fc.Scenario(subsidy_offices=150,
                                                                       subsidy_month=fc.parse_ym("2025-10")))
    assert k["scenario_target_month"] == want.scenario_target_month.strftime("%Y-%m")
    assert fc.parse_ym(k["scenario_target_month"]) < fc.parse_ym(k["target_month"])


@pytest.mark.parametrize("argv,fragment", [
    (["--subsidy", "10"], "--subsidy-month"),
    (["--subsidy", "-1"], "--subsidy"),
    (["--subsidy", "10", "--subsidy-month", "いつか"], "cannot read month"),
])
def test_cli_scenario_user_errors(synthetic_url, capsys, argv, fragment):
    code, _, err = cli_in_both_languages(capsys, ["--db", synthetic_url, "report", "forecast", "--prefecture", "30",
                                                  *argv])
    assert code == 2
    assert fragment in err and "Traceback" not in err


@pytest.mark.parametrize("kind,rate", [("kyotaku", 0.3), ("service", 0.2)])
def test_all_prefectures_vectorised_equals_one_forecast_each(demo_url, kind, rate):
    """The table integrates every prefecture at once; each target month is the one fc.forecast gives for
    that prefecture alone (the demo's 47 prefectures, some reaching the rate and some not)."""
    from analytics.services import forecast as services_forecast
    engine = store_engine.get_engine(demo_url)
    table = services_forecast.all_prefectures(engine, kind, rate).set_index("prefecture_code")
    series = qf.monthly_registered(engine, by_prefecture=True)
    sizes = qf.master_by_prefecture(engine)
    sizes = sizes[sizes["kind"] == kind].set_index("prefecture_code")["offices"]
    checked = 0
    for pref, s in series[series["kind"] == kind].groupby("prefecture_code"):
        if int(sizes.get(pref, 0)) == 0 or len(s) < 3:
            continue
        one = fc.forecast(s["month"].tolist(), s["registered"].to_numpy(), int(sizes[pref]), kind=kind,
                          target_rate=rate, draws=0)
        want = one.target_month.strftime("%Y-%m") if one.target_month else None
        got = table.loc[pref, "target_month"]
        assert (None if pd.isna(got) else got) == want, pref
        checked += 1
    assert checked == len(table) >= 40
    assert 0 < table["target_month"].notna().sum()
