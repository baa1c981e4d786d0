"""Locale tables: same keys in every language, no empty strings, and every key used in code exists."""
import ast
import pathlib
import re

import pytest

from analytics import i18n

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_languages_have_the_same_keys():
    ja, en = i18n.table("ja"), i18n.table("en")
    assert sorted(set(ja) - set(en)) == []
    assert sorted(set(en) - set(ja)) == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_no_empty_strings(lang):
    assert [k for k, v in i18n.table(lang).items() if not str(v).strip()] == []


def test_every_literal_key_used_in_code_exists():
    used = set()
    pattern = re.compile(r"""\btr\(\s*["']([A-Za-z0-9_.\-]+)["']""")
    files = list((ROOT / "analytics").rglob("*.py")) + [ROOT / "app.py"]
    for path in files:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    from analytics.ui import nav
    for section, _file, title_key, _icon, _url in nav.PAGES:
        used |= {section, title_key}
    missing = sorted(k for k in used if k not in i18n.table("ja"))
    assert missing == []


def test_missing_key_raises():
    with pytest.raises(i18n.MissingKey):
        i18n.t("no.such.key", "ja")
    assert i18n.t("common.nation", "en") == "Nation"
    assert i18n.t("common.nation", "ja") == "全国"


def test_no_message_is_written_inline_in_both_languages():
    """Bilingual text lives in the catalogue (analytics/locales): no string literal of the code holds a
    Japanese sentence and its English one joined by ' / ' (docstrings and comments aside)."""
    both = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff][^\"']* / [A-Za-z]")
    found = []
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                    and both.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
