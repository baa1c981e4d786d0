"""The page registry: (section key, file under analytics/ui/pages, title key, icon, url path).

app.py builds ``st.navigation`` from it; tests use it to visit every page. Add a page here and nowhere else.
"""
from __future__ import annotations

import pathlib

PAGES_DIR = pathlib.Path(__file__).parent / "pages"

PAGES: list[tuple[str, str, str, str, str]] = [
    ("nav.section.overview", "home.py", "page.home.title", ":material/home:", "home"),
    ("nav.section.tools", "data_import.py", "page.import.title", ":material/upload_file:", "import"),
]


def page_files() -> list[pathlib.Path]:
    return [PAGES_DIR / p[1] for p in PAGES]
