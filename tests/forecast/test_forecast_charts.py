"""Figure builders of 将来推計: traces, labels and where the lines start."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.domain import forecast as fc
from analytics.reports import forecast_charts as ch

MONTHS = [fc.add_months(dt.date(2023, 4, 1), i) for i in range(30)]
Y = np.round(fc.bass_counts(np.arange(1, 31), 0.004, 0.1, 900))


def test_forecast_figure_traces_and_target_line():
    res = fc.forecast(MONTHS, Y, 1000, scenario=fc.Scenario(subsidy_offices=50), draws=10)
    fig = ch.forecast_figure(res.frame, target_rate=0.5, lang="ja", target_month=res.target_month,
                             scenario_target_month=res.scenario_target_month)
    names = [tr.name for tr in fig.data if tr.name]
    assert names == ["推計の幅（80%）", "実績", "モデルの当てはめ", "推計（現状のまま）", "推計（シナリオ）"]
    assert fig.layout.shapes[0].y0 == 0.5                        # the target line
    assert len(fig.layout.shapes) == 3                           # target + two target months
    observed = fig.data[2]
    assert list(observed.y) == list(Y / 1000)
    base = ch.forecast_figure(res.frame, target_rate=0.5, lang="en", show_scenario=False)
    assert "Forecast (scenario)" not in [tr.name for tr in base.data]


def test_backtest_figure_starts_at_the_cutoff():
    frame, _ = fc.backtest(MONTHS, Y, 1000)
    hist = pd.DataFrame({"month": MONTHS, "registered": Y})
    fig = ch.backtest_figure(frame, hist, master=1000, lang="ja")
    pred = fig.data[1]
    assert pred.x[0] == MONTHS[23] and pred.y[0] == Y[23] / 1000
    assert len(pred.x) == 7
