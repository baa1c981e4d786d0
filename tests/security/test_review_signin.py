"""Sign-in hardening found in a security review: a refusal takes as long for an unknown user as for a wrong
password, a disabled user's open session ends, signing in or out starts a clean session, the local demo
mode is not granted through a reverse proxy or to a foreign Host (DNS rebinding), the audit log is bounded."""
from __future__ import annotations

import pathlib
import time

import pytest
from streamlit.testing.v1 import AppTest

from analytics import auth, i18n
from analytics.store import engine as store_engine
from analytics.ui import glue

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "長寿社会課のパスワード"


def _slowest_of_fastest(engine, username: str, password: str, n: int = 3) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        with pytest.raises(auth.AuthError):
            auth.authenticate(engine, username, password)
        best = min(best, time.perf_counter() - start)
    return best


def test_unknown_and_disabled_users_are_refused_as_slowly_as_a_wrong_password(duck_url):
    engine = store_engine.get_engine(duck_url)
    auth.create_user(engine, "wakayama", PASSWORD, "prefecture", "30")
    auth.create_user(engine, "gone", PASSWORD, "prefecture", "13")
    auth.set_disabled(engine, "gone", True, by="admin")
    _slowest_of_fastest(engine, "nobody", "x" * 12, n=1)  # first use builds the comparison hash
    wrong = _slowest_of_fastest(engine, "wakayama", "違うパスワードです!!")
    unknown = _slowest_of_fastest(engine, "nobody", "違うパスワードです!!")
    disabled = _slowest_of_fastest(engine, "gone", PASSWORD)
    # without the dummy verification an unknown name answered ~30 times faster (4 ms vs 130 ms)
    assert unknown > 0.4 * wrong, (unknown, wrong)
    assert disabled > 0.4 * wrong, (disabled, wrong)
    # and the disabled user's right password still does not sign in
    assert [e["action"] for e in auth.recent_audit(engine)][:1] == ["sign_in_failed"]


def test_a_long_user_name_is_cut_in_the_audit_log(duck_url):
    engine = store_engine.get_engine(duck_url)
    with pytest.raises(auth.AuthError):
        auth.authenticate(engine, "a" * 100_000, "whatever password")
    [event] = auth.recent_audit(engine, 1)
    assert event["action"] == "sign_in_failed" and len(event["username"]) <= 100


def _sign_in(url: str, username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.run()
    at.text_input(key="signin_user").set_value(username)
    at.text_input(key="signin_password").set_value(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_disabled_user_is_signed_out_at_the_next_run(duck_url, public_bind):
    engine = store_engine.get_engine(duck_url)
    auth.create_user(engine, "wakayama", PASSWORD, "prefecture", "30")
    at = _sign_in(duck_url, "wakayama", PASSWORD)
    assert at.session_state["scope"] == auth.Scope("prefecture", "30", "wakayama")

    auth.set_disabled(engine, "wakayama", True, by="admin")
    at.run()
    assert not at.exception
    assert "scope" not in at.session_state
    assert [t.value for t in at.title] == [i18n.t("auth.title", "ja")]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("analytics/ui/pages/targets.py")


def test_signing_in_and_out_starts_a_clean_session(duck_url, public_bind):
    engine = store_engine.get_engine(duck_url)
    auth.create_user(engine, "admin1", PASSWORD, "admin")
    auth.create_user(engine, "viewer1", PASSWORD, "viewer")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = duck_url
    at.session_state["import_summary"] = "left by the session before sign-in"
    at.run()
    at.text_input(key="signin_user").set_value("admin1")
    at.text_input(key="signin_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["scope"].role == "admin"
    assert "import_summary" not in at.session_state

    # results the admin built (an unsuppressed export, an import's rejected rows) must not reach the next user
    at.session_state["export_files:nation:ja:1"] = {"pdf": b"admin's unsuppressed pack"}
    at.session_state["import_summary"] = "admin's import"
    next(b for b in at.sidebar.button if b.label == i18n.t("auth.sign_out", "ja")).click().run()
    assert not at.exception
    assert "scope" not in at.session_state
    assert "export_files:nation:ja:1" not in at.session_state and "import_summary" not in at.session_state
    assert at.session_state["db_url"] == duck_url  # the chosen database and language are kept


@pytest.mark.parametrize("headers", [
    {"host": "127.0.0.1:8501", "x-forwarded-for": "203.0.113.9"},   # nginx on the same machine
    {"host": "localhost:8501", "forwarded": "for=203.0.113.9"},
    {"host": "localhost", "x-real-ip": "203.0.113.9"},
    {"host": "attacker.example:8501"},                                # DNS rebinding to 127.0.0.1
    {"host": "dashboard.pref.wakayama.lg.jp"},
])
def test_local_demo_mode_is_not_granted_through_a_proxy_or_a_foreign_host(headers, monkeypatch):
    monkeypatch.delenv("CAREPLAN_AUTH", raising=False)
    monkeypatch.setattr(glue, "_request_headers", lambda: headers, raising=False)
    assert glue.local_demo_mode() is False
    assert glue.scope() == auth.DENY


@pytest.mark.parametrize("headers", [{}, {"host": "localhost:8501"}, {"host": "127.0.0.1:8501"},
                                     {"host": "[::1]:8501"}])
def test_local_demo_mode_for_a_browser_on_the_machine(headers, monkeypatch):
    monkeypatch.delenv("CAREPLAN_AUTH", raising=False)
    monkeypatch.setattr(glue, "_request_headers", lambda: headers, raising=False)
    assert glue.local_demo_mode() is True


def test_a_changed_role_starts_a_clean_session(duck_url, public_bind):
    """Given another role, a signed-in user keeps nothing built under the old one (an admin's unsuppressed
    export files, import summaries with rejected rows)."""
    import sqlalchemy as sa
    engine = store_engine.get_engine(duck_url)
    auth.create_user(engine, "wakayama", PASSWORD, "prefecture", "30")
    at = _sign_in(duck_url, "wakayama", PASSWORD)
    at.session_state["import_summary"] = "rejected rows of the old role"
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET role = 'viewer', scope = NULL WHERE username = 'wakayama'"))
    at.run()
    assert not at.exception
    assert at.session_state["scope"] == auth.Scope("viewer", None, "wakayama")
    assert "import_summary" not in at.session_state
