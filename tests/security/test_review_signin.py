"""Sign-in hardening found in a security review: a refusal takes as long for an unknown user as for a wrong
password, a disabled user's open session ends, signing in or out starts a clean session, the local demo
mode is not granted through a reverse proxy or to a foreign Host (DNS rebinding), the audit log is bounded."""
from __future__ import annotations

import pathlib

import argon2
import pytest
from streamlit.testing.v1 import AppTest

from analytics import auth, i18n
from analytics.store import engine as store_engine
from analytics.ui import glue

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "長寿社会課のパスワード"


def _verified_hashes(monkeypatch) -> list[str]:
    """The hashes auth.authenticate verifies a password against, in order (the real verification runs)."""
    seen: list[str] = []
    real = auth._verify

    def recording(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)
    monkeypatch.setattr(auth, "_verify", recording)
    return seen


def test_unknown_and_disabled_users_are_refused_with_a_full_verification(duck_url, monkeypatch):
    """An unknown or disabled user's refusal verifies the password against an argon2 hash of the same
    parameters as a real user's, so it costs what a wrong password does (without it an unknown name was
    answered ~30 times faster: 4 ms vs 130 ms; the times are measured by benchmarks/timings.py)."""
    engine = store_engine.get_engine(duck_url)
    auth.create_user(engine, "wakayama", PASSWORD, "prefecture", "30")
    auth.create_user(engine, "gone", PASSWORD, "prefecture", "13")
    auth.set_disabled(engine, "gone", True, by="admin")
    stored = {r["username"]: r["password_hash"] for r in _hashes(engine)}
    seen = _verified_hashes(monkeypatch)
    for username, password in [("wakayama", "違うパスワードです!!"), ("nobody", "違うパスワードです!!"),
                               ("gone", PASSWORD)]:
        with pytest.raises(auth.AuthError):
            auth.authenticate(engine, username, password)
    wrong, unknown, disabled = seen
    assert wrong == stored["wakayama"]
    assert unknown == disabled and unknown not in stored.values()  # the dummy hash, verified in full
    real_params = argon2.extract_parameters(stored["wakayama"])
    assert argon2.extract_parameters(unknown) == real_params == argon2.extract_parameters(disabled)
    assert real_params.time_cost >= 2 and real_params.memory_cost >= 19 * 1024  # a real argon2id cost
    # and the disabled user's right password still does not sign in
    assert [e["action"] for e in auth.recent_audit(engine)][:3] == ["sign_in_failed"] * 3


def _hashes(engine) -> list:
    import sqlalchemy as sa

    from analytics.store import schema
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.users.c.username, schema.users.c.password_hash)).mappings().all()


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
        at.switch_page("analytics/ui/views/targets.py")


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
