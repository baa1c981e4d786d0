"""Every page registered in analytics/ui/nav.py, in Japanese and in English, on a small demo database:
no exception (a missing locale key raises analytics.i18n.MissingKey), no raw locale key shown, and in
English no heading or widget label carries the Japanese text of a key that has an English translation
(an untranslated string leaking). Every tile (st.metric) has a ? help saying what it counts (issue #23 item 5)."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

from analytics import demo, i18n
from analytics.store import engine as store_engine
from analytics.ui import nav

TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "metric", "button", "selectbox", "multiselect", "radio", "toggle", "checkbox", "text_input",
                 "number_input", "slider", "select_slider", "date_input", "tabs", "expander")
# Headings and widget labels: the page's own words. Body text and captions may quote Japanese sources
# (document titles, 事業所番号) on purpose, so the English-leak check looks at these only.
LABEL_ELEMENTS = ("title", "header", "subheader", "metric", "button", "selectbox", "multiselect", "radio",
                  "toggle", "checkbox", "text_input", "number_input", "slider", "select_slider", "date_input",
                  "tabs", "expander")
KEY_RE = re.compile(r"(?<![\w./-])[a-z][a-z0-9_]*(?:\.[a-z0-9_\-]+){1,}(?![\w/])")
ROOT = pathlib.Path(__file__).resolve().parents[1]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def locale_db(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('locale') / 'tiny.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    yield url
    store_engine.dispose(url)


def shown_texts(at, elements=TEXT_ELEMENTS) -> list[str]:
    """Labels, titles and texts of the elements on the page (not table cells: those are data)."""
    out: list[str] = []
    for name in elements:
        try:
            elements = getattr(at, name)
        except Exception:
            continue
        for el in elements:
            for attr in ("value", "label", "body", "help", "placeholder"):
                try:
                    v = getattr(el, attr, None)
                except Exception:
                    continue
                if isinstance(v, str) and v:
                    out.append(v)
    return out


def leaked_japanese() -> dict[str, str]:
    """ja strings (≥ 4 characters, Japanese) whose English text differs: seeing one in English is a leak.
    Format placeholders are cut so that the fixed part of the text is matched."""
    ja, en = i18n.table("ja"), i18n.table("en")
    # Japanese terms the English texts use on purpose (事業所番号, 提供票 …) are not leaks
    english = "\n".join(en.values())
    out = {}
    for key, value in ja.items():
        if en.get(key) == value or not JAPANESE.search(value):
            continue
        for part in re.split(r"\{[^}]*\}", value):
            part = part.strip(" 　:：、。（）()")
            if len(part) >= 4 and JAPANESE.search(part) and part not in english:
                out[part] = key
    return out


def _open_page(page: str, lang: str, url: str):
    from streamlit.testing.v1 import AppTest
    path = nav.PAGES_DIR / page
    assert path.exists(), f"{page} is registered in nav.PAGES but the file does not exist"
    at = AppTest.from_file(str(nav.PAGES_DIR.parents[2] / "app.py"), default_timeout=90)
    at.session_state["db_url"] = url
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(str(path.relative_to(nav.PAGES_DIR.parents[2]))).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("page", [p[1] for p in nav.PAGES])
def test_page_has_every_key_and_language(page, lang, locale_db):
    at = _open_page(page, lang, locale_db)
    texts = shown_texts(at)
    assert texts, "the page shows no text"
    keys = set(i18n.table(lang))
    raw = sorted({m for t in texts for m in KEY_RE.findall(t) if m in keys})
    assert raw == [], f"locale keys shown instead of their text on {page} ({lang}): {raw}"
    if lang == "en":
        leaks = leaked_japanese()
        labels = shown_texts(at, LABEL_ELEMENTS)
        found = sorted({f"{leaks[p]}: {p}" for t in labels for p in leaks if p in t})
        assert found == [], f"Japanese text shown in English on {page}: {found}"


def test_leak_detector_knows_translated_strings():
    leaks = leaked_japanese()
    assert leaks["資料の出力"] == "page.export.title"
    assert "事業所番号" not in leaks          # used in English texts on purpose


@pytest.mark.parametrize("page", ["prefectures.py", "municipalities.py"])
def test_english_definitions_join_sentences_in_english(page, locale_db):
    """A chart's definition joined to its note with a Japanese full stop read 「(same area and kind)。Kind
    from …」 in English; and the municipality page's heading left the office kind untranslated
    (「居宅介護支援 and service offices」 beside the legend's 「Care management (居宅介護支援)」)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(nav.PAGES_DIR.parents[2] / "app.py"), default_timeout=90)
    at.session_state["db_url"] = locale_db
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page(str((nav.PAGES_DIR / page).relative_to(nav.PAGES_DIR.parents[2]))).run()
    assert not at.exception
    definitions = [c.value for c in at.caption if c.value.startswith("**Definition**")]
    assert definitions
    assert [d for d in definitions if "。" in d] == []
    assert any("(same area and kind). " in d for d in definitions)
    if page == "municipalities.py":
        kind = i18n.t("common.kind.kyotaku", "en")
        assert f"{kind} and service offices" in [s.value for s in at.subheader]


@pytest.mark.parametrize("page", ["home.py", "savings.py"])
def test_english_footers_separate_sources_the_english_way(page, locale_db):
    """Two sources (概要) or two definitions (効果（地域別）'s ranking) on one footer line were joined with the
    Japanese full-width slash 「／」 also in English."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(nav.PAGES_DIR.parents[2] / "app.py"), default_timeout=90)
    at.session_state["db_url"] = locale_db
    at.session_state["lang"] = "en"
    at.run()
    if page != "home.py":
        at.switch_page(str((nav.PAGES_DIR / page).relative_to(nav.PAGES_DIR.parents[2]))).run()
    assert not at.exception
    footers = [c.value for c in at.caption if c.value.startswith("**Definition**")]
    assert footers and [f for f in footers if "／" in f] == []
    from analytics.domain import kpis
    joined = (kpis.joined([kpis.source("registered", "en"), kpis.source("digital_offices", "en")], "en")
              if page == "home.py" else
              kpis.joined([kpis.describe("realised_hours", "en"), kpis.describe("potential_hours", "en")], "en"))
    assert any(joined in f for f in footers), (joined, footers)   # the two parts, separated the English way


def test_sources_split_in_either_language():
    from analytics.domain import kpis
    assert kpis.split_sources(kpis.joined(["A (x)", "B"], "ja")) == ["A (x)", "B"]
    assert kpis.split_sources(kpis.joined(["A (x)", "B"], "en")) == ["A (x)", "B"]


def test_the_language_is_kept_in_the_url(locale_db):
    """?lang=en opens the app in English (a reload or a shared link); switching the language writes it back
    to the URL, and a session's own choice is not overridden by the URL."""
    from streamlit.testing.v1 import AppTest

    app = str(nav.PAGES_DIR.parents[2] / "app.py")
    at = AppTest.from_file(app, default_timeout=60)
    at.session_state["db_url"] = locale_db
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "en"
    assert at.sidebar.selectbox(key="lang").value == "en"
    assert at.title[0].value == i18n.t("page.home.title", "en")
    at.sidebar.selectbox(key="lang").set_value("ja").run()
    assert at.query_params["lang"] == "ja"
    assert at.title[0].value == i18n.t("page.home.title", "ja")

    fresh = AppTest.from_file(app, default_timeout=60)   # no ?lang: Japanese, and the URL says so
    fresh.session_state["db_url"] = locale_db
    fresh.run()
    assert fresh.title[0].value == i18n.t("page.home.title", "ja")
    assert fresh.query_params["lang"] == "ja"


# the pages that show tiles on the demo data without any action (a test of the walk itself)
WITH_TILES = {"home.py", "prefectures.py", "municipalities.py", "forecast.py", "channels.py",
              "savings.py", "office.py", "effect.py"}


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("page", [p[1] for p in nav.PAGES])
def test_every_tile_has_a_help(page, lang, locale_db):
    at = _open_page(page, lang, locale_db)
    tiles = list(at.metric)
    if page in WITH_TILES:
        assert tiles, f"{page} shows no tile on the demo data"
    without = [m.label for m in tiles if not (m.proto.help or "").strip()]
    assert without == [], f"tiles without a help on {page} ({lang}): {without}"
    # a help is text for a reader, not a locale key
    keys = set(i18n.table(lang))
    assert [m.proto.help for m in tiles if m.proto.help.strip() in keys] == []


def test_every_metric_call_in_the_ui_passes_a_help():
    """Tiles drawn only after an action (an import's counts, the forecast's targets) are not on the walk."""
    found = []
    for path in sorted((ROOT / "analytics" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "metric":
                if "help" not in {k.arg for k in node.keywords}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
