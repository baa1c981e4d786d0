"""Accessible chart rendering: the chart plus a visible text summary a screen reader can read.

Page owners: replace ``st.plotly_chart(fig, …)`` with ``a11y.chart(fig, summary, key)`` where
``summary`` comes from ``analytics.reports.summaries.describe(kind, data, lang, …)``.
"""
from __future__ import annotations

import streamlit as st

from analytics.ui import glue

PNG_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart(fig, summary: str | None = None, key: str = "chart") -> None:
    """st.plotly_chart with the PNG button named after key, then the summary as a visible caption
    (announced as the chart's description; the same text goes into exported slides). Without a summary
    of the page's own, one is read off the figure (``summaries.from_figure``)."""
    if summary is None:
        from analytics.reports.summaries import from_figure
        summary = from_figure(fig, glue.lang())
    config = {**PNG_CONFIG, "toImageButtonOptions": {**PNG_CONFIG["toImageButtonOptions"], "filename": key}}
    st.plotly_chart(fig, key=key, width="stretch", config=config)
    st.caption(f"{glue.tr('export.summary.label')}: {summary}")

