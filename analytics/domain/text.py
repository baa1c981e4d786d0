"""Text clean-up shared by every parser: NFKC, trimming, Excel ``="…"`` quoting."""
from __future__ import annotations

import math
import re
import unicodedata

_SPACES = re.compile(r"\s*")


def _unquote_excel(text: str) -> str:
    """``text`` (stripped) with every layer of Excel's ``="…"`` removed, each layer's inside stripped: what
    repeating ``re.match(r'^=\\s*"(.*)"$', text, re.S)`` → ``group(1).strip()`` gives, by moving two
    indices (copying the text once per layer was quadratic on a deep nest)."""
    i, j = 0, len(text)
    while i < j and text[i] == "=":
        k = _SPACES.match(text, i + 1, j).end()
        if not (k < j - 1 and text[k] == '"' and text[j - 1] == '"'):
            break
        i, j = _SPACES.match(text, k + 1, j - 1).end(), j - 1
        while j > i and text[j - 1].isspace():
            j -= 1
    return text[i:j]


def is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA/NaT (without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA, pandas.NaT, numpy.datetime64('NaT'): their equality is not reflexive or raises
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    if name == "datetime64":
        try:
            import numpy as np

            return bool(np.isnat(value))
        except Exception:  # pragma: no cover - numpy always there with pandas
            return False
    return False


def normalise_text(value: object) -> str:
    """NFKC (全角英数→半角, 半角カナ→全角), trim, strip Excel ``="…"`` quoting; None/NaN → ""."""
    if is_missing(value):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    # Excel "text" trick: ="0170102313"; may be nested in a CSV-quoted cell, so strip repeatedly
    text = _unquote_excel(text)
    # a leading apostrophe is Excel's other way to force text
    if text.startswith("'") and len(text) > 1 and text.count("'") == 1:
        text = text[1:].strip()
    return text
