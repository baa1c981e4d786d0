"""The errors a user can fix, in one module below every layer (no import circle through them).

``UserError``: a command-line mistake (a flag, a value, a missing database); the message says how to fix it.
``FileRefused``: a file that cannot be read at all, so nothing of it is stored; carries the key of its message
in the catalogue (``analytics/locales/<lang>/refused.json``), its values and the file's name.
"""
from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; the message says how. Raised with the key of its message in the catalogue
    (``analytics/locales/<lang>/messages.json``) and the message's values; ``text(lang)`` is it in one
    language (the CLI prints the language of ``--lang``)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(key)

    def text(self, lang: str = "ja") -> str:
        from analytics import i18n
        return i18n.message(self.key, lang, **self.values)

    def __str__(self) -> str:
        return self.text("ja")


class BadValue(UserError, ValueError):
    """A value a computation cannot take (a preset that does not exist, a yen figure past the model's
    range): a ``UserError`` for the command line, a ``ValueError`` for a caller that checks values."""


class FileRefused(Exception):
    """A file that cannot be read at all: nothing of it is stored. Raised with the key of its message in the
    catalogue and the message's values (a value given as a (Japanese, English) pair is taken in each
    language); ``ja`` / ``en`` are it in each language, ``text(lang)`` in one."""

    def __init__(self, key: str, file: str = "", **values):
        from analytics import i18n
        self.key, self.values, self.file = key, values, file
        self.ja, self.en = i18n.both(key, **values)
        super().__init__(f"{self.ja} / {self.en}")

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en

    def message(self) -> str:
        prefix = f"{self.file}: " if self.file else ""
        return f"{prefix}{self.ja} / {self.en}"
