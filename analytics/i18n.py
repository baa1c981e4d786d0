"""Locale tables (ja, en). Each language is one table merged from ``analytics/locales/<lang>/*.json``.

Files are split by page only so that several people can add strings at once; keys are global and must be
unique across files (a test checks it, and that ja and en have the same keys).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

LOCALE_DIR = resources.files("analytics") / "locales"  # package data: found the same when installed
LANGS = ("ja", "en")
DEFAULT_LANG = "ja"


class MissingKey(KeyError):
    pass


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((p for p in (LOCALE_DIR / lang).iterdir() if p.name.endswith(".json")),
                       key=lambda p: p.name):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"duplicate locale key {key!r} in {path}")
            merged[key] = value
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    """The string for key in lang, formatted with fmt. A missing key raises: tests catch it on every page."""
    try:
        text = table(lang)[key]
    except KeyError:
        raise MissingKey(f"missing locale key {key!r} for {lang!r}") from None
    return text.format(**fmt) if fmt else text


def both(key: str, **values) -> tuple[str, str]:
    """A message of the catalogue as its (Japanese, English) pair (a value for another message, a progress
    line, a note), with ``values`` filled in each language as ``message`` does. A missing key raises, as in ``t``."""
    if key not in table("ja") or key not in table("en"):
        raise MissingKey(f"missing locale key {key!r}")
    return message(key, "ja", **values), message(key, "en", **values)


def pick(pair: tuple[str, str], lang: str) -> str:
    """The part of a (Japanese, English) pair in ``lang``."""
    return pair[0] if lang == "ja" else pair[1]


def message(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """A message of the catalogue (``analytics/locales/<lang>/messages.json``) in one language. A value given
    as a (Japanese, English) pair (the reason of an ``AuthError`` or a ``FileRefused``) is taken in that
    language too. A key that is not in the catalogue is a message still written 'Japanese / English'
    (``part``)."""
    values = {k: pick(v, lang) if isinstance(v, tuple) and len(v) == 2 else v
              for k, v in values.items()}
    if key in table(lang):
        return t(key, lang, **values)
    return part(key, lang)


def part(message: str, lang: str) -> str:
    """A message written 'Japanese / English' (the command line's form, for a reader of either language)
    in one language, for a page that speaks one: the part before the first ' / ' in Japanese, after it
    in English. A message without the separator is returned as it is."""
    ja, sep, en = str(message).partition(" / ")
    if not sep:
        return str(message)
    return ja if lang == "ja" else en
