"""利用者管理: users, roles and scopes, and the audit log (admin only)."""
import pandas as pd
import streamlit as st

from analytics import auth
from analytics.ui import glue

st.title(glue.tr("page.admin.title"))
engine = glue.engine()
me = glue.scope()

st.subheader(glue.tr("admin.users"))
users = pd.DataFrame(auth.list_users(engine), columns=["username", "role", "scope", "created_at", "disabled"])
users["role"] = users["role"].map(lambda r: glue.tr(f"auth.role.{r}") if r in auth.ROLES else r)
if users.empty:
    st.info(glue.tr("admin.users.empty"))
else:
    st.dataframe(users.rename(columns={c: glue.tr(f"admin.col.{c}") for c in users.columns}), hide_index=True)

st.subheader(glue.tr("admin.new_user"))
with st.form("new_user", clear_on_submit=True):
    username = st.text_input(glue.tr("auth.username"), key="admin_new_username")
    password = st.text_input(glue.tr("auth.password"), type="password", key="admin_new_password")
    role = st.selectbox(glue.tr("admin.role"), auth.ROLES, format_func=lambda r: glue.tr(f"auth.role.{r}"),
                        key="admin_new_role", placeholder=glue.tr("common.choose"))
    area = st.text_input(glue.tr("admin.scope"), key="admin_new_scope")
    if st.form_submit_button(glue.tr("admin.create")):
        try:
            auth.create_user(engine, username.strip(), password, role, area.strip() or None)
        except auth.AuthError as err:
            st.error(err.ja if glue.lang() == "ja" else err.en)
        else:
            st.success(glue.tr("admin.created", user=username.strip()))

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
if log.empty:
    st.info(glue.tr("admin.audit.empty"))
else:
    st.dataframe(log.rename(columns={c: glue.tr(f"admin.col.{c}") for c in log.columns}), hide_index=True)
