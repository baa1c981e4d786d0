"""Shared fixtures: a fresh database per test on DuckDB and on a real PostgreSQL server started here.

PostgreSQL and Chromium tests skip with a reason when the part is missing, except when CAREPLAN_CI=1
(set by .ci/run), where a missing part is a failure.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest
import sqlalchemy as sa

from analytics.store import engine as store_engine

IN_CI = os.environ.get("CAREPLAN_CI") == "1"
ROOT = pathlib.Path(__file__).resolve().parents[1]


def need(condition: bool, reason: str) -> None:
    """Skip outside CI, fail in CI, when a system part is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


def _pg_bin() -> pathlib.Path | None:
    for base in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / "initdb").exists():
            return base
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_PG_CONTROL: dict = {}  # how pg_server started its server: for pg_ctl below


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A throwaway PostgreSQL server for the whole run; yields a base URL without database name."""
    bindir = _pg_bin()
    need(bindir is not None, "PostgreSQL server binaries not installed (apt-get install postgresql)")
    # not under pytest's tmp dir: the postgres user cannot enter root's 0700 folders
    data = pathlib.Path(tempfile.mkdtemp(prefix="careplan-pg-"))
    data.chmod(0o755)
    port = _free_port()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(data, "postgres")
    subprocess.run(prefix + [str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-E", "UTF8",
                             "-U", "postgres"], check=True, capture_output=True)
    subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data / "db"), "-w", "-l", str(data / "log"),
                             "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off "
                                   "-c synchronous_commit=off -c full_page_writes=off", "start"],
                   check=True, capture_output=True)
    _PG_CONTROL.update(prefix=prefix, bindir=bindir, data=data, port=port)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg_ctl(pg_server):
    """``pg_ctl("stop")`` / ``pg_ctl("start")``: stop the run's PostgreSQL server and start it again (same data,
    same port), for tests of what the app and the CLI do meanwhile; started again after the test in any case."""
    c = _PG_CONTROL
    state = {"stopped": False}

    def run(action: str) -> None:
        base = c["prefix"] + [str(c["bindir"] / "pg_ctl"), "-D", str(c["data"] / "db"), "-w"]
        if action == "stop":
            subprocess.run(base + ["-m", "fast", "stop"], check=True, capture_output=True)
            state["stopped"] = True
        else:
            subprocess.run(base + ["-l", str(c["data"] / "log"), "-o",
                                   f"-c listen_addresses=127.0.0.1 -p {c['port']} -k {c['data']} -c fsync=off "
                                   "-c synchronous_commit=off -c full_page_writes=off", "start"],
                           check=True, capture_output=True)
            state["stopped"] = False

    yield run
    if state["stopped"]:
        run("start")


def _new_pg_database(base_url: str) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base_url + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"{base_url}/{name}"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A new, empty, migrated database URL on each backend."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'test.duckdb'}"
    else:
        url = _new_pg_database(request.getfixturevalue("pg_server"))
    store_engine.get_engine(url)
    yield url
    store_engine.dispose(url)


@pytest.fixture
def engine(db_url):
    return store_engine.get_engine(db_url)


@pytest.fixture
def duck_url(tmp_path):
    """A DuckDB-only database URL for tests that are about DuckDB-specific behaviour or the UI."""
    url = f"duckdb:///{tmp_path / 'duck.duckdb'}"
    store_engine.get_engine(url)
    yield url
    store_engine.dispose(url)


@pytest.fixture
def net_duck(duck_url):
    """The partner network of tests/channels/network.py (registrations, targets, 二重管理) in a fresh DuckDB."""
    from tests.channels import network
    network.load(duck_url)
    return duck_url


@pytest.fixture(autouse=True)
def _loopback_app():
    """AppTests run as `make run` does: bound to 127.0.0.1, so the local demo mode (no sign-in) applies.
    Tests of the sign-in gate set server.address themselves."""
    from streamlit import config
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def public_bind():
    """Served on all interfaces: no local demo mode, sign-in required (the autouse fixture above binds every
    other test to 127.0.0.1)."""
    from streamlit import config
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def pytest_sessionfinish(session, exitstatus):
    session.config._careplan_exit = exitstatus


def pytest_unconfigure(config):
    # DuckDB 2.0 prints "nanobind: leaked …" at interpreter exit (cosmetic, stack-notes); skip finalisation.
    status = getattr(config, "_careplan_exit", None)
    if status is not None and os.environ.get("CAREPLAN_FAST_EXIT", "1") == "1":
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))


def cli_in_both_languages(capsys, argv: list[str], dispose=None) -> tuple[int, str, str]:
    """``careplan`` in Japanese and, when it refuses (exit 2: nothing was changed), again with ``--lang en``:
    (code, stdout, stderr) with each stderr line of the two runs joined as 'Japanese / English', so that one
    assertion sees the message in both languages. A run that succeeds is not repeated."""
    from analytics import cli

    def once(args):
        try:
            code = cli.main(list(args))
        finally:
            if dispose is not None:
                dispose()
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = once(["--lang", "ja", *argv])
    if code != 2:
        return code, out, err
    code_en, out_en, err_en = once(["--lang", "en", *argv])
    assert code_en == code, (code, code_en)
    ja_lines, en_lines = err.splitlines(), err_en.splitlines()
    assert len(ja_lines) == len(en_lines), (err, err_en)
    joined = "".join(f"{a} / {b}\n" for a, b in zip(ja_lines, en_lines))
    return code, out, joined
