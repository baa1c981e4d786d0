"""The page registry: (section key, file under analytics/ui/views, title key, icon, url path).

app.py builds ``st.navigation`` from it; tests use it to visit every page. Add a page here and nowhere else.
"""
from __future__ import annotations

import pathlib

PAGES_DIR = pathlib.Path(__file__).parent / "views"

PAGES: list[tuple[str, str, str, str, str]] = [
    ("nav.section.overview", "home.py", "page.home.title", ":material/home:", "home"),
    ("nav.section.overview", "prefectures.py", "page.prefectures.title", ":material/map:", "prefectures"),
    ("nav.section.analysis", "municipalities.py", "page.municipalities.title", ":material/location_city:", "municipalities"),
    ("nav.section.overview", "definitions.py", "page.definitions.title", ":material/menu_book:", "definitions"),
    ("nav.section.analysis", "forecast.py", "page.forecast.title", ":material/trending_up:", "forecast"),
    ("nav.section.analysis", "channels.py", "page.channels.title", ":material/fax:", "channels"),
    ("nav.section.analysis", "targets.py", "page.targets.title", ":material/campaign:", "targets"),
    ("nav.section.analysis", "savings.py", "page.savings.title", ":material/savings:", "savings"),
    ("nav.section.analysis", "office.py", "page.office.title", ":material/storefront:", "office"),
    ("nav.section.tools", "effect.py", "page.effect.title", ":material/calculate:", "effect"),
    ("nav.section.tools", "export.py", "page.export.title", ":material/download:", "export"),
    ("nav.section.tools", "data_import.py", "page.import.title", ":material/upload_file:", "import"),
    ("nav.section.tools", "admin.py", "page.admin.title", ":material/manage_accounts:", "admin"),
]


# Who may open a page (url path → need). "public": any valid scope (viewers see aggregates, small counts
# suppressed); "detail": office-level data, limited to the user's own prefecture/office inside the page;
# "import": admin and prefecture roles; "admin": admin only. A page missing here is "admin" (default deny).
PAGE_ACCESS: dict[str, str] = {
    "home": "public", "prefectures": "public", "definitions": "public", "effect": "public",
    "forecast": "public", "channels": "public", "savings": "public",
    "municipalities": "detail", "targets": "detail", "office": "detail",
    "import": "import", "export": "public", "admin": "admin",
}


def allowed(scope, url: str) -> bool:
    need = PAGE_ACCESS.get(url, "admin")
    if not scope.valid:
        return False
    if need == "public":
        return True
    if need == "detail":
        return scope.role in ("admin", "prefecture", "office")
    if need == "import":
        return scope.may_import()
    return scope.may_admin()


def page_files() -> list[pathlib.Path]:
    return [PAGES_DIR / p[1] for p in PAGES]
