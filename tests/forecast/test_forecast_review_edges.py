"""将来推計 review (council use): the edges where the forecast's words must not mislead — a target at or above
the assumed market m ("never", not "not within 10 years"), a target already reached in the history, a
history too short to backtest, and a subsidy month that would silently add nothing."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from conftest import cli_in_both_languages

from analytics import cli
from analytics.domain import forecast as fc
from analytics.store import engine as store_engine
from analytics.store import schema
from tests.forecast.test_forecast_page_caveats import _open as open_page  # the same AppTest set-up

MONTHS29 = [fc.add_months(dt.date(2023, 4, 1), i) for i in range(29)]


# ---------------------------------------------------------------------------------------------- domain

def test_a_target_at_or_above_the_market_is_never_reached_and_is_flagged():
    y = np.round(fc.bass_counts(np.arange(1, 30), 0.004, 0.09, 900))
    big = fc.Scenario(subsidy_offices=500, subsidy_month=dt.date(2025, 10, 1))
    res = fc.forecast(MONTHS29, y, 1000, target_rate=0.9, draws=0, scenario=big)
    assert res.fit.m == pytest.approx(900)
    # 90 % of 1,000 = m: the curve only approaches it, and the scenario's 500 offices are capped at m
    assert res.target_month is None and res.scenario_target_month is None
    assert fc.target_beyond_market(0.9, res.fit.m, 1000)
    assert fc.target_beyond_market(1.0, res.fit.m, 1000)
    assert not fc.target_beyond_market(0.89, res.fit.m, 1000)
    below = fc.forecast(MONTHS29, y, 1000, target_rate=0.89, draws=0, scenario=big)
    assert below.scenario_target_month is not None           # just below m: the scenario does reach it


def test_a_target_below_the_current_rate_is_reached_already():
    y = np.round(fc.bass_counts(np.arange(1, 30), 0.004, 0.09, 900))
    res = fc.forecast(MONTHS29, y, 1000, target_rate=0.05, draws=0)
    first = MONTHS29[int(np.argmax(y >= 50))]
    assert res.target_month == first and fc.target_reached_already(res)
    assert not fc.target_reached_already(fc.forecast(MONTHS29, y, 1000, target_rate=0.5, draws=0))


def test_short_history_is_exactly_where_the_six_month_backtest_fails():
    y = np.round(fc.bass_counts(np.arange(1, 30), 0.004, 0.09, 900))
    assert fc.ASSUMPTION_VALUES["min_history_months"] == 9
    assert fc.is_short_history(8) and not fc.is_short_history(9)
    assert fc.backtest(MONTHS29[:8], y[:8], 1000)[1] is None
    assert fc.backtest(MONTHS29[:9], y[:9], 1000)[1] is not None


# ---------------------------------------------------------------------------------------------- a short history

def _short_db(tmp_path, months: int, kind: str = "kyotaku") -> str:
    """200 offices of one kind (居宅 by default) in 和歌山, 60 registered evenly over ``months`` months from
    2025-01; the other kind has no office."""
    url = f"duckdb:///{tmp_path / f'short{months}{kind}.duckdb'}"
    eng = store_engine.get_engine(url)
    codes = [f"30{i:07d}K" for i in range(200)]
    offices = pd.DataFrame({"office_code": codes, "name": "居宅", "prefecture_code": "30",
                            "municipality_code": "302015", "municipality": "和歌山市", "kind": kind})
    regs = pd.DataFrame({"office_code": codes[:60],
                         "registered_on": [dt.date(2025, 1 + i * months // 60, 5) for i in range(60)],
                         "ended_on": None, "prefecture_code": "30"})
    with eng.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, offices)
        store_engine.bulk_insert(conn, schema.registrations, regs)
        store_engine.set_meta(conn, "as_of", fc.add_months(dt.date(2025, 1, 1), months).isoformat())
    return url


def test_cli_marks_a_short_history_unreliable_and_says_why(tmp_path, capsys):
    url = _short_db(tmp_path, 4)                         # as of 2025-05-01: 2025-01 … 2025-04
    try:
        assert cli.main(["--db", url, "report", "forecast", "--prefecture", "30", "--format", "json"]) == 0
        out = capsys.readouterr()
        row = json.loads(out.out)[0]
        assert row["kind"] == "kyotaku" and row["registered"] == 60 and row["month"] == "2025-04"
        assert row["backtest_mape"] is None
        assert row["reliable"] is False                  # 60 offices, but 4 months cannot be checked
        assert "注意: kyotaku: 実績が 4 か月分しかなく" in out.err and "only" not in out.err  # --lang: ja only
        assert cli.main(["--lang", "en", "--db", url, "report", "forecast", "--prefecture", "30",
                         "--format", "json"]) == 0
        err = capsys.readouterr().err
        assert "note: kyotaku: only 4 months of data" in err and "か月" not in err
        # the kind with no office gets its own note, not the other kind's (its result used to be reused)
        assert "service: only" not in err
        assert "note: service: not enough data to forecast (0 offices in the master" in err
    finally:
        store_engine.dispose(url)


def test_cli_with_no_居宅_office_forecasts_the_service_offices_without_a_traceback(tmp_path, capsys):
    """The first kind empty: the note for it used a result not computed yet (UnboundLocalError)."""
    url = _short_db(tmp_path, 12, kind="service")
    try:
        assert cli.main(["--db", url, "report", "forecast", "--prefecture", "30", "--format", "json"]) == 0
        out = capsys.readouterr()
        rows = {r["kind"]: r for r in json.loads(out.out)}
        assert rows["kyotaku"]["target_month"] is None and rows["kyotaku"]["registered"] is None
        assert rows["service"]["registered"] == 60 and rows["service"]["month"] == "2025-12"
        assert "注意: kyotaku: 推計に必要なデータがありません（事業所マスタ 0 事業所" in out.err
    finally:
        store_engine.dispose(url)


def _open(url, lang="ja", pref="30", target=None):
    at = open_page(url, lang)
    at.selectbox(key="forecast_pref").set_value(pref).run()
    if target is not None:
        at.slider(key="forecast_target").set_value(target).run()
    assert not at.exception, at.exception
    return at


def test_page_warns_on_a_short_history(tmp_path):
    url = _short_db(tmp_path, 3)                         # 3 months: p, q fit exactly, no backtest, no band
    try:
        at = _open(url)
        warnings = " ".join(w.value for w in at.warning)
        assert "実績が 3 か月分しかありません（9 か月未満）" in warnings
        infos = " ".join(i.value for i in at.info)
        assert "検証（バックテスト）には4か月以上の実績が必要です（現在 3 か月）" in infos
        assert "推計には3か月以上" not in infos           # 3 months are there: the old message was wrong
        table = next(d.value for d in at.dataframe if "推計の確からしさ" in d.value.columns)
        assert table["推計の確からしさ"].tolist() == ["参考値（実績の期間が短い）"]
    finally:
        store_engine.dispose(url)


# ---------------------------------------------------------------------------------------------- page, target edges

def test_page_says_a_target_above_the_market_is_never_reached(synthetic_url):
    at = _open(synthetic_url, target=100)
    metrics = {m.label: m.value for m in at.metric}
    # "never" (by the m assumption), not "10年以内に到達しない", which reads as slow adoption
    assert metrics["目標到達月（現状のまま）"] == "到達しない" == metrics["目標到達月（シナリオ）"]
    warnings = " ".join(w.value for w in at.warning)
    assert "目標 100% は、モデルが仮定する市場規模 m（マスタの90%）以上" in warnings
    at.slider(key="forecast_target").set_value(85).run()       # below m = 90 %: a month, no such warning
    assert not any("市場規模 m（マスタの" in w.value for w in at.warning)
    assert {m.label: m.value for m in at.metric}["目標到達月（現状のまま）"] not in ("到達しない", "10年超")


def test_page_says_a_target_below_the_current_rate_was_reached(synthetic_url):
    at = _open(synthetic_url, target=10)
    metrics = {m.label: m.value for m in at.metric}
    now = float(metrics["現在の登録率（2025年8月末）"].rstrip("%"))
    assert now > 10
    assert metrics["目標到達月（現状のまま）"] == "達成済み" == metrics["目標到達月（シナリオ）"]
    # the observed month: the synthetic 居宅 series first reaches 10 % of 400 offices
    y = np.round(fc.bass_counts(np.arange(1, 30), 0.004, 0.09, 360))
    first = fc.add_months(dt.date(2023, 4, 1), int(np.argmax(y >= 40)))
    table = next(d.value for d in at.dataframe if "目標到達月（現状のまま）" in d.value.columns)
    wakayama = table.loc[table["都道府県"] == "和歌山県", "目標到達月（現状のまま）"].iloc[0]
    assert wakayama == f"達成済み（{first.year}年{first.month}月）"
    assert all(v.startswith("達成済み（") for v in table["目標到達月（現状のまま）"])


# ---------------------------------------------------------------------------------------------- CLI

@pytest.mark.parametrize("month", ["2025-08", "2020-01", "2035-09"])
def test_cli_refuses_a_subsidy_month_that_adds_nothing(synthetic_url, capsys, month):
    argv = ["--db", synthetic_url, "report", "forecast", "--prefecture", "30", "--subsidy", "50",
            "--subsidy-month", month]
    code, _, err = cli_in_both_languages(capsys, argv)
    assert code == 2
    assert "--subsidy-month は実績データの最終月（2025-08）より後" in err and "2035-08" in err
    assert "must be after the last month of data (2025-08)" in err and "Traceback" not in err


def test_cli_subsidy_in_the_first_future_month_moves_the_target(synthetic_url, capsys):
    argv = ["--db", synthetic_url, "report", "forecast", "--prefecture", "30", "--format", "json"]
    assert cli.main(argv + ["--subsidy", "50", "--subsidy-month", "2025-09"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["scenario"] == "subsidy 50 offices in 2025-09"
    assert fc.parse_ym(row["scenario_target_month"]) < fc.parse_ym(row["target_month"])


def test_cli_explains_null_and_past_target_months(synthetic_url, capsys):
    argv = ["--db", synthetic_url, "report", "forecast", "--prefecture", "30", "--format", "json"]
    assert cli.main(argv + ["--target-rate", "0.95"]) == 0
    out = capsys.readouterr()
    assert all(r["target_month"] is None for r in json.loads(out.out))     # stdout stays plain JSON
    assert "kyotaku: 目標 95% は市場規模 m の仮定（マスタの90%）以上のため、推計では到達しません" in out.err
    assert "service: 目標 95% は市場規模 m の仮定" in out.err
    assert cli.main(["--lang", "en", *argv, "--target-rate", "0.95"]) == 0
    assert "note: service: the target 95% is at or above the market m" in capsys.readouterr().err

    assert cli.main(argv + ["--target-rate", "0.1"]) == 0
    out = capsys.readouterr()
    row = json.loads(out.out)[0]
    assert fc.parse_ym(row["target_month"]) <= fc.parse_ym(row["month"])
    assert f"kyotaku: 目標 10% には実績の {row['target_month']} に到達済みです" in out.err
    assert "市場規模" not in out.err


# ---------------------------------------------------------------------------------------------- a poor fit

BURST = [2] * 18 + [3, 8, 15, 24, 35, 48]      # flat for 18 months, then registrations take off


def _series_db(tmp_path, counts) -> str:
    """300 居宅 offices of 和歌山 whose registered count at each month end from 2023-04 is ``counts``."""
    url = f"duckdb:///{tmp_path / 'series.duckdb'}"
    eng = store_engine.get_engine(url)
    codes = [f"30{i:07d}K" for i in range(300)]
    offices = pd.DataFrame({"office_code": codes, "name": "居宅", "prefecture_code": "30",
                            "municipality_code": "302015", "municipality": "和歌山市", "kind": "kyotaku"})
    days, done = [], 0
    for i, n in enumerate(counts):
        days += [fc.add_months(dt.date(2023, 4, 1), i) + dt.timedelta(days=9)] * (n - done)
        done = n
    regs = pd.DataFrame({"office_code": codes[:done], "registered_on": days, "ended_on": None,
                         "prefecture_code": "30"})
    with eng.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, offices)
        store_engine.bulk_insert(conn, schema.registrations, regs)
        store_engine.set_meta(conn, "as_of", fc.add_months(dt.date(2023, 4, 1), len(counts)).isoformat())
    return url


def test_a_poor_backtest_is_said_beside_the_target_month(tmp_path, capsys):
    months = [fc.add_months(dt.date(2023, 4, 1), i) for i in range(len(BURST))]
    _, mape = fc.backtest(months, BURST, 300)
    assert mape > 0.2 and fc.is_poor_fit(mape) and not fc.is_poor_fit(0.2) and not fc.is_poor_fit(None)
    url = _series_db(tmp_path, BURST)
    try:
        argv = ["--db", url, "report", "forecast", "--prefecture", "30", "--format", "json"]
        assert cli.main(argv) == 0
        out = capsys.readouterr()
        row = json.loads(out.out)[0]
        assert row["registered"] == 48 and row["backtest_mape"] == pytest.approx(round(mape, 4))
        assert f"kyotaku: 6か月先までの検証で推計は実績から平均 {mape:.1%} ずれました（20% 超）" in out.err
        at = _open(url)
        warnings = " ".join(w.value for w in at.warning)
        assert f"推計は実績から平均 {mape:.1%} ずれました（20% 超）" in warnings
        # the same figure as the backtest section's default cut-off
        assert {m.label: m.value for m in at.metric}["平均絶対誤差率（MAPE）"] == f"{mape:.1%}"
    finally:
        store_engine.dispose(url)


def test_a_good_backtest_gets_no_poor_fit_warning(synthetic_url, capsys):
    at = _open(synthetic_url)
    assert not any("ずれました" in w.value for w in at.warning)
    assert cli.main(["--db", synthetic_url, "report", "forecast", "--prefecture", "30", "--format", "json"]) == 0
    assert "backtest was" not in capsys.readouterr().err
