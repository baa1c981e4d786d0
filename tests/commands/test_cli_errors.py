"""User mistakes on the command line give one line in Japanese and English and exit status 2, never a
traceback: database URLs (form, backend, in memory, not a DuckDB file, missing, read-only, unwritable
folder), settings, --out targets, argparse errors, an empty --prefecture, and ingest's refused files."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa
from conftest import cli_in_both_languages, need

from analytics import cli
from analytics.store import engine as store_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORMS = ("duckdb:///", "postgresql+psycopg://")
EXCHANGES = ("対象年月,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
             "2025-04,3010100018,3020100016,予定,FAX,10\n"
             "2025-04,3010100018,3030100014,予定,データ連携,5\n"
             "2025-04,3010100018,3020100016,実績,郵送,3\n")


def run(capsys, *argv) -> tuple[int, str, str]:
    """cli.main in this process, in Japanese and (when it refuses) in English; the engine it opened is closed
    again, as when the command exits."""
    def dispose():
        if "--db" in argv:
            store_engine.dispose(store_engine.resolve_url(argv[argv.index("--db") + 1]))
    return cli_in_both_languages(capsys, list(argv), dispose)


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("エラー"), err
    return err


def exchanges_file(tmp_path) -> str:
    path = tmp_path / "exc.csv"
    path.write_text(EXCHANGES, encoding="utf-8")
    return str(path)


def rows(path: pathlib.Path, table: str = "exchanges") -> int:
    import duckdb
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def read_only():
    """Make a file or folder unwritable for this process (chmod; chattr +i when running as root)."""
    done: list[pathlib.Path] = []

    def make(path: pathlib.Path) -> pathlib.Path:
        path.chmod(0o555 if path.is_dir() else 0o444)
        done.append(path)
        if os.access(path, os.W_OK) and shutil.which("chattr"):
            subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        need(not os.access(path, os.W_OK), "cannot make a file read-only here (root without chattr +i)")
        return path

    yield make
    for path in done:
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755 if path.is_dir() else 0o644)


# ------------------------------------------------------------------ 1. URL form and backend

def test_a_url_that_is_not_a_url_lists_the_supported_forms(capsys):
    code, out, err = run(capsys, "--db", "foo", "report", "adoption")
    assert code == 2 and out == ""
    one_error_line(err)
    assert "データベースURL「foo」の形式が分かりません" in err and "'foo' is not understood" in err
    assert all(form in err for form in FORMS)


def test_an_unsupported_backend_is_named_and_the_password_masked(capsys):
    code, _, err = run(capsys, "--db", "mysql://user:s3cret@db-host/care", "report", "adoption")
    assert code == 2
    one_error_line(err)
    assert "「mysql」には対応していません" in err and "backend 'mysql' is not supported" in err
    assert all(form in err for form in FORMS)
    assert "s3cret" not in err and "mysql://user:***@db-host/care" in err


def test_postgresql_without_the_psycopg_driver_says_which_prefix(capsys):
    code, _, err = run(capsys, "--db", "postgresql://user:s3cret@db-host/care", "report", "adoption")
    assert code == 2
    one_error_line(err)
    assert "postgresql+psycopg://" in err and "psycopg 3" in err and "s3cret" not in err


def test_an_unreachable_postgresql_server_keeps_its_message(capsys, monkeypatch):
    monkeypatch.setenv("CAREPLAN_DB_URL", "postgresql+psycopg://user:s3cret@127.0.0.1:1/care")
    code, _, err = run(capsys, "report", "adoption")
    store_engine.dispose("postgresql+psycopg://user:s3cret@127.0.0.1:1/care")
    assert code == 2
    one_error_line(err)
    assert "サーバーの状態を確認してください" in err and "that the server is running" in err
    assert "s3cret" not in err


# ------------------------------------------------------------------ 2. settings

@pytest.mark.parametrize("name,value,low", [("CAREPLAN_MAX_UPLOAD_MB", "abc", 1), ("CAREPLAN_MAX_UPLOAD_MB", "-1", 1),
                                            ("CAREPLAN_SUPPRESS_BELOW", "x", 0)])
def test_a_malformed_setting_is_named_before_anything_is_stored(capsys, monkeypatch, tmp_path, name, value, low):
    monkeypatch.setenv(name, value)
    db = tmp_path / "new.duckdb"
    code, out, err = run(capsys, "--db", f"duckdb:///{db}", "ingest", "exchanges", exchanges_file(tmp_path))
    assert code == 2 and out == ""
    one_error_line(err)
    assert f"環境変数 {name} の値「{value}」は使えません。{low} 以上の整数にしてください" in err
    assert f"the environment variable {name} has the value '{value}'; use a whole number of {low} or more" in err
    assert not db.exists()  # nothing created, nothing stored


def test_a_malformed_setting_stops_a_report_too(capsys, monkeypatch, tmp_path):
    db = tmp_path / "x.duckdb"
    assert run(capsys, "--db", f"duckdb:///{db}", "ingest", "exchanges", exchanges_file(tmp_path))[0] == 0
    monkeypatch.setenv("CAREPLAN_SUPPRESS_BELOW", "x")
    code, out, err = run(capsys, "--db", f"duckdb:///{db}", "report", "channels", "--format", "json")
    assert code == 2 and out == ""
    assert "CAREPLAN_SUPPRESS_BELOW" in one_error_line(err)


# ------------------------------------------------------------------ 3. folders and --out

def test_a_database_folder_that_cannot_be_made(capsys, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--db", f"duckdb:///{blocker}/sub/x.duckdb", "ingest", "exchanges",
                       exchanges_file(tmp_path))
    assert code == 2
    one_error_line(err)
    assert f"データベースのフォルダ {blocker}/sub を作れません" in err and f"cannot create the database folder {blocker}/sub" in err
    assert blocker.read_text() == "not a folder"


def test_a_database_in_a_read_only_folder(capsys, tmp_path, read_only):
    (tmp_path / "locked").mkdir()
    folder = read_only(tmp_path / "locked")
    code, _, err = run(capsys, "--db", f"duckdb:///{folder}/sub/x.duckdb", "ingest", "exchanges",
                       exchanges_file(tmp_path))
    assert code == 2
    one_error_line(err)
    assert f"{folder}/sub を作れません" in err and "writable folder" in err
    assert not (folder / "sub").exists()


@pytest.fixture
def demo_db(tmp_path, capsys):
    db = tmp_path / "data.duckdb"
    assert run(capsys, "--db", f"duckdb:///{db}", "ingest", "exchanges", exchanges_file(tmp_path))[0] == 0
    return db


def test_export_out_is_a_folder(capsys, tmp_path, demo_db):
    code, _, err = run(capsys, "--db", f"duckdb:///{demo_db}", "export", "xlsx", "--out", str(tmp_path))
    assert code == 2
    one_error_line(err)
    assert f"--out の {tmp_path} はフォルダです" in err and f"--out {tmp_path} is a folder; give a file name" in err


def test_export_out_in_a_missing_folder(capsys, tmp_path, demo_db):
    out = tmp_path / "missing" / "pack.xlsx"
    code, _, err = run(capsys, "--db", f"duckdb:///{demo_db}", "export", "xlsx", "--out", str(out))
    assert code == 2
    one_error_line(err)
    assert f"the folder {out.parent} does not exist" in err and not out.parent.exists()


@pytest.mark.parametrize("what", ["xlsx", "pptx", "pdf"])
def test_export_out_in_an_unwritable_folder(capsys, tmp_path, demo_db, read_only, what):
    (tmp_path / "locked").mkdir()
    folder = read_only(tmp_path / "locked")
    out = folder / f"pack.{what}"
    code, _, err = run(capsys, "--db", f"duckdb:///{demo_db}", "export", what, "--out", str(out))
    assert code == 2
    one_error_line(err)
    assert f"{out} に書き込めません" in err and f"cannot write {out} (the folder is not writable)" in err
    assert not out.exists()


def test_export_over_a_read_only_file(capsys, tmp_path, demo_db, read_only):
    out = tmp_path / "pack.xlsx"
    out.write_bytes(b"old")
    read_only(out)
    code, _, err = run(capsys, "--db", f"duckdb:///{demo_db}", "export", "xlsx", "--out", str(out))
    assert code == 2
    assert "the file is read-only" in one_error_line(err) and out.read_bytes() == b"old"


# ------------------------------------------------------------------ 4. targets that keep nothing

@pytest.mark.parametrize("url", ["duckdb:///:memory:", "duckdb://"])
def test_an_in_memory_database_is_refused(capsys, tmp_path, url):
    code, out, err = run(capsys, "--db", url, "ingest", "exchanges", exchanges_file(tmp_path))
    assert code == 2 and out == ""  # no "取込 3 / accepted"
    one_error_line(err)
    assert "メモリ上のデータベース" in err and "an in-memory database" in err and "keeps nothing" in err


def test_in_memory_duckdb_still_works_inside_the_program():
    eng = store_engine.get_engine("duckdb:///:memory:")
    try:
        assert store_engine.read_df(eng, sa.text("SELECT count(*) AS n FROM exchanges"))["n"].tolist() == [0]
    finally:
        store_engine.dispose("duckdb:///:memory:")


def test_a_file_that_is_not_a_duckdb_database_is_refused_and_left_alone(capsys, tmp_path):
    csv = pathlib.Path(exchanges_file(tmp_path))
    before = csv.read_bytes()
    for argv in (["report", "adoption"], ["ingest", "exchanges", str(csv)]):
        code, out, err = run(capsys, "--db", f"duckdb:///{csv}", *argv)
        assert code == 2 and out == ""
        one_error_line(err)
        assert f"{csv} は DuckDB のデータベースファイルではありません" in err
        assert f"{csv} is not a DuckDB database file" in err
    assert csv.read_bytes() == before


def test_a_folder_as_the_database_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "--db", f"duckdb:///{tmp_path}", "ingest", "exchanges", exchanges_file(tmp_path))
    assert code == 2
    assert f"{tmp_path} is a folder" in one_error_line(err)


# ------------------------------------------------------------------ 5. read commands never create

@pytest.mark.parametrize("argv", [["report", "adoption"], ["report", "channels"], ["export", "xlsx", "--out", "OUT"]])
def test_a_mistyped_path_is_not_created_by_a_read_command(capsys, tmp_path, argv):
    db = tmp_path / "nonexistent_dir" / "x.duckdb"
    argv = [str(tmp_path / "pack.xlsx") if a == "OUT" else a for a in argv]
    code, out, err = run(capsys, "--db", f"duckdb:///{db}", *argv)
    assert code == 2 and out == ""
    one_error_line(err)
    assert (f"エラー: データベースがありません: {db}。パスを確認するか、careplan demo または careplan ingest で作成してください / "
            f"error: no database at {db}; check the path or create it with careplan demo or careplan ingest\n") == err
    assert not db.parent.exists() and not (tmp_path / "pack.xlsx").exists()


def test_a_missing_default_database_is_not_created_either(capsys, tmp_path, monkeypatch):
    db = tmp_path / "env" / "careplan.duckdb"
    monkeypatch.setenv("CAREPLAN_DB_URL", f"duckdb:///{db}")
    code, _, err = run(capsys, "report", "adoption")
    assert code == 2 and f"no database at {db}" in one_error_line(err) and not db.parent.exists()


def test_a_writing_command_creates_the_database_and_its_folder(capsys, tmp_path):
    db = tmp_path / "new_dir" / "x.duckdb"
    code, out, _ = run(capsys, "--db", f"duckdb:///{db}", "ingest", "exchanges", exchanges_file(tmp_path))
    assert code == 0 and "取込 3 行" in out
    assert db.read_bytes()[8:12] == b"DUCK" and rows(db) == 3


# ------------------------------------------------------------------ 6. a read-only database file

def test_a_read_only_database_file_is_read_but_not_written(capsys, tmp_path, demo_db, read_only):
    read_only(demo_db)
    code, out, err = run(capsys, "--db", f"duckdb:///{demo_db}", "report", "channels", "--by", "month",
                         "--prefecture", "30", "--format", "json")
    assert code == 0, err
    [row] = json.loads(out)
    assert (row["month"], row["sheets"], row["digital_sheets"]) == ("2025-04", 18, 5)

    code, out, err = run(capsys, "--db", f"duckdb:///{demo_db}", "ingest", "exchanges", exchanges_file(tmp_path))
    assert code == 2 and out == ""
    one_error_line(err)
    assert f"データベースファイル {demo_db} に書き込めません" in err and f"the database file {demo_db} is not writable" in err
    assert "server" not in err and rows(demo_db) == 3


def test_a_local_file_that_cannot_be_opened_gets_the_file_hint_not_the_server_hint():
    exc = sa.exc.OperationalError("connect", {}, Exception("IO Error: Permission denied"))
    message = " ".join(store_engine.unavailable_message("duckdb:////srv/x.duckdb", exc))
    assert "/srv/x.duckdb" in message and "Permission denied" in message and "permissions" in message
    assert "server" not in message and "サーバー" not in message
    pg = " ".join(store_engine.unavailable_message("postgresql+psycopg://u:pw@h/db", exc))
    assert "that the server is running" in pg and "pw@" not in pg


# ------------------------------------------------------------------ 7. ingest: refused files in --json

def test_ingest_json_lists_refused_files_and_what_was_stored(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    good = exchanges_file(tmp_path)
    db = tmp_path / "x.duckdb"
    code, out, err = run(capsys, "--db", f"duckdb:///{db}", "ingest", "exchanges", str(empty), good, "--json")
    assert code == 2
    summary = json.loads(out)
    assert list(summary)[:7] == ["kind", "files", "rows_read", "accepted", "duplicates", "rejected", "errors"]
    assert (summary["files"], summary["accepted"]) == (2, 3)
    [refused] = summary["refused"]
    assert refused["file"] == "empty.csv" and "ファイルが空です" in refused["reason"] and "the file is empty" in refused["reason"]
    assert "refused: empty.csv" in err and "the other 1 file(s) were processed" in err
    assert rows(db) == 3  # the second file was stored


# ------------------------------------------------------------------ 8. argparse and --prefecture ""

@pytest.mark.parametrize("argv,ja,en", [
    (["ingest", "exchange", "x.csv"], "kind に「exchange」は指定できません", "argument kind: invalid choice: 'exchange'"),
    (["effect", "--hourly-wage", "abc"], "--hourly-wage の値「abc」は数値ではありません",
     "argument --hourly-wage: invalid float value: 'abc'"),
    (["effect", "--users", "many"], "--users の値「many」は整数ではありません", "invalid int value: 'many'"),
    (["report"], "必要な引数がありません: report", "the following arguments are required: report"),
])
def test_argparse_errors_in_the_users_language(capsys, argv, ja, en):
    for lang, words, other in (("ja", ja, en), ("en", en, ja)):
        with pytest.raises(SystemExit) as exited:
            cli.main(["--lang", lang, *argv])
        assert exited.value.code == 2
        out, err = capsys.readouterr()
        assert out == "" and "Traceback" not in err and err.count("\n") == 1
        assert err.startswith("エラー: " if lang == "ja" else "error: ") and words in err and other not in err


def test_argparse_errors_speak_lang_given_after_the_command(capsys, monkeypatch):
    """--lang is read before the arguments are parsed, wherever it stands; LANG decides without it."""
    with pytest.raises(SystemExit):
        cli.main(["ingest", "exchange", "x.csv", "--lang=en"])
    assert capsys.readouterr().err.startswith("error: argument kind: invalid choice")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(SystemExit):
        cli.main(["ingest", "exchange", "x.csv"])
    assert capsys.readouterr().err.startswith("error: argument kind")


@pytest.mark.parametrize("report", ["adoption", "channels"])
def test_an_empty_prefecture_is_not_the_nation(capsys, demo_db, report):
    code, out, err = run(capsys, "--db", f"duckdb:///{demo_db}", "report", report, "--prefecture", "")
    assert code == 2 and out == ""
    one_error_line(err)
    assert "都道府県「」が分かりません" in err and "unknown prefecture ''" in err


def test_a_read_only_file_that_needs_migrating_says_so(capsys, demo_db, read_only):
    import duckdb
    con = duckdb.connect(str(demo_db))
    con.execute("DELETE FROM schema_version")  # as if written by an older version
    con.close()
    read_only(demo_db)
    code, out, err = run(capsys, "--db", f"duckdb:///{demo_db}", "report", "adoption")
    assert code == 2 and out == ""
    one_error_line(err)
    assert "読み取り専用ですが、このバージョンに合わせた表の更新が必要です" in err
    assert f"is read-only but its tables need updating to this version; make it writable (chmod u+w {demo_db})" in err


def test_demo_on_an_unreachable_server_masks_the_password(capsys):
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/care"
    code, _, err = run(capsys, "--db", url, "demo")
    assert code == 2
    one_error_line(err)
    assert "s3cret" not in err and "user:***@127.0.0.1:1/care" in err


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_report_into_a_closed_pipe_ends_quietly(tmp_path, fmt):
    """`careplan report … | head`: the reader goes away; the command stops without a traceback, with the
    status a shell gives a command ended by SIGPIPE. Both commands in their own process, as from a shell."""
    import sys
    db = f"duckdb:///{tmp_path / 'pipe.duckdb'}"
    cmd = [sys.executable, "-m", "analytics", "--db", db]
    subprocess.run(cmd + ["ingest", "exchanges", exchanges_file(tmp_path)], check=True, capture_output=True,
                   timeout=120)
    r, w = os.pipe()
    os.close(r)   # nobody reads: every write meets a broken pipe, as after `head` has its lines
    try:
        proc = subprocess.run(cmd + ["report", "channels", "--by", "month", "--format", fmt], stdout=w,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(w)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 141


def test_effect_user_still_means_users(capsys):
    """`careplan effect --user 30` (argparse's abbreviation of --users) computed 30 users before --user
    (sign-in) was accepted after every command; effect keeps its meaning."""
    code, out, err = run(capsys, "effect", "--user", "30", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["hours_before"] == 17.47          # 52.4 h × 30 / 90 users
    assert run(capsys, "effect", "--users", "30", "--format", "json")[1] == out


@pytest.mark.parametrize("argv, needle", [
    (["report", "adoption", "--as-of", "令和99年1月1日"], "--as-of 「令和99年1月1日」（2117-01-01）: 日付が範囲外です"),
    (["report", "channels", "--month", "2026-03"], "--month 「2026-03」（2026-03）: 年月が範囲外です。2000年4月"),
    (["report", "savings", "--month", "令和99年1月"], "--month 「令和99年1月」（2117-01）: 年月が範囲外です"),
    (["report", "targets", "--prefecture", "30", "--month", "2000-03"], "2026年2月まで"),
])
def test_cli_dates_follow_the_one_rule(tmp_path, argv, needle):
    """Every CLI date option uses dates.allowed_range, as an import does: one line, exit 2, no traceback."""
    db = tmp_path / "d.duckdb"
    env = dict(os.environ, CAREPLAN_TODAY="2026-01-15", PYTHONWARNINGS="error")
    ok = subprocess.run([sys.executable, "-m", "analytics", "--db", f"duckdb:///{db}", "ingest", "exchanges",
                         exchanges_file(tmp_path)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    done = subprocess.run([sys.executable, "-m", "analytics", "--db", f"duckdb:///{db}", *argv],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2 and needle in done.stderr
    one_error_line(done.stderr)
