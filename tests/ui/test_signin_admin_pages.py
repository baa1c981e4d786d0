"""AppTests of the sign-in form and the 利用者管理 (admin) page, on a database with real users."""
from __future__ import annotations

import pathlib

from streamlit.testing.v1 import AppTest

from analytics import auth, i18n
from analytics.store import engine as store_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _app(url) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    return at.run()


def test_sign_in_form_grants_the_users_scope(duck_url, public_bind):
    auth.create_user(store_engine.get_engine(duck_url), "wakayama", "長寿社会課のパスワード", "prefecture", "30")
    at = _app(duck_url)
    assert [t.value for t in at.title] == [i18n.t("auth.title", "ja")]
    at.text_input(key="signin_user").set_value("wakayama")
    at.text_input(key="signin_password").set_value("違うパスワードです!!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["ユーザー名またはパスワードが違います。"]
    assert "scope" not in at.session_state

    at.text_input(key="signin_password").set_value("長寿社会課のパスワード")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["scope"] == auth.Scope("prefecture", "30", "wakayama")
    assert [t.value for t in at.title] == [i18n.t("page.home.title", "ja")]
    shown = [c.value for c in at.sidebar.caption]
    assert any("wakayama" in c and "都道府県" in c and "30" in c for c in shown)
    actions = [e["action"] for e in auth.recent_audit(store_engine.get_engine(duck_url))]
    assert actions[:2] == ["sign_in", "sign_in_failed"]


def test_admin_page_creates_and_disables_users(duck_url):
    at = _app(duck_url)  # loopback: local demo mode acts as admin
    at.switch_page("analytics/ui/views/admin.py").run()
    assert not at.exception
    at.text_input(key="admin_new_username").set_value("gobo")
    at.text_input(key="admin_new_password").set_value("御坊日高圏域モデル地域")
    at.selectbox(key="admin_new_role").set_value("prefecture")
    at.text_input(key="admin_new_scope").set_value("30")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["利用者「gobo」を追加しました。"]
    users = auth.list_users(store_engine.get_engine(duck_url))
    assert [(u["username"], u["role"], u["scope"], u["disabled"]) for u in users] == [("gobo", "prefecture", "30", 0)]

    # a refused user shows the reason and stores nothing
    at.text_input(key="admin_new_username").set_value("short")
    at.text_input(key="admin_new_password").set_value("123")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["パスワードは10文字以上にしてください。"]
    assert len(auth.list_users(store_engine.get_engine(duck_url))) == 1

    at.selectbox(key="admin_disable_user").set_value("gobo")
    next(b for b in at.button if b.label == "無効にする").click().run()
    assert auth.list_users(store_engine.get_engine(duck_url))[0]["disabled"] == 1
    log = at.dataframe[-1].value
    assert {"利用者を追加", "利用者を無効化"} <= set(log.iloc[:, 2])   # the actions as words, not machine keys

    # a user without a scope reads 全体, the disabled flag as a word
    at.text_input(key="admin_new_username").set_value("kenmin-viewer")
    at.text_input(key="admin_new_password").set_value("閲覧だけの利用者です")
    at.selectbox(key="admin_new_role").set_value("viewer")
    at.text_input(key="admin_new_scope").set_value("")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["利用者「kenmin-viewer」を追加しました。"], [e.value for e in at.error]
    shown = at.dataframe[0].value.set_index("ユーザー名")
    assert shown.loc["kenmin-viewer", "範囲"] == "全体" and shown.loc["kenmin-viewer", "状態"] == "有効"
    assert shown.loc["gobo", "範囲"] == "30" and shown.loc["gobo", "状態"] == "無効"


def test_demo_database_lists_its_demo_users_and_one_signs_in(duck_url, public_bind, monkeypatch, capsys):
    """`careplan demo` makes one user per role; the sign-in page of a demo database names them and the
    published password, and signing in as the 和歌山県 user gives that scope. The sidebar names the
    database."""
    from analytics import cli
    monkeypatch.setenv("CAREPLAN_DEMO_FRACTION", "0.05")
    assert cli.main(["--db", duck_url, "demo"]) == 0
    store_engine.dispose(duck_url)
    at = _app(duck_url)
    shown = "\n".join(i.value for i in at.info)
    assert "careplan-demo" in shown
    assert "`demo-wakayama`: 都道府県 (30)" in shown and "`demo-admin`: 管理者" in shown
    assert "`demo-viewer`: 閲覧者" in shown and "`demo-office`: 事業所 (30" in shown
    assert any(c.value.startswith("データベース: duckdb:///") for c in at.sidebar.caption)
    at.text_input(key="signin_user").set_value("demo-wakayama")
    at.text_input(key="signin_password").set_value("careplan-demo")
    at.button[0].click().run()
    assert at.session_state["scope"] == auth.Scope("prefecture", "30", "demo-wakayama")


def test_a_database_that_is_not_a_demo_lists_no_demo_users(duck_url, public_bind):
    auth.create_user(store_engine.get_engine(duck_url), "demo-admin", "careplan-demo", "admin")
    at = _app(duck_url)
    assert not [i.value for i in at.info if "careplan-demo" in i.value]


def test_local_mode_can_sign_in_as_a_demo_user_and_back(duck_url, monkeypatch):
    """`make run` (loopback, local demo mode) on the demo database: the sidebar offers to sign in as a user;
    the 和歌山県 demo user then gets that scope, and signing out returns to local mode."""
    from analytics import cli
    monkeypatch.setenv("CAREPLAN_DEMO_FRACTION", "0.05")
    assert cli.main(["--db", duck_url, "demo"]) == 0
    store_engine.dispose(duck_url)
    at = _app(duck_url)  # the tests bind to 127.0.0.1: local mode, as admin
    assert [t.value for t in at.title] == [i18n.t("page.home.title", "ja")]
    at.sidebar.button(key="sign_in_as_user").click().run()
    assert [t.value for t in at.title] == [i18n.t("auth.title", "ja")]
    at.text_input(key="signin_user").set_value("demo-wakayama")
    at.text_input(key="signin_password").set_value("careplan-demo")
    at.button[0].click().run()
    assert at.session_state["scope"] == auth.Scope("prefecture", "30", "demo-wakayama")
    assert [t.value for t in at.title] == [i18n.t("page.home.title", "ja")]
    at.sidebar.button[0].click().run()  # サインアウト
    assert "scope" not in at.session_state
    assert any(w.value == i18n.t("auth.local_mode", "ja") for w in at.sidebar.warning)
