"""Services: one function per figure family (adoption, channels and 二重管理, savings, targets, forecast).

Each takes the engine, the viewer's scope and the area / period / kind asked for, runs the store queries and
applies the one small-count rule (``analytics.privacy.public``) for that scope, so that a page, its table
download, the CLI, the XLSX and the PDF/PPTX pack all show the same values, suppressed cells included.
Pages, ``careplan report …`` and ``analytics.reports`` read figures here, never from ``analytics.store``.

The result is a ``Figure``: the frame with its definition, period, source and unit (what a page prints
under the chart and the pack under its table).
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from analytics import privacy


@dataclasses.dataclass(frozen=True)
class Figure:
    frame: pd.DataFrame     # suppressed for the scope it was asked for (``privacy.MARK`` marks rows touched)
    kpi: str                # the key in analytics.domain.kpis (definition, source, unit)
    definition: str
    period: str
    source: str
    unit: str


def for_scope(frame: pd.DataFrame, scope) -> pd.DataFrame:
    """The one small-count rule for a viewer's scope (``analytics.privacy``): counts below the threshold and
    their row's rates blank, the row marked; other scopes see the frame as it is. ``None``: an unrestricted
    caller (a tool run by an administrator, a test)."""
    return frame if scope is None else privacy.public(frame, scope)


def dataset_meta(engine, key: str) -> str | None:
    """A value of the data's ``dataset_meta`` (as_of, source, demo_scale …), or None."""
    from analytics.store import engine as store_engine
    return store_engine.get_meta(engine, key)


def data_source(engine) -> tuple[str, bool]:
    """The data's source label (dataset_meta ``source``) and whether it is the demo's own label."""
    from analytics.demo import params as demo_params
    source = dataset_meta(engine, "source") or ""
    return source, source == demo_params.SOURCE
