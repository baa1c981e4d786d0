"""Every setting is documented in README "Configuration" (as datasette's test_docs does)."""
import pathlib

import pytest

from analytics import settings

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def configuration_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- configuration -->")
    return text[start:text.index("<!--", start + 10)]


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented(setting):
    section = configuration_section()
    assert f"`{setting.env}`" in section and f"`{setting.name}`" in section


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_has_both_languages_and_a_typed_default(setting, monkeypatch):
    assert setting.help_ja and setting.help_en
    monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.setattr(settings, "_from_secrets", lambda name: None)
    assert settings.get(setting.name) == setting.default
