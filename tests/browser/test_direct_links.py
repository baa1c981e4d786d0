"""A shared link to one page (…/admin, …/effect) opened as a fresh server's first visit runs app.py — the
sign-in gate, the sidebar, the page registry — and not the page file on its own. (With the page files in a
folder named ``pages`` beside app.py, Streamlit ran such a link as a page of its own: a public server showed
利用者管理 to a visitor who had not signed in.)"""
from __future__ import annotations

import pytest

from .conftest import serve, wait_for_app

pytestmark = pytest.mark.browser


def _first_visit(chromium, base: str, path: str) -> str:
    page = chromium.new_page()
    try:
        page.goto(f"{base}/{path}")
        wait_for_app(page)
        return page.inner_text("body")
    finally:
        page.close()


def test_a_direct_link_on_a_public_server_asks_to_sign_in(browser_db_url, tmp_path_factory, chromium):
    with serve(browser_db_url, tmp_path_factory, address="0.0.0.0") as base:
        text = _first_visit(chromium, base, "admin")
    assert "サインイン" in text
    assert "利用者を追加" not in text and "利用者一覧" not in text


def test_a_direct_link_runs_the_app_with_its_sidebar(browser_db_url, tmp_path_factory, chromium):
    with serve(browser_db_url, tmp_path_factory) as base:
        text = _first_visit(chromium, base, "effect")
    assert "概要" in text and "データ取込" in text   # the app's own navigation, in its words
    assert "data import" not in text              # not Streamlit's own list of the page files
