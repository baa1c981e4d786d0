"""AppTest of 将来推計: the page renders on the synthetic database and scenarios move the forecast the way
they say (a subsidy brings the target month earlier; recruitment targets raise the digital share)."""
from __future__ import annotations

import pathlib
import re

from streamlit.testing.v1 import AppTest

from analytics import auth

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = "analytics/ui/views/forecast.py"


def _metrics(at) -> dict[str, object]:
    return {m.label: m for m in at.metric}


def _open(url):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.session_state["scope"] = auth.ADMIN
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _ym(value: str) -> tuple[int, int]:
    """(year, month) of a month shown as 2025年8月 (Japanese) or 2025-08 (English)."""
    y, m = re.fullmatch(r"(\d{4})(?:年(\d{1,2})月|-(\d{2}))", value).group(1, 2) if "年" in value else value.split("-")
    return int(y), int(m)


def test_subsidy_scenario_brings_the_target_month_earlier(synthetic_url):
    at = _open(synthetic_url)
    at.selectbox(key="forecast_pref").set_value("30").run()
    at.selectbox(key="forecast_kind").set_value("kyotaku").run()
    at.slider(key="forecast_target").set_value(60).run()
    assert not at.exception
    m = _metrics(at)
    now = m["現在の登録率（2025年8月末）"].value
    base = m["目標到達月（現状のまま）"].value
    assert m["目標到達月（シナリオ）"].value == base                 # no scenario yet
    assert _ym(base) > (2025, 8)
    in12_before = float(m["2026年8月末の登録率（シナリオ）"].value.rstrip("%"))
    assert float(now.rstrip("%")) < in12_before < 60

    at.number_input(key="forecast_subsidy_n").set_value(50).run()    # 50 offices join in 2025-09
    assert not at.exception
    m = _metrics(at)
    scen = m["目標到達月（シナリオ）"].value
    assert m["目標到達月（現状のまま）"].value == base
    assert _ym(scen) < _ym(base)
    in12_after = float(m["2026年8月末の登録率（シナリオ）"].value.rstrip("%"))
    # 50 of 400 offices = 12.5 points at once; a year later part of that is offices that would have joined
    # anyway (the market m is finite), so the gain is positive but at most the 12.5 points
    assert 5 < in12_after - in12_before <= 12.5 + 0.1
    assert "か月" in m["目標到達月（シナリオ）"].delta
    # the target months as 年度 (April–March), for budget planning
    def fy(ym):
        y, mo = _ym(ym)
        return f"{y if mo >= 4 else y - 1}年度"
    assert f"目標に届く年度: 現状のまま {fy(base)}、シナリオ {fy(scen)}" in " ".join(c.value for c in at.caption)

    # the backtest is shown with its error, explained in Japanese
    mape = m["平均絶対誤差率（MAPE）"].value
    assert mape.endswith("%") and float(mape.rstrip("%")) < 5
    # another cutoff fits again; back at the default, the headline's backtest is shown again
    slider = at.select_slider(key="forecast_cutoff")
    default_cut = slider.value
    slider.set_value(slider.options[0]).run()
    assert {x.label: x for x in at.metric}["平均絶対誤差率（MAPE）"].value != mape
    at.select_slider(key="forecast_cutoff").set_value(default_cut).run()
    assert {x.label: x for x in at.metric}["平均絶対誤差率（MAPE）"].value == mape
    assert any("推計は実績から平均して" in md.value for md in at.markdown)
    assert len(at.get("plotly_chart")) == 2
    # every prefecture's target month, in one table
    table = next(df.value for df in at.dataframe if "都道府県" in df.value.columns)
    assert table["都道府県"].tolist() == ["東京都", "和歌山県"]
    assert table["目標到達月（現状のまま）"].iloc[1] == base


def test_recruitment_targets_raise_the_digital_share(synthetic_url):
    at = _open(synthetic_url)
    at.selectbox(key="forecast_pref").set_value("30").run()
    at.selectbox(key="forecast_kind").set_value("service").run()
    base = _metrics(at)["目標到達月（現状のまま）"].value
    at.number_input(key="forecast_targets_n").set_value(20).run()
    assert not at.exception
    m = _metrics(at)
    share = m["データ連携の割合（2025年8月の提供票）"]
    assert share.delta.startswith("+") and float(share.delta.split()[0]) > 0
    assert float(m["増える削減時間（月）"].value.removesuffix("時間").replace(",", "")) > 0
    assert _ym(m["目標到達月（シナリオ）"].value) <= _ym(base)


def test_page_in_english_and_nation(synthetic_url):
    at = _open(synthetic_url)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Target month (as is)" in labels
    assert at.selectbox(key="forecast_pref").value == ""


def test_viewer_sees_no_forecast_of_a_small_area(synthetic_url, monkeypatch):
    """Public (viewer) view: an area with fewer registered 居宅介護支援 offices than the suppression threshold
    gets no curve, and its row of the all-prefectures table has no counts, rate or target month."""
    from analytics import i18n
    from analytics.store import engine as store_engine
    from analytics.store import queries_forecast as qf
    engine = store_engine.get_engine(synthetic_url)
    now = {p: int(qf.area_series(engine, p)[0].query("kind == 'kyotaku'")["registered"].iat[-1]) for p in ("13", "30")}
    assert now["13"] < now["30"]
    monkeypatch.setenv("CAREPLAN_SUPPRESS_BELOW", str(now["13"] + 1))  # 東京都 (13) under it, 和歌山県 (30) not

    def page(scope, pref):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["db_url"] = synthetic_url
        at.session_state["scope"] = scope
        at.session_state["forecast_pref"] = pref
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    viewer = auth.Scope("viewer", None, "v")
    hidden = i18n.t("forecast.suppressed_area", "ja", area="東京都", n=now["13"] + 1)
    at = page(viewer, "13")
    assert hidden in [i.value for i in at.info] and not at.metric
    assert page(auth.ADMIN, "13").metric  # the admin sees the curve of the same area
    at = page(viewer, "")
    assert at.metric and hidden not in [i.value for i in at.info]
    [table] = [d.value for d in at.dataframe if i18n.t("forecast.all.col.target_month", "ja") in d.value.columns]
    by = table.set_index(i18n.t("forecast.all.col.prefecture", "ja"))
    registered, rate = i18n.t("forecast.all.col.registered", "ja"), i18n.t("forecast.all.col.rate", "ja")
    assert by.loc["東京都", [registered, rate]].isna().all()
    assert by.loc["東京都", i18n.t("forecast.all.col.target_month", "ja")] == i18n.t("forecast.all.suppressed", "ja")
    assert by.loc["和歌山県", i18n.t("forecast.all.col.target_month", "ja")] != i18n.t("forecast.all.suppressed", "ja")
    assert int(by.loc["和歌山県", registered]) == now["30"]


def test_scenario_widgets_carry_the_documented_ranges(synthetic_url):
    """The page's bounds are those of analytics.domain.ranges, which Scenario and the CLI check."""
    from analytics.domain import ranges
    r = ranges.BY_KEY
    at = _open(synthetic_url)
    target = at.slider(key="forecast_target")
    assert (target.min, target.max) == (1, 100)
    assert r["target_rate"].widget(100) == {"min_value": 1, "max_value": 100}
    for key, rng, scale in (("forecast_fp_factor", r["free_pass_factor"], 1), ("forecast_fp_months", r["free_pass_months"], 1),
                            ("forecast_shogu_pct", r["shogu_share"], 100), ("forecast_subsidy_n", r["subsidy_offices"], 1),
                            ("forecast_targets_n", r["target_offices"], 1)):
        widget = at.number_input(key=key)
        assert (widget.min, widget.max) == (rng.lo * scale, rng.hi * scale), key
