"""Small-count suppression, the keyed hash for distinct users, and nothing personal in the database,
the logs or the rejected-row downloads."""
from __future__ import annotations

import hashlib
import hmac
import logging

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import auth, ingest, privacy, settings
from analytics.ingest import cpds, history
from analytics.reports import tabular

from .helpers import PERSONAL, cpds_csv, csv_bytes, office, zip_bytes


@pytest.mark.parametrize("counts,threshold,expect_counts,expect_marked", [
    ([25, 9, 10, 0], 10, [25, None, 10, None], [False, True, False, True]),
    ([25, 9, 10, 0], 0, [25, 9, 10, 0], [False, False, False, False]),
    ([1, 2, 3, 4], 3, [None, None, 3, 4], [True, True, False, False]),
])
def test_suppress_small_table(counts, threshold, expect_counts, expect_marked):
    frame = pd.DataFrame({"prefecture_code": ["01", "02", "03", "04"], "offices": [100, 100, 100, 100],
                          "registered": counts, "adoption_rate": [c / 100 for c in counts]})
    out = privacy.suppress_small(frame, ["offices", "registered"], threshold)
    assert out["registered"].tolist() == expect_counts
    assert out["suppressed"].tolist() == expect_marked
    # the derived rate goes with its count (else registered = rate × offices gives it back)
    assert [r is None for r in out["adoption_rate"]] == expect_marked
    assert out["offices"].tolist() == [100] * 4 and out["prefecture_code"].tolist() == ["01", "02", "03", "04"]
    assert frame["registered"].tolist() == counts  # the input is not changed


def test_threshold_comes_from_settings(monkeypatch):
    frame = pd.DataFrame({"sheets": [4, 5], "digital_share": [0.5, 0.2]})
    monkeypatch.setenv("CAREPLAN_SUPPRESS_BELOW", "5")
    out = privacy.suppress_small(frame, ["sheets"])
    assert out["sheets"].tolist() == [None, 5] and out["digital_share"].tolist() == [None, 0.2]


@pytest.mark.parametrize("scope,suppressed", [
    (auth.Scope("viewer"), True), (auth.DENY, True), (auth.Scope("admin"), False),
    (auth.Scope("prefecture", "30"), False), (auth.Scope("office", office(30, 1)), False)])
def test_public_applies_only_to_scopes_that_suppress(scope, suppressed):
    frame = pd.DataFrame({"prefecture_code": ["30"], "offices": [3], "registered": [1], "adoption_rate": [1 / 3]})
    out = privacy.public(frame, scope)
    assert ("suppressed" in out) is suppressed
    assert (out["offices"].iloc[0] is None) is suppressed


def test_distinct_users_counted_by_keyed_hash(monkeypatch):
    monkeypatch.setenv("CAREPLAN_HASH_SECRET", "test-secret")
    data = cpds_csv([("302018", "0000012345"), ("302018", "0000012345"), ("302018", "H123456789")])
    pairs = cpds._user_pairs("UPPLAN_x.csv", data)
    assert len(pairs) == 2
    want = hmac.new(b"test-secret", "302018\x000000012345".encode(), hashlib.sha256).digest()
    assert want in pairs
    assert not any(p.decode("latin-1").find("0000012345") >= 0 for p in pairs)
    monkeypatch.setenv("CAREPLAN_HASH_SECRET", "another-secret")
    assert want not in cpds._user_pairs("UPPLAN_x.csv", data)  # keyed: a different secret, other digests
    monkeypatch.delenv("CAREPLAN_HASH_SECRET")
    assert settings.hash_key() == settings.hash_key() and len(settings.hash_key()) == 32


def test_users_counted_across_files_of_one_key():
    a, b = office(30, 1), office(30, 2)
    members = [(f"UPPLAN_202508_{a}_{b}_20250805120000.csv", cpds_csv([("302018", "0000000001"), ("302018", "0000000002")])),
               (f"UPPLAN_202508_{a}_{b}_20250805120001.csv", cpds_csv([("302018", "0000000002"), ("302018", "0000000003")]))]
    rows, errors, rows_read, agg, _companions, _deletions = cpds.check("f", members)
    assert agg["sheets"].tolist() == [3] and rows_read == 2 and errors.empty


def _all_text(engine) -> str:
    with engine.connect() as conn:
        parts = []
        for t in ("offices", "registrations", "exchanges", "profiles", "import_batches", "rejected_rows",
                  "audit_log"):
            parts.append(pd.read_sql(sa.text(f"SELECT * FROM {t}"), conn).to_csv())
    return "\n".join(parts)


def test_nothing_personal_in_database_logs_or_rejected_downloads(duck_url, caplog):
    from analytics.store.engine import get_engine
    eng = get_engine(duck_url)
    caplog.set_level(logging.DEBUG)
    a, b = office(30, 1), office(30, 2)
    upload = csv_bytes([["事業所番号", "利用開始日", "氏名", "被保険者番号", "生年月日", "住所"],
                        [a, "2025-04-01", "山田太郎", "H123456789", "19400101", "和歌山市小松原通一丁目"],
                        ["bad", "2025-04-01", "山田太郎", "H123456789", "19400101", "和歌山市小松原通一丁目"],
                        [b, "いつか", "ヤマダタロウ", "0000012345", "19400101", "和歌山市小松原通一丁目"]])
    s1 = ingest.ingest_files(eng, "registrations", [("regs.csv", upload)])
    zipped = zip_bytes({f"UPPLAN_202508_{a}_{b}_20250805120000.csv": cpds_csv([("302018", "0000012345")]),
                        "UPPLAN_202508_山田太郎_x.csv": cpds_csv([("302018", "H123456789")])})
    s2 = ingest.ingest_files(eng, "cpds", [("cpds.zip", zipped)])
    assert (s1.accepted, s1.rejected, s2.accepted, s2.rejected) == (1, 2, 1, 1)
    rejected = history.rejected_rows(eng, s1.batch_ids + s2.batch_ids)
    download = tabular.rejected_csv(rejected).decode("utf-8-sig")
    summaries = repr(s1.as_json()) + repr(s2.as_json())
    for value in PERSONAL:
        assert value not in _all_text(eng), value
        assert value not in caplog.text, value
        assert value not in download and value not in summaries, value
