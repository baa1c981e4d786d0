"""Streamlit's own English widget texts do not sit in Japanese pages (issue #23 item 7): every selectbox and
multiselect passes its placeholder from the catalogue (``common.choose``). The file uploader's own texts are
not covered yet (Streamlit has no option for them)."""
from __future__ import annotations

import ast
import pathlib

import pytest

from analytics import i18n

UI = pathlib.Path(__file__).resolve().parents[2] / "analytics" / "ui"


def _widget_calls(names):
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
                yield path, node


def test_every_choice_widget_has_a_catalogue_placeholder():
    calls = list(_widget_calls(("selectbox", "multiselect")))
    assert len(calls) > 20
    missing = [f"{p.relative_to(UI)}:{n.lineno}" for p, n in calls
               if not any(k.arg == "placeholder" and "common.choose" in ast.unparse(k.value) for k in n.keywords)]
    assert not missing, missing


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_placeholders_in_the_page_language(open_page, lang):
    at = open_page("prefectures", lang=lang)
    want = i18n.t("common.choose", lang)
    assert at.multiselect(key="pref_compare").proto.placeholder == want
    assert at.selectbox(key="pref_kind").proto.placeholder == want
    if lang == "ja":
        assert want == "選択してください"
