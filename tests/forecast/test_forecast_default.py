"""将来推計 opens on a forecast the app stands behind (issue #23 item 9): the default kind is the first whose
fit has no problem (``services.forecast.default_view``), else the page says in one sentence why the data cannot
support a fit yet and what would. Expected values come from the service, not typed in."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import auth
from analytics.domain import forecast as fc
from analytics.services import forecast as sf
from analytics.store import engine as store_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _open(url, lang="ja", scope=auth.ADMIN):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.session_state["scope"] = scope
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("analytics/ui/views/forecast.py").run()
    assert not at.exception, at.exception
    return at


def _fit(n=1000.0, p=0.003, q=0.02, m=800.0, months=24):
    t = np.arange(1, months + 1, dtype=float)
    return fc.fit_bass(fc.bass_counts(t, p, q, m), m)


@pytest.mark.parametrize("counts,mape,problems", [
    (list(range(5, 29)), 0.05, []),
    (list(range(0, 8)) + [8] * 16, 0.05, ["few"]),
    (list(range(20, 26)), None, ["short"]),
    (list(range(5, 29)), 0.35, ["poor"]),
])
def test_fit_problems_table(counts, mape, problems):
    fit = fc.BassFit(p=0.003, q=0.02, m=800, m_fixed=True, fitted=np.zeros(len(counts)), rmse=0, success=True)
    assert fc.fit_problems(np.array(counts), fit, mape) == problems
    at_q = fc.BassFit(p=0.003, q=fc.Q_BOUNDS[0], m=800, m_fixed=True, fitted=np.zeros(1), rmse=0, success=True)
    assert fc.at_bounds(at_q) == [("q", fc.Q_BOUNDS[0], "lower")]
    assert "at_bound" in fc.fit_problems(np.array(counts), at_q, mape)


def test_default_view_prefers_a_sound_fit(demo_url):
    view = sf.default_view(store_engine.get_engine(demo_url))
    assert view["fits"] and not view["problems"]
    for kind in sf.KIND_ORDER[: sf.KIND_ORDER.index(view["kind"])]:   # the kinds before it have a problem
        assert view["checks"][kind]["problems"]


def test_page_opens_without_the_bound_warning(demo_url):
    view = sf.default_view(store_engine.get_engine(demo_url))
    at = _open(demo_url)
    assert at.selectbox(key="forecast_kind").value == view["kind"]
    warnings = " ".join(w.value for w in at.main.warning)   # the sidebar's demo note aside: no caveat at all
    assert not at.main.warning, warnings
    assert any("最初に表示する種類は" in c.value for c in at.caption)
    fit = view["checks"][view["kind"]]["fit"]
    assert f"q = {fit.q:.3f}" in " ".join(m.value for m in at.markdown)   # the fit shown is the one checked
    # the chart's definition names the master's offices with thousands separators (formats.count)
    offices = int(sf.area_series(store_engine.get_engine(demo_url), None)[1][view["kind"]])
    assert offices >= 1000 and any(f"マスタの事業所（{offices:,}）" in c.value for c in at.caption)


def test_area_without_a_sound_fit_says_why_in_one_sentence(demo_url):
    engine = store_engine.get_engine(demo_url)
    pref = next(f"{i:02d}" for i in range(1, 48) if not sf.default_view(engine, f"{i:02d}")["fits"])
    view = sf.default_view(engine, pref)
    scope = auth.Scope("prefecture", pref, "pref_user")
    at = _open(demo_url, scope=scope)
    assert at.selectbox(key="forecast_kind").value == view["kind"]
    from analytics.domain import codes
    sentence = sf.why_no_fit(view, codes.prefecture_name(pref, "ja"), "ja")
    assert [i.value for i in at.info][:1] == [sentence]
    assert sentence.count("。") == 1 and sentence.endswith("。")
    en = sf.why_no_fit(view, codes.prefecture_name(pref, "en"), "en")
    assert en.count(". ") == 0 and en.endswith(".")
