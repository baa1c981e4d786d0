"""Deletion files of the 標準仕様 (issue #21, 2) applied to the exchange they delete when it was stored by an
earlier import: the deletion's users taken off its sheets (the exchange removed when none is left), once,
in the file's transaction, with the pre-aggregates rebuilt for the months changed; a deletion whose
exchange is nowhere is reported (counted, a note; not an error). Files as the software writes them: CP932
records without header, v4.1 names with サービス種類コード, in ZIPs."""
from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from ingest_helpers import cpds_csv, cpds_zip, table
from test_cpds_names import CM, SVC, U1, U2, U3, v4

from analytics.cli import main
from analytics.ingest import ingest_files
from analytics.store import aggregates, aggregates_office, schema
from analytics.store import engine as store_engine

PRE_AGGREGATES = (schema.exchanges_monthly,) + aggregates_office.TABLES


def _check(s):
    assert s.rows_read == s.accepted + s.duplicates + s.rejected + s.companions + s.deletions
    assert not s.refused


def _stored(engine) -> list[tuple]:
    got = table(engine, "exchanges", "form, sender_service")
    return [(f, ss, rs, n) for f, ss, rs, n in zip(got["form"], got["sender_service"], got["receiver_service"],
                                                 got["sheets"])]


def _pre_aggregates(engine) -> dict[str, list]:
    out = {}
    with engine.connect() as conn:
        for t in PRE_AGGREGATES:
            rows = conn.execute(sa.select(t)).fetchall()
            out[t.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def _as_rebuilt(engine) -> None:
    """The pre-aggregates kept by the imports are fresh and equal to a full rebuild from exchanges."""
    assert aggregates.is_fresh(engine)
    kept = _pre_aggregates(engine)
    with engine.begin() as conn:
        aggregates.refresh(conn)
    assert kept == _pre_aggregates(engine)


def _send(engine, name, files):
    s = ingest_files(engine, "cpds", [(name, cpds_zip(files))])
    _check(s)
    return s


def test_a_later_deletion_is_applied_to_the_stored_exchange_once(engine):
    _send(engine, "send_0725.zip", {v4("UPPLAN"): cpds_csv([U1, U2, U3]),
                                    v4("UPJSK", SVC, "11", CM, "43"): cpds_csv([U1])})
    assert _stored(engine) == [("actual", "11", "43", 1), ("plan", "43", "11", 3)]
    # the next day: U2's plan withdrawn
    s = _send(engine, "send_0726.zip", {v4("DLTPLAN", ts="20250726090000"): cpds_csv([U2])})
    assert (s.rows_read, s.accepted, s.deletions, s.deletions_not_found, s.companions) == (1, 0, 1, 0, 0)
    assert _stored(engine) == [("actual", "11", "43", 1), ("plan", "43", "11", 2)]
    _as_rebuilt(engine)
    # the same deletion in a later folder (with another file): not applied again, said so
    s = _send(engine, "send_0727.zip", {v4("DLTPLAN", ts="20250726090000"): cpds_csv([U2]),
                                        v4("UPHOSOKU", ym="000000"): cpds_csv([U1])})
    assert (s.deletions, s.deletions_not_found, s.companions) == (1, 0, 1)
    assert _stored(engine) == [("actual", "11", "43", 1), ("plan", "43", "11", 2)]
    assert "以前の取込で適用済み" in s.notes[0]["note"]
    # every user of the actual withdrawn: the exchange is gone
    s = _send(engine, "send_0728.zip", {v4("DLTJSK", SVC, "11", CM, "43", ts="20250728090000"): cpds_csv([U1])})
    assert _stored(engine) == [("plan", "43", "11", 2)]
    _as_rebuilt(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.exchange_deletions)).scalar() == 2


def test_a_folder_sent_again_with_its_deletion_is_a_duplicate(engine):
    """The plan stored first; then the whole folder (the plan and its deletion): the deletion is applied to
    the stored plan and to the plan in the folder alike, so the folder's plan is a duplicate, not a conflict."""
    _send(engine, "a.zip", {v4("UPPLAN"): cpds_csv([U1, U2])})
    s = _send(engine, "b.zip", {v4("UPPLAN"): cpds_csv([U1, U2]),
                                v4("DLTPLAN", ts="20250726090000"): cpds_csv([U2])})
    assert (s.accepted, s.duplicates, s.rejected, s.deletions) == (0, 1, 0, 1)
    assert _stored(engine) == [("plan", "43", "11", 1)]
    _as_rebuilt(engine)


def test_a_deletion_for_other_services_or_no_stored_exchange_is_reported(db_url, capsys):
    engine = store_engine.get_engine(db_url)
    _send(engine, "a.zip", {v4("UPPLAN"): cpds_csv([U1, U2])})
    # the same pair and month, but for 訪問看護 (13): another exchange, not stored
    files = {v4("DLTPLAN", r_svc="13", ts="20250726090000"): cpds_csv([U1])}
    assert main(["--db", db_url, "ingest", "cpds", _write(files), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["rows_read"], out["accepted"], out["rejected"], out["deletions"], out["deletions_not_found"]) == (
        1, 0, 0, 1, 1)
    assert out["errors"] == []
    assert out["notes"][0]["note"].startswith(f"削除ファイル {v4('DLTPLAN', r_svc='13', ts='20250726090000')[:-4]}: "
                                              f"対象の提供票（2025-08 {CM}→{SVC}）が見つかりません")
    assert _stored(engine) == [("plan", "43", "11", 2)]
    files = {v4("DLTPLAN", ts="20250726090000"): cpds_csv([U1]), v4("DLTPLAN", ym="202507"): cpds_csv([U1])}
    assert main(["--db", db_url, "ingest", "cpds", _write(files)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.endswith("（削除ファイル 2 件: 対象の提供票から利用者を取り消しました。うち対象の提供票が見つからないもの 1 件）")
    assert _stored(engine) == [("plan", "43", "11", 1)]


_WRITTEN: list = []


def _write(files) -> str:
    import tempfile
    d = tempfile.mkdtemp(prefix="cpds-del-")
    path = f"{d}/unit_{len(_WRITTEN)}.zip"
    _WRITTEN.append(path)
    with open(path, "wb") as fh:
        fh.write(cpds_zip(files))
    return path


def test_the_import_page_shows_deletion_files(duck_url):
    from ingest_helpers import import_page
    engine = store_engine.get_engine(duck_url)
    _send(engine, "a.zip", {v4("UPPLAN"): cpds_csv([U1, U2])})
    at = import_page(duck_url)
    at.selectbox(key="import_kind").set_value("cpds").run()
    files = {v4("DLTPLAN", ts="20250726090000"): cpds_csv([U1]), v4("DLTPLAN", ym="202507"): cpds_csv([U1])}
    at.file_uploader(key="import_files").upload("del.zip", cpds_zip(files), "application/zip").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"ファイル数": "1", "読込行数": "2", "取込": "0", "重複（登録済み）": "0", "除外": "0",
                       "削除ファイル": "2"}
    assert any("対象の提供票（2025-07" in i.value for i in at.info)


def test_old_generation_names_keep_no_service_codes(engine):
    old = f"UPPLAN_202508_{CM}_{SVC}_20250725101010.CSV"
    _send(engine, "old.zip", {old: cpds_csv([U1, U2])})
    s = _send(engine, "old_del.zip", {f"DLTPLAN_202508_{CM}_{SVC}_20250726090000.CSV": cpds_csv([U2])})
    assert (s.deletions, s.deletions_not_found) == (1, 0)
    got = table(engine, "exchanges")
    assert got["sender_service"].isna().all() and got["sheets"].tolist() == [1]
    assert pd.isna(got["receiver_service"].iloc[0])
