"""Savings totals are summed unrounded and rounded once (review: 103,130 h shown for 103,130.58 h).

The hand-built network has two sending prefectures (30: 132 sheets, 24 digital; 27: 7 sheets), so
rounding each prefecture to 0.1 h before summing gives a different total than summing first:
potential 55.44 + 2.94 = 58.38 → 58.4 h (per-prefecture rounding gave 55.4 + 2.9 = 58.3).
"""
from __future__ import annotations

import json

import pytest

from analytics import cli
from analytics.domain.effects import vector_effect
from analytics.store import queries_savings as qs

from . import network as nw


@pytest.fixture
def net(engine, db_url):
    nw.load(db_url)
    return engine


def test_query_returns_unrounded_values_on_both_backends(net):
    got = qs.savings(net, "prefecture").set_index("prefecture_code")
    assert got.loc["30", "potential_hours"] == pytest.approx(55.44)
    assert got.loc["27", "potential_hours"] == pytest.approx(2.94)
    assert got["potential_hours"].sum() == pytest.approx(58.38)
    # yen: the model's value for the summed sheets, not each prefecture's rounded yen
    want = vector_effect([132.0, 7.0], [132.0, 7.0])["yen_saved"].sum()
    assert got["potential_yen"].sum() == pytest.approx(want, abs=1e-4)


def test_cli_json_sums_to_the_exact_total(capsys, net, db_url):
    assert cli.main(["--db", db_url, "report", "savings", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert round(sum(r["potential_hours"] for r in rows), 1) == 58.4
    want = vector_effect([132.0, 7.0], [132.0, 7.0])["yen_saved"].sum()
    assert round(sum(r["potential_yen"] for r in rows)) == round(want)


def test_pack_highlights_round_the_sum_once(duck_url):
    from analytics.reports import pack
    from analytics.store import engine as store_engine
    nw.load(duck_url)
    engine = store_engine.get_engine(duck_url)
    section = pack._savings(engine=engine, prefecture=None, lang="ja", names=pack._names("ja"), area_name="全国",
                            as_of=None, latest=None)  # latest None: all months
    got = dict(section.highlights)
    assert got["全件データ連携時の削減時間"] == "58.4時間"
    want = vector_effect([132.0, 7.0], [132.0, 7.0])["yen_saved"].sum()
    assert got["全件データ連携時の削減額"].startswith(f"{round(want):,}円")
    # the table is rounded per row for display (hours 0.1, yen whole)
    assert section.table["potential_hours"].tolist() == [55.4, 2.9]
    assert "58.4時間" in section.summary and f"{round(want):,}円" in section.summary


def test_cli_table_is_readable(capsys, duck_url):
    nw.load(duck_url)
    assert cli.main(["--db", duck_url, "report", "savings", "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "e+" not in out and "55.4" in out and "55.44" not in out
