"""The shared PostgreSQL deployment as an administrator meets it: a server stopped and started while the app
and the CLI run, a database user that may not create the tables, a misplaced or wrong --db URL. Each gives
one message in Japanese and English (password masked), never a traceback, and the app recovers by itself
once the server is back."""
from __future__ import annotations

import pathlib
import uuid

import pytest
import sqlalchemy as sa
from conftest import cli_in_both_languages
from streamlit.testing.v1 import AppTest

from analytics import cli
from analytics.store import engine as store_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _app(url: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    return at


@pytest.mark.postgres
def test_app_and_cli_while_the_server_is_stopped_and_after_it_is_back(pg_server, pg_ctl, tmp_path, capsys):
    from conftest import _new_pg_database
    url = _new_pg_database(pg_server)
    store_engine.get_engine(url)          # the app has been serving: engine open, connections pooled
    try:
        at = _app(url)
        at.run()
        assert not at.exception and not at.error

        pg_ctl("stop")
        at.run()
        assert not at.exception, at.exception[0].value if at.exception else None
        [error] = at.error   # in the reader's language (Japanese here, English below)
        assert "接続できません" in error.value and "Cannot connect to the database" not in error.value
        assert "Traceback" not in error.value
        at.session_state["lang"] = "en"
        at.run()
        [error] = at.error
        assert "Cannot connect to the database" in error.value and "接続できません" not in error.value
        at.session_state["lang"] = "ja"

        code, _, err = cli_in_both_languages(capsys, ["--db", url, "report", "adoption", "--format", "json"])
        assert code == 2 and err.count("\n") == 1 and "接続できません" in err and "Cannot connect to the database" in err
        code, _, err = cli_in_both_languages(capsys, ["--db", url, "export", "xlsx", "--out", str(tmp_path / "pack.xlsx")])
        assert code == 2 and err.count("\n") == 1 and "Cannot connect to the database" in err, err

        pg_ctl("start")
        at.run()   # the pooled connections died with the server: replaced, not shown as an error
        assert not at.exception, at.exception[0].value if at.exception else None
        assert not at.error
    finally:
        store_engine.dispose(url)


@pytest.mark.postgres
def test_server_restart_between_two_commands_of_one_process(pg_server, pg_ctl):
    """A restart (maintenance, failover) while nothing ran: the next query gets a fresh connection."""
    from conftest import _new_pg_database
    url = _new_pg_database(pg_server)
    eng = store_engine.get_engine(url)
    try:
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        pg_ctl("stop")
        pg_ctl("start")
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        store_engine.dispose(url)


@pytest.mark.postgres
def test_user_who_may_not_create_tables_is_told_to_own_the_database(pg_server, capsys):
    """PostgreSQL 15+ lets only the database owner create tables in schema public: the app's user of a
    database an administrator created for it is refused there. One line naming the fix, no traceback."""
    from conftest import _new_pg_database
    owner_url = _new_pg_database(pg_server)
    db = sa.engine.make_url(owner_url).database
    role = "np_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # as 15+ does, on any version
    admin.dispose()
    url = f"{pg_server.replace('postgres@', role + '@')}/{db}"
    for argv in (["report", "adoption"], ["ingest", "exchanges", str(ROOT / "pyproject.toml")], ["demo"]):
        code = cli.main(["--db", url, *argv])
        err = capsys.readouterr().err
        assert code == 2, argv
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert f"OWNER TO {role}" in err and "permission denied" in err, err
    store_engine.dispose(url)


@pytest.mark.postgres
def test_wrong_database_name_says_what_the_server_said(pg_server, capsys):
    code, _, err = cli_in_both_languages(capsys, ["--db", f"{pg_server}/no_such_db_{uuid.uuid4().hex[:6]}", "report",
                                                  "adoption"])
    assert code == 2 and err.count("\n") == 1
    assert "does not exist" in err and "Cannot connect to the database" in err


def test_db_after_the_command_and_no_password_in_argparse_errors(tmp_path, capsys, monkeypatch):
    """`careplan demo --db URL` works as `careplan --db URL demo`; a URL argparse echoes back (a mistyped
    option) shows its password masked."""
    monkeypatch.setenv("CAREPLAN_DEMO_FRACTION", "0.05")
    url = f"duckdb:///{tmp_path / 'after.duckdb'}"
    try:
        assert cli.main(["demo", "--db", url, "--seed", "3", "--no-users"]) == 0
        capsys.readouterr()
        assert cli.main(["report", "adoption", "--db", url, "--format", "json"]) == 0
        assert capsys.readouterr().out.startswith("[")
    finally:
        store_engine.dispose(url)
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", "adoption", "postgresql+psycopg://careplan:s3cret@db:5432/careplan"])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "s3cret" not in err and "careplan:***@db" in err


def test_masked_password_is_shown_as_stars_in_the_app(tmp_path):
    """The app's error box renders Markdown: the *** of a masked password must stay visible, not turn the
    sentence bold."""
    at = AppTest.from_string(
        "from analytics.ui import glue\n"
        "glue.show_unavailable(glue.DatabaseUnavailable('x postgresql+psycopg://u:***@h/db y'))\n",
        default_timeout=30)
    at.run()
    [error] = at.error
    assert error.value == r"x postgresql+psycopg://u:\*\*\*@h/db y"


def test_make_run_never_builds_the_demo_into_a_configured_database(tmp_path):
    """README: `CAREPLAN_DB_URL=postgresql+psycopg://… make run`. On a fresh checkout (no data/careplan.duckdb)
    make built the missing file by `careplan demo`, which reads CAREPLAN_DB_URL: the demo went into the
    shared database (and on one holding imports `careplan demo` refused, so the app never started)."""
    import os
    import shutil
    import subprocess

    from conftest import need
    need(shutil.which("make") is not None, "make not installed")
    missing = tmp_path / "fresh" / "careplan.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    shared = subprocess.run(["make", "-n", "run", f"DB={missing}"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "CAREPLAN_DB_URL": "postgresql+psycopg://careplan:pw@db-host:5432/careplan"})
    assert shared.returncode == 0, shared.stderr
    assert "careplan serve --host" in shared.stdout and "demo" not in shared.stdout and "--db" not in shared.stdout
    env.pop("CAREPLAN_DB_URL", None)
    local = subprocess.run(["make", "-n", "run", f"DB={missing}"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert f"--db duckdb:///{missing} demo" in local.stdout  # the embedded file, named, whatever secrets say
    assert f"careplan --db duckdb:///{missing} serve" in local.stdout  # and that file is served


@pytest.mark.postgres
def test_only_connection_failures_count_as_the_database_being_unavailable(pg_server):
    """A query that fails on a live server (a statement timeout, an error in SQL that mentions a lock) is
    an error of its own, not 'cannot connect' nor 'the DuckDB file is in use'; a refused connection is."""
    from conftest import _new_pg_database

    from analytics.ui import glue
    url = _new_pg_database(pg_server)
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("SET statement_timeout = 10")
            with pytest.raises(sa.exc.OperationalError) as timeout:
                conn.exec_driver_sql("SELECT pg_sleep(1)")
        assert not glue.is_unavailable(timeout.value)
        with eng.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as div:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1), 1 / 0")
        assert not glue.is_unavailable(div.value)
        message = " ".join(store_engine.unavailable_message(url, div.value))
        assert "DuckDB" not in message and "別のプログラム" not in message
    finally:
        eng.dispose()
    refused = sa.create_engine("postgresql+psycopg://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(sa.exc.OperationalError) as down:
        refused.connect()
    assert glue.is_unavailable(down.value)
