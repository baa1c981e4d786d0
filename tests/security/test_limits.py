"""Bounds: oversized uploads, too many rows, ZIP entry count, unpacked size and expansion ratio (ZIP and
XLSX bombs) are refused whole, with one message in Japanese and English, and store nothing."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from conftest import cli_in_both_languages

from analytics import ingest, settings
from analytics.errors import FileRefused
from analytics.ingest import limits

from .helpers import cpds_csv, csv_bytes, office, zip_bytes

GOOD_MEMBER = f"UPPLAN_202508_{office(30, 1)}_{office(30, 2)}_20250805120000.csv"


def stored(engine) -> int:
    import sqlalchemy as sa
    with engine.connect() as conn:
        return sum(conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar()
                   for t in ("exchanges", "offices", "registrations", "profiles", "rejected_rows"))


def refused(engine, kind, name, data) -> str:
    summary = ingest.ingest_files(engine, kind, [(name, data)])
    assert summary.batch_ids == [] and len(summary.refused) == 1, summary
    assert stored(engine) == 0
    message = summary.refused[0]
    ja, en = message.split(" / ", 1)
    assert any("\u3040" <= ch <= "\u9fff" for ch in ja)   # one sentence in Japanese …
    assert sum(ch.isascii() and ch.isalpha() for ch in en) > 20  # … and one in English
    return message


def zip_bomb(unpacked_mb: int = 50) -> bytes:
    """A well-formed ZIP whose one member unpacks from ~50 KB to 50 MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open(GOOD_MEMBER, "w", force_zip64=True) as fh:
            block = b"0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                fh.write(block)
    return buf.getvalue()


def test_zip_bomb_is_refused(duck_url):
    from analytics.store.engine import get_engine
    data = zip_bomb()
    assert len(data) < 200_000
    message = refused(get_engine(duck_url), "cpds", "bomb.zip", data)
    assert "ZIP爆弾" in message and "archive bomb" in message


def test_zip_bomb_is_stopped_while_unpacking_too(monkeypatch):
    """Defence in depth: were the directory check skipped, the counting reader stops at the bound."""
    from analytics.ingest import cpds
    monkeypatch.setattr(limits, "check_archive", lambda name, zf: [i for i in zf.infolist() if not i.is_dir()])
    with pytest.raises(FileRefused) as err:
        cpds.members_of_zip("bomb.zip", zip_bomb(8))
    assert "archive bomb" in err.value.en and "ZIP爆弾" in err.value.ja


def test_xlsx_bomb_is_refused(duck_url):
    from analytics.store.engine import get_engine
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (30 * 1024 * 1024))
    message = refused(get_engine(duck_url), "offices", "offices.xlsx", buf.getvalue())
    assert "archive bomb" in message


def test_too_many_zip_entries(duck_url, monkeypatch):
    from analytics.store.engine import get_engine
    monkeypatch.setenv("CAREPLAN_MAX_ZIP_ENTRIES", "3")
    data = zip_bytes({f"UPPLAN_202508_{office(30, 1)}_{office(30, i + 2)}.csv": cpds_csv([("302018", "0000000001")])
                      for i in range(4)})
    message = refused(get_engine(duck_url), "cpds", "many.zip", data)
    assert "limit 3" in message and "split it into several archives" in message


def test_unpacked_size_bound(duck_url, monkeypatch):
    from analytics.store.engine import get_engine
    monkeypatch.setenv("CAREPLAN_MAX_UNPACKED_MB", "1")
    data = zip_bytes({GOOD_MEMBER: cpds_csv([("302018", f"{i:010d}") for i in range(20000)])})
    message = refused(get_engine(duck_url), "cpds", "big.zip", data)
    assert "unpacks to more than 1 MB" in message


def test_oversized_upload_is_refused_as_bytes_and_as_path(duck_url, tmp_path, monkeypatch, capsys):
    from analytics.store.engine import get_engine
    monkeypatch.setenv("CAREPLAN_MAX_UPLOAD_MB", "1")
    rows = [["事業所番号", "利用開始日"]] + [[office(30, i % 9000 + 1), "2025-04-01"] for i in range(60_000)]
    data = csv_bytes(rows)
    assert len(data) > settings.MB
    message = refused(get_engine(duck_url), "registrations", "big.csv", data)
    assert "limit 1 MB" in message and "CAREPLAN_MAX_UPLOAD_MB" in message
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    code, out, err = cli_in_both_languages(capsys, ["--db", duck_url, "ingest", "registrations", str(path), "--json"])
    assert code == 2 and json.loads(out)["accepted"] == 0
    assert err.startswith("取込できません: big.csv: ファイルが大きすぎます") and " / refused: big.csv: the file is too large" in err


def test_too_many_rows(duck_url, monkeypatch):
    from analytics.store.engine import get_engine
    monkeypatch.setenv("CAREPLAN_MAX_ROWS_PER_FILE", "100")
    rows = [["事業所番号", "利用開始日"]] + [[office(30, i + 1), "2025-04-01"] for i in range(101)]
    message = refused(get_engine(duck_url), "registrations", "rows.csv", csv_bytes(rows))
    assert "101" in message and "limit 100" in message
    ok = ingest.ingest_files(get_engine(duck_url), "registrations", [("ok.csv", csv_bytes(rows[:101]))])
    assert ok.accepted == 100 and not ok.refused


def test_ordinary_zip_passes(duck_url):
    from analytics.store.engine import get_engine
    data = zip_bytes({GOOD_MEMBER: cpds_csv([("302018", "0000000001"), ("302018", "0000000002")])})
    summary = ingest.ingest_files(get_engine(duck_url), "cpds", [("ok.zip", data)])
    assert (summary.accepted, summary.refused) == (1, [])


def test_malformed_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("CAREPLAN_MAX_ROWS_PER_FILE", "-5")
    with pytest.raises(ValueError):
        settings.get("max_rows_per_file")
