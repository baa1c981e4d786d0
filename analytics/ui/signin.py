"""Sign-in form (password, or OIDC through st.login when [auth] is configured in secrets.toml)."""
from __future__ import annotations

import streamlit as st

from analytics import auth
from analytics.ui import glue


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def render() -> None:
    st.title(glue.tr("auth.title"))
    st.write(glue.tr("auth.intro"))
    with st.form("signin"):
        username = st.text_input(glue.tr("auth.username"), key="signin_user")
        password = st.text_input(glue.tr("auth.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(glue.tr("auth.submit"))
    if submitted:
        try:
            signed_in = auth.authenticate(glue.engine(), username.strip(), password)
        except auth.AuthError as err:
            st.error(err.ja if glue.lang() == "ja" else err.en)
        else:
            glue.start_session(signed_in)  # a fresh session: nothing of the one before sign-in is kept
            st.rerun()
    _demo_accounts()
    if _oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            email = st.user.get("email")
            users = {u["username"]: u for u in auth.list_users(glue.engine())}
            user = users.get(email)
            # an account whose provider says the e-mail is not verified does not prove it owns that address
            verified = str(st.user.get("email_verified", True)).strip().lower() not in ("false", "0")
            if user and not user["disabled"] and verified:
                glue.start_session(auth.Scope(user["role"], user["scope"], email))
                auth.audit(glue.engine(), email, "sign_in", "oidc")
                st.rerun()
            else:
                st.error(glue.tr("auth.oidc_unknown"))
        else:
            st.button(glue.tr("auth.oidc"), on_click=st.login)


def _demo_accounts() -> None:
    """A demo database: its demo users and their published password, so anyone can try each role."""
    from analytics.demo import users
    from analytics.store import engine as store_engine
    if not store_engine.get_meta(glue.engine(), "demo_scale"):
        return
    accounts = users.listed(glue.engine())
    if accounts:
        lines = [f"- `{u['username']}`: " + glue.tr(f"auth.role.{u['role']}") + (f" ({u['scope']})" if u["scope"] else "")
                 for u in accounts]
        st.info(glue.tr("auth.demo_users", password=users.PASSWORD) + "\n" + "\n".join(lines))


def sidebar_user() -> None:
    """Who is signed in, or the local-mode banner, with a sign-out button."""
    scope = glue.scope()
    if "scope" in st.session_state:
        st.sidebar.caption(glue.tr("auth.signed_in_as", user=scope.username,
                                   role=glue.tr(f"auth.role.{scope.role if scope.valid else 'none'}"),
                                   area=scope.area or "—"))
        if st.sidebar.button(glue.tr("auth.sign_out")):
            auth.audit(glue.engine(), scope.username, "sign_out")
            glue.start_session(None)  # drops the scope and everything built for this user
            if _oidc_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()  # else the provider's cookie would sign the same account in again at once
            st.rerun()
    elif glue.local_demo_mode() and not st.session_state.get(glue.SIGN_IN_WANTED):
        st.sidebar.warning(glue.tr("auth.local_mode"))
        if auth.has_users(glue.engine()):  # e.g. the demo's users: try what a 和歌山県 official sees
            if st.sidebar.button(glue.tr("auth.sign_in_as_user"), key="sign_in_as_user"):
                st.session_state[glue.SIGN_IN_WANTED] = True
                st.rerun()
