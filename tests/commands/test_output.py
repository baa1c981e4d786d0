"""Human tables of `careplan report …` in the user's language (--lang, else LANG, else Japanese), with the
pages' words (居宅介護支援, not kyotaku) and percents; JSON keeps the machine keys and fractions."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import cli, demo
from analytics.commands import output
from analytics.store import engine as store_engine


@pytest.mark.parametrize("environ, lang", [
    ({}, "ja"), ({"LANG": "C.UTF-8"}, "ja"), ({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "ja_JP.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"), ({"LANG": "en_US", "LC_MESSAGES": "ja_JP"}, "ja"),
])
def test_language_from_the_environment(environ, lang):
    assert output.default_lang(environ) == lang


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('out') / 'out.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    yield url
    store_engine.dispose(url)


def _run(capsys, *argv):
    assert cli.main(list(argv)) == 0
    got = capsys.readouterr()
    return got.out, got.err


def test_tables_in_japanese_by_default_and_in_english_when_asked(url, capsys, monkeypatch):
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    out, err = _run(capsys, "--db", url, "report", "adoption", "--by", "kind", "--prefecture", "30")
    head, *rows = out.splitlines()
    assert head.split() == ["都道府県コード", "都道府県", "種別", "事業所数", "登録事業所数", "登録率"]
    assert "居宅介護支援" in rows[0] and "サービス事業所" in rows[1] and "kyotaku" not in out
    assert rows[0].rstrip().endswith("%")
    assert "not in the master" not in err and "/ note" not in err  # one language, not both
    data = json.loads(_run(capsys, "--db", url, "report", "adoption", "--by", "kind", "--prefecture", "30",
                           "--format", "json")[0])
    assert [r["kind"] for r in data] == ["kyotaku", "service"] and 0 <= data[0]["adoption_rate"] <= 1
    rate = f"{data[0]['adoption_rate'] * 100:.1f}%"
    assert rate in rows[0]

    out, err = _run(capsys, "--lang", "en", "--db", url, "report", "adoption", "--by", "kind", "--prefecture", "30")
    assert out.splitlines()[0].split()[:3] == ["Prefecture", "code", "Prefecture"]
    assert "Care management (居宅介護支援)" in out and "Service offices" in out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out, _ = _run(capsys, "--db", url, "report", "channels", "--by", "month", "--prefecture", "30")
    assert out.splitlines()[0].split()[:3] == ["Prefecture", "code", "Month"]


def test_the_not_in_master_note_counts_in_english(url, capsys, monkeypatch):
    """The tiny demo has registrations outside the master: the note says how many, once, in one language,
    with the English noun in the right number."""
    _, err = _run(capsys, "--lang", "en", "--db", url, "report", "adoption")
    assert err.count("\n") == 1 and err.startswith("note: ")
    n = int(err.split()[1])
    assert (f"{n} registered offices not in the master are" if n != 1 else
            "1 registered office not in the master is") in err
    _, err = _run(capsys, "--lang", "ja", "--db", url, "report", "adoption")
    assert err.startswith("注: 事業所マスタにない登録事業所") and err.count("\n") == 1
    assert output.human(pd.DataFrame({"kind": ["kyotaku"]}), "en").iloc[0, 0] \
        == "Care management (居宅介護支援)"
