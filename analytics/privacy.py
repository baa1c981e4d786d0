"""Small-count suppression for public (viewer) output: a count below the threshold could point at a
handful of offices, so it is replaced by None, and so are the row's rates and derived figures that would
let it be recomputed. Suppressed rows are marked in a ``suppressed`` column.

Zero is suppressed too (it is below the threshold and tells as much as a 1). Aggregates built from
suppressed rows (e.g. a national total) stay as they are: they are above the threshold by construction
or are suppressed themselves when passed through here.
"""
from __future__ import annotations

import pandas as pd

from analytics import settings

MARK = "suppressed"
# counts the queries return (adoption, channels, savings, forecasts); a frame's own names are found by these
COUNT_COLUMNS = ("offices", "registered", "sheets", "digital_sheets", "missed_digital_sheets",
                 "unlockable_sheets", "registered_partners", "not_in_master", "users", "care_managers",
                 "registered_start", "offices_start", "digital_offices", "paper_sheets", "n_offices", "n_users")
# derived from the counts of the same row
DERIVED_HINTS = ("rate", "share", "hours", "yen", "saving", "change", "cost")


def threshold() -> int:
    return int(settings.get("suppress_below"))


def derived_columns(frame: pd.DataFrame, count_columns) -> list[str]:
    counts = set(count_columns)
    return [c for c in frame.columns
            if c not in counts and c != MARK and any(h in str(c) for h in DERIVED_HINTS)
            and pd.api.types.is_numeric_dtype(frame[c])]


def suppress_small(frame: pd.DataFrame, count_columns, threshold_value: int | None = None,
                   derived=None) -> pd.DataFrame:
    """A copy where counts below the threshold (and the same row's derived rates) are None, with a
    boolean ``suppressed`` column marking the rows touched."""
    limit = threshold() if threshold_value is None else int(threshold_value)
    counts = [c for c in count_columns if c in frame.columns]
    derived = derived_columns(frame, counts) if derived is None else [c for c in derived if c in frame.columns]
    out = frame.copy()
    marked = pd.Series(False, index=out.index)
    if limit <= 0 or not counts:
        out[MARK] = marked
        return out
    small = {}
    for c in counts:
        values = pd.to_numeric(out[c], errors="coerce")
        small[c] = values.notna() & (values < limit)
        marked |= small[c]
    for c in counts:
        out[c] = out[c].astype(object).where(~small[c], None)
    for c in derived:
        out[c] = out[c].astype(object).where(~marked, None)
    out[MARK] = marked
    return out


def public(frame: pd.DataFrame, scope, count_columns=None) -> pd.DataFrame:
    """What the scope may download or see: suppressed for scopes that suppress (viewers, invalid), else as is."""
    if frame is None or not isinstance(frame, pd.DataFrame) or not scope.suppresses_small_counts():
        return frame
    if MARK in frame.columns:  # already suppressed (a page may, and its table download does it again)
        return frame
    cols = [c for c in (count_columns or COUNT_COLUMNS) if c in frame.columns]
    # the scope's threshold: the configured one, read when the scope was made (analytics.auth.Scope)
    return suppress_small(frame, cols, getattr(scope, "suppress_below", None))
