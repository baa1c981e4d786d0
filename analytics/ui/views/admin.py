"""利用者管理: users, roles and scopes, and the audit log (admin only)."""
import pandas as pd
import streamlit as st

from analytics import auth
from analytics.ui import glue

st.title(glue.tr("page.admin.title"))
engine = glue.engine()
me = glue.scope()



def _create() -> None:
    """The form's submit, run before the page (a callback), so the list above already shows the new user."""
    state = st.session_state
    name = state["admin_new_username"].strip()
    try:
        auth.create_user(engine, name, state["admin_new_password"], state["admin_new_role"],
                         state["admin_new_scope"].strip() or None)
    except auth.AuthError as err:
        state["admin_outcome"] = ("error", err.ja if glue.lang() == "ja" else err.en)
    else:
        state["admin_outcome"] = ("success", glue.tr("admin.created", user=name))


st.subheader(glue.tr("admin.users"))
users = pd.DataFrame(auth.list_users(engine), columns=["username", "role", "scope", "created_at", "disabled"])
users["role"] = users["role"].map(lambda r: glue.tr(f"auth.role.{r}") if r in auth.ROLES else r)
# read as words, not stored values: no scope = every area the role allows; disabled 0/1 = 有効/無効
users["scope"] = users["scope"].fillna("").replace("", glue.tr("admin.scope.all"))   # (NA: map skips it)
users["disabled"] = users["disabled"].map(lambda d: glue.tr("admin.disabled.yes" if d else "admin.disabled.no"))
if users.empty:
    st.info(glue.tr("admin.users.empty"))
else:
    st.dataframe(users.rename(columns={c: glue.tr(f"admin.col.{c}") for c in users.columns}), hide_index=True)

st.subheader(glue.tr("admin.new_user"))
with st.form("new_user", clear_on_submit=True):
    st.text_input(glue.tr("auth.username"), key="admin_new_username")
    st.text_input(glue.tr("auth.password"), type="password", key="admin_new_password")
    st.selectbox(glue.tr("admin.role"), auth.ROLES, format_func=lambda r: glue.tr(f"auth.role.{r}"),
                 key="admin_new_role", placeholder=glue.tr("common.choose"))
    st.text_input(glue.tr("admin.scope"), key="admin_new_scope")
    st.form_submit_button(glue.tr("admin.create"), on_click=_create)
    outcome = st.session_state.pop("admin_outcome", None)
    if outcome is not None:
        (st.error if outcome[0] == "error" else st.success)(outcome[1])

active = [u["username"] for u in auth.list_users(engine) if not u["disabled"]]
if active:
    col1, col2 = st.columns([3, 1])
    target = col1.selectbox(glue.tr("admin.disable"), active, key="admin_disable_user", placeholder=glue.tr("common.choose"))
    if col2.button(glue.tr("admin.disable_button")):
        auth.set_disabled(engine, target, True, by=me.username)
        st.rerun()

st.subheader(glue.tr("admin.audit"))
log = pd.DataFrame(auth.recent_audit(engine), columns=["event_id", "occurred_at", "username", "action", "detail"])
log = log.drop(columns="event_id")
# the stored action is a machine key (auth._audit); a reader sees its words (an unknown key as stored)
actions = {a: glue.tr(f"admin.action.{a}") for a in auth.AUDIT_ACTIONS}
log["action"] = log["action"].map(lambda a: actions.get(a, a))
if log.empty:
    st.info(glue.tr("admin.audit.empty"))
else:
    st.dataframe(log.rename(columns={c: glue.tr(f"admin.col.{c}") for c in log.columns}), hide_index=True)
