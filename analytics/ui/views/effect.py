"""効果試算: the ROI simulator on the documented model (DESIGN §4). Thin: widgets → domain → figures."""
import pandas as pd
import streamlit as st

from analytics.domain import codes, effects, formats, kpis, ranges
from analytics.domain.text import normalise_text
from analytics.errors import BadValue
from analytics.reports import effect_charts
from analytics.services import office as so
from analytics.ui import a11y, glue, log_upload

tr = glue.tr
lang = glue.lang()
R = ranges.BY_KEY  # every input's min_value/max_value: the one range table the model and the CLI check

DEFAULTS = {"effect_preset": "mhlw-example", "effect_users": 90, "effect_cms": 3,
            "effect_wage": int(effects.BY_KEY["hourly_staff_cost"].value), "effect_free": False,
            "effect_mode": "share", "effect_share": 100, "effect_partners_total": 10, "effect_partners_reg": 10}
EDITABLE = [a for a in effects.ASSUMPTIONS if a.editable and a.key != "hourly_staff_cost"]
for _k, _v in DEFAULTS.items():
    st.session_state.setdefault(_k, _v)
st.session_state.setdefault("effect_editor_v", 0)


def _reset() -> None:
    for key, value in DEFAULTS.items():
        st.session_state[key] = value
    st.session_state["effect_editor_v"] += 1
    st.session_state.pop("effect_office_filled", None)


def _pct(x: float) -> str:
    return formats.percent(x, trim=True)


def _hours(x: float) -> str:
    """Hours to the tenth whatever the inputs (34.3時間, 17.1時間, 4,116.0時間): one precision on every tile."""
    return formats.hours(x, lang)


def _yen(yen: int) -> str:
    """Money to the yen (DESIGN §4), the same way in every tile of the row."""
    return formats.yen(yen, lang)


def _times(x: float, signed: bool = False) -> str:
    return formats.count(x, "回", "sends", lang, digits=1, signed=signed)


def _months(x: float) -> str:
    return formats.count(x, "か月", "months", lang, digits=1)


def _help(kpi: str, key: str | None = None, **fmt) -> str:
    """A tile's ? help: what it counts (the KPI registry, as on the definitions page), then this tile's own
    note from the catalogue (the licence in force, the 万円 reading, what a delta is compared against)."""
    note = tr(key, **fmt) if key else ""
    return f"{kpis.describe(kpi, lang)}\n\n{note}" if note else kpis.describe(kpi, lang)


def plain_sentence(values: dict, licence_year: float, language: str) -> str:
    """The effect in one sentence under the tiles: 「ライセンス料 年21,000円に対し、削減効果は年約107万円
    （約0.2か月で回収）」. The yearly saving includes the licence; 万円 in Japanese, yen in English."""
    saving, months = values["saving_year"], values["months_to_recover"]
    shown = formats.yen_man(saving, "ja", digits=0) if language == "ja" else formats.yen(saving, "en")
    if not licence_year:
        return tr("effect.plain.free", saving=shown)
    licence = formats.yen(licence_year, language)
    if months is None or saving <= 0:
        return tr("effect.plain.never", licence=licence, saving=shown)
    return tr("effect.plain.paid", licence=licence, saving=shown, months=formats.count(months, digits=1))


def _yen_help(yen: int, key: str = "effect.unit.man_note", **fmt) -> str:
    """The 万円 reading as a secondary note (Japanese only: English has no 万)."""
    return tr(key, man=f"{yen / 10000:,.2f}", value=f"{yen:,}", **fmt)


PARTNER_COLUMNS = ["partner_code", "name", "sheets_sent", "sheets_received", "sheets", "digital_sheets", "registered"]


def _from_partners(frame: pd.DataFrame, month, self_registered: bool, note: str):
    """The digital share and (sheets, registered) per partner of one office's month (database or log),
    with what they came from said under the inputs."""
    if frame.empty:
        st.info(tr("effect.db.no_partners"))
        return 0.0, None
    share = effects.partner_share(frame["sheets"], frame["registered"])
    actual = frame["digital_sheets"].sum() / max(frame["sheets"].sum(), 1)
    st.caption(tr("effect.db.month", month=formats.iso_month(month), partners=len(frame),
                  registered=int(frame["registered"].sum()), share=_pct(share), actual=_pct(actual)))
    st.caption(note)
    if not self_registered:
        st.caption(tr("effect.db.not_registered"))
    with st.expander(tr("effect.db.partners_table")):
        shown = frame[PARTNER_COLUMNS]
        st.dataframe(shown.rename(columns={c: tr(f"effect.col.{c}") for c in shown.columns}), hide_index=True)
    return share, (frame["sheets"].to_numpy(), frame["registered"].to_numpy())


st.title(tr("page.effect.title"))
st.write(tr("effect.intro"))
st.button(tr("effect.reset"), on_click=_reset, icon=":material/restart_alt:", key="effect_reset")

# --- which modes are available: the database one needs exchanges and office-level access ----------------
scope = glue.scope()
db_reason = None
if scope.role not in ("admin", "prefecture", "office"):
    db_reason = tr("effect.db.no_access")
elif not glue.cached(so.has_exchanges):
    db_reason = tr("effect.db.unavailable")
# the log mode reads partners' registrations from the database too: office-level access, like the database mode
log_reason = tr("effect.db.no_access") if scope.role not in ("admin", "prefecture", "office") else None
modes = ["share", "partners"] + ([] if db_reason else ["database"]) + ([] if log_reason else ["log"])
if st.session_state["effect_mode"] not in modes:
    st.session_state["effect_mode"] = "share"

st.subheader(tr("effect.inputs"))
left, right = st.columns(2)

# The right column runs first: picking an office fills users and care managers before their inputs exist.
with right:
    # labels resolved now: format_func may be called outside this run (AppTest does, in the page's language)
    mode_labels = {m: tr(f"effect.mode.{m}") for m in modes}
    mode = st.radio(tr("effect.mode"), modes, format_func=mode_labels.get, key="effect_mode")
    if db_reason or log_reason:
        st.caption(db_reason or log_reason)
    partners = None
    if mode == "share":
        st.slider(tr("effect.share"), **R["digital_share"].widget(100), step=1, key="effect_share",
                  format=formats.printf_percent(0))
        share = st.session_state["effect_share"] / 100
    elif mode == "partners":
        total = st.number_input(tr("effect.partners_total"), **R["partners_total"].widget(), step=1,
                                key="effect_partners_total")
        if st.session_state["effect_partners_reg"] > total:
            st.session_state["effect_partners_reg"] = int(total)
        registered = st.number_input(tr("effect.partners_registered"), min_value=0, max_value=int(total), step=1,
                                     key="effect_partners_reg")
        sheets, is_reg = effects.even_partners(total, registered)
        share = effects.partner_share(sheets, is_reg)
        st.caption(tr("effect.partners.note", share=_pct(share)))
        partners = (sheets, is_reg)
    elif mode == "database":
        area = scope.area if scope.role == "prefecture" else None
        searched = None
        if scope.role == "office":
            listing = glue.cached(so.busiest_offices, None, 1, None, scope.area)
        else:
            typed = st.text_input(tr("effect.db.search"), key="effect_office_search", help=tr("effect.db.search.help"))
            # 全角, ="…" or a lost leading zero are read as on import; anything else is looked up as typed
            searched = (codes.normalise_office_code(typed) or normalise_text(typed).upper()) if typed.strip() else None
            listing = (glue.cached(so.busiest_offices, None, 1, area, searched) if searched else
                       glue.cached(so.busiest_offices, None, 300, area, None))
        if listing.empty:
            st.info(tr("effect.db.search.not_found", code=searched) if searched else tr("effect.db.no_partners"))
            share = 0.0
        else:
            names = dict(zip(listing["office_code"], listing["name"].fillna("")))
            code = st.selectbox(tr("effect.db.office"), listing["office_code"].tolist(),
                                format_func=lambda c: f"{c} {names.get(c, '')}", key="effect_office", placeholder=glue.tr("common.choose"))
            month = glue.cached(so.latest_month, code)
            if st.session_state.get("effect_office_filled") != code:
                profile = glue.cached(so.office_profile, code, month)
                # a profile outside the simulator's range (e.g. 20,000 users) is not copied into the inputs
                if profile and profile["users"] and R["users"].contains(profile["users"]):
                    st.session_state["effect_users"] = int(profile["users"])
                if profile and profile["care_managers"] and R["care_managers"].contains(profile["care_managers"]):
                    st.session_state["effect_cms"] = int(profile["care_managers"])
                st.session_state["effect_office_filled"] = code
                st.session_state["effect_profile_month"] = profile["month"] if profile and (
                    profile["users"] or profile["care_managers"]) else None
            frame = glue.cached(so.partners_for_effect, code, month)
            if st.session_state.get("effect_profile_month"):
                profile_note = tr("effect.db.profile", month=formats.iso_month(st.session_state["effect_profile_month"]))
            else:  # the inputs keep what they held (another office's, or the defaults): say so
                profile_note = tr("effect.db.no_profile")
            share, partners = _from_partners(frame, month, bool(glue.cached(so.is_registered, code, month)),
                                             profile_note)
    else:   # an uploaded log: here, or carried over from 事業所ビュー
        upload = st.file_uploader(tr("effect.log.upload"), type=list(glue.UPLOAD_TYPES["effect_upload"]), key="effect_upload",
                                  help=tr("effect.log.upload.help"))
        if upload is not None:
            log = log_upload.read(upload, "effect")
            st.session_state.pop("effect_log", None)
            if log is not None:
                own = scope.area if scope.role == "office" else so.own_code_in_log(log)
                if own in set(log["sender_code"]) | set(log["receiver_code"]):
                    st.session_state["effect_log"] = {"file": upload.name,
                                                      "figures": so.from_log(glue.engine(), log, own)}
                else:   # an office user's own office is not in the file
                    st.error(tr("officeview.not_own_code", code=scope.area))
        carried = st.session_state.get("effect_log")
        if not carried:
            st.info(tr("effect.log.first"))
            share = 0.0
        else:
            figures = carried["figures"]
            share, partners = _from_partners(figures.partners, figures.month, figures.self_registered(),
                                             tr("effect.log.source", file=carried["file"], code=figures.office_code))

with left:
    preset_labels = {p: tr(f"effect.preset.{p}") for p in effects.PRESETS}
    preset = st.radio(tr("effect.preset"), list(effects.PRESETS), format_func=preset_labels.get,
                      key="effect_preset", horizontal=True)
    st.caption(tr(f"effect.preset.help.{preset}"))
    c1, c2 = st.columns(2)
    users = c1.number_input(tr("effect.users"), **R["users"].widget(), step=1, key="effect_users",
                            help=tr("effect.range", range=R["users"].text(lang)))
    cms = c2.number_input(tr("effect.care_managers"), **R["care_managers"].widget(), step=1, key="effect_cms",
                          help=tr("effect.range", range=R["care_managers"].text(lang)))
    wage_range = {k: int(v) for k, v in R["hourly_staff_cost"].widget().items()}  # whole yen, as the default
    wage = st.number_input(tr("effect.wage"), **wage_range, step=10, key="effect_wage",
                           help=tr("effect.wage.help") + " " + tr("effect.range", range=R["hourly_staff_cost"].text(lang)))
    free = st.checkbox(tr("effect.free"), key="effect_free")

# --- the assumption table (editable values, sources) -------------------------------------------------------------------
def _assumption_editor() -> None:
    """The editable assumption table; drawn also under an input error, so that the value at fault stays
    visible (and its edit is kept: a widget not drawn in a run loses its state)."""
    st.subheader(tr("effect.assumptions"))
    st.caption(tr("effect.assumptions.note"))
    frame = effects.assumptions_frame(lang)
    frame = frame[frame["key"].isin([a.key for a in EDITABLE])].reset_index(drop=True)
    frame = frame.rename(columns={"note_ja": "note"})
    frame["value"] = frame["documented"]   # the editor starts from the documented values; edits live in its state
    # what readers see: the preset's name (not its key), units, sources and notes in the page's language
    frame["documented"] = frame["documented"].map(lambda x: f"{x:,g}")
    frame["unit"] = frame["unit"].map(lambda u: kpis.unit_text(u, lang))
    frame["preset"] = frame["preset"].map(lambda p: tr(f"effect.assumptions.preset.{p}"))
    frame["source"] = frame["key"].map(lambda k: tr(f"effect.assumption.source.{k}"))
    frame["note"] = frame["key"].map(lambda k: tr(f"effect.assumption.note.{k}"))
    # source and its date side by side, every row and every column header shown without scrolling at
    # 1366 px (tests/browser/test_truncation.py): fixed widths that hold each header; a cell longer than its
    # column (a source) is cut, read whole in the notes below; the notes themselves are listed under the grid
    cols = ["label", "value", "documented", "unit", "source", "date", "preset", "note"]
    widths = {"label": 220, "value": 80, "documented": 80, "unit": 125, "source": 140, "date": 95, "preset": 135}
    st.data_editor(frame[cols], key=editor_key, hide_index=True, height=(len(frame) + 1) * 35 + 3,
                   disabled=[c for c in cols if c != "value"], column_order=list(widths),
                   column_config={c: st.column_config.Column(tr(f"effect.assumptions.col.{c}"), width=w)
                                  for c, w in widths.items()}
                   | {"value": st.column_config.NumberColumn(tr("effect.assumptions.col.value"), min_value=0.0,
                                                             format="localized", width=widths["value"])})
    with st.expander(tr("effect.assumptions.notes")):
        st.markdown("\n".join(tr("effect.assumptions.note_line", label=r.label, note=r.note, source=r.source,
                                  date=r.date) for r in frame.itertuples()))
    wage_row = effects.BY_KEY["hourly_staff_cost"]
    st.caption(f"{wage_row.label_ja if lang == 'ja' else wage_row.label_en}: {wage_row.value:,.0f} "
               f"{kpis.unit_text(wage_row.unit, lang)} — {tr('effect.assumption.source.hourly_staff_cost')}"
               + (f"（{wage_row.date}）" if lang == "ja" else f" ({wage_row.date})"))


# --- assumptions: the editor sits at the bottom; its edits are read here (Streamlit keeps them by key) -------
editor_key = f"effect_assumptions_{st.session_state['effect_editor_v']}"
overrides = {}
for row, change in (st.session_state.get(editor_key) or {}).get("edited_rows", {}).items():
    if "value" in change and change["value"] is not None:
        overrides[EDITABLE[int(row)].key] = change["value"]

try:
    assumptions = effects.DEFAULT.with_overrides(overrides)
    result = effects.office_effect(users, cms, share, hourly_wage=wage, licence_free=free, preset=preset,
                                   assumptions=assumptions)
except (BadValue, ranges.OutOfRange) as err:
    st.error(tr("effect.error.inputs", error=err.text(lang)))
    _assumption_editor()
    st.stop()
v = result.values

# the licence in force: 0 in a free-pass year, else the (possibly edited) yearly assumption
licence_text = (tr("effect.licence.free") if free else
                tr("effect.licence.paid", value=f"{assumptions.licence_yen_year:,.0f}"))
st.info(tr("effect.made_by", preset=tr(f"effect.preset.{preset}"), users=f"{users:,}", cms=f"{cms:,}", wage=f"{wage:,}",
           share=_pct(share), licence=licence_text))
changed = assumptions.changed()
if changed:
    st.caption(tr("effect.made_by.changed", changed="、".join(
        f"{effects.BY_KEY[k].label_ja if lang == 'ja' else effects.BY_KEY[k].label_en} {old:g}→{new:g}"
        for k, (old, new) in changed.items())))

# --- KPI tiles -------------------------------------------------------------------------------------------------
st.subheader(tr("effect.kpi"))
k = st.columns(4)
hours_fmt = {"before": _hours(v["hours_before"]), "after": _hours(v["hours_after"])}
k[0].metric(tr("effect.kpi.hours_month"), _hours(v["hours_saved_month"]),
            help=_help("effect_hours_saved", "effect.kpi.hours_month.help", **hours_fmt))
k[1].metric(tr("effect.kpi.hours_year"), _hours(v["hours_saved_year"]),
            help=_help("effect_hours_saved", "effect.kpi.hours_year.help", month=_hours(v["hours_saved_month"])))
k[2].metric(tr("effect.kpi.saving_month"), _yen(v["saving_month"]),
            help=_help("effect_saving", None) + "\n\n" + _yen_help(v["saving_month"], "effect.kpi.licence_included",
                                                                  licence=licence_text))
k[3].metric(tr("effect.kpi.saving_year"), _yen(v["saving_year"]),
            help=_help("effect_saving", None) + "\n\n" + _yen_help(v["saving_year"], "effect.kpi.licence_included",
                                                                  licence=licence_text))
k = st.columns(4)
k[0].metric(tr("effect.kpi.staff_saving"), _yen(v["staff_saving_month"]),
            help=_help("effect_staff_saving") + "\n\n" + _yen_help(v["staff_saving_month"]))
k[1].metric(tr("effect.kpi.direct_saving"), _yen(v["direct_saving_month"]),
            help=_help("effect_direct_saving") + "\n\n" + _yen_help(v["direct_saving_month"]))
k[2].metric(tr("effect.kpi.saving_excl"), _yen(v["saving_month_excl_licence"]),
            help=tr("effect.kpi.saving_excl.help") + "\n\n" + _yen_help(v["saving_month_excl_licence"]))
# the delta says what it is compared against: the same office all on paper ("before")
sends_before = v["sends_per_care_manager_before"]
k[3].metric(tr("effect.kpi.sends"), _times(v["sends_per_care_manager"]),
            delta=tr("effect.kpi.sends.delta", value=_times(v["sends_per_care_manager"] - sends_before, signed=True),
                     before=_times(sends_before)),
            delta_color="inverse",
            help=_help("sends_per_care_manager", "effect.kpi.sends.help", before=_times(sends_before)))
k = st.columns(4)
be, months = v["break_even_share"], v["months_to_recover"]
k[0].metric(tr("effect.kpi.break_even"), tr("effect.never") if be is None else _pct(be),
            help=_help("break_even_share", "effect.kpi.break_even.help"))
k[1].metric(tr("effect.kpi.months"), tr("effect.never") if months is None else _months(months),
            help=_help("licence_payback_months", "effect.kpi.months.help", licence=licence_text))
st.caption(tr("effect.hours_line", **hours_fmt))
st.markdown(plain_sentence(v, 0 if free else assumptions.licence_yen_year, lang))

# --- cost lines and the waterfall ---------------------------------------------------------------------------------
st.subheader(tr("effect.costs"))
lines = result.cost_lines()
lines = pd.concat([lines, pd.DataFrame([{
    "item": "direct_total", "before": v["direct_cost_before"], "after": v["direct_cost_after"],
    "change": v["direct_cost_after"] - v["direct_cost_before"]}])], ignore_index=True)
table = pd.DataFrame({tr("effect.item"): [tr(f"effect.item.{i}") for i in lines["item"]],
                      tr("effect.before"): lines["before"], tr("effect.after"): lines["after"],
                      tr("effect.change"): lines["change"]})
st.dataframe(table, hide_index=True,
             column_config={c: st.column_config.NumberColumn(format="localized") for c in table.columns[1:]})
a11y.chart(effect_charts.waterfall_figure(result, lang), key="effect_waterfall")
glue.chart_footer(counts=tr("effect.chart.waterfall.counts"), period=tr("effect.period.month"),
                  source=tr("effect.source"), data=effect_charts.waterfall_data(result, lang), key="effect_waterfall")

# --- sends per care manager ------------------------------------------------------------------------------------------
curve = effects.sends_curve(users, cms, [i / 100 for i in range(101)], assumptions=assumptions)
a11y.chart(effect_charts.sends_figure(curve, share, v["sends_per_care_manager"], lang), key="effect_sends")
glue.chart_footer(counts=tr("effect.chart.sends.counts"), period=tr("effect.period.month"),
                  source=tr("effect.source"), data=curve, key="effect_sends")

# --- saving as partners join -------------------------------------------------------------------------------------------
if partners is not None:
    pc = effects.saving_by_partners(users, cms, partners[0], partners[1], hourly_wage=wage, licence_free=free,
                                    preset=preset, assumptions=assumptions)
    a11y.chart(effect_charts.partners_figure(pc, lang), key="effect_partners")
    glue.chart_footer(counts=tr("effect.chart.partners.counts"), period=tr("effect.period.month"),
                      source=tr("effect.source.db") if mode == "database" else tr("effect.source"),
                      data=pc.drop(columns=["partner_index"]), key="effect_partners")

# --- the slide's rounded figures beside the exact ones --------------------------------------------------------------
with st.expander(tr("effect.slide"), expanded=True):
    st.caption(tr("effect.slide.note"))
    ex = effects.office_effect().values
    doc = effects.DOCUMENTED
    yen = _yen
    man = lambda m: tr("effect.slide.man", value=f"{m:g}", yen=f"{round(m * 10_000):,}")  # noqa: E731
    hours = _hours
    rows = [("staff_month", man(doc["staff_saving_month_rounded_man"]), yen(ex["staff_saving_month"])),
            ("staff_year", man(doc["staff_saving_year_rounded_man"]), yen(12 * ex["staff_saving_month"])),
            ("direct_month", yen(doc["direct_saving_month"]), yen(ex["direct_saving_month"])),
            ("direct_year", yen(doc["direct_saving_year"]), yen(ex["direct_saving_year"])),
            ("hours_month", hours(doc["hours_saved_month"]), _hours(ex["hours_saved_month"])),
            ("hours_year", hours(doc["hours_saved_year"]), _hours(ex["hours_saved_year"])),
            ("vol1096_month", yen(doc["vol1096_saving_month"]), yen(ex["saving_month_excl_licence"])),
            ("vol1096_year", tr("effect.slide.about", value=yen(doc["vol1096_saving_year_approx"])),
             yen(ex["saving_year_excl_licence"])),
            ("with_licence", "—", yen(ex["saving_month"]))]
    st.dataframe(pd.DataFrame([{tr("effect.slide.col.figure"): tr(f"effect.slide.row.{r}"),
                                tr("effect.slide.col.slide"): s, tr("effect.slide.col.exact"): e}
                               for r, s, e in rows]), hide_index=True)
    st.markdown(tr("effect.explain.hours"))
    st.markdown(tr("effect.explain.year"))
    st.markdown(tr("effect.explain.licence"))


_assumption_editor()
