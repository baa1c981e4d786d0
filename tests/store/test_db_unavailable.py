"""A database another process holds (DuckDB allows one writer process) gives one clear message in the app
and the CLI, never a traceback."""
from __future__ import annotations

import pathlib
import subprocess
import sys

from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _hold(path: pathlib.Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(60)"),
        str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    return holder


def test_locked_database_in_app_and_cli(tmp_path, capsys):
    path = tmp_path / "held.duckdb"
    holder = _hold(path)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["db_url"] = f"duckdb:///{path}"
        at.run()
        assert not at.exception
        [error] = at.error
        assert "別のプログラム" in error.value and "in use by another program" not in error.value
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["lang"] = "en"   # an English reader gets it in English
        at.session_state["db_url"] = f"duckdb:///{path}"
        at.run()
        [error] = at.error
        assert "in use by another program" in error.value and "別のプログラム" not in error.value

        from analytics import cli
        code = cli.main(["--db", f"duckdb:///{path}", "report", "adoption", "--format", "json"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1 and "別のプログラム" in err and "Traceback" not in err
    finally:
        holder.kill()
        holder.wait()

