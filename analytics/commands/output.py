"""Printing report rows as table, JSON or CSV: one helper for every ``careplan report``."""
from __future__ import annotations

import json
import math
import sys

import pandas as pd


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def emit(frame: pd.DataFrame, fmt: str, stream=None) -> None:
    """json: a list of row objects with the frame's column names as keys (the DESIGN §6 contract)."""
    stream = stream or sys.stdout
    from analytics import privacy
    from analytics.commands import access
    frame = privacy.public(frame, access.current())  # viewers: small counts suppressed
    if fmt == "json":
        rows = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        json.dump(rows, stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    elif fmt == "csv":
        frame.to_csv(stream, index=False)
    else:
        stream.write(frame.to_string(index=False) if not frame.empty else "(no rows / 該当なし)")
        stream.write("\n")
