"""The package as pip installs it: a copy of analytics/ alone on the path (no pyproject.toml, data/ or
app.py around it), run from an empty folder with its own user data folder. The wheel itself is built,
installed and run by scripts/check_install.sh in CI."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

import analytics

PACKAGE = pathlib.Path(analytics.__file__).resolve().parent


@pytest.fixture()
def installed(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "analytics", ignore=shutil.ignore_patterns("__pycache__"))
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREPLAN_")}
    env.update(PYTHONPATH=str(site), XDG_DATA_HOME=str(tmp_path / "xdg"), CAREPLAN_DEMO_FRACTION="0.02")

    def run(*code_or_args, stdin=None, check=True):
        proc = subprocess.run([sys.executable, *code_or_args], cwd=folder, env=env, capture_output=True,
                              text=True, input=stdin, timeout=300)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc
    run.env, run.folder, run.xdg = env, folder, tmp_path / "xdg"
    return run


def test_reference_tables_locales_and_default_database_come_from_the_package(installed):
    out = installed("-c", """
from analytics import i18n, locations
from analytics.domain import codes, geo
from analytics.store import engine
import analytics
print(analytics.__file__)
print(locations.checkout_root())
print(len(codes.prefectures()), codes.prefecture_name("30"), len(codes.services()))
print(len(geo.prefecture_geojson()["features"]))
print(i18n.t("sidebar.database", "ja"), i18n.t("sidebar.database", "en"))
print(engine.resolve_url())
print(locations.secrets_path())
""").stdout.splitlines()
    assert out[0].startswith(str(installed.folder.parent / "site"))  # the copy, not the checkout
    assert out[1] == "None"
    assert out[2].split()[:2] == ["47", "和歌山県"] and int(out[2].split()[2]) > 50
    assert out[3] == "47"
    assert out[4] == "データベース Database"
    assert out[5] == f"duckdb:///{installed.xdg / 'careplan' / 'careplan.duckdb'}"
    assert out[6] == str(installed.folder / ".streamlit" / "secrets.toml")


def test_demo_builds_into_the_user_data_folder_and_help_names_it(installed):
    helped = installed("-m", "analytics", "--help").stdout
    assert str(installed.xdg / "careplan" / "careplan.duckdb") in helped.replace("\n", "")
    installed("-m", "analytics", "demo")
    assert (installed.xdg / "careplan" / "careplan.duckdb").stat().st_size > 0
    listed = installed("-m", "analytics", "--user", "demo-admin", "users", "list", "--format", "json",
                       check=False)
    assert listed.returncode == 2 and "CAREPLAN_PASSWORD" in listed.stderr  # users exist: sign in
    env = dict(installed.env, CAREPLAN_PASSWORD="careplan-demo")
    proc = subprocess.run([sys.executable, "-m", "analytics", "--user", "demo-admin", "report", "adoption",
                           "--format", "json"], cwd=installed.folder, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('"prefecture_code"') == 47


def _health(port: int, proc, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                return answer.read().strip() == b"ok"
        except OSError:
            time.sleep(0.3)
    return False


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_builds_the_demo_when_asked_and_answers_health(installed):
    port = _free_port()
    log = installed.folder / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "serve", "--port", str(port), "--demo"],
                                cwd=installed.folder, env=installed.env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _health(port, proc), log.read_text()
        # the app from the package, on the demo it built in the user data folder
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200 and b"<div id=\"root\">" in page.read()
        assert (installed.xdg / "careplan" / "careplan.duckdb").exists()
        assert "デモデータを作成しました" in log.read_text()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def test_serve_on_an_empty_default_database_without_a_terminal_says_how_to_fill_it(installed, tmp_path):
    """No terminal to ask on (stdin not a tty) and no --demo: it says so; the server is stopped by a bad
    port before it starts, so the test does not wait for it."""
    proc = installed("-m", "analytics", "serve", "--port", "99999999", stdin="", check=False)
    assert "careplan serve --demo" in proc.stderr
    assert not (installed.xdg / "careplan" / "careplan.duckdb").exists()  # nothing built unasked


def test_a_missing_library_is_named(installed):
    """pandas hidden from the import system: the command says which library is missing and how to install
    it, instead of "command not available"."""
    blocker = ("import sys, runpy\n"
               "class Block:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] == 'pandas':\n"
               "            raise ModuleNotFoundError(\"No module named 'pandas'\", name='pandas')\n"
               "sys.meta_path.insert(0, Block())\n"
               "sys.argv = ['careplan', 'report', 'adoption']\n"
               "runpy.run_module('analytics', run_name='__main__')\n")
    proc = installed("-c", blocker, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "pandas" in proc.stderr and "pip install" in proc.stderr and "Traceback" not in proc.stderr
