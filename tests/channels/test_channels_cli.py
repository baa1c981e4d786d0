"""``careplan report channels | savings | targets``: the DESIGN §6 json contract on the hand-built network."""
from __future__ import annotations

import json

import pytest

from analytics import cli

from . import network as nw


@pytest.fixture
def net_url(db_url):
    nw.load(db_url)
    return db_url


def run_json(capsys, url, *argv):
    code = cli.main(["--db", url, "report", *argv, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_channels_by_prefecture(capsys, net_url):
    rows = run_json(capsys, net_url, "channels")
    assert [list(r) for r in rows][0] == ["prefecture_code", "month", "sheets", "digital_sheets", "digital_share",
                                          "missed_digital_sheets"]
    assert rows == [
        {"prefecture_code": "27", "month": "2025-08", "sheets": 7, "digital_sheets": 0, "digital_share": 0.0,
         "missed_digital_sheets": 0},
        {"prefecture_code": "30", "month": "2025-08", "sheets": 112, "digital_sheets": 20,
         "digital_share": round(20 / 112, 4), "missed_digital_sheets": 3},
    ]
    jul = run_json(capsys, net_url, "channels", "--month", "令和7年7月", "--prefecture", "和歌山県")
    assert jul == [{"prefecture_code": "30", "month": "2025-07", "sheets": 20, "digital_sheets": 4,
                    "digital_share": 0.2, "missed_digital_sheets": 8}]


def test_channels_by_month_nation_and_prefecture(capsys, net_url):
    nation = run_json(capsys, net_url, "channels", "--by", "month")
    assert [(r["prefecture_code"], r["month"], r["sheets"], r["missed_digital_sheets"]) for r in nation] == [
        ("00", "2025-07", 20, 8), ("00", "2025-08", 119, 3)]
    p27 = run_json(capsys, net_url, "channels", "--by", "month", "--prefecture", "27")
    assert [(r["prefecture_code"], r["month"], r["sheets"]) for r in p27] == [("27", "2025-08", 7)]


def test_channels_by_form(capsys, net_url):
    rows = run_json(capsys, net_url, "channels", "--by", "form", "--prefecture", "30")
    assert list(rows[0]) == ["prefecture_code", "month", "form", "sheets", "digital_sheets", "digital_share",
                             "missed_digital_sheets"]
    assert {r["form"]: (r["sheets"], r["digital_sheets"], r["missed_digital_sheets"]) for r in rows} == {
        "actual": (35, 10, 0), "plan": (77, 10, 3)}


def test_targets(capsys, net_url):
    rows = run_json(capsys, net_url, "targets", "--prefecture", "30", "--top", "3")
    assert [list(r) for r in rows][0] == ["rank", "office_code", "name", "municipality", "kind",
                                          "unlockable_sheets", "registered_partners"]
    assert [(r["rank"], r["office_code"], r["unlockable_sheets"], r["registered_partners"]) for r in rows] == [
        (1, nw.X, 24, 1), (2, nw.S3, 16, 2), (3, nw.S2, 16, 1)]
    assert rows[1]["name"] == "通所介護みかん" and rows[1]["kind"] == "service" and rows[0]["name"] is None


def test_savings(capsys, net_url):
    rows = run_json(capsys, net_url, "savings")
    assert list(rows[0]) == ["prefecture_code", "prefecture", "sheets", "digital_sheets", "realised_hours",
                             "realised_yen", "potential_hours", "potential_yen"]
    p30 = rows[0]
    assert (p30["prefecture_code"], p30["prefecture"], p30["sheets"], p30["digital_sheets"]) == (
        "30", "和歌山県", 132, 24)
    assert p30["realised_hours"] == pytest.approx(10.1, abs=0.05)   # 24 × 0.42
    assert p30["potential_hours"] == pytest.approx(55.4, abs=0.05)  # 132 × 0.42
    assert p30["potential_yen"] > p30["realised_yen"] > 0
    muni = run_json(capsys, net_url, "savings", "--by", "municipality", "--prefecture", "30", "--month", "2025-08")
    assert list(muni[0])[:4] == ["prefecture_code", "prefecture", "municipality_code", "municipality"]
    assert sum(r["sheets"] for r in muni) == 112


def test_csv_and_table(capsys, net_url):
    assert cli.main(["--db", net_url, "report", "targets", "--prefecture", "30", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "rank,office_code,name,municipality,kind,unlockable_sheets,registered_partners"
    assert f"2,{nw.S3},通所介護みかん,海南市,service,16,2" in out


@pytest.mark.parametrize("argv, fragment", [
    (["channels", "--prefecture", "Atlantis"], "都道府県"),
    (["channels", "--month", "2025-13"], "対象年月"),
    (["targets", "--prefecture", "30", "--top", "0"], "--top"),
])
def test_user_errors(capsys, duck_url, argv, fragment):
    code = cli.main(["--db", duck_url, "report", *argv])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["channels"], ["channels", "--by", "month"], ["channels", "--by", "form"],
                                  ["targets", "--prefecture", "30"], ["savings", "--by", "municipality"]])
def test_empty_database_gives_no_rows(capsys, duck_url, argv):
    assert run_json(capsys, duck_url, *argv) == []
