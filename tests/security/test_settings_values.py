"""Malformed settings and database URLs: one bilingual message naming what to fix, in the settings API and
as one st.error in the app (never an exception on the page)."""
from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from analytics import settings

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_secrets(monkeypatch):
    monkeypatch.setattr(settings, "_from_secrets", lambda name: None)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "10MB", "²"])
def test_a_limit_must_be_a_whole_number_of_one_or_more(monkeypatch, value):
    monkeypatch.setenv("CAREPLAN_MAX_UPLOAD_MB", value)
    with pytest.raises(settings.SettingError) as raised:
        settings.get("max_upload_mb")
    assert isinstance(raised.value, ValueError)
    assert raised.value.ja == f"環境変数 CAREPLAN_MAX_UPLOAD_MB の値「{value}」は使えません。1 以上の整数にしてください（既定値 200）"
    assert raised.value.en == (f"the environment variable CAREPLAN_MAX_UPLOAD_MB has the value {value!r}; "
                               "use a whole number of 1 or more (default 200)")
    with pytest.raises(settings.SettingError):
        settings.validate_all()


@pytest.mark.parametrize("name,env,value,expected", [
    ("max_upload_mb", "CAREPLAN_MAX_UPLOAD_MB", " 5 ", 5), ("suppress_below", "CAREPLAN_SUPPRESS_BELOW", "0", 0),
    ("max_rows_per_file", "CAREPLAN_MAX_ROWS_PER_FILE", "+100", 100)])
def test_good_values_are_read(monkeypatch, name, env, value, expected):
    monkeypatch.setenv(env, value)
    assert settings.get(name) == expected
    settings.validate_all()


def test_suppress_below_may_be_zero_but_not_text(monkeypatch):
    monkeypatch.setenv("CAREPLAN_SUPPRESS_BELOW", "x")
    with pytest.raises(settings.SettingError, match="0 以上の整数") as raised:
        settings.get("suppress_below")
    assert "CAREPLAN_SUPPRESS_BELOW has the value 'x'; use a whole number of 0 or more" in str(raised.value)


@pytest.mark.parametrize("value", ["lots", True, -3, 2.5])
def test_a_bad_value_in_secrets_toml_names_the_file(monkeypatch, value):
    monkeypatch.delenv("CAREPLAN_MAX_ZIP_RATIO", raising=False)
    monkeypatch.setattr(settings, "_from_secrets", lambda name: value if name == "max_zip_ratio" else None)
    with pytest.raises(settings.SettingError) as raised:
        settings.get("max_zip_ratio")
    assert "[careplan] max_zip_ratio in .streamlit/secrets.toml" in str(raised.value)
    assert ".streamlit/secrets.toml の [careplan] max_zip_ratio" in str(raised.value)


def test_a_whole_number_in_secrets_toml_is_read(monkeypatch):
    monkeypatch.delenv("CAREPLAN_MAX_ZIP_RATIO", raising=False)
    monkeypatch.setattr(settings, "_from_secrets", lambda name: 50 if name == "max_zip_ratio" else None)
    assert settings.get("max_zip_ratio") == 50


# ------------------------------------------------------------------ the app

def _app(db_url: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if lang:   # as a shared link opens it (?lang=en): the error is in that language
        at.query_params["lang"] = lang
    if db_url:
        at.session_state["db_url"] = db_url
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_app_shows_a_malformed_setting(monkeypatch, duck_url):
    monkeypatch.setenv("CAREPLAN_MAX_UPLOAD_MB", "abc")
    [error] = _app(duck_url).error
    assert "環境変数 CAREPLAN_MAX_UPLOAD_MB の値「abc」は使えません" in error.value and "has the value" not in error.value
    [error] = _app(duck_url, lang="en").error
    assert "CAREPLAN_MAX_UPLOAD_MB has the value 'abc'" in error.value and "環境変数" not in error.value


@pytest.mark.parametrize("url,ja,en", [
    ("foo", "形式が分かりません", "is not understood"),
    ("mysql://user:s3cret@db-host/care", "「mysql」には対応していません", "backend 'mysql' is not supported"),
    ("duckdb:///:memory:", "メモリ上のデータベース", "keeps nothing"),
])
def test_app_shows_an_unusable_database_url(monkeypatch, url, ja, en):
    from analytics.store import engine as store_engine
    store_engine.dispose_all()   # an in-memory engine an earlier test opened is not the user's URL
    monkeypatch.setenv("CAREPLAN_DB_URL", url)
    [error] = _app().error
    assert ja in error.value and en not in error.value and "s3cret" not in error.value
    assert "duckdb:///path/to/careplan.duckdb" in error.value or "memory" in url
    [error] = _app(lang="en").error
    assert en in error.value and ja not in error.value and "s3cret" not in error.value


def test_app_refuses_a_data_file_as_the_database(monkeypatch, tmp_path):
    csv = tmp_path / "exc.csv"
    csv.write_text("対象年月,件数\n2025-04,1\n", encoding="utf-8")
    monkeypatch.setenv("CAREPLAN_DB_URL", f"duckdb:///{csv}")
    [error] = _app().error
    assert f"{csv} は DuckDB のデータベースファイルではありません" in error.value
    [error] = _app(lang="en").error
    assert f"{csv} is not a DuckDB database file" in error.value
    assert csv.read_text(encoding="utf-8") == "対象年月,件数\n2025-04,1\n"
