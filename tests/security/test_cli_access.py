"""The CLI's role matrix: every role × every report command (and export, ingest); another prefecture's
detail is refused with exit 2 and a Japanese + English message; without users the CLI acts as admin."""
from __future__ import annotations

import json
import types

import pytest
from channels import network as nw
from conftest import cli_in_both_languages

from analytics import auth, cli
from analytics.store import engine as store_engine

from .helpers import csv_bytes

PASSWORDS = {"admin1": "admin-password-1", "pref30": "wakayama-pass-30", "pref13": "tokyo-pass-13",
             "office1": "office-pass-k1", "viewer1": "viewer-password"}
USERS = {"admin1": ("admin", None), "pref30": ("prefecture", "30"), "pref13": ("prefecture", "13"),
         "office1": ("office", nw.K1), "viewer1": ("viewer", None)}

# command → expected exit code per user (0 allowed, 2 refused)
REPORTS = [
    (["report", "adoption"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
    (["report", "adoption", "--by", "kind", "--prefecture", "30"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
    (["report", "adoption", "--by", "municipality", "--prefecture", "30"], dict(admin1=0, pref30=0, pref13=2, office1=2, viewer1=2)),
    (["report", "adoption", "--by", "municipality"], dict(admin1=0, pref30=2, pref13=2, office1=2, viewer1=2)),
    (["report", "channels"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
    (["report", "channels", "--by", "month", "--prefecture", "30"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
    (["report", "savings"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
    (["report", "savings", "--by", "municipality", "--prefecture", "和歌山県"], dict(admin1=0, pref30=0, pref13=2, office1=2, viewer1=2)),
    (["report", "targets", "--prefecture", "30"], dict(admin1=0, pref30=0, pref13=2, office1=2, viewer1=2)),
    (["report", "targets", "--prefecture", "JP-30"], dict(admin1=0, pref30=0, pref13=2, office1=2, viewer1=2)),
    (["report", "targets", "--prefecture", "13"], dict(admin1=0, pref30=2, pref13=0, office1=2, viewer1=2)),
    (["report", "forecast", "--prefecture", "30"], dict(admin1=0, pref30=0, pref13=0, office1=0, viewer1=0)),
]


@pytest.fixture(scope="module", autouse=True)
def cheap_argon2():
    """argon2 with small costs for the 70 sign-ins here (the verification path is the real one)."""
    from argon2 import PasswordHasher
    before = auth._HASHER
    auth._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    auth._HASHER = before


@pytest.fixture(scope="module")
def guarded_url(tmp_path_factory, cheap_argon2):
    url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'guarded.duckdb'}"
    nw.load(url)
    eng = store_engine.get_engine(url)
    for name, (role, area) in USERS.items():
        auth.create_user(eng, name, PASSWORDS[name], role, area)
    yield url
    store_engine.dispose(url)


def run(url, user, argv, monkeypatch, capsys, password=None):
    monkeypatch.delenv("CAREPLAN_USER", raising=False)
    if user:
        monkeypatch.setenv("CAREPLAN_PASSWORD", password or PASSWORDS[user])
    code, out, err = cli_in_both_languages(capsys, ["--db", url] + (["--user", user] if user else []) + argv)
    return code, types.SimpleNamespace(out=out, err=err)


@pytest.mark.parametrize("argv,expected", REPORTS, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
@pytest.mark.parametrize("user", list(USERS))
def test_report_matrix(guarded_url, user, argv, expected, monkeypatch, capsys):
    code, out = run(guarded_url, user, argv + ["--format", "json"], monkeypatch, capsys)
    assert code == expected[user], out.err
    if code == 2:
        assert out.out == "" and "--prefecture" in out.err and "都道府県" in out.err
        assert "Traceback" not in out.err
    else:
        rows = json.loads(out.out)
        # viewers get small counts suppressed (the network's offices per area are all below 10)
        assert any(r.get("suppressed") for r in rows) is (user == "viewer1" and len(rows) > 0)


def test_targets_of_another_prefecture_is_refused_and_audited(guarded_url, monkeypatch, capsys):
    code, out = run(guarded_url, "pref30", ["report", "targets", "--prefecture", "13"], monkeypatch, capsys)
    assert code == 2
    assert "エラー" in out.err and "may not see office or municipality detail" in out.err
    log = auth.recent_audit(store_engine.get_engine(guarded_url), 5)
    assert (log[0]["username"], log[0]["action"]) == ("pref30", "denied")
    assert "prefecture=13" in log[0]["detail"]


def test_own_prefecture_targets_has_the_network_rows(guarded_url, monkeypatch, capsys):
    code, out = run(guarded_url, "pref30", ["report", "targets", "--prefecture", "30", "--format", "json"],
                    monkeypatch, capsys)
    assert code == 0
    assert [r["office_code"] for r in json.loads(out.out)] == [nw.X, nw.S3, nw.S2, nw.S4]


@pytest.mark.parametrize("user,password,why", [
    (None, None, "--user"), ("pref30", "wrong-password!", "CAREPLAN_PASSWORD"), ("nobody", "whatever-pw", "CAREPLAN_PASSWORD")])
def test_sign_in_is_required_once_users_exist(guarded_url, user, password, why, monkeypatch, capsys):
    code, out = run(guarded_url, user, ["report", "adoption"], monkeypatch, capsys, password)
    assert code == 2 and why in out.err and out.out == ""


def test_export_and_ingest_scopes(guarded_url, tmp_path, monkeypatch, capsys):
    path = tmp_path / "regs.csv"
    path.write_bytes(csv_bytes([["事業所番号", "利用開始日"], [nw.K3, "2025-08-01"]]))
    out_file = tmp_path / "pack.xlsx"
    code, out = run(guarded_url, "pref13", ["export", "xlsx", "--out", str(out_file), "--prefecture", "30"],
                    monkeypatch, capsys)
    assert code == 2 and not out_file.exists()
    code, out = run(guarded_url, "viewer1", ["ingest", "registrations", str(path)], monkeypatch, capsys)
    assert code == 2 and "may not import" in out.err
    code, out = run(guarded_url, "office1", ["ingest", "registrations", str(path)], monkeypatch, capsys)
    assert code == 2
    code, out = run(guarded_url, "pref30", ["ingest", "registrations", str(path), "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out.out)["accepted"] == 1
    actions = [(e["username"], e["action"]) for e in auth.recent_audit(store_engine.get_engine(guarded_url), 4)]
    assert ("pref30", "import") in actions


def test_without_users_the_cli_acts_as_admin(db_url, monkeypatch, capsys):
    nw.load(db_url)
    monkeypatch.delenv("CAREPLAN_PASSWORD", raising=False)
    code = cli.main(["--db", db_url, "report", "targets", "--prefecture", "13", "--format", "json"])
    assert code == 0 and json.loads(capsys.readouterr().out) == []
