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


# ---------------------------------------------------------------- messages come from the catalogue

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}")
# the errors for users and the messages of rows and files: each takes the key of its message and its values
MESSAGE_CALLS = {"FileRefused", "AuthError", "SettingError", "UserError", "BadValue", "UnusableDatabase",
                 "Damaged"}
# calls whose first argument is a key of the catalogue
KEY_CALLS = MESSAGE_CALLS | {"both", "message", "t", "tr"}
# keys whose Japanese and English messages take different values, each with its reason
ONE_LANGUAGE_VALUES = {
    "db.locked": "the URL is shown in English only (the Japanese sentence names the file in use)",
    "effect.kpi.licence_included": "万円 has no English unit: the English help gives yen only",
    "effect.unit.man_note": "万円 has no English unit: the English help gives yen only",
    "effect.slide.man": "万円 in Japanese, yen in English",
    "import.cpds_help": "the English names the parts of a file name in braces, shown as written (no values)",
    "msg.unreadable_date": "the Japanese names the option in words too (「基準日」（--as-of）)",
    "refused.cannot_open": "the operating system's reason is English text: the English message only",
    "refused.csv_unreadable": "the CSV parser's reason is English text: the English message only",
    "refused.csv_ragged": "the CSV parser's reason is English text: the English message only",
    "rows.cpds.csv": "the CSV parser's reason is English text: the English message only",
    "rows.era.month": "the English names the era the month is outside of; the Japanese shows it in the 和暦",
    "rows.era.date": "the English names the era the date is outside of; the Japanese shows it in the 和暦",
    "rows.cpds.name_rule": "shown as written (no values): the English names the parts of a file name in braces",
}
# modules still holding (Japanese, English) pairs of literals, with how many and why: definition tables whose
# labels sit beside their values (one row per assumption, KPI, column, setting, range) and vocabularies that
# are data, not messages
DECLARED_PAIRS: dict[str, tuple[int, str]] = {
    "analytics/commands/effect.py": (19, "the effect table's column labels and cost items, one row each"),
    "analytics/domain/codes.py": (8, "REGIONS: the names of the eight regions, reference data like prefectures"),
    "analytics/domain/effects/assumptions.py": (18, "the assumptions table: label and unit beside each value"),
    "analytics/domain/kpis.py": (71, "the KPI and rule definitions: label, unit and rule beside each key"),
    "analytics/domain/ranges.py": (45, "the ranges table: label and unit beside each bound"),
    "analytics/ingest/columns.py": (29, "the column specs: aliases and descriptions beside each column"),
    "analytics/ingest/validate.py": (11, "FORM_ALIASES / CHANNEL_ALIASES: words read from files, not shown"),
    "analytics/reports/pack.py": (7, "units of a count given to formats.count (事業所/offices, 件/sheets)"),
    "analytics/ui/views/effect.py": (2, "units of a count given to formats.count (回/sends, か月/months)"),
    "analytics/ui/views/targets.py": (1, "the unit of a count given to formats.count (件/sheets)"),
    "analytics/reports/summaries.py": (1, "_UNIT_WORDS: units recognised in a chart's text, not shown"),
    "analytics/reports/tabular.py": (1, "CSV_ENCODINGS: an option's label beside its codec name, not a pair"),
    "analytics/settings.py": (9, "SETTINGS: the help of each setting beside its name and default"),
}


def _code_files():
    return sorted((ROOT / "analytics").rglob("*.py")) + [ROOT / "app.py"]


def _docstrings(tree) -> set[int]:
    return {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


def _literal_text(node) -> str | None:
    """The text of a string literal, an f-string (its values as {}) or a sum of them; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        if left is not None or right is not None:
            return (left or "") + (right or "")
    return None


def _is_pair(first, second) -> bool:
    ja, en = _literal_text(first), _literal_text(second)
    return (ja is not None and en is not None and bool(JAPANESE.search(ja)) and not JAPANESE.search(en)
            and bool(ENGLISH.search(en)))


def _called(node) -> str | None:
    if isinstance(node, ast.Call):
        return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
    return None


def inline_pairs(path: pathlib.Path) -> list[int]:
    """Lines where a Japanese literal is followed by an English one, in a tuple or a call's arguments."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        items = node.elts if isinstance(node, ast.Tuple) else node.args if isinstance(node, ast.Call) else []
        lines += [a.lineno for a, b in zip(items, items[1:]) if _is_pair(a, b)]
    return lines


def test_no_message_is_written_inline_as_a_japanese_english_pair():
    """Bilingual text lives in the catalogue: no (Japanese literal, English literal) pair in the code, outside
    the definition tables declared above (their count is exact, so a new pair fails, and so does a table
    moved to the catalogue without its entry removed here)."""
    found = {}
    for path in _code_files():
        lines = inline_pairs(path)
        if lines:
            found[str(path.relative_to(ROOT))] = len(lines)
    assert found == {name: count for name, (count, _reason) in DECLARED_PAIRS.items()}


def test_errors_for_users_take_a_key_not_text():
    """FileRefused, AuthError, SettingError, UserError, UnusableDatabase … are raised with the key of their
    message: no Japanese literal among their arguments (the text is the catalogue's)."""
    found = []
    for path in _code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if _called(node) not in MESSAGE_CALLS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for inner in ast.walk(arg):
                    text = _literal_text(inner)
                    if text is not None and JAPANESE.search(text):
                        found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert found == []


def _keys_of(node) -> list[str]:
    """The literal keys an argument can be: a string, or either branch of a conditional of strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys_of(node.body) + _keys_of(node.orelse)
    return []


def _placeholders(text: str) -> set[str]:
    import string
    return {re.split(r"[.\[]", name)[0] for _lit, name, _spec, _conv in string.Formatter().parse(text)
            if name is not None}


def _key_uses():
    """(where, key, keyword names or None when the call passes **values) of every literal key in the code."""
    for path in _code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if _called(node) in KEY_CALLS and node.args:
                names = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
                for key in _keys_of(node.args[0]):
                    if re.fullmatch(r"[a-z_]+(\.[A-Za-z0-9_\-]+)+", key):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", key, names


def test_every_key_of_a_message_exists_in_both_languages():
    missing = sorted({f"{where} {key}" for where, key, _ in _key_uses()
                      if key not in i18n.table("ja") or key not in i18n.table("en")})
    assert missing == []


def test_a_message_takes_the_same_values_in_both_languages():
    ja, en = i18n.table("ja"), i18n.table("en")
    differ = sorted(k for k in ja if k in en and k not in ONE_LANGUAGE_VALUES
                    and _placeholders(ja[k]) != _placeholders(en[k]))
    assert differ == []
    assert sorted(k for k in ONE_LANGUAGE_VALUES if k not in ja) == []


def test_every_value_a_message_needs_is_given():
    """A call with a literal key passes every value its message names (a missing one raises KeyError only
    when the message is shown: on an error path tests rarely take)."""
    ja, en = i18n.table("ja"), i18n.table("en")
    short = []
    for where, key, names in _key_uses():
        if names is None or key not in ja or key not in en:
            continue
        needed = _placeholders(ja[key]) | _placeholders(en[key])
        # a message shown without values is shown as written (i18n.t formats only when given values)
        if names and needed - names:
            short.append(f"{where} {key}: {sorted(needed - names)}")
    assert short == []
