"""Every number a user gives has one documented range (analytics.domain.ranges): the model refuses values
outside it, the CLI names the option, the value and the range (exit 2, one line, no traceback, no
RuntimeWarning), and the page widgets carry the same min/max."""
from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import subprocess
import sys

import pytest
from conftest import cli_in_both_languages
from streamlit.testing.v1 import AppTest

from analytics import cli
from analytics.domain import effects, ranges
from analytics.domain import forecast as fc

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
R = ranges.BY_KEY


def test_the_table_covers_every_assumption_and_its_default():
    keys = [r.key for r in ranges.RANGES]
    assert len(keys) == len(set(keys))
    for a in effects.ASSUMPTIONS:
        assert a.key in R, a.key
        assert R[a.key].contains(a.value), (a.key, a.value)
    frame = effects.assumptions_frame()
    row = frame.set_index("key").loc["licence_yen_year"]
    assert (row["min"], row["max"]) == (0, 1_000_000)
    for key, value in fc.ASSUMPTION_VALUES.items():
        if key in R:
            assert R[key].contains(value)


@pytest.mark.parametrize("key, lo, hi, ja, en", [
    ("users", 1, 10_000, "1〜10,000人", "1 to 10,000 users"),
    ("care_managers", 1, 500, "1〜500人", "1 to 500 care managers"),
    ("digital_share", 0, 1, "0〜1（0〜100%）", "0 to 1 (0–100%)"),
    ("hourly_staff_cost", 0, 10_000, "0〜10,000円/時間", "0 to 10,000 yen/hour"),
    ("licence_yen_year", 0, 1_000_000, "0〜1,000,000円/年", "0 to 1,000,000 yen/year"),
    ("target_rate", 0.01, 1, "0.01〜1（1〜100%）", "0.01 to 1 (1–100%)"),
    ("top", 1, 10_000, "1〜10,000件", "1 to 10,000 rows"),
])
def test_documented_ranges(key, lo, hi, ja, en):
    assert (R[key].lo, R[key].hi) == (lo, hi)
    assert R[key].text("ja") == ja and R[key].text("en") == en


# (input, boundary accepted, one past refused) for office_effect's keyword
MODEL_CASES = [
    ("users", 1, 0), ("users", 10_000, 10_001), ("users", 10_000, 99999999999999999999),
    ("care_managers", 1, 0), ("care_managers", 500, 501),
    ("digital_share", 0.0, -0.01), ("digital_share", 1.0, 1.01), ("digital_share", 1.0, float("nan")),
    ("hourly_wage", 0, -1), ("hourly_wage", 10_000, 10_001), ("hourly_wage", 10_000, float("inf")),
]


@pytest.mark.parametrize("name, ok, bad", MODEL_CASES)
@pytest.mark.parametrize("preset", effects.PRESETS)
def test_the_model_accepts_the_bounds_and_refuses_one_past(name, ok, bad, preset):
    result = effects.office_effect(preset=preset, **{name: ok})
    assert result.saving_month == int(result.saving_month) and result.hours_before >= 0
    key = "hourly_staff_cost" if name == "hourly_wage" else name
    with pytest.raises(ranges.OutOfRange) as err:
        effects.office_effect(preset=preset, **{name: bad})
    assert R[key].text("ja") in str(err.value) and R[key].text("en") in str(err.value)


def test_the_largest_office_is_computed_exactly_without_wrapping():
    """10,000 users at 10,000 yen/hour: per-user hours 6,200 → 2,000; staff 62,000,000 → 20,000,000 yen."""
    r = effects.office_effect(10_000, 500, 1.0, hourly_wage=10_000, preset="per-user")
    assert (r.hours_before, r.hours_after, r.hours_saved_month) == (6200.0, 2000.0, 4200.0)
    assert (r.staff_cost_before, r.staff_cost_after) == (62_000_000, 20_000_000)
    assert r.saving_month > 0 and isinstance(r.saving_month, int)


def test_arrays_are_checked_too():
    with pytest.raises(ranges.OutOfRange, match="データ連携の割合の値 1.5"):
        effects.effect_frame([90, 90], 3, [0.5, 1.5])
    with pytest.raises(ranges.OutOfRange, match="利用者数の値 20000"):
        effects.effect_frame([90, 20_000], 3, 1.0)


@pytest.mark.parametrize("key, ok, bad", [
    ("paper_hours_per_user", 10, 10.01), ("example_users", 1, 0), ("example_users", 10_000, 10_001),
    ("licence_yen_year", 1_000_000, 1_000_001), ("licence_yen_year", 0, -1), ("postage_yen_month", 0, -1),
])
def test_assumption_overrides(key, ok, bad):
    a = effects.DEFAULT.with_overrides({key: ok})
    assert getattr(a, key) == ok
    effects.office_effect(assumptions=a)
    with pytest.raises(ranges.OutOfRange) as err:
        effects.DEFAULT.with_overrides({key: bad})
    assert f"前提値「{effects.BY_KEY[key].label_ja}」の値" in str(err.value)
    # an Assumptions built directly is checked by the model as well
    with pytest.raises(ranges.OutOfRange):
        effects.office_effect(assumptions=effects.Assumptions(**{key: bad}))


@pytest.mark.parametrize("field, ok, bad", [
    ("free_pass_factor", 10, 10.5), ("free_pass_months", 36, 37), ("shogu_share", 1, 1.01),
    ("subsidy_offices", 100_000, 100_001), ("target_offices", 1_000, 1_001), ("subsidy_offices", 0, -1),
])
def test_forecast_scenario_ranges(field, ok, bad):
    assert getattr(fc.Scenario(**{field: ok}), field) == ok
    with pytest.raises(ranges.OutOfRange, match=R[field].label_ja):
        fc.Scenario(**{field: bad})


def test_forecast_target_rate_range():
    months = [fc.add_months(dt.date(2024, 1, 1), i) for i in range(12)]
    with pytest.raises(ranges.OutOfRange, match="0.01〜1"):
        fc.forecast(months, list(range(12)), 100, target_rate=0.009, draws=2)


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("argv, needle", [
    (["--users", "0"], "--users の値 0 は範囲外です。1〜10,000人の整数"),
    (["--users", "10001"], "--users 10001 is out of range: give a whole number from 1 to 10,000 users"),
    (["--care-managers", "501"], "--care-managers の値 501 は範囲外です。1〜500人"),
    (["--care-managers", "0"], "--care-managers 0 is out of range"),
    (["--digital-share", "1.01"], "--digital-share の値 1.01 は範囲外です。0〜1（0〜100%）"),
    (["--digital-share", "-0.01"], "--digital-share -0.01 is out of range"),
    (["--digital-share", "nan"], "--digital-share の値 nan"),
    (["--hourly-wage", "10001"], "--hourly-wage の値 10001 は範囲外です。0〜10,000円/時間"),
    (["--hourly-wage", "-1"], "--hourly-wage -1 is out of range"),
])
def test_cli_effect_refuses_one_past_the_bound(capsys, argv, needle):
    code, out, err = cli_in_both_languages(capsys, ["effect", *argv, "--format", "json"])
    assert code == 2
    assert out == "" and needle in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, key, expected", [
    (["--users", "1", "--preset", "per-user"], "hours_before", 0.62),
    (["--users", "10000", "--preset", "per-user"], "hours_before", 6200.0),
    (["--care-managers", "500"], "sends_per_care_manager", 1 / 500),
    (["--digital-share", "0"], "hours_saved_month", 0.0),
    (["--hourly-wage", "0", "--preset", "per-user"], "staff_cost_before", 0),
    (["--hourly-wage", "10000", "--preset", "per-user"], "staff_cost_before", 558_000),
])
def test_cli_effect_accepts_the_bounds(capsys, argv, key, expected):
    assert cli.main(["effect", *argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[key] == pytest.approx(expected)


@pytest.mark.parametrize("users", ["99999999999999999999", "1000000000000"])
def test_huge_users_exit_2_without_traceback_or_warning(users):
    """The issue's case: the overflow printed staff_cost_before -9223372036854775808 with exit 0."""
    env = dict(os.environ, PYTHONWARNINGS="error")
    done = subprocess.run([sys.executable, "-W", "error", "-m", "analytics", "effect", "--users", users,
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    assert done.stderr.strip() == f"エラー: --users の値 {users} は範囲外です。1〜10,000人の整数で指定してください"


@pytest.mark.parametrize("argv, needle", [
    (["targets", "--prefecture", "30", "--top", "0"], "--top の値 0 は範囲外です。1〜10,000件"),
    (["targets", "--prefecture", "30", "--top", "10001"], "--top 10001 is out of range"),
    (["forecast", "--prefecture", "30", "--target-rate", "0.009"], "--target-rate の値 0.009 は範囲外です。0.01〜1"),
    (["forecast", "--prefecture", "30", "--target-rate", "1.01"], "--target-rate 1.01 is out of range"),
    (["forecast", "--prefecture", "30", "--subsidy", "100001", "--subsidy-month", "2026-01"],
     "--subsidy の値 100001 は範囲外です。0〜100,000事業所"),
])
def test_report_options_are_range_checked(capsys, duck_url, argv, needle):
    code, _, err = cli_in_both_languages(capsys, ["--db", duck_url, "report", *argv])
    assert code == 2 and needle in err and "Traceback" not in err


# ---------------------------------------------------------------- the page

def test_effect_page_widgets_carry_the_same_bounds(duck_url):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.run()
    at.switch_page("analytics/ui/views/effect.py").run()
    assert not at.exception
    for key, rng in (("effect_users", R["users"]), ("effect_cms", R["care_managers"]),
                     ("effect_wage", R["hourly_staff_cost"])):
        widget = at.number_input(key=key)
        assert (widget.min, widget.max) == (rng.lo, rng.hi), key
    assert "1〜10,000人" in at.number_input(key="effect_users").help
    share = at.slider(key="effect_share")
    assert (share.min, share.max) == (0, 100)
    at.radio(key="effect_mode").set_value("partners").run()
    total = at.number_input(key="effect_partners_total")
    assert (total.min, total.max) == (R["partners_total"].lo, R["partners_total"].hi)
    # the largest office the widgets allow computes without an error
    at.number_input(key="effect_users").set_value(10_000).run()
    at.number_input(key="effect_wage").set_value(10_000).run()
    assert not at.exception and not at.error
