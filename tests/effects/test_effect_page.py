"""AppTest of the 効果試算 page: change inputs on the page and check the figures it shows."""
import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from analytics.domain import effects
from analytics.store import engine as store_engine
from analytics.store import office_partners as op

from .fixture_partners import OFFICE, PARTNERS
from .fixture_partners import load as load_partners

PAGE = "analytics/ui/views/effect.py"
APP = str(pathlib.Path(__file__).resolve().parents[2] / "app.py")


def _open(url) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = url
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _dataframe_with(at, column):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column}")


def test_page_defaults_inputs_and_reset(duck_url):
    at = _open(duck_url)
    m = _metrics(at)
    assert m["削減時間（月）"] == "34.3時間" and m["削減時間（年）"] == "411.6時間"
    # every money tile to the yen (DESIGN §4), like 直接的な支出; 万円 only in the help text
    assert m["削減効果（月）"] == "66,618円"
    assert m["削減効果（年）"] == "799,416円"        # 12 × 66,618
    assert m["人件費の削減（月）"] == "62,434円"
    assert m["直接的な支出の削減（月）"] == "4,184円"
    assert m["削減効果（ライセンス料除く）"] == "68,368円"     # Vol.1096
    helps = {t.label: t.help for t in at.metric}
    assert "6.24 万円（62,434 円）" in helps["人件費の削減（月）"]
    # the assumptions table names the model in Japanese, not by its key
    table = _dataframe_with(at, "preset")   # the editor's columns are titled by its column_config
    assert set(table["preset"]) == {"利用者1人あたり", "資料の事業所例", "両方"}
    assert "95,218" in table["documented"].tolist() and "0.62" in table["documented"].tolist()
    assert m["ケアマネ1人あたり送信回数（月）"] == "0.3回"
    deltas = {t.label: t.delta for t in at.metric}
    assert deltas["ケアマネ1人あたり送信回数（月）"] == "-29.7回（すべて紙の30.0回と比べて）"   # 0.3 − 30 on paper
    assert m["元が取れるデータ連携の割合"] == "2.6%"
    # one plain sentence under the tiles: 799,416 yen a year incl. the licence, 21,000 / 68,368 = 0.31 months
    assert "ライセンス料 年21,000円に対し、削減効果は年約80万円（約0.3か月で回収）" in [x.value for x in at.markdown]
    # the empty database hides the office option and says why; a log the user uploads needs no stored exchange
    assert [r for r in at.radio if r.key == "effect_mode"][0].options == ["割合を指定する", "登録済みの取引先数から",
                                                                          "提供票のやり取りの記録ファイルから"]
    assert any("取り込むと使えるようになります" in c.value for c in at.caption)
    # the slide's rounded figures beside the exact ones, and the explanations
    slide = _dataframe_with(at, "資料の表示")
    assert "6.2万円" in slide["資料の表示"].tolist() and "62,434円" in slide["このモデルの正確な値"].tolist()
    assert "74.4万円" in slide["資料の表示"].tolist() and "749,208円" in slide["このモデルの正確な値"].tolist()
    assert "約816,000円" in slide["資料の表示"].tolist() and "820,416円" in slide["このモデルの正確な値"].tolist()
    text = " ".join(md.value for md in at.markdown)
    assert "55.8時間" in text and "52.4時間" in text and "820,416円" in text
    costs = _dataframe_with(at, "利用前（紙）").set_index("費目")
    assert costs.loc["人件費"].tolist() == [95218, 32784, -62434]
    assert costs.loc["直接的な支出 計"].tolist() == [38395, 34211, -4184]
    assert len(at.get("plotly_chart")) == 2   # waterfall and sends curve

    # half the users: the example office's totals scale to 26.2 h → 9.05 h
    at.number_input(key="effect_users").set_value(45).run()
    m = _metrics(at)
    assert m["削減時間（月）"] == "17.2時間" and m["削減時間（年）"] == "205.8時間"
    assert m["削減効果（月）"] == "32,434円"
    assert m["直接的な支出の削減（月）"] == "1,217円"

    # per-user preset, 2 care managers, 50 % digital, 2,000 yen/h, free pass
    at.radio(key="effect_preset").set_value("per-user").run()
    at.number_input(key="effect_cms").set_value(2).run()
    at.number_input(key="effect_wage").set_value(2000).run()
    at.slider(key="effect_share").set_value(50).run()
    at.checkbox(key="effect_free").check().run()
    assert not at.exception
    want = effects.office_effect(45, 2, 0.5, hourly_wage=2000, licence_free=True, preset="per-user").values
    m = _metrics(at)
    assert want["hours_saved_month"] == 9.45 and m["削減時間（月）"] == "9.5時間"  # tenths, halves up
    assert m["削減効果（月）"] == f"{want['saving_month']:,}円"
    assert m["ケアマネ1人あたり送信回数（月）"] == "11.8回"        # (22.5 + 1) / 2
    assert m["元が取れるデータ連携の割合"] == "0%"
    assert any("利用者1人あたりの係数" in i.value for i in at.info)

    # back to the documented values
    at.button(key="effect_reset").click().run()
    m = _metrics(at)
    assert m["削減時間（月）"] == "34.3時間" and m["削減効果（月）"] == "66,618円"


def test_partner_mode_caps_the_digital_share(duck_url):
    at = _open(duck_url)
    at.radio(key="effect_mode").set_value("partners").run()
    at.number_input(key="effect_partners_total").set_value(10).run()
    at.number_input(key="effect_partners_reg").set_value(4).run()
    assert not at.exception
    want = effects.office_effect(90, 3, 0.4).values
    assert _metrics(at)["削減効果（月）"] == f"{want['saving_month']:,}円"
    assert len(at.get("plotly_chart")) == 3   # + saving as partners join


def test_office_from_the_database(duck_url):
    engine = store_engine.get_engine(duck_url)
    load_partners(engine)
    at = _open(duck_url)
    at.radio(key="effect_mode").set_value("database").run()
    at.selectbox(key="effect_office").set_value(OFFICE).run()
    assert not at.exception
    frame = op.office_partners(engine, OFFICE)
    share = effects.partner_share(frame["sheets"], frame["registered"])
    assert 0 < share < 1
    # users and care managers come from the office's profile (60 users, 3 care managers)
    assert at.number_input(key="effect_users").value == 60
    want = effects.office_effect(60, 3, share).values
    m = _metrics(at)
    assert m["削減効果（月）"] == f"{want['saving_month']:,}円"
    assert len(at.get("plotly_chart")) == 3


@pytest.mark.parametrize("lang", ["en"])
def test_page_in_english(duck_url, lang):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    m = _metrics(at)
    assert m["Hours saved (month)"] == "34.3 h"
    # English money tiles in yen, never 万円; the assumptions table in English
    assert m["Saving (month)"] == "66,618 yen" and m["Saving (year)"] == "799,416 yen"
    assert m["Staff cost saved (month)"] == "62,434 yen" and m["Saving excl. licence (month)"] == "68,368 yen"
    assert not any("万" in t.value or "万" in (t.help or "") for t in at.metric)
    assert ("Against a licence of 21,000 yen a year, the saving is about 799,416 yen a year (the licence is "
            "recovered in about 0.3 months).") in [x.value for x in at.markdown]
    table = _dataframe_with(at, "preset")
    assert set(table["preset"]) == {"per user", "the slide's example office", "both"}
    assert "yen/month" in table["unit"].tolist() and not any("円" in u for u in table["unit"])
    assert not any("。" in n for n in table["note"])


EDITABLE_KEYS = [a.key for a in effects.ASSUMPTIONS if a.editable and a.key != "hourly_staff_cost"]


def _edit_assumption(at, key, value):
    """What the assumption editor holds after the reader types a value into the row of ``key``."""
    at.session_state["effect_assumptions_0"] = {
        "edited_rows": {EDITABLE_KEYS.index(key): {"value": value}}, "added_rows": [], "deleted_rows": []}
    at.run()


def test_licence_text_follows_the_free_pass_and_the_edited_licence(duck_url):
    """The line saying what made the figures and the saving tiles' help name the licence in force:
    it was a fixed 「21,000円/年」 also in a free-pass year and after the licence had been edited."""
    at = _open(duck_url)
    helps = {t.label: t.help for t in at.metric}
    assert "ライセンス料（21,000円/年）を差し引いた額" in helps["削減効果（月）"]
    at.checkbox(key="effect_free").check().run()
    helps = {t.label: t.help for t in at.metric}
    assert "ライセンス料（0円（フリーパス））を差し引いた額" in helps["削減効果（月）"]
    assert "21,000" not in helps["削減効果（年）"]
    assert _metrics(at)["削減効果（月）"] == "68,368円"
    assert "ライセンス料はかからず（フリーパス）、削減効果は年約82万円" in [x.value for x in at.markdown]  # 12 × 68,368
    at.checkbox(key="effect_free").uncheck().run()

    _edit_assumption(at, "licence_yen_year", 30000)
    assert not at.exception
    want = effects.office_effect(assumptions=effects.DEFAULT.with_overrides(licence_yen_year=30000)).values
    assert want["saving_month"] == 68368 - 2500
    assert _metrics(at)["削減効果（月）"] == "65,868円"
    made_by = [i.value for i in at.info if "試算モデル" in i.value][0]
    assert "ライセンス料 30,000円/年" in made_by and "21,000" not in made_by
    assert "ライセンス料（30,000円/年）" in {t.label: t.help for t in at.metric}["削減効果（月）"]


def test_an_invalid_assumption_keeps_the_table_to_correct_it(duck_url):
    """An edited value the model refuses (0 users in the example office) shows the error and still the
    assumption table: the page used to stop before drawing it, so the value at fault could not be seen
    and the editor's state was dropped."""
    at = _open(duck_url)
    _edit_assumption(at, "example_users", 0)
    assert not at.exception
    assert any("前提値「事業所例の利用者数」の値 0 は範囲外です。1〜10,000人の数値で指定してください" in e.value
               for e in at.error)
    assert not any("must" in e.value or "example_users" in e.value for e in at.error)   # Japanese only, no key
    assert at.metric.len == 0                      # no figures from a refused model
    table = _dataframe_with(at, "preset")
    assert table["label"].tolist()[EDITABLE_KEYS.index("example_users")] == "事業所例の利用者数"
    # back to the documented values: the figures return
    at.button(key="effect_reset").click().run()
    assert _metrics(at)["削減効果（月）"] == "66,618円"


def test_english_page_has_units_and_no_man_yen(duck_url):
    """English: sends have their unit, the explanations speak yen (no 万円), the source is romanised like on
    the definitions page, and each assumption's source is followed by its date."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert _metrics(at)["Sends per care manager (month)"] == "0.3 sends"
    text = " ".join(md.value for md in at.markdown)
    assert "68,000 × 12 = 816,000 yen" in text and "62,434 × 12 = 749,208 yen" in text
    assert "万" not in text
    assert not any("介護保険最新情報" in c.value for c in at.caption)
    assert {t.label: t.help for t in at.metric}["Saving (month)"].endswith("After the licence (21,000 yen/year): 66,618 yen")
    columns = list(_dataframe_with(at, "preset").columns)
    assert columns.index("date") == columns.index("source") + 1
    assert any(c.value.endswith("(95,218 yen ÷ 52.4 h) (2023-10-05)") for c in at.caption)



@pytest.mark.parametrize("overrides, ja, en", [
    ({"example_users": 0}, "前提値「事業所例の利用者数」の値 0 は範囲外です。1〜10,000人の数値で指定してください",
     "the assumption 'Users of the example office' 0 is out of range: give a number from 1 to 10,000 users"),
    ({"postage_yen_month": -1}, "前提値「郵送費」の値 -1 は範囲外です。0〜10,000,000円/月の数値で指定してください",
     "the assumption 'Postage' -1 is out of range: give a number from 0 to 10,000,000 yen/month"),
])
def test_a_refused_assumption_is_named_by_its_label_in_each_language(overrides, ja, en):
    """The page shows the model's message in its own language (i18n.part), naming the row as the table
    does, never its internal key. (AppTest cannot change a widget on the English page: its radio labels
    are looked up in Japanese, so this is checked on the message the page shows.)"""
    from analytics import i18n
    from analytics.domain.effects import assumptions as a
    with pytest.raises(ValueError) as err:
        a.Assumptions().with_overrides(overrides)
    assert i18n.part(str(err.value), "ja") == ja
    assert i18n.part(str(err.value), "en") == en
    assert i18n.part("plain message", "en") == "plain message"


def test_an_office_outside_the_list_is_found_by_its_number(duck_url):
    """The picker lists the 300 busiest senders; another office is found by its 事業所番号 (typed in 全角 too).
    An office without a profile says the inputs were not filled from it."""
    engine = store_engine.get_engine(duck_url)
    load_partners(engine)
    at = _open(duck_url)
    at.radio(key="effect_mode").set_value("database").run()
    at.selectbox(key="effect_office").set_value(OFFICE).run()
    assert at.number_input(key="effect_users").value == 60          # from OFFICE's profile
    partner = PARTNERS[2]
    at.text_input(key="effect_office_search").input(partner.translate(str.maketrans("0123456789", "０１２３４５６７８９"))).run()
    assert not at.exception
    picker = at.selectbox(key="effect_office")
    assert picker.options == [f"{partner} 事業所2"] and picker.value == partner
    frame = op.office_partners(engine, partner)
    assert any(f"取引先 {len(frame)} 事業所" in c.value for c in at.caption)
    assert any("記録がないため、左の入力値のまま" in c.value for c in at.caption)   # no profile for PARTNERS[2]
    at.text_input(key="effect_office_search").input("3099999999").run()
    assert any("3099999999 の提供票のやり取りは見つかりません" in i.value for i in at.info)


def test_a_prefecture_user_finds_no_office_of_another_prefecture(duck_url):
    from analytics import auth
    engine = store_engine.get_engine(duck_url)
    load_partners(engine)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.session_state["scope"] = auth.Scope("prefecture", "13", "tokyo")
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="effect_mode").set_value("database").run()
    at.text_input(key="effect_office_search").input(OFFICE).run()
    assert not at.exception
    assert any(f"{OFFICE} の提供票のやり取りは見つかりません" in i.value for i in at.info)
