"""Where the product keeps its files, for a checkout and for an installed package alike.

- A **checkout** (the package imported from a clone, e.g. ``pip install -e .`` or ``make``): the project
  folder holding ``pyproject.toml`` of careplan-analytics. The embedded database is ``data/careplan.duckdb``
  in it and secrets are read from its ``.streamlit/secrets.toml``, as before.
- An **installed package** (pip, pipx, a wheel, a container): no project folder. The embedded database is
  ``careplan.duckdb`` in the user's data folder (platformdirs: ``$XDG_DATA_HOME/careplan`` or
  ``~/.local/share/careplan`` on Linux) and secrets are read from ``.streamlit/secrets.toml`` in the folder
  the command runs in (where ``streamlit run`` looks too).

Reference tables are package data (``analytics.reference``), never looked up here.
"""
from __future__ import annotations

import functools
import pathlib

import platformdirs

APP_NAME = "careplan"
DB_FILE = "careplan.duckdb"
_PROJECT_NAME = 'name = "careplan-analytics"'


@functools.lru_cache(maxsize=None)
def checkout_root() -> pathlib.Path | None:
    """The project folder when the package is imported from a checkout, else None (installed)."""
    package = pathlib.Path(__file__).resolve().parent
    project = package.parent
    marker = project / "pyproject.toml"
    try:
        return project if _PROJECT_NAME in marker.read_text(encoding="utf-8") else None
    except OSError:
        return None


def data_dir() -> pathlib.Path:
    """The folder of the embedded database: the checkout's ``data/``, else the user's data folder."""
    root = checkout_root()
    if root is not None:
        return root / "data"
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> pathlib.Path:
    return data_dir() / DB_FILE


def secrets_path() -> pathlib.Path:
    """``.streamlit/secrets.toml`` of the checkout, or of the current folder for an installed package."""
    root = checkout_root()
    return (root if root is not None else pathlib.Path.cwd()) / ".streamlit" / "secrets.toml"
