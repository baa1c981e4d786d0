"""`careplan effect` (DESIGN §6): json keys and values, table labels, one-line user errors."""
import json
import re

import pytest

from analytics import cli

MHLW = {"hours_before": 52.4, "hours_after": 18.1, "hours_saved_month": 34.3, "hours_saved_year": 411.6,
        "staff_cost_before": 95218, "staff_cost_after": 32784, "direct_cost_before": 38395,
        "direct_cost_after": 34211, "saving_month": 66618, "saving_month_excl_licence": 68368,
        "saving_year": 799416}


def _json(capsys, *argv):
    assert cli.main(["effect", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_is_the_mhlw_example(capsys):
    out = _json(capsys)
    assert list(out) == list(MHLW) + ["sends_per_care_manager"]
    assert {k: out[k] for k in MHLW} == MHLW
    assert out["sends_per_care_manager"] == pytest.approx(1 / 3)
    assert isinstance(out["saving_month"], int)


@pytest.mark.parametrize("argv, expected", [
    (["--licence-free"], {"saving_month": 68368, "saving_year": 820416, "direct_cost_after": 32461}),
    (["--digital-share", "0.5"], {"hours_after": 35.25, "saving_month": 32434, "sends_per_care_manager": 46 / 3}),
    (["--digital-share", "0"], {"saving_month": -1750, "saving_year": -21000, "sends_per_care_manager": 30.0}),
    (["--preset", "per-user"], {"hours_before": 55.8, "hours_after": 18.0, "saving_month": 72867}),
    (["--preset", "per-user", "--users", "30", "--care-managers", "2", "--digital-share", "0.6",
      "--hourly-wage", "2000"], {"hours_after": 11.04, "saving_month": 14557, "saving_year": 174684,
                                  "sends_per_care_manager": 6.5}),
])
def test_scenarios(capsys, argv, expected):
    out = _json(capsys, *argv)
    for key, value in expected.items():
        assert out[key] == pytest.approx(value), key


def test_table_has_japanese_labels_and_the_cost_lines(capsys):
    assert cli.main(["effect"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("効果試算 — プリセット: mhlw-example\n")
    assert "削減効果（ライセンス料込み）" in text and "66,618" in text and "68,368" in text
    assert "人件費" in text and "95,218" in text and "-62,434" in text
    assert "ライセンス料" in text and "+1,750" in text
    assert "損益分岐（ライセンス料が回収できるデータ連携の割合）: 2.6%" in text  # 1,750 / 68,368
    assert not re.search(r"[a-z]{4,}", text.replace("mhlw-example", "").replace("Vol", ""))  # no English words


def test_table_in_english_when_asked(capsys):
    assert cli.main(["--lang", "en", "effect"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Effect model — preset: mhlw-example\n90 users, 3 care managers, digital share 100%")
    assert "saving incl. licence [yen/month]" in text and "66,618" in text
    assert re.search(r"^staff +95,218 +32,784 +-62,434$", text, re.M)
    assert "break-even digital share: 2.6%" in text
    assert not re.search(r"[\u3040-\u30ff]", text.replace("介護保険最新情報", ""))  # no kana


@pytest.mark.parametrize("argv", [["--digital-share", "50"], ["--care-managers", "0"], ["--users", "-3"],
                                  ["--hourly-wage", "-1"]])
def test_user_errors_are_one_line(capsys, argv):
    assert cli.main(["effect", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "エラー" in err and "Traceback" not in err
