"""Chart style shared by the pages and the exports: palette, plotly template, number formats.

Palette: Okabe–Ito (Okabe & Ito, "Color Universal Design", 2008), the set recommended by the カラーユニバーサル
デザイン機構 and in the spirit of デジタル庁「ダッシュボードデザインの実践ガイドブック」: its eight colours stay
distinguishable for protan, deutan and tritan vision. We still never carry meaning by colour alone: series
also differ by dash, marker or hatch, bars carry their value as text, and every figure has a text summary
(analytics.reports.summaries) and a source/definition line.

Use it from any chart builder::

    from analytics.reports import style
    fig = style.apply_style(fig)                    # page size
    fig = style.apply_style(fig, for_slides=True)   # 16:9 slide, large type

Number formats follow Japanese conventions: 万円, 時間, 年度.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from analytics.domain import formats

FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Meiryo, sans-serif"
TEMPLATE = "careplan"

# Okabe–Ito, in the order series get them. Black first would hide a line among axes, so it is last.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "vermillion": "#D55E00", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
}
PALETTE = [OKABE_ITO[k] for k in ("blue", "orange", "sky", "green", "vermillion", "purple", "yellow", "black")]
# Sequential scale for maps (light → dark blue; readable in grey too).
SEQUENTIAL = [[0.0, "#E8F1FA"], [0.5, "#56B4E9"], [1.0, "#0B3C6B"]]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
PATTERNS = ["", "/", ".", "x", "-", "|", "+", "\\"]

TEXT_COLOUR = "#1A1A1A"      # contrast ≥ 15:1 on white
GRID_COLOUR = "#D9D9D9"
PAGE_FONT_SIZE = 14
SLIDE_FONT_SIZE = 22
SLIDE_SIZE = (1600, 900)     # 16:9 pixels for PNG export


def _register() -> None:
    if TEMPLATE in pio.templates:
        return
    pio.templates[TEMPLATE] = go.layout.Template(layout=go.Layout(
        font=dict(family=FONT_FAMILY, size=PAGE_FONT_SIZE, color=TEXT_COLOUR),
        colorway=PALETTE,
        paper_bgcolor="white", plot_bgcolor="white",
        xaxis=dict(gridcolor=GRID_COLOUR, linecolor="#666666", zerolinecolor="#999999"),
        yaxis=dict(gridcolor=GRID_COLOUR, linecolor="#666666", zerolinecolor="#999999"),
        legend=dict(orientation="h", yanchor="top", y=-0.15),
        colorscale=dict(sequential=SEQUENTIAL),
        separators=".,",
    ))


_register()


def apply_style(fig: go.Figure, for_slides: bool = False, title: str | None = None) -> go.Figure:
    """The careplan template on fig (colours chosen by the builder are kept); for slides, large type and a
    16:9 size. Lines get distinct dashes and markers so series differ without colour."""
    fig.update_layout(template=TEMPLATE, font=dict(family=FONT_FAMILY, color=TEXT_COLOUR))
    if title is not None:
        fig.update_layout(title=dict(text=title))
    i = 0
    for trace in fig.data:
        if trace.type == "scatter" and trace.mode and "lines" in trace.mode:
            if trace.line.dash is None:
                trace.line.dash = DASHES[i % len(DASHES)]
            i += 1
    if for_slides:
        # stacked/grouped bars differ by hatch too, not colour alone (the first series stays solid)
        bars = [tr for tr in fig.data if tr.type == "bar"]
        if len(bars) > 1:
            for j, trace in enumerate(bars):
                if trace.marker.pattern.shape is None:
                    trace.marker.pattern.shape = PATTERNS[j % len(PATTERNS)]
        w, h = SLIDE_SIZE
        # a builder's wider right margin holds a value column (the prefecture ranking): keep it
        right = max(40, fig.layout.margin.r or 0)
        fig.update_layout(width=w, height=h, font=dict(size=SLIDE_FONT_SIZE),
                          margin=dict(l=40, r=right, t=90 if (title or fig.layout.title.text) else 40, b=60),
                          title=dict(font=dict(size=SLIDE_FONT_SIZE + 8)),
                          legend=dict(font=dict(size=SLIDE_FONT_SIZE)))
        # automargin: long Japanese category labels (市区町村名) must not be cut at the fixed margin
        fig.update_xaxes(title_font=dict(size=SLIDE_FONT_SIZE), tickfont=dict(size=SLIDE_FONT_SIZE - 2),
                         automargin=True)
        fig.update_yaxes(title_font=dict(size=SLIDE_FONT_SIZE), tickfont=dict(size=SLIDE_FONT_SIZE - 2),
                         automargin=True)
        # many horizontal bars (47 prefectures): shrink the category labels so that every one shows
        n = max((len(tr.y) for tr in fig.data if tr.type == "bar" and tr.orientation == "h" and tr.y is not None),
                default=0)
        if n > 20:
            fig.update_yaxes(tickfont=dict(size=max(10, min(SLIDE_FONT_SIZE - 2, int(600 / n)))), dtick=1)
    return fig


# Numbers: "," between thousands, "." before decimals, never SI suffixes ("14.35k"): plotly's default
# tick and text format abbreviates large numbers, which nobody reads as 14,350 in a Japanese report.
SEPARATORS = ".,"
NUMBER_TICKFORMAT = ","
# One month format per language on every chart: 2024年9月 / 2024-09 (as analytics.domain.formats.month_label).
MONTH_TICKFORMAT = formats.MONTH_D3
_VALUE_TRACES = {"bar", "scatter", "scattergl", "waterfall", "funnel", "histogram", "box"}


month_tickformat = formats.month_d3


def month_axis(fig: go.Figure, lang: str = "ja", months: int | None = None, axis: str = "x") -> go.Figure:
    """A date axis of months labelled 2024年9月 / 2024-09, ticks on month starts (every 1, 3, 6 or 12 months
    so that at most about 8 show), the hover reading the same month format."""
    update = dict(tickformat=month_tickformat(lang), hoverformat=month_tickformat(lang), ticklabelmode="instant")
    if months:
        step = next((k for k in (1, 2, 3, 6, 12, 24) if months / k <= 8), 24)
        update.update(dtick=f"M{step}", tick0="2000-01-01")
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**update)
    return fig


def _numeric(values) -> bool:
    """True for an array of numbers (not dates, not category labels)."""
    if values is None or isinstance(values, str):
        return False
    kind = getattr(getattr(values, "dtype", None), "kind", None)
    if kind is not None:
        return kind in "iuf"
    items = [v for v in values if v is not None]
    return bool(items) and all(
        (isinstance(v, (int, float)) and not isinstance(v, bool))
        or getattr(getattr(v, "dtype", None), "kind", "") in "iuf" and hasattr(v, "dtype") for v in items)


def number_format(fig: go.Figure) -> go.Figure:
    """Thousands separators on every numeric axis and shown colour bar without a format of its own
    (50,000 not 50k); the figure's separators set to ".," so that text templates follow too."""
    fig.update_layout(separators=SEPARATORS)
    numeric_axes: set[str] = set()
    for trace in fig.data:
        if trace.type in _VALUE_TRACES:
            for letter in ("x", "y"):
                if _numeric(getattr(trace, letter, None)):
                    ref = getattr(trace, f"{letter}axis", None) or letter
                    numeric_axes.add(ref.replace(letter, f"{letter}axis", 1))
        if trace.type in ("choropleth", "choroplethmap", "heatmap") and trace.showscale is not False:
            if not trace.colorbar.tickformat:
                trace.colorbar.tickformat = NUMBER_TICKFORMAT
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(marker, "showscale", None) and not marker.colorbar.tickformat:
            marker.colorbar.tickformat = NUMBER_TICKFORMAT
    for name in numeric_axes:
        axis = fig.layout[name]
        if axis is not None and not axis.tickformat and axis.type not in ("date", "category", "log"):
            axis.tickformat = NUMBER_TICKFORMAT
    return fig


# The number formats live in analytics.domain.formats (one copy for pages, charts, exports and the CLI);
# these names stay for the exporters that read them from here.
format_yen_man = formats.yen_man
format_yen = formats.yen
format_hours = formats.hours
format_percent = formats.percent
format_count = formats.count
fiscal_year_label = formats.fiscal_year_label


# ---- print: a figure drawn at its size on paper or on a slide ------------------------------------------
PX_PER_PT = 96 / 72          # plotly's pixels are CSS pixels; a PDF point is 1/72 in
PRINT_MIN_PT = 8             # nothing on a printed page smaller than this (issue #23)
# Latin letters and digits from a TrueType font first: chromium writes Noto Sans CJK (CFF) into a PDF as
# Type 3 glyphs whose digits have no Unicode, so 「9.1%」 would copy as 「 . %」 (Debian fonts-liberation;
# without it the digits still print, from Noto Sans CJK).
PRINT_FONT_FAMILY = "Liberation Sans, Arimo, DejaVu Sans, " + FONT_FAMILY


def apply_print_style(fig: go.Figure, width_pt: float, height_pt: float, font_pt: float = 11,
                      title: str | None = None) -> go.Figure:
    """fig laid out for a box of width_pt × height_pt points (a PDF page's chart box, a slide's picture):
    every text of the chart, tick labels, the values beside bars, annotations and colour bars, at least
    font_pt − 1 points there once the image fills the box. A map zoomed for the slide image
    (``SLIDE_SIZE``: the pack's maps) is zoomed to fill the new box the same way."""
    apply_style(fig, for_slides=False, title=title)
    px = PX_PER_PT
    w, h = round(width_pt * px), round(height_pt * px)
    base, small = font_pt * px, max(font_pt - 1, PRINT_MIN_PT) * px
    fig.update_layout(width=w, height=h, font=dict(size=base, family=PRINT_FONT_FAMILY),
                      legend=dict(font=dict(size=base)),
                      title=dict(font=dict(size=base + 2 * px)))
    fig.update_xaxes(title_font=dict(size=base), tickfont=dict(size=small), automargin=True)
    fig.update_yaxes(title_font=dict(size=base), tickfont=dict(size=small), automargin=True)
    fig.update_annotations(font_size=small)
    # room below for the tick labels and the axis title (a builder's page margin of 10 px cut the title)
    fig.update_layout(margin=dict(b=max(fig.layout.margin.b or 0, round(base * 3.2))))
    for trace in fig.data:
        if getattr(trace, "textfont", None) is not None and "text" in (getattr(trace, "mode", "") or "text"):
            trace.textfont.size = small
        # only a shown colour bar: setting a colour bar's font on a trace without one would draw one
        marker = getattr(trace, "marker", None)
        shown = []
        if getattr(trace, "colorbar", None) is not None and getattr(trace, "showscale", None) is not False:
            shown.append(trace.colorbar)
        if marker is not None and getattr(marker, "showscale", None):
            shown.append(marker.colorbar)
        for bar in shown:
            bar.tickfont.size = small
            bar.title.font.size = small
    if fig.layout.map is not None and fig.layout.map.zoom is not None:
        import math
        fig.layout.map.zoom += math.log2(min(w / SLIDE_SIZE[0], h / SLIDE_SIZE[1]))
    return fig
