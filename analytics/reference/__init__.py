"""Reference tables shipped inside the package (prefectures, service codes, prefecture outlines).

They are package data, read with importlib.resources, so an installed wheel (pip, pipx, a container)
finds them as a checkout does. See README.md in this folder for each file's columns and sources.
"""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def path(name: str) -> Traversable:
    """The shipped file ``name`` (e.g. ``prefectures.csv``)."""
    return resources.files(__package__).joinpath(name)


def read_text(name: str) -> str:
    return path(name).read_text(encoding="utf-8")
