"""`careplan report adoption` (DESIGN §6): contract keys, values against the oracle, user errors."""
from __future__ import annotations

import json

import pytest
from conftest import cli_in_both_languages

from analytics import cli

from . import fixture_data as fx
from .test_queries_adoption import oracle_adoption


@pytest.fixture
def loaded_url(loaded):
    return loaded.url.render_as_string(hide_password=False)


def run_json(url, capsys, *args):
    code = cli.main(["--db", url, "report", "adoption", "--format", "json", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out), out.err


@pytest.mark.parametrize("by,extra", [
    ("prefecture", []), ("municipality", ["municipality_code", "municipality"]), ("kind", ["kind"]),
])
def test_rows_and_keys(loaded_url, capsys, by, extra):
    rows, err = run_json(loaded_url, capsys, "--by", by)
    assert all(list(r) == ["prefecture_code", "prefecture", *extra, "offices", "registered", "adoption_rate"]
               for r in rows)
    want = oracle_adoption(fx.AS_OF, {"kind": "prefecture_kind"}.get(by, by))
    keys = ["prefecture_code", *(["municipality_code"] if by == "municipality" else extra)]
    got = {tuple(r[k] for k in keys): (r["offices"], r["registered"], r["adoption_rate"]) for r in rows}
    expect = {tuple(w[k] for k in keys): (w["offices"], w["registered"], w["adoption_rate"])
              for w in want.to_dict("records")}
    assert got.keys() == expect.keys()
    for k, (o, r, rate) in expect.items():
        assert got[k][:2] == (o, r) and got[k][2] == pytest.approx(rate)
    assert "事業所マスタにない登録事業所 1 件" in err  # 2770000017 is reported, not silently dropped


def test_prefecture_filter_names_and_as_of(loaded_url, capsys):
    rows, _ = run_json(loaded_url, capsys, "--prefecture", "和歌山県")
    assert rows == [{"prefecture_code": "30", "prefecture": "和歌山県", "offices": 6, "registered": 3,
                     "adoption_rate": 0.5}]
    rows, _ = run_json(loaded_url, capsys, "--prefecture", "30", "--as-of", "R6.3.31")
    assert rows[0]["registered"] == 2  # 3070000011 and 3070000029 on 2024-03-31
    rows, _ = run_json(loaded_url, capsys, "--by", "municipality", "--prefecture", "30")
    assert [(r["municipality"], r["registered"]) for r in rows] == [("和歌山市", 2), ("御坊市", 1)]


def test_default_as_of_is_dataset_meta(loaded_url, capsys):
    default, _ = run_json(loaded_url, capsys)
    explicit, _ = run_json(loaded_url, capsys, "--as-of", "2025-08-31")
    assert default == explicit


def test_table_and_csv(loaded_url, capsys):
    assert cli.main(["--db", loaded_url, "report", "adoption", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "prefecture_code,prefecture,offices,registered,adoption_rate"
    assert "30,和歌山県,6,3,0.5" in out
    assert cli.main(["--db", loaded_url, "report", "adoption"]) == 0
    assert "和歌山県" in capsys.readouterr().out


@pytest.mark.parametrize("args,needle", [
    (["--prefecture", "99"], "都道府県「99」"), (["--prefecture", "Atlantis"], "unknown prefecture"),
    (["--as-of", "2025-13-45"], "--as-of"), (["--as-of", "yesterday"], "基準日"),
])
def test_user_errors(duck_url, capsys, args, needle):
    code, _, err = cli_in_both_languages(capsys, ["--db", duck_url, "report", "adoption", *args])
    assert code == 2 and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("as_of", ["令和7年8月31日", "R7.8.31", "2025/8/31"])
def test_as_of_in_wareki_is_the_same_date(loaded_url, capsys, as_of):
    """A valid 和暦 --as-of is accepted and gives the rows of the same ISO date."""
    iso, _ = run_json(loaded_url, capsys, "--as-of", "2025-08-31")
    rows, _ = run_json(loaded_url, capsys, "--as-of", as_of)
    assert rows == iso and {r["prefecture_code"]: r["registered"] for r in rows}["30"] == 3


@pytest.mark.parametrize("as_of, shown", [
    ("令和99年1月1日", "2117-01-01"), ("2026-03-01", "2026-03-01"), ("1999-12-31", "1999-12-31"),
    ("平成11年12月31日", "1999-12-31"),
])
def test_as_of_outside_the_one_date_rule_is_refused(duck_url, capsys, monkeypatch, as_of, shown):
    """--as-of follows the import's rule (dates.allowed_range): 2000-04-01 … the end of next month."""
    monkeypatch.setenv("CAREPLAN_TODAY", "2026-01-15")
    code, _, err = cli_in_both_languages(capsys, ["--db", duck_url, "report", "adoption", "--as-of", as_of])
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"--as-of 「{as_of}」（{shown}）: 日付が範囲外です。2000年4月1日（介護保険の開始）から2026年2月28日まで" in err
    assert "enter a date from 2000-04-01 (start of long-term care insurance) to 2026-02-28" in err


@pytest.mark.parametrize("as_of", ["2000-04-01", "2026-02-28", "令和8年2月28日"])
def test_as_of_at_the_bounds_is_accepted(duck_url, capsys, monkeypatch, as_of):
    monkeypatch.setenv("CAREPLAN_TODAY", "2026-01-15")
    assert cli.main(["--db", duck_url, "report", "adoption", "--as-of", as_of, "--format", "json"]) == 0
    capsys.readouterr()
