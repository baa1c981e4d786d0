"""事業所ビュー: one office's digital share over time, its missed digital exchanges, and which partners to
invite first — from the database, or from the manager's own log / CPDS ZIP read in memory (never stored)."""
import pandas as pd
import streamlit as st

from analytics.domain import codes, formats, kpis
from analytics.reports import channel_charts as charts
from analytics.services import office as so
from analytics.ui import a11y, glue, log_upload, nav

lang = glue.lang()

st.title(glue.tr("page.office.title"))
st.caption(glue.tr("officeview.intro"))
scope = glue.scope()

# labels resolved now: format_func may be called outside this run (AppTest does)
source_labels = {s: glue.tr(f"officeview.source.{s}") for s in ("db", "upload")}
source = st.radio(glue.tr("officeview.source"), ["db", "upload"], horizontal=True, key="office_source",
                  format_func=source_labels.get)

monthly = partners = None
office_code = None
if source == "db":
    if scope.role == "office":
        candidates = pd.DataFrame({"office_code": [scope.area], "name": [None]})
    else:
        pref_name = codes.prefecture_names(lang)
        allowed = scope.detail_prefectures(list(pref_name))
        if not allowed:
            st.warning(glue.tr("officeview.no_offices"))
            st.stop()
        pref = st.selectbox(glue.tr("targets.prefecture"), allowed, key="office_prefecture",
                            index=allowed.index("30") if "30" in allowed else 0,
                            format_func=lambda c: f"{c} {pref_name[c]}", placeholder=glue.tr("common.choose"))
        candidates = glue.cached(so.offices_with_exchanges, pref)
    if candidates.empty:
        st.info(glue.tr("officeview.no_offices"))
        st.stop()
    names = dict(zip(candidates["office_code"], candidates["name"]))
    office_code = st.selectbox(glue.tr("officeview.office"), list(names), key="office_code_pick",
                               format_func=lambda c: f"{c} {names[c]}" if isinstance(names[c], str) else c, placeholder=glue.tr("common.choose"))
    monthly = glue.cached(so.office_monthly, office_code)
    partners = glue.cached(so.office_partners, office_code)

    def self_registered_in(month) -> bool:
        return bool(glue.cached(so.is_registered, office_code, month))
else:
    def only_own(code: str) -> None:
        """An office user sees its own office only."""
        if scope.role == "office" and code != scope.area:
            st.error(glue.tr("officeview.not_own_code", code=scope.area))
            st.stop()

    st.caption(glue.tr("officeview.upload_hint"))
    upload = st.file_uploader(glue.tr("officeview.upload"), type=list(glue.UPLOAD_TYPES["office_upload"]),
                              key="office_upload")
    typed = st.text_input(glue.tr("officeview.office_code"), key="office_code_typed",
                          value=scope.area if scope.role == "office" else "",
                          help=glue.tr("officeview.office_code_help"))
    office_code = None
    if typed.strip():  # checked at once, before any file comes
        office_code = codes.normalise_office_code(typed)
        if office_code is None:
            # say what is wrong with it (digits, letters, prefecture, check digit), not only what to type
            problem = codes.office_code_problem(typed)
            st.error(glue.tr("officeview.bad_code_why", why=problem[0 if lang == "ja" else 1])
                     if problem else glue.tr("officeview.bad_code"))
            st.stop()
        only_own(office_code)
    if not upload:
        st.info(glue.tr("officeview.upload_first"))
        st.stop()
    log = log_upload.read(upload, "office")
    if log is None:
        st.stop()
    if office_code is None:  # not typed: the log's most frequent sender, said so
        office_code = so.own_code_in_log(log)
        st.info(glue.tr("officeview.code_from_log", code=office_code))
        only_own(office_code)
    in_file = set(log["sender_code"]) | set(log["receiver_code"])
    if office_code not in in_file:
        st.error(glue.tr("officeview.not_in_file", codes="、".join(sorted(in_file)[:5])))
        st.stop()
    # the uploaded log decides the office's own figures: its データ連携 rows mean both sides were registered
    from_log = so.from_log(glue.engine(), log, office_code)
    monthly, partners, self_registered_in = from_log.monthly, from_log.partners, from_log.self_registered

if monthly is None or monthly.empty:
    st.info(glue.tr("officeview.no_data"))
    st.stop()

latest = max(monthly["month"])
last = monthly[monthly["month"] == latest]
sheets, digital = int(last["sheets"].sum()), int(last["digital_sheets"].sum())
m1, m2, m3 = st.columns(3)
m1.metric(kpis.label("digital_share", lang), formats.percent(digital / sheets) if sheets else "–",
          help=kpis.describe("digital_share", lang))
m2.metric(kpis.label("sheets", lang), f"{sheets:,}", help=kpis.describe("sheets", lang))
m3.metric(kpis.label("missed_digital_sheets", lang), f"{int(last['missed_digital_sheets'].sum()):,}",
          help=kpis.describe("missed_digital_sheets", lang))
st.caption(f"{office_code}　{formats.month_label(latest, lang)}")


def _to_effect() -> None:
    """効果試算 with this office's partners: the uploaded log's figures, or the office in the database."""
    if source == "upload":
        st.session_state["effect_log"] = {"file": upload.name, "figures": from_log}
        st.session_state["effect_mode"] = "log"
    else:
        st.session_state["effect_mode"] = "database"
        st.session_state["effect_office_search"] = office_code
        st.session_state["effect_office"] = office_code
        st.session_state.pop("effect_office_filled", None)   # its users and care managers are filled in again


if st.button(glue.tr("officeview.to_effect"), icon=":material/calculate:", key="office_to_effect",
             help=glue.tr("officeview.to_effect.help")):
    _to_effect()
    st.switch_page(str(nav.PAGES_DIR / "effect.py"))

period = glue.tr("channels.period_all", start=formats.month_label(min(monthly["month"]), lang),
                 end=formats.month_label(latest, lang))
src = kpis.source("digital_share", lang)
st.subheader(glue.tr("officeview.chart.trend"))
a11y.chart(charts.office_trend(monthly, lang), key="office_trend_chart")
glue.chart_footer(counts=kpis.describe("digital_share", lang), period=period, source=src, data=monthly,
                  key="office_trend")

partners = partners.assign(name=partners["name"].fillna(glue.tr("targets.unknown_name")))
# the ranking measure (paper sheets) first after the name; then which way the sheets went
cols = {"partner_code": glue.tr("officeview.col.partner_code"), "name": glue.tr("officeview.col.name"),
        "paper_sheets": glue.tr("officeview.col.paper_sheets"),
        "digital_sheets": glue.tr("officeview.col.digital_sheets"), "sheets": glue.tr("officeview.col.sheets"),
        "sheets_sent": glue.tr("officeview.col.sheets_sent"),
        "sheets_received": glue.tr("officeview.col.sheets_received"),
        "services": glue.tr("officeview.col.services")}
grid_columns = glue.narrow_columns(cols, "officeview.col", {
    "partner_code": 115, "name": 210, "paper_sheets": 80, "digital_sheets": 100, "sheets": 70, "sheets_sent": 80,
    "sheets_received": 90, "services": 110})


def partner_grid(frame, key: str) -> None:
    st.dataframe(frame[list(cols)].rename(columns=cols), hide_index=True, key=key, column_config=grid_columns)


month_txt = glue.tr("officeview.month_of", month=formats.month_label(partners["month"].iloc[0], lang)) \
    if not partners.empty else ""

# 二重管理 needs both sides registered: an office not registered in the partners' month has none; its
# paper sheets with registered partners are what its own registration would turn digital
self_registered = (not partners.empty) and self_registered_in(partners["month"].iloc[0])
paper_with_registered = partners[partners["registered"] & (partners["paper_sheets"] > 0)]
st.subheader(glue.tr("officeview.missed.title"))
if not self_registered and not partners.empty:
    st.info(glue.tr("officeview.self_unregistered", month=formats.month_label(partners["month"].iloc[0], lang)))
elif paper_with_registered.empty:
    st.success(glue.tr("channels.missed.none"))
else:
    st.caption(month_txt)
    partner_grid(paper_with_registered, "office_missed")
if not self_registered and not paper_with_registered.empty:
    st.subheader(glue.tr("officeview.unlock.title"))
    st.caption(month_txt)
    partner_grid(paper_with_registered, "office_unlock")

st.subheader(glue.tr("officeview.invite.title"))
invite = partners[~partners["registered"] & (partners["paper_sheets"] > 0)]
if invite.empty:
    st.success(glue.tr("officeview.invite.none"))
else:
    st.caption(month_txt)
    partner_grid(invite, "office_invite")
