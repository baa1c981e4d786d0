"""The presentation pack (集団指導・議会資料): one list of sections for the nation or one prefecture.

Every section carries its figure, its numbers table, the key figures as text, a definition, period and
source line (printed under each figure) and a screen-reader summary. The PPTX, PDF, PNG and XLSX exports
all render this one structure, so their titles and numbers are the same. Numbers come from the services
(``analytics.services``: the same functions, and the same small-count rule for the scope, as the pages and
the CLI) and the effect model.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from analytics.domain import codes, formats, kpis
from analytics.i18n import t
from analytics.reports import style, summaries

SECTION_KEYS = ("map", "ranking", "trend", "channels", "savings", "effect", "definitions")
# The map's plot area in the slide image (style.SLIDE_SIZE less the margins and the colour bar): a
# prefecture's outline is zoomed to fill it (the page's own zoom left it a small island in the middle).
SLIDE_MAP_PLOT = (style.SLIDE_SIZE[0] - 240, style.SLIDE_SIZE[1] - 110)
# The figures the pack shows (analytics.domain.kpis keys, in the order of the sections): its definitions
# section lists these, so a printed pack defines every number on its pages (and nothing it does not show).
PACK_KPIS = ("offices", "registered", "adoption_rate", "adoption_rate_monthly", "sheets", "digital_share",
             "missed_digital_sheets", "realised_hours", "realised_yen", "potential_hours", "potential_yen",
             "effect_hours_saved", "effect_staff_saving", "effect_saving")


@dataclasses.dataclass
class Section:
    key: str
    title: str
    figure: go.Figure | None
    table: pd.DataFrame
    highlights: list[tuple[str, str]]
    definition: str
    period: str
    source: str
    summary: str

    def footer(self, lang: str = "ja") -> str:
        """The line printed under the figure: definition, period, source."""
        gap = _gap(lang)
        return (f"{t('export.footer.definition', lang)}: {self.definition}{gap}"
                f"{t('export.footer.period', lang)}: {self.period}{gap}"
                f"{t('export.footer.source', lang)}: {self.source}")


def _gap(lang: str) -> str:
    """Between the parts of a line: the full-width space in Japanese, two spaces in English."""
    return "　" if lang == "ja" else "  "


@dataclasses.dataclass
class Pack:
    lang: str
    prefecture: str | None
    area_name: str
    created: dt.date
    as_of: dt.date
    latest_month: dt.date | None
    sources: list[str]
    demo_note: str
    sections: list[Section]

    @property
    def title(self) -> str:
        return t("export.pack.title", self.lang, area=self.area_name)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def file_stem(self) -> str:
        return f"careplan_{self.prefecture or 'nation'}_{self.as_of.isoformat()}"


def _month_text(m, lang: str) -> str:
    return formats.month_label(None if formats.is_missing(m) else pd.Timestamp(m), lang, missing=formats.MISSING)


def _yen(yen, lang: str) -> str:
    """Money to the yen (DESIGN §4); in Japanese 万円 follows as a note for large sums: 799,416円（約79.9万円）."""
    text = style.format_yen(yen, lang)
    if lang == "ja" and yen is not None and not pd.isna(yen) and abs(float(yen)) >= 10_000:
        text += f"（約{style.format_yen_man(yen, lang)}）"
    return text


def _names(lang: str) -> dict[str, str]:
    return {f"{i:02d}": codes.prefecture_name(f"{i:02d}", lang) for i in range(1, 48)}


def _adoption_reader(engine, scope, lang):
    """``services.adoption.adoption`` for one build_pack: each frame read once (the national pack's map and
    ranking need the same two), a copy handed out each time (callers add columns)."""
    from analytics.services import adoption as service
    frames: dict = {}

    def read(as_of, by: str, prefecture: str | None = None) -> pd.DataFrame:
        key = (as_of, by, prefecture)
        if key not in frames:
            frames[key] = service.adoption(engine, scope, as_of, by, prefecture, lang=lang).frame
        return frames[key].copy()
    return read


def build_pack(engine, prefecture: str | None = None, lang: str = "ja",
               created: dt.date | None = None, scope=None) -> Pack:
    """Assemble every section for the nation (prefecture None) or one prefecture code '01'..'47'.

    scope: the reader's (``analytics.auth.Scope``); a viewer's pack has the small counts suppressed by the
    same rule as the pages and the CLI (``analytics.privacy``). None: unrestricted."""
    from analytics import services
    from analytics.services import adoption as service

    names = _names(lang)
    area_name = t("common.nation", lang) if prefecture is None else names[prefecture]
    as_of = service.default_as_of(engine)
    latest = service.latest_exchange_month(engine)
    source_meta, is_demo = services.data_source(engine)
    if is_demo:      # the demo's own label (stored in Japanese) in the pack's language
        source_meta = t("export.source.demo", lang)
    scale = services.dataset_meta(engine, "demo_scale")
    demo_note = t("common.demo_sampled", lang) if scale == "small" else (t("common.demo_full", lang) if scale else "")
    ctx = dict(engine=engine, prefecture=prefecture, lang=lang, names=names, area_name=area_name,
               as_of=as_of, latest=latest, scope=scope)
    adoption = _adoption_reader(engine, scope, lang)
    sections = [_map(**ctx, adoption=adoption), _ranking(**ctx, adoption=adoption), _trend(**ctx),
                _channels(**ctx), _savings(**ctx), _effect(lang), _definitions(lang, as_of)]
    sources = sorted({part for s in sections if s.source for part in kpis.split_sources(s.source)})
    if source_meta:
        sources.insert(0, source_meta)
    return Pack(lang=lang, prefecture=prefecture, area_name=area_name, created=created or dt.date.today(),
                as_of=as_of, latest_month=latest, sources=sources, demo_note=demo_note, sections=sections)


# ---- sections ------------------------------------------------------------------------------------------

def _adoption_by_prefecture(adoption, as_of):
    return adoption(as_of, "prefecture")  # with the prefecture's name, suppressed for the scope


def _map(*, engine, prefecture, lang, names, area_name, as_of, latest, adoption, scope=None):
    from analytics.reports import adoption_charts as ac
    if prefecture is None:
        frame = _adoption_by_prefecture(adoption, as_of)
        fig = ac.choropleth_map(frame, lang=lang)
        fig.update_layout(map=dict(zoom=4.75, center=dict(lat=38.0, lon=136.5)))   # 16:9 slide: Japan fills the height
        table = frame[["prefecture_code", "prefecture", "offices", "registered", "adoption_rate"]]
        label_col = "prefecture"
    else:
        # the page's function: n beside each rate, ranks and highest/lowest only with enough offices
        from analytics.services import adoption as service
        limit = service.min_offices_for_rank()
        frame = service.municipalities(engine, scope, as_of, prefecture, lang=lang, min_offices=limit).frame
        fig = ac.scatter_map(frame, lang=lang, prefecture=prefecture, fit=SLIDE_MAP_PLOT, min_offices=limit)
        table = frame[["municipality_code", "municipality", "offices", "registered", "adoption_rate", "rank"]]
        label_col = "municipality"
    total = adoption(as_of, "nation" if prefecture is None else "prefecture", prefecture=prefecture)
    row = total.iloc[0] if len(total) else None
    highlights = []
    if row is not None:
        highlights = [(kpis.label("offices", lang), style.format_count(row["offices"], "事業所", "offices", lang)),
                      (kpis.label("registered", lang),
                       style.format_count(row["registered"], "事業所", "offices", lang)),
                      (kpis.label("adoption_rate", lang), style.format_percent(row["adoption_rate"]))]
    return Section(
        key="map", title=t("export.section.map", lang, area=area_name), figure=fig, table=table.reset_index(drop=True),
        highlights=highlights, definition=kpis.describe("adoption_rate", lang),
        period=t("export.period.as_of", lang, date=as_of.isoformat()), source=kpis.source("adoption_rate", lang),
        summary=(summaries.describe("ranking", table.rename(columns={label_col: "label"}), lang,
                                    area=area_name, value="adoption_rate") if prefecture is None
                 else summaries.describe("municipalities", frame, lang, area=area_name, min_offices=limit)))


def _ranking(*, engine, prefecture, lang, names, area_name, as_of, latest, adoption, scope=None):
    from analytics.reports import adoption_charts as ac
    from analytics.services import adoption as service
    frame = _adoption_by_prefecture(adoption, as_of)
    nation = adoption(as_of, "nation")
    national = nation["adoption_rate"].iloc[0] if len(nation) else None
    national = None if national is None or pd.isna(national) else float(national)  # suppressed: no line
    fig = ac.ranking_bar(frame, lang=lang, highlight=prefecture, national=national, sort="value")
    ranked = service.ranked(frame)
    highlights = [(t("common.nation", lang), style.format_percent(national))]
    if prefecture is not None:
        hit = ranked[ranked["prefecture_code"] == prefecture]
        if len(hit):
            highlights.append((t("export.rank_of", lang, area=area_name),
                               t("export.rank_value", lang, rank=int(hit["rank"].iloc[0]), n=len(ranked),
                                 rate=style.format_percent(hit["adoption_rate"].iloc[0]))))
    return Section(
        key="ranking", title=t("export.section.ranking", lang), figure=fig,
        table=ranked[["rank", "prefecture_code", "prefecture", "offices", "registered", "adoption_rate"]],
        highlights=highlights, definition=kpis.describe("adoption_rate", lang),
        period=t("export.period.as_of", lang, date=as_of.isoformat()), source=kpis.source("adoption_rate", lang),
        summary=summaries.describe("ranking", ranked.rename(columns={"prefecture": "label"}), lang,
                                   area=t("export.all_prefectures", lang), value="adoption_rate",
                                   national=national))


def _trend(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None):
    from analytics.reports import adoption_charts as ac
    from analytics.services import adoption as service
    start, _end = service.registration_span(engine)
    start = start or as_of
    nation = service.monthly(engine, scope, start, as_of, "nation")
    nation["area"] = t("common.nation", lang)
    parts = [nation]
    if prefecture is not None:
        pref = service.monthly(engine, scope, start, as_of, "prefecture", prefectures=(prefecture,))
        pref["area"] = area_name
        parts.insert(0, pref.drop(columns=["prefecture_code"]))
    frame = pd.concat(parts, ignore_index=True)
    fig = ac.trend_line(frame, lang=lang)
    table = frame[["area", "month", "offices", "registered", "adoption_rate"]]
    mine = frame[frame["area"] == area_name].sort_values("month")
    highlights = []
    if len(mine):
        first, last = mine.iloc[0], mine.iloc[-1]
        highlights = [(_month_text(first["month"], lang), style.format_percent(first["adoption_rate"])),
                      (_month_text(last["month"], lang), style.format_percent(last["adoption_rate"]))]
    period = t("export.period.range", lang, start=_month_text(start, lang), end=_month_text(as_of, lang))
    return Section(
        key="trend", title=t("export.section.trend", lang, area=area_name), figure=fig, table=table,
        highlights=highlights, definition=kpis.describe("adoption_rate_monthly", lang), period=period,
        source=kpis.source("adoption_rate_monthly", lang),
        summary=summaries.describe("trend", mine, lang, area=area_name, value="adoption_rate"))


def _channels(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None):
    from analytics.reports import channel_charts as cc
    from analytics.services import channels as service
    mix = service.mix(engine, scope, prefecture=prefecture)
    fig = cc.channel_mix(mix, lang) if len(mix) else go.Figure()
    total = service.summary(engine, scope, (), prefecture=prefecture, month_from=latest, month_to=latest) \
        if latest is not None else pd.DataFrame()
    highlights = []
    if len(total):
        row = total.iloc[0]
        highlights = [(kpis.label("sheets", lang), style.format_count(row["sheets"], "件", "sheets", lang)),
                      (kpis.label("digital_share", lang), style.format_percent(row["digital_share"])),
                      (kpis.label("missed_digital_sheets", lang),
                       style.format_count(row["missed_digital_sheets"], "件", "sheets", lang))]
    table = mix.copy()
    if len(table):
        totals = table.groupby("month")["sheets"].transform("sum")
        table["share"] = (table["sheets"] / totals.where(totals > 0)).astype(float)
        table["channel"] = table["channel"].map(lambda c: t(f"channels.channel.{c}", lang))
    months = sorted(mix["month"].unique()) if len(mix) else []
    period = (t("export.period.range", lang, start=_month_text(months[0], lang), end=_month_text(months[-1], lang))
              if months else "–")
    return Section(
        key="channels", title=t("export.section.channels", lang, area=area_name), figure=fig, table=table,
        highlights=highlights, definition=kpis.describe("digital_share", lang),
        period=period + _gap(lang) + t("export.period.latest", lang, month=_month_text(latest, lang)),
        source=kpis.source("digital_share", lang),
        summary=summaries.describe("channel_mix", table, lang, area=area_name,
                                   month=_month_text(latest, lang)))


def _savings(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None):
    from analytics.reports import channel_charts as cc
    from analytics.services import channels as service
    by = "prefecture" if prefecture is None else "municipality"
    frame, sums = service.savings_with_totals(engine, scope, by, prefecture=prefecture, month_from=latest,
                                              month_to=latest, lang=lang)
    label_col = "prefecture" if by == "prefecture" else "municipality"
    if by == "municipality":
        frame["municipality"] = frame["municipality"].fillna(t("export.unknown_municipality", lang))
    top = frame.head(15)
    fig = cc.savings_ranking(top, label_col, lang, unit="yen") if len(top) else go.Figure()
    # the query's values are unrounded: summed before suppression, then rounded once (hours to 0.1, yen)
    sums = sums if len(frame) else None
    highlights = []
    if sums is not None:
        highlights = [
            (t("export.realised_hours", lang), style.format_hours(sums["realised_hours"], lang)),
            (t("export.realised_yen", lang), _yen(sums["realised_yen"], lang)),
            (t("export.potential_hours", lang), style.format_hours(sums["potential_hours"], lang)),
            (t("export.potential_yen", lang), _yen(sums["potential_yen"], lang))]
    cols = [c for c in ("prefecture_code", "prefecture", "municipality_code", "municipality") if c in frame]
    table = frame[cols + ["sheets", "digital_sheets", "realised_hours", "realised_yen", "potential_hours",
                          "potential_yen"]].copy()
    summary = summaries.describe("savings", table.rename(columns={label_col: "label"}), lang, area=area_name)
    table = service.rounded(table)  # each row of the printed/exported table rounded once for display
    return Section(
        key="savings", title=t("export.section.savings", lang, area=area_name), figure=fig, table=table,
        highlights=highlights, definition=kpis.describe("realised_yen", lang),
        period=t("export.period.month", lang, month=_month_text(latest, lang)),
        source=kpis.source("realised_yen", lang), summary=summary)


def _effect(lang: str) -> Section:
    from analytics.domain.effects import office_effect
    from analytics.reports import effect_charts as ec
    result = office_effect(90, 3, 1.0, preset="mhlw-example")
    fig = ec.waterfall_figure(result, lang)
    v = result.values
    highlights = [
        (t("export.effect.hours", lang), f"{style.format_hours(v['hours_before'], lang)} → "
                                         f"{style.format_hours(v['hours_after'], lang)}"),
        (t("export.effect.hours_saved", lang), style.format_hours(v["hours_saved_month"], lang)),
        (t("export.effect.staff", lang), f"{style.format_yen(v['staff_cost_before'], lang)} → "
                                         f"{style.format_yen(v['staff_cost_after'], lang)}"),
        (t("export.effect.staff_saving", lang), _yen(v["staff_saving_month"], lang)),
        (t("export.effect.saving_month", lang), _yen(v["saving_month"], lang)),
        (t("export.effect.saving_year", lang), _yen(v["saving_year"], lang)),
    ]
    lines = result.cost_lines()
    lines["item"] = lines["item"].map(lambda i: t(f"effect.item.{i}", lang))
    return Section(
        key="effect", title=t("export.section.effect", lang), figure=fig, table=lines,
        highlights=highlights, definition=t("export.effect.definition", lang),
        period=t("export.effect.period", lang), source=kpis.SRC_MODEL if lang == "ja" else kpis.SRC_MODEL_EN,
        summary=summaries.describe("effect", v, lang))


def _definitions(lang: str, as_of: dt.date | None = None) -> Section:
    frame = kpis.kpis_frame(lang).set_index("key").loc[list(PACK_KPIS)].reset_index(drop=True)[
        ["name", "numerator", "denominator", "period", "source", "unit"]]
    period = (t("export.definitions.period", lang, date=as_of.isoformat()) if as_of is not None
              else t("export.definitions.period_undated", lang))
    return Section(
        key="definitions", title=t("export.section.definitions", lang), figure=None, table=frame,
        highlights=[], definition=t("export.definitions.note", lang), period=period,
        source=t("export.definitions.source", lang),
        summary=t("export.definitions.note", lang))


def localised(frame: pd.DataFrame, lang: str = "ja", percent_cols=("adoption_rate", "share")) -> pd.DataFrame:
    """A section table with headers in lang (export.col.*); fractions stay fractions (the XLSX formats them)."""
    from analytics.i18n import table as locale_table
    names = locale_table(lang)
    out = frame.copy()
    for c in out.columns:
        if "month" == c:
            out[c] = out[c].map(lambda m: _month_text(m, lang))
    out.columns = [names.get(f"export.col.{c}", c) for c in out.columns]
    return out


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as text for print (PDF/PPTX): fractions as %, yen and counts with thousands separators."""
    out = frame.copy()
    for c in out.columns:
        if c in ("adoption_rate", "share"):
            out[c] = out[c].map(style.format_percent)
        elif c.endswith("_yen") or c in ("before", "after", "change", "offices", "registered", "sheets",
                                          "digital_sheets"):
            out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{round(float(v)):,}")
        elif c == "rank":  # blank where an area is too small to rank (services.adoption.rank_areas)
            out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{int(v)}")
        elif c.endswith("_hours"):
            out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{float(v):,.1f}")
    return out
