"""The KPI registry: complete entries, and no figure shown on any page without a registered definition."""
from __future__ import annotations

import pathlib
import re

import pytest

from analytics.domain import kpis

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_entries_are_complete_and_unique():
    keys = [k.key for k in kpis.KPIS]
    assert len(keys) == len(set(keys))
    for k in kpis.KPIS:
        for field in ("key", "name_ja", "name_en", "numerator_ja", "period_ja", "source_ja", "unit"):
            assert getattr(k, field).strip(), (k.key, field)
    assert len({k.name_ja for k in kpis.KPIS}) == len(keys)


@pytest.mark.parametrize("key,lang,expected", [
    ("adoption_rate", "ja", "登録事業所数（マスタにある事業所のみ） ÷ 事業所マスタの事業所数（同じ地域・同じ種別）"),
    ("adoption_rate", "en", "Registered offices that are in the master ÷ Offices in the master (same area and kind)"),
    ("offices", "en", "Distinct office numbers in the office master (one per number, whatever its services), "
                            "open at the as-of date D (see Open at date D on the definitions page)"),
])
def test_describe(key, lang, expected):
    assert kpis.describe(key, lang) == expected


def test_lookup_and_fallback():
    assert kpis.label("adoption_rate", "en") == "Adoption rate"
    with pytest.raises(KeyError):
        kpis.get("no_such_kpi")
    k = kpis.KPI("x", "エックス", "X", "分子", "", "月", "出典", "件")
    assert k.text("numerator", "en") == "分子"  # falls back to Japanese


def test_hours_saved_uses_the_per_user_model():
    assert kpis.realised_hours_saved(40, 30) == pytest.approx(30 * (0.62 - 0.20))
    assert kpis.realised_hours_saved(10, 0) == 0


def test_hours_text_drops_tenths_from_a_thousand_hours():
    assert kpis.hours_text(12.63) == "12.6"
    assert kpis.hours_text(999.94) == "999.9"
    assert kpis.hours_text(999.96) == "1,000"            # rounds up past the rule: whole hours, not "1,000.0"
    assert kpis.hours_text(4918.6) == "4,919"          # the 10M demo's tile read "4,918.6 …" at 1400 px
    assert kpis.hours_text(1_234_567.4) == "1,234,567"
    assert kpis.hours_text(None) == "–" and kpis.hours_text(float("nan")) == "–"


def test_every_kpi_key_named_in_code_is_registered():
    pattern = re.compile(r"""\bkpis\.(?:get|label|describe|period|source)\(\s*["']([a-z0-9_]+)["']""")
    used = set()
    for path in (ROOT / "analytics").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    registered = {k.key for k in kpis.KPIS}
    assert sorted(used - registered) == []


def _page_params():
    from analytics.ui import nav
    params = []
    for _section, file, _title, _icon, _url in nav.PAGES:
        marks = []
        if not (nav.PAGES_DIR / file).exists():
            marks.append(pytest.mark.skip(reason=f"{file} is registered in nav.PAGES but not written yet"))
        elif file in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[file]))
        params.append(pytest.param(file, marks=marks, id=file))
    return params


# Pages whose tiles are not yet in the registry (declared, not hidden). When a page's figures get their
# KPI entries this test XPASSes, which fails: then delete the page's line here.
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("file", _page_params())
def test_every_metric_shown_on_a_page_is_registered(open_page, file):
    """Each tile's label on the page (fixture data) must name a registered KPI, so that the
    データの定義 page explains it."""
    names = kpis.names()
    at = open_page(file.removesuffix(".py"))  # a page must also run on this small valid database
    bad = [m.label for m in at.metric if not any(n in m.label for n in names)]
    assert bad == [], (
        f"{file}: metric labels that name no KPI: append a KPI(...) to analytics/domain/kpis.py KPIS whose "
        f"name_ja (or name_en) is contained in the label: {bad}")
