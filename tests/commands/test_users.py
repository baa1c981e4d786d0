"""`careplan users …` on DuckDB and PostgreSQL: the same rules and audit log as the 利用者管理 page; the
password comes from stdin (or the terminal), never from an argument."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from analytics import auth, cli
from analytics.store import engine as store_engine
from analytics.store import schema


def _run(capsys, monkeypatch, *argv, stdin="", env=None):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _audit(url):
    with store_engine.get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(schema.audit_log.c.username, schema.audit_log.c.action,
                                                         schema.audit_log.c.detail)
                                               .order_by(schema.audit_log.c.event_id))]


def test_add_list_set_password_and_disable(db_url, capsys, monkeypatch):
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "add", "root", "--role", "admin",
                        stdin="first-admin-pw\n")
    assert code == 0, err
    assert "root" in err
    admin = {"CAREPLAN_USER": "root", "CAREPLAN_PASSWORD": "first-admin-pw"}
    # once a user exists, only a signed-in admin manages users
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "list", stdin="")
    assert code == 2 and "--user" in err
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "add", "wakayama", "--role", "prefecture",
                        "--scope", "和歌山県", stdin="pref-password-1\n", env=admin)
    assert code == 0, err
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "add", "office1", "--role", "office",
                        "--scope", "３０７１００００１６", stdin="office-password\n", env=admin)
    assert code == 0, err
    code, out, _ = _run(capsys, monkeypatch, "--db", db_url, "users", "list", "--format", "json", env=admin)
    rows = {r["username"]: r for r in json.loads(out)}
    assert {n: (r["role"], r["scope"], r["disabled"]) for n, r in rows.items()} == {
        "root": ("admin", None, False), "wakayama": ("prefecture", "30", False),
        "office1": ("office", "3071000016", False)}
    code, out, _ = _run(capsys, monkeypatch, "--db", db_url, "users", "list", env=admin)
    assert code == 0 and "都道府県" in out and "ユーザー名" in out and "有効" in out
    eng = store_engine.get_engine(db_url)
    assert auth.authenticate(eng, "wakayama", "pref-password-1").area == "30"

    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "set-password", "wakayama",
                        stdin="a-new-password\n", env=admin)
    assert code == 0, err
    with pytest.raises(auth.AuthError):
        auth.authenticate(eng, "wakayama", "pref-password-1")
    assert auth.authenticate(eng, "wakayama", "a-new-password").role == "prefecture"

    # a prefecture user may not manage users
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "--user", "wakayama", "users", "disable", "root",
                        env={"CAREPLAN_PASSWORD": "a-new-password", "CAREPLAN_USER": ""})
    assert code == 2 and "権限" in err
    code, _, err = _run(capsys, monkeypatch, "--db", db_url, "users", "disable", "office1", env=admin)
    assert code == 0, err
    with pytest.raises(auth.AuthError):
        auth.authenticate(eng, "office1", "office-password")
    actions = [(who, what, detail) for who, what, detail in _audit(db_url)
               if what in ("user_created", "password_set", "user_disabled", "denied")]
    assert actions[:3] == [("root", "user_created", "role=admin scope="),
                           ("wakayama", "user_created", "role=prefecture scope=30"),
                           ("office1", "user_created", "role=office scope=3071000016")]
    assert ("root", "password_set", "wakayama") in actions
    assert ("root", "user_disabled", "office1") in actions
    assert ("wakayama", "denied", "users") in actions


@pytest.mark.parametrize("argv, stdin, says", [
    (["users", "add", "u", "--role", "viewer"], "short\n", "10文字以上"),
    (["users", "add", "u", "--role", "viewer"], "", "標準入力"),
    (["users", "add", "u", "--role", "prefecture"], "long-enough-pw\n", "都道府県コード"),
    (["users", "add", "u", "--role", "viewer", "--scope", "30"], "long-enough-pw\n", "--scope"),
    (["users", "disable", "nobody"], "", "nobody"),
    (["users", "set-password", "nobody"], "long-enough-pw\n", "nobody"),
])
def test_mistakes_get_one_line_and_store_nothing(duck_url, capsys, monkeypatch, argv, stdin, says):
    code, _, err = _run(capsys, monkeypatch, "--db", duck_url, *argv, stdin=stdin)
    assert code == 2 and says in err and err.count("\n") == 1 and "Traceback" not in err
    assert auth.list_users(store_engine.get_engine(duck_url)) == []


def test_no_password_argument_exists(duck_url, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--db", duck_url, "users", "add", "u", "--role", "viewer", "--password", "secret-pw-12"])
    assert stop.value.code == 2
    assert "secret-pw-12" not in str(auth.list_users(store_engine.get_engine(duck_url)))


def test_demo_comes_with_one_user_per_role(duck_url, capsys, monkeypatch):
    monkeypatch.setenv("CAREPLAN_DEMO_FRACTION", "0.05")
    assert cli.main(["--db", duck_url, "demo"]) == 0
    assert "careplan-demo" in capsys.readouterr().err
    eng = store_engine.get_engine(duck_url)
    users = {u["username"]: (u["role"], u["scope"]) for u in auth.list_users(eng)}
    office = users.pop("demo-office")
    assert users == {"demo-admin": ("admin", None), "demo-wakayama": ("prefecture", "30"),
                     "demo-viewer": ("viewer", None)}
    assert office[0] == "office"
    with eng.connect() as conn:  # a registered 居宅介護支援 in 和歌山県
        kind, pref = conn.execute(sa.select(schema.offices.c.kind, schema.offices.c.prefecture_code)
                                  .where(schema.offices.c.office_code == office[1])).one()
        registered = conn.execute(sa.select(sa.func.count()).select_from(schema.registrations)
                                  .where(schema.registrations.c.office_code == office[1])).scalar()
    assert (kind, pref) == ("kyotaku", "30") and registered >= 1
    for name in ("demo-admin", "demo-wakayama", "demo-office", "demo-viewer"):
        assert auth.authenticate(eng, name, "careplan-demo").username == name
    # --no-users: a demo for one analyst, no sign-in
    store_engine.dispose(duck_url)
    assert cli.main(["--db", duck_url, "demo", "--no-users"]) == 0
    assert auth.list_users(store_engine.get_engine(duck_url)) == []
