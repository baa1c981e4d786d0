"""Streamlit entry: settings, sidebar, st.navigation over the pages registered in analytics/ui/nav.py."""
import streamlit as st

from analytics.ui import glue, nav

st.set_page_config(page_title="ケアプランデータ連携 ダッシュボード", page_icon=":material/insights:",
                   layout="wide")

glue.setup_sidebar()

sections: dict[str, list] = {}
for section, file, title_key, icon, url in nav.PAGES:
    sections.setdefault(glue.tr(section), []).append(
        st.Page(str(nav.PAGES_DIR / file), title=glue.tr(title_key), icon=icon, url_path=url,
                default=(url == "home")))

st.navigation(sections).run()
