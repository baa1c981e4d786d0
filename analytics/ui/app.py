"""Streamlit entry: settings, sign-in, sidebar, st.navigation over the pages registered in analytics/ui/nav.py."""
import streamlit as st

from analytics.ui import glue, nav, signin

st.set_page_config(page_title="ケアプランデータ連携 ダッシュボード", page_icon="📊",
                   layout="wide")


def _pages() -> None:
    glue.setup_sidebar()
    glue.refresh_scope()  # a user disabled (or given another role) since signing in: applies now
    scope = glue.scope()
    signin.sidebar_user()
    if not scope.valid:
        # default deny: nothing but the sign-in form until a user with a matching scope signs in
        st.navigation([st.Page(signin.render, title=glue.tr("auth.title"), icon=":material/login:",
                               url_path="signin")]).run()
        return
    sections: dict[str, list] = {}
    for section, file, title_key, icon, url in nav.PAGES:
        if nav.allowed(scope, url):
            sections.setdefault(glue.tr(section), []).append(
                st.Page(str(nav.PAGES_DIR / file), title=glue.tr(title_key), icon=icon, url_path=url,
                        default=(url == "home")))
    st.navigation(sections, expanded=True).run()


try:
    with glue.database_errors():
        _pages()
except glue.DatabaseUnavailable as err:
    # a malformed setting, the DuckDB file held by another process (a second `make run`, a running
    # `careplan ingest`), or the PostgreSQL server stopped, before or while the page ran
    glue.show_unavailable(err)
