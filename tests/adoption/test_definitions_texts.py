"""データの定義, 利用者管理 and the pack's definitions section speak to readers: Japanese-only units in
Japanese, English units in English, thousands separators, no internal keys or file paths."""
from __future__ import annotations

import re

import pytest

from analytics.domain import kpis
from analytics.domain.effects import ASSUMPTIONS
from analytics.domain.forecast import FORECAST_ASSUMPTIONS

CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
KEYS = [k.key for k in kpis.KPIS] + [a.key for a in ASSUMPTIONS] + [a.key for a in FORECAST_ASSUMPTIONS]


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for d in at.dataframe:
        parts += [" ".join(map(str, d.value.columns))] + [str(v) for v in d.value.to_numpy().ravel()]
    return "\n".join(parts)


def test_japanese_definitions_have_no_internal_names(open_page):
    at = open_page("definitions")
    text = _texts(at)
    assert "単位**: 事業所\n" in text + "\n" and "offices" not in text
    for key in KEYS:
        assert f"`{key}`" not in text and f"({key})" not in text
    assert "analytics/" not in text and "kpis.py" not in text and "DESIGN" not in text
    assert "本ダッシュボードの指標定義（このページの一覧）" in text
    # thousands separators: 95,218 / 1,817 / 21,000, never 95218
    for shown, raw in (("95,218", "95218"), ("1,817", "1817"), ("21,000", "21000")):
        assert shown in text and not re.search(rf"(?<![\d,]){raw}(?![\d,])", text)
    assert "利用者1人あたり" in text and "per-user" not in text and "mhlw-example" not in text


def test_english_definitions_have_no_japanese_units_or_full_stops(open_page):
    at = open_page("definitions", lang="en")
    text = "\n".join(m.value for m in at.markdown)
    units = re.findall(r"\*\*Unit\*\*: (.+)", text)
    assert len(units) == len(kpis.KPIS)
    assert not [u for u in units if CJK.search(u)]
    assert "**Unit**: offices" in text and "**Unit**: percentage points" in text
    assert "。" not in _texts(at) and "事業所番号" not in text
    assert "**Staff cost per hour**: 1,817 yen/hour" in text
    assert kpis.unit_text("事業所", "en") == "offices" and kpis.unit_text("事業所", "ja") == "事業所"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_definitions_page_lists_every_rule_as_store_definitions_writes_it(open_page, lang):
    text = "\n".join(m.value for m in open_page("definitions", lang=lang).markdown)
    for r in kpis.RULES.values():  # word for word the docstrings of analytics.store.definitions (tests/store)
        assert r.rule(lang) in text, r.key


def test_every_assumption_has_a_reader_text_in_both_languages():
    from analytics.i18n import t
    for a in ASSUMPTIONS:
        assert t(f"effect.assumption.note.{a.key}", "ja") == a.note_ja   # the registry stays the source
        assert not CJK.search(t(f"effect.assumption.note.{a.key}", "en").replace("居宅介護支援", ""))
    for a in FORECAST_ASSUMPTIONS:
        assert t(f"forecast.assumption.note.{a.key}", "ja") == a.note_ja
        assert t(f"forecast.assumption.label.{a.key}", "ja") and t(f"forecast.assumption.unit.{a.key}", "en")


def test_admin_page_says_when_there_are_no_users(duck_url):
    import pathlib

    from streamlit.testing.v1 import AppTest
    root = pathlib.Path(__file__).resolve().parents[2]
    for lang, users, audit in (("ja", "登録された利用者はいません", "操作記録はまだありません"),
                               ("en", "No users yet", "No activity recorded yet")):
        at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
        at.session_state["db_url"] = duck_url
        at.session_state["lang"] = lang
        at.run()
        at.switch_page("analytics/ui/views/admin.py").run()
        assert not at.exception
        infos = " ".join(i.value for i in at.info)
        assert users in infos and audit in infos
        assert not any(d.value.empty for d in at.dataframe)


@pytest.mark.parametrize("lang, source, period", [
    ("ja", "本ダッシュボードの指標定義（データの定義ページ）", "2025-08-31時点のデータに適用"),
    ("en", "This dashboard's figure definitions (the definitions page)", "Applied to the data as of 2025-08-31"),
])
def test_pack_definitions_section_has_a_real_source_and_period(lang, source, period):
    import datetime as dt

    from analytics.reports import pack
    s = pack._definitions(lang, dt.date(2025, 8, 31))
    assert s.source == source and s.period == period
    assert "DESIGN" not in s.footer(lang) and "–" not in s.period
    units = s.table["unit"].tolist()
    assert ("事業所" in units) if lang == "ja" else ("offices" in units and not any(CJK.search(u) for u in units))


def test_staff_saving_definition_names_the_slide_costs_the_example_preset_uses():
    """人件費の削減 is not hours × 1,817円 in the slide's example (62,434, not 34.3 × 1,817 = 62,323): its
    definition says which staff costs the preset scales, the ones in the assumption table."""
    from analytics.domain.effects import assumptions as a
    k = next(x for x in kpis.KPIS if x.key == "effect_staff_saving")
    paper, digital = a.BY_KEY["example_staff_cost_paper"].value, a.BY_KEY["example_staff_cost_digital"].value
    for text in (k.numerator_ja, k.numerator_en):
        assert f"{paper:,.0f}" in text and f"{digital:,.0f}" in text
    assert "削減時間 × 人件費単価" in k.numerator_ja


@pytest.mark.parametrize("lang, heading, words", [
    ("ja", "小さな件数の秘匿（閲覧者向け）", ["7 未満の件数", "同じ行の割合", "CAREPLAN_SUPPRESS_BELOW"]),
    ("en", "Suppression of small counts (viewers)", ["a count below 7", "the same row", "CAREPLAN_SUPPRESS_BELOW"]),
])
def test_definitions_page_states_the_one_suppression_rule_with_the_configured_threshold(
        open_page, monkeypatch, lang, heading, words):
    monkeypatch.setenv("CAREPLAN_SUPPRESS_BELOW", "7")
    at = open_page("definitions", lang=lang)
    assert heading in [h.value for h in at.header]
    text = "\n".join(m.value for m in at.markdown)
    assert all(w in text for w in words), text[:400]
