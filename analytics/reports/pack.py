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
# a prefecture's pack adds what its officials act on: 前回比 (since a date), the lagging municipalities and
# the offices to approach first (働きかけ先)
PREFECTURE_SECTION_KEYS = ("map", "ranking", "change", "lagging", "targets", "trend", "channels", "savings",
                           "effect", "definitions")
TOP_TARGETS = 10     # offices on the 働きかけ先 page (the full list: the targets page and `report targets`)
TOP_LAGGING = 10     # municipalities on the lagging page
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
    since: dt.date | None
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


def default_as_of(engine) -> dt.date:
    """The date the pack's figures are at (the data's as-of date)."""
    from analytics.services import adoption as service
    return service.default_as_of(engine)


def default_since(engine, as_of: dt.date) -> tuple[dt.date, str]:
    """The 前回比 date when the user gives none: the same day a year before the data's date, or the first
    registration's date when the data starts later (at the latest the day before the data's date: 前回比
    compares with an earlier day, and the CLI and the date picker refuse a later one); with the key of the
    note that says which."""
    from analytics.services import adoption as service
    year_before = _year_before(as_of)
    start, _end = service.registration_span(engine)
    start = pd.Timestamp(start).date() if start is not None and not pd.isna(start) else None
    if start is not None and start > year_before:
        return min(start, as_of - dt.timedelta(days=1)), "export.change.default_first"
    return year_before, "export.change.default_year"


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:   # 29 February
        return day.replace(year=day.year - 1, day=28)


def build_pack(engine, prefecture: str | None = None, lang: str = "ja",
               created: dt.date | None = None, scope=None, since: dt.date | None = None) -> Pack:
    """Assemble every section for the nation (prefecture None) or one prefecture code '01'..'47'.

    since: the date the prefecture pack's 前回比 compares with (``default_since`` when None).

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
    made = {"map": lambda: _map(**ctx, adoption=adoption), "ranking": lambda: _ranking(**ctx, adoption=adoption),
            "trend": lambda: _trend(**ctx), "channels": lambda: _channels(**ctx), "savings": lambda: _savings(**ctx),
            "effect": lambda: _effect(lang), "definitions": lambda: _definitions(lang, as_of)}
    if prefecture is not None:
        note = "export.change.given"
        if since is None:
            since, note = default_since(engine, as_of)
        made.update(change=lambda: _change(**ctx, since=since, note=note),
                    lagging=lambda: _lagging(**ctx), targets=lambda: _targets(**ctx))
    keys = SECTION_KEYS if prefecture is None else PREFECTURE_SECTION_KEYS
    sections = [made[k]() for k in keys]
    sources = sorted({part for s in sections if s.source for part in kpis.split_sources(s.source)})
    if source_meta:
        sources.insert(0, source_meta)
    return Pack(lang=lang, prefecture=prefecture, area_name=area_name, created=created or dt.date.today(),
                as_of=as_of, since=since if prefecture is not None else None, latest_month=latest, sources=sources, demo_note=demo_note, sections=sections)


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
    fig = ac.ranking_columns(frame, lang=lang, highlight=prefecture, national=national)
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


def _change(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None, since, note):
    """前回比: the prefecture's registered offices, rate and rank at ``since`` and now (one query by
    prefecture: the ranks at both dates come from the same frame, suppressed for the scope)."""
    from analytics.services import adoption as service
    frame = service.change(engine, scope, since, as_of, "prefecture", lang=lang).frame
    nation = service.change(engine, scope, since, as_of, "nation", lang=lang).frame
    row = frame[frame["prefecture_code"] == prefecture]
    then = service.standing(frame, prefecture, _first(nation, "rate_start"), "rate_start")
    now = service.standing(frame, prefecture, _first(nation, "rate_end"), "rate_end")
    r = row.iloc[0] if len(row) else None

    def rank(st):
        return t("export.change.rank", lang, rank=st["rank"], n=st["n"]) if st else formats.MISSING

    def count(v):
        return style.format_count(v, "事業所", "offices", lang)
    new = None if r is None or pd.isna(r["registered_end"]) or pd.isna(r["registered_start"]) \
        else int(r["registered_end"]) - int(r["registered_start"])
    highlights = [] if r is None else [
        (t("export.change.registered", lang), f"{count(r['registered_start'])} → {count(r['registered_end'])}"),
        (t("export.change.new", lang), formats.MISSING if new is None else f"{new:+,}"),
        (kpis.label("adoption_rate", lang), f"{style.format_percent(r['rate_start'])} → "
                                            f"{style.format_percent(r['rate_end'])}"),
        (kpis.label("adoption_change", lang), formats.points(r["change"], lang)),
        (t("export.change.rank_label", lang), f"{rank(then)} → {rank(now)}")]
    labels = (t("export.change.then", lang, date=since.isoformat()), t("export.change.now", lang, date=as_of.isoformat()))
    table = pd.DataFrame({
        "item": [t("export.change.registered", lang), kpis.label("offices", lang), kpis.label("adoption_rate", lang),
                 t("export.change.rank_label", lang)],
        "then": ["–" if r is None else _int_text(r["registered_start"]),
                 "–" if r is None else _int_text(r["offices_start"]),
                 "–" if r is None else style.format_percent(r["rate_start"]), rank(then)],
        "now": ["–" if r is None else _int_text(r["registered_end"]), "–" if r is None else _int_text(r["offices"]),
                "–" if r is None else style.format_percent(r["rate_end"]), rank(now)]})
    table.attrs["headers"] = {"then": labels[0], "now": labels[1]}
    period = t("export.period.range", lang, start=since.isoformat(), end=as_of.isoformat()) + _gap(lang) + \
        t(note, lang, date=since.isoformat())
    summary = t("export.change.summary", lang, area=area_name, since=since.isoformat(), date=as_of.isoformat(),
                then=style.format_percent(r["rate_start"]) if r is not None else formats.MISSING,
                now=style.format_percent(r["rate_end"]) if r is not None else formats.MISSING,
                new=formats.MISSING if new is None else f"{new:+,}", rank_then=rank(then), rank_now=rank(now))
    return Section(
        key="change", title=t("export.section.change", lang, area=area_name, since=since.isoformat()), figure=None,
        table=table, highlights=highlights, definition=kpis.describe("adoption_change", lang), period=period,
        source=kpis.source("adoption_change", lang), summary=summary)


def _first(frame: pd.DataFrame, col: str):
    return frame[col].iloc[0] if len(frame) and col in frame else None


def _int_text(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"


def _lagging(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None):
    """The municipalities furthest behind, lowest rate first among those with enough offices to rank
    (``services.adoption.municipalities`` in its lagging order: the 市区町村 page's rule), with their n."""
    from analytics.services import adoption as service
    limit = service.min_offices_for_rank()
    frame = service.municipalities(engine, scope, as_of, prefecture, lang=lang, order="lagging",
                                   min_offices=limit).frame
    ranked = frame[frame["rankable"]] if "rankable" in frame else frame.iloc[0:0]
    top = ranked.head(TOP_LAGGING).copy()
    top["municipality"] = top["municipality"].fillna(t("export.unknown_municipality", lang))
    top["waiting"] = top["offices"] - top["registered"]
    table = top[["municipality_code", "municipality", "offices", "registered", "waiting", "adoption_rate", "rank"]]
    small = int((~frame["rankable"]).sum()) if "rankable" in frame else 0
    highlights = [(t("export.lagging.shown", lang), t("export.lagging.count", lang, n=len(top), total=len(ranked))),
                  (t("export.lagging.small", lang), t("export.lagging.small_value", lang, n=small, min=limit))]
    if len(top):
        first = top.iloc[0]
        highlights.insert(0, (t("export.lagging.lowest", lang),
                              f"{first['municipality']} {style.format_percent(first['adoption_rate'])}"
                              f"（n={_int_text(first['offices'])}）"))
    summary = (t("export.lagging.summary", lang, area=area_name, n=len(top), min=limit,
                 names=("、" if lang == "ja" else ", ").join(top["municipality"].head(3))) if len(top)
               else t("export.lagging.none", lang, area=area_name, min=limit))
    return Section(
        key="lagging", title=t("export.section.lagging", lang, area=area_name), figure=None,
        table=table.reset_index(drop=True), highlights=highlights,
        definition=kpis.describe("adoption_rate", lang) + _gap(lang) + t("export.lagging.rule", lang, min=limit),
        period=t("export.period.as_of", lang, date=as_of.isoformat()), source=kpis.source("adoption_rate", lang),
        summary=summary)


def _targets(*, engine, prefecture, lang, names, area_name, as_of, latest, scope=None):
    """働きかけ先: the unregistered offices whose registration would turn the most sheets digital in the
    latest month, each with the targets page's sentence (``services.channels.target_sentence``)."""
    from analytics.services import channels as service
    frame = service.targets(engine, scope, prefecture=prefecture, month_to=latest, top=TOP_TARGETS)
    template = t("targets.sentence", lang)
    out = frame.copy()
    if len(out):
        out["name"] = out["name"].fillna(t("targets.unknown_name", lang))
        out["municipality"] = out["municipality"].fillna("")
        out["sentence"] = [formats.MISSING if pd.isna(n) or pd.isna(m) else service.target_sentence(n, m, template)
                           for n, m in zip(out["unlockable_sheets"], out["registered_partners"])]
    else:
        out["sentence"] = pd.Series(dtype=object)
    table = out[["rank", "office_code", "name", "municipality", "unlockable_sheets", "sentence"]].rename(
        columns={"name": "office_name"})
    total = pd.to_numeric(out["unlockable_sheets"], errors="coerce").sum() if len(out) else 0
    highlights = [(t("export.targets.shown", lang), style.format_count(len(out), "事業所", "offices", lang)),
                  (kpis.label("unlockable_sheets", lang), style.format_count(total, "件", "sheets", lang))]
    summary = (t("export.targets.summary", lang, area=area_name, n=len(out), sheets=f"{total:,.0f}",
                 month=_month_text(latest, lang)) if len(out) else t("export.targets.none", lang, area=area_name))
    return Section(
        key="targets", title=t("export.section.targets", lang, area=area_name), figure=None, table=table,
        highlights=highlights, definition=kpis.describe("unlockable_sheets", lang),
        period=t("export.period.month", lang, month=_month_text(latest, lang)),
        source=kpis.source("unlockable_sheets", lang), summary=summary)


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
    headers = frame.attrs.get("headers", {})
    out.columns = [headers.get(c) or names.get(f"export.col.{c}", c) for c in out.columns]
    return out


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as text for print (PDF/PPTX): fractions as %, yen and counts with thousands separators."""
    out = frame.copy()
    for c in out.columns:
        if c in ("adoption_rate", "share"):
            out[c] = out[c].map(style.format_percent)
        elif c.endswith("_yen") or c in ("before", "after", "change", "offices", "registered", "sheets",
                                          "digital_sheets", "waiting", "unlockable_sheets"):
            out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{round(float(v)):,}")
        elif c == "rank":  # blank where an area is too small to rank (services.adoption.rank_areas)
            out[c] = out[c].map(formats.count)
        elif c.endswith("_hours"):
            out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{float(v):,.1f}")
    return out
