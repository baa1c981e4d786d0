"""analytics.store.definitions is the only copy of each DESIGN §3 rule, and says what the definitions page says.

What the scan looks for, in every module of analytics/ except store/definitions.py (which writes the rules)
and store/schema.py (which declares the columns): read with ``ast``,
- a comparison (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, ``in``) one of whose sides names
  ``registered_on`` or ``ended_on`` (``r.c.registered_on``, ``frame["ended_on"]``, a variable of that name),
  or a call of ``.is_(…)`` / ``.is_not(…)`` / ``.between(…)`` / ``.isna()`` / ``.isnull()`` / ``.notna()``
  on such a name: the registration rules (registered at D, registered in month M);
- a comparison with the string ``"digital"`` on either side (``channel == "digital"``,
  ``channel != "digital"``), or ``.isin`` / ``.in_`` / ``.notin_`` of a list holding it: the channel rule (and with
  it 二重管理, unlockable and the digital share, which are written on top of it).
Writing the value "digital" (a parsed channel, a CPDS row, a colour key) is not a rule and is not reported.
"""
from __future__ import annotations

import ast
import inspect
import pathlib

import pytest

import analytics
from analytics.domain import kpis
from analytics.store import definitions

PACKAGE = pathlib.Path(analytics.__file__).parent
OWNERS = {PACKAGE / "store" / "definitions.py", PACKAGE / "store" / "schema.py"}
DATE_COLUMNS = {"registered_on", "ended_on"}
NULL_TESTS = {"is_", "is_not", "isnot", "between", "isna", "isnull", "notna", "notnull"}


def _names_date_column(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in DATE_COLUMNS
    if isinstance(node, ast.Name):
        return node.id in DATE_COLUMNS
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in DATE_COLUMNS
    if isinstance(node, ast.Call):  # pd.to_datetime(frame["ended_on"]), a.c.ended_on.astype(...)
        return any(_names_date_column(a) for a in node.args) or _names_date_column(node.func)
    return False


def _is_digital_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == definitions.DIGITAL
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(_is_digital_literal(e) for e in node.elts)
    return False


def rule_copies(source: str) -> list[tuple[int, str]]:
    """(line, what) for each place in ``source`` that writes a registration or channel rule."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_names_date_column(s) for s in sides):
                found.append((node.lineno, "compares registered_on/ended_on"))
            if any(_is_digital_literal(s) for s in sides):
                found.append((node.lineno, "writes the digital channel rule"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in NULL_TESTS and _names_date_column(node.func.value):
                found.append((node.lineno, "tests registered_on/ended_on"))
            if node.func.attr in ("isin", "in_", "notin_", "not_in") and any(_is_digital_literal(a) for a in node.args):
                found.append((node.lineno, "writes the digital channel rule"))
    return found


@pytest.mark.parametrize("snippet,found", [
    ("r.c.registered_on <= d", True), ("sa.or_(r.c.ended_on.is_(None), r.c.ended_on > first)", True),
    ("pd.to_datetime(out['ended_on']) < pd.to_datetime(out['registered_on'])", True),
    ("on = row.registered_on\nok = registered_on < nxt", True), ("x.c.channel != 'digital'", True),
    ("f['sheets'].where(f['channel'] == 'digital', 0)", True), ("t.c.channel.in_(['digital'])", True),
    ("sa.select(R.c.registered_on, R.c.ended_on)", False), ("sa.func.min(R.c.registered_on)", False),
    ("CHANNELS = ('fax', 'digital')", False), ("row = {'channel': 'digital'}", False),
])
def test_the_scan_finds_a_copy_and_only_a_copy(snippet, found):
    assert bool(rule_copies(snippet)) is found


def test_no_module_but_definitions_writes_a_registration_or_channel_rule():
    copies = [f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
              for path in sorted(PACKAGE.rglob("*.py")) if path not in OWNERS
              for line, what in rule_copies(path.read_text(encoding="utf-8"))]
    assert copies == [], "use analytics.store.definitions instead:\n" + "\n".join(copies)


def _first_paragraph(fn) -> str:
    return " ".join(inspect.getdoc(fn).split("\n\n")[0].split())


@pytest.mark.parametrize("key", sorted(kpis.RULES))
def test_each_rule_is_written_word_for_word_as_the_definitions_page_says(key):
    assert _first_paragraph(getattr(definitions, key)).rstrip(".") == kpis.RULES[key].text("en")


@pytest.mark.parametrize("kpi,rule", [
    ("registered", "registered_at"), ("adoption_rate_monthly", "registered_in_month"),
    ("missed_digital_sheets", "missed_digital"), ("unlockable_sheets", "unlockable"),
])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_kpis_quote_the_rule_they_count(kpi, rule, lang):
    assert kpis.rule(rule, lang) in kpis.get(kpi).text("numerator", lang)
