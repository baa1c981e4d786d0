"""将来推計 review fixes: one-decimal rates in the prefecture table, the caveat when m is the 90 %
assumption and a coefficient sits at its bound, readable assumptions, yen to the yen."""
from __future__ import annotations

import json
import pathlib

from streamlit.testing.v1 import AppTest

from analytics import auth
from analytics.domain import forecast as fc

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = "analytics/ui/views/forecast.py"


def _open(url, lang="ja", **state):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.session_state["db_url"] = url
    at.session_state["scope"] = auth.ADMIN
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _table(at, column):
    for d in at.dataframe:
        if column in d.value.columns:
            return d
    raise AssertionError(column)


def test_prefecture_table_rates_have_one_decimal(demo_url):
    at = _open(demo_url)
    table = _table(at, "現在の登録率")
    config = json.loads(table.proto.columns)
    assert config["現在の登録率"]["type_config"]["format"] == "%.1f%%"   # 23.1%, 10.0%, 12.5% — not 23.08% / 10%
    shown = table.value.set_index("都道府県")
    row = shown.iloc[0]
    assert row["現在の登録率"] == row["登録事業所数"] / row["事業所数"] * 100


def test_fit_at_its_bounds_is_said_plainly(demo_url):
    # national 居宅介護支援 of the demo (chosen: the page opens elsewhere): q runs to its lower bound, m is the cap
    at = _open(demo_url, forecast_kind="kyotaku")
    warnings = " ".join(w.value for w in at.warning)
    captions = " ".join(c.value for c in at.caption)
    assert "q = 0.000 は当てはめの下限に張り付いています" in warnings
    assert "上限をマスタの90%で固定した仮定で、データから推定した値ではありません" in captions
    en = _open(demo_url, "en", forecast_kind="kyotaku")
    assert "the ceiling is the 90% assumption" in " ".join(c.value for c in en.caption)
    assert "q = 0.000 sits at the lower bound" in " ".join(w.value for w in en.warning)


def test_assumptions_are_named_not_keyed(demo_url):
    at = _open(demo_url)
    table = _table(at, "項目").value
    assert "飽和割合（市場規模 m の上限）" in table["項目"].tolist()
    assert not set(table["項目"]) & {a.key for a in fc.FORECAST_ASSUMPTIONS}
    assert not any("domain-facts" in s for s in table["出典・根拠"])
