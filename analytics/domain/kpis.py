"""The registry of every figure the dashboard shows (指標の定義): one entry per KPI.

The 「データの定義」 page is generated from this list, pages take metric labels and chart captions from it
(``label``, ``describe``), and a test fails when a figure shown on a page is not registered here.
Add an entry by appending a ``KPI(...)`` to ``KPIS`` (English fields are optional; Japanese is shown
when they are empty). Definitions follow DESIGN §3.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analytics.domain import formats

SRC_MASTER = "事業所マスタ（介護サービス情報公表システムのオープンデータ等、取込データ）"
SRC_MASTER_EN = "Office master (MHLW care service information open data etc., imported)"
SRC_REG = "登録事業所一覧（都道府県・WAM NET等の利用開始日・利用終了日、取込データ）"
SRC_REG_EN = "Registered office list (start/end dates from the prefecture or WAM NET, imported)"
SRC_EXCH = "提供票のやり取り記録（送信ログ・CPDSファイル、取込データ）"
SRC_EXCH_EN = "Records of shared sheets (send logs, CPDS files; imported)"
SRC_MODEL = "効果試算モデル（厚生労働省資料の係数、「データの定義」の前提一覧）"
SRC_MODEL_EN = "Effect model (coefficients from the MHLW material; see the assumptions list)"


@dataclass(frozen=True)
class Rule:
    """One rule of DESIGN §3 as readers see it. ``analytics.store.definitions`` holds its only SQL copy, and
    that function's docstring starts with ``text("en")`` word for word (tests/store/test_definitions.py)."""
    key: str
    name_ja: str
    name_en: str
    rule_ja: str
    rule_en: str

    def text(self, lang: str = "ja") -> str:
        return f"{self.name_ja}: {self.rule_ja}" if lang == "ja" else f"{self.name_en}: {self.rule_en}"

    def rule(self, lang: str = "ja") -> str:
        return self.rule_ja if lang == "ja" else self.rule_en


# key = the function of analytics.store.definitions that writes the rule
RULES: dict[str, Rule] = {r.key: r for r in (
    Rule("registered_at", "基準日Dに登録中", "Registered at date D",
         "利用開始日 ≤ D かつ（利用終了日なし又は 利用終了日 > D）",
         "start date ≤ D and (no end date or end date > D)"),
    Rule("registered_in_month", "その月に登録", "Registered in a month",
         "その月のいずれかの日に登録中（利用開始日 ≤ 月末 かつ（利用終了日なし又は 利用終了日 > 月初））",
         "registered on some day of the month (start date ≤ the month's last day and (no end date or end date "
         "> its first day))"),
    Rule("from_snapshot", "スナップショットからの登録", "Snapshot registration",
         "利用開始日のない一覧（ある日に利用している事業所の一覧）では、事業所が初めて載った一覧の基準日を利用開始日とし"
         "（その日以前から利用）、同じ都道府県の後の一覧に載っていなければその基準日を利用終了日とする。"
         "利用開始日のある一覧の日付が優先する",
         "in a list without start dates (the offices using the system on a date), the start date is the date "
         "of the first list naming the office (registered on or before it) and the end date that of the first "
         "later list of its prefecture not naming it; dates of dated lists win"),
    Rule("kind_at", "基準日Dの事業所の種別", "Office kind at date D",
         "基準日Dに開いているサービスに居宅介護支援・介護予防支援（43/430、46）が一つでもあれば居宅介護支援、それ以外は"
         "サービス事業所。基準日付きマスタ（その都道府県・サービス種類の完全な一覧）から消えたサービスはその基準日から数えず、"
         "後の一覧に再び載れば再び数える",
         "居宅介護支援 (43/430, 46) if one of its services open at D is one, else service office; a service gone "
         "from a dated master (complete for its prefecture and service type) counts no more from that date, and "
         "counts again once a later one lists it"),
    Rule("office_open_at", "基準日Dに開いている事業所", "Open at date D",
         "事業所マスタにあり、D以前の基準日付きマスタ（その都道府県・サービス種類の完全な一覧）から消えて閉鎖となっていない"
         "（後の一覧に再び載れば再開）。基準日なしで取り込んだマスタの事業所はいつでも開いている",
         "the office is in the master and not closed at D: closed from the first dated master (complete for its "
         "prefecture and service types) on or before D that lists none of its services, until a later one "
         "lists it again; an office of a master imported without a date is open on every day"),
    Rule("in_master", "マスタにある事業所", "In the master",
         "事業所番号が事業所マスタにある。マスタにない番号の登録は別に数えて一覧にし、登録率には含めない",
         "the office number is in the office master; registrations of other numbers are counted and listed "
         "separately, never in a rate"),
    Rule("in_master_at", "基準日Dにマスタにある事業所", "In the master at D",
         "事業所番号が事業所マスタにあり、基準日Dに開いている。マスタにない番号の登録と、Dまでにマスタで閉鎖となった"
         "（基準日付きマスタから消えた）事業所の登録は、閉鎖日とともに別に数えて一覧にし、登録率には含めない",
         "the office number is in the office master and the office is open at D; a registration of another "
         "number, or of an office the master closed by D (gone from a dated master), is counted and listed "
         "separately with its closing date, never in a rate"),
    Rule("is_digital", "データ連携", "Digital",
         "ケアプランデータ連携システムで共有された提供票（FAX・郵送・手渡し・メールはデータ連携ではない）",
         "a sheet shared through the care plan data exchange system (fax, post, hand and e-mail are not)"),
    Rule("missed_digital", "二重管理", "Missed digital (二重管理)",
         "送信元・送信先の両方がその月に登録済みなのに、データ連携以外（FAX・郵送・手渡し・メール）で共有された提供票",
         "sheets sent by a non-digital channel although sender and receiver were both registered that month"),
    Rule("unlockable", "登録でデータ連携になる提供票", "Unlockable",
         "データ連携以外で共有された提供票のうち、その月に片方だけが登録済みのもの（未登録側が働きかけ先）",
         "non-digital sheets where exactly one side is registered that month; the unregistered side is the target"),
    Rule("digital_share", "データ連携の割合", "Digital share",
         "データ連携の提供票件数 ÷ 全提供票件数（件数が0のときは定義しない）",
         "digital sheets / all sheets (undefined where there are no sheets)"),
)}


def rule(key: str, lang: str = "ja") -> str:
    """The rule's text without its name, in lang (what a KPI's definition quotes)."""
    return RULES[key].rule(lang)


@dataclass(frozen=True)
class KPI:
    key: str
    name_ja: str
    name_en: str
    numerator_ja: str
    denominator_ja: str      # "" for a count or a sum
    period_ja: str
    source_ja: str
    unit: str                # 事業所, %, 件, 時間/月, 万円 …
    numerator_en: str = ""
    denominator_en: str = ""
    period_en: str = ""
    source_en: str = ""

    def text(self, field: str, lang: str = "ja") -> str:
        """The field in lang, falling back to Japanese when no English text was given."""
        ja = getattr(self, f"{field}_ja")
        if lang == "ja":
            return ja
        return getattr(self, f"{field}_en") or ja


KPIS: list[KPI] = [
    KPI("offices", "事業所数", "Offices",
        "事業所マスタの事業所番号の数（複数サービスの事業所番号も1事業所）のうち基準日Dに開いているもの"
        "（「データの定義」の基準日Dに開いている事業所）", "", "基準日時点のマスタ", SRC_MASTER, "事業所",
        "Distinct office numbers in the office master (one per number, whatever its services), open at the "
        "as-of date D (see Open at date D on the definitions page)", "",
        "Master at the as-of date", SRC_MASTER_EN),
    KPI("registered", "登録事業所数", "Registered offices",
        f"基準日Dに登録中（{rule('registered_at')}）で事業所マスタにある事業所番号の数", "",
        "基準日時点", SRC_REG, "事業所",
        f"Office numbers in the master registered at D ({rule('registered_at', 'en')})", "", "At the as-of date",
        SRC_REG_EN),
    KPI("adoption_rate", "登録率", "Adoption rate",
        "登録事業所数（マスタにある事業所のみ）", "事業所マスタの事業所数（同じ地域・同じ種別）", "基準日時点",
        f"{SRC_REG}／{SRC_MASTER}", "%",
        "Registered offices that are in the master", "Offices in the master (same area and kind)",
        "At the as-of date", f"{SRC_REG_EN} / {SRC_MASTER_EN}"),
    KPI("adoption_change", "登録率の変化", "Change in adoption rate",
        "期間末の登録率 − 期間初めの登録率", "", "選択した期間（初日と末日の各時点）", f"{SRC_REG}／{SRC_MASTER}",
        "ポイント",
        "Adoption rate at the end minus at the start", "", "The chosen period (its first and last day)",
        f"{SRC_REG_EN} / {SRC_MASTER_EN}"),
    KPI("adoption_rate_monthly", "月別の登録率", "Monthly adoption rate",
        f"{rule('registered_in_month')}の事業所のうちマスタにあるもの",
        "事業所マスタの事業所数", "月ごと", f"{SRC_REG}／{SRC_MASTER}", "%",
        f"Offices in the master {rule('registered_in_month', 'en')}", "Offices in the master", "Each month",
        f"{SRC_REG_EN} / {SRC_MASTER_EN}"),
    KPI("not_in_master", "マスタにない登録", "Registrations not in the master",
        "基準日に登録中で、事業所番号が事業所マスタにないか、基準日までにマスタで閉鎖となった事業所の数（閉鎖日を表示。"
        "登録データの都道府県で集計。登録率には含めない）",
        "", "基準日時点", SRC_REG, "事業所",
        "Office numbers registered at D that are not in the master, or that the master closed by D (closing "
        "date shown), by the registration's prefecture (listed separately, never in a rate)", "",
        "At the as-of date", SRC_REG_EN),
    KPI("digital_share", "データ連携の割合", "Digital share",
        "データ連携で共有された提供票の件数", "共有された提供票の全件数（FAX・郵送・手渡し・メール・データ連携）",
        "月ごと（表示は最新月）", SRC_EXCH, "%",
        "Sheets shared through the data exchange system", "All shared sheets (fax, post, hand, e-mail, digital)",
        "Monthly (latest month shown)", SRC_EXCH_EN),
    KPI("digital_offices", "データ連携で交換中の事業所数", "Offices exchanging digitally",
        "その月にデータ連携で提供票を送信又は受信した、事業所マスタにある事業所番号の数", "", "最新月",
        SRC_EXCH, "事業所",
        "Offices in the master that sent or received at least one sheet digitally in the month", "",
        "Latest month", SRC_EXCH_EN),
    KPI("hours_saved_realised", "削減された時間", "Hours saved",
        "データ連携の提供票件数 ×（紙の共有時間 − データ連携の共有時間）= 件数 ×（0.62 − 0.20）時間",
        "", "最新月", f"{SRC_EXCH}／{SRC_MODEL}", "時間/月",
        "Digital sheets × (paper time − digital time per user) = sheets × (0.62 − 0.20) h", "",
        "Latest month", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    # ↑ adoption (queries_adoption). Other figures: append below.
    # ↓ channels, targets, savings (queries_channels, queries_targets, queries_savings)
    KPI("sheets", "提供票件数", "Sheets",
        "共有された提供票の件数（1人の利用者の予定・実績等を1事業所が1か月に1相手へ共有して1件）", "", "月ごと",
        SRC_EXCH, "件",
        "Sheets shared (one user's plan or actual shared by one office with another in one month)", "",
        "Each month", SRC_EXCH_EN),
    KPI("missed_digital_sheets", "二重管理の件数", "Missed digital sheets",
        f"{rule('missed_digital')}の件数", "",
        "月ごと", f"{SRC_EXCH}／{SRC_REG}", "件",
        f"Number of {rule('missed_digital', 'en')}", "", "Each month", f"{SRC_EXCH_EN} / {SRC_REG_EN}"),
    KPI("unlockable_sheets", "登録でデータ連携になる件数", "Unlockable sheets",
        f"{rule('unlockable')}の、未登録側の事業所ごとの月平均件数", "",
        "選択した期間の月平均（既定: 最新月）。期間の最終月に登録済みの事業所は除く", f"{SRC_EXCH}／{SRC_REG}", "件/月",
        f"Monthly average per unregistered side of the {rule('unlockable', 'en')}", "", "Monthly average over the chosen months (default: latest month); offices "
        "registered in the last month are left out", f"{SRC_EXCH_EN} / {SRC_REG_EN}"),
    KPI("registered_partners", "登録済みの相手事業所数", "Registered partners",
        "未登録の事業所と、データ連携以外で提供票をやり取りした登録済み事業所の数", "", "選択した期間",
        f"{SRC_EXCH}／{SRC_REG}", "事業所",
        "Registered offices that exchanged non-digital sheets with the unregistered office", "",
        "The chosen months", f"{SRC_EXCH_EN} / {SRC_REG_EN}"),
    KPI("realised_hours", "実現した削減時間", "Hours saved so far",
        "データ連携の提供票件数 ×（紙0.62 − データ連携0.20）時間（1人1月あたりモデル、送信元の地域で集計）", "",
        "選択した月（全期間のときは累計）", f"{SRC_EXCH}／{SRC_MODEL}", "時間",
        "Digital sheets × (0.62 − 0.20) h (per-user model, by the sender's area)", "",
        "The chosen month (sum when all months)", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    KPI("realised_yen", "実現した削減額", "Yen saved so far",
        "実現した削減時間 × 人件費単価 ＋ データ連携の件数分の紙の直接費用（印刷・FAX・郵送・交通）"
        "（ライセンス料・固定費は含まない）", "", "選択した月（全期間のときは累計）", f"{SRC_EXCH}／{SRC_MODEL}", "円",
        "Hours saved × hourly staff cost + paper-only direct costs of the digital sheets (licence and fixed "
        "costs excluded)", "", "The chosen month (sum when all months)", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    KPI("potential_hours", "全件データ連携時の削減時間", "Potential hours saved",
        "全提供票件数 ×（紙0.62 − データ連携0.20）時間（すべてデータ連携になった場合）", "",
        "選択した月（全期間のときは累計）", f"{SRC_EXCH}／{SRC_MODEL}", "時間",
        "All sheets × (0.62 − 0.20) h (if every sheet were digital)", "",
        "The chosen month (sum when all months)", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    KPI("potential_yen", "全件データ連携時の削減額", "Potential yen saved",
        "全件データ連携時の削減時間 × 人件費単価 ＋ 全件分の紙の直接費用（ライセンス料・固定費は含まない）", "",
        "選択した月（全期間のときは累計）", f"{SRC_EXCH}／{SRC_MODEL}", "円",
        "Potential hours × hourly staff cost + paper-only direct costs of all sheets (licence and fixed costs "
        "excluded)", "", "The chosen month (sum when all months)", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    # 効果試算 (one office, DESIGN §4): the simulator's tiles
    KPI("effect_hours_saved", "削減時間", "Hours saved",
        "紙のときの提供票の共有にかかる時間 − 試算した状態の時間（年は月×12）", "", "1か月（年は12か月）",
        f"{SRC_MODEL}／ケアプランデータ連携システムの導入とねらいと期待される効果（厚生労働省）", "時間",
        "Hours for sharing sheets all on paper − hours in the scenario (year = 12 × month)", "",
        "One month (year = 12 months)", SRC_MODEL_EN),
    KPI("effect_saving", "削減効果", "Saving",
        "（人件費＋直接的な支出）の紙のとき − 試算した状態（ライセンス料を含む。除く場合は表示名に明記）", "",
        "1か月（年は12か月）", f"{SRC_MODEL}／介護保険最新情報 Vol.1096（2022-09-06）", "円",
        "(staff cost + direct spending) on paper − in the scenario (licence included unless the label says "
        "otherwise)", "", "One month (year = 12 months)", f"{SRC_MODEL_EN} / Kaigo Hoken Saishin Joho Vol.1096"),
    KPI("effect_staff_saving", "人件費の削減", "Staff cost saved",
        "「利用者1人あたりの係数」では 削減時間 × 人件費単価（時給）。「資料の事業所例」では資料の人件費 "
        "95,218円 → 32,784円（資料がケアマネジャーの平均給与と作業時間から算出した値。表示の時間 × 1,817円 とは"
        "端数が合わない）を利用者数と人件費単価に比例させた差", "", "1か月", SRC_MODEL, "円",
        "per-user preset: hours saved × hourly staff cost. mhlw-example preset: the slide's staff costs, 95,218 → "
        "32,784 yen (the slide's own figures from care managers' average pay and the hours; they differ from "
        "the shown hours × 1,817 yen in rounding), scaled by users and hourly cost", "", "One month",
        SRC_MODEL_EN),
    KPI("effect_direct_saving", "直接的な支出の削減", "Direct spending saved",
        "印刷費・通信費・郵送費・交通費・介護ソフト利用費・ライセンス料の合計の差（紙 − 試算した状態）", "", "1か月",
        SRC_MODEL, "円",
        "Difference of printing, communication, postage, travel, software and licence costs (paper − scenario)",
        "", "One month", SRC_MODEL_EN),
    KPI("sends_per_care_manager", "ケアマネ1人あたり送信回数", "Sends per care manager",
        "紙で送る提供票の件数 ＋（データ連携が1件でもあれば1回）", "ケアマネジャー数", "1か月", SRC_MODEL, "回",
        "Sheets sent on paper + (1 if any sheet goes digitally)", "Care managers", "One month", SRC_MODEL_EN),
    KPI("break_even_share", "元が取れるデータ連携の割合", "Digital share at which the licence pays",
        "削減効果（ライセンス料を除く）がライセンス料（月1,750円）と等しくなるデータ連携の割合", "", "1か月",
        SRC_MODEL, "%",
        "The digital share at which the saving excluding the licence equals the licence (1,750 yen/month)", "",
        "One month", SRC_MODEL_EN),
    KPI("licence_payback_months", "ライセンス料の回収期間", "Months to recover the licence",
        "年間ライセンス料 21,000円", "ライセンス料を除く月あたりの削減効果", "試算した状態が続く場合", SRC_MODEL, "か月",
        "Yearly licence 21,000 yen", "Monthly saving excluding the licence", "If the scenario continues",
        SRC_MODEL_EN),
    # 将来推計 (Bass diffusion, analytics.domain.forecast)
    KPI("forecast_target_month", "目標到達月", "Target month",
        "バス普及モデル（p, q を月別登録数に当てはめ、m = マスタの事業所数 × 飽和割合）の予測登録率が目標に達する最初の月",
        "", "データ最終月から10年以内（それ以降は「到達しない」）", f"{SRC_REG}／{SRC_MASTER}", "年月",
        "First month the Bass model's forecast adoption (p, q fitted to monthly registrations; m = master × "
        "saturation share) reaches the target", "", "Within 10 years of the last month of data",
        f"{SRC_REG_EN} / {SRC_MASTER_EN}"),
    KPI("forecast_extra_hours", "増える削減時間", "Extra hours saved",
        "働きかけ先が登録した場合にデータ連携になる提供票 × (0.62 − 0.20) 時間", "", "データの最新月（1か月）",
        f"{SRC_EXCH}／{SRC_MODEL}", "時間",
        "Sheets that would turn digital if the targets join × (0.62 − 0.20) h", "", "Latest month of data",
        f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    KPI("forecast_extra_yen", "増える削減額", "Extra yen saved",
        "増える削減時間 × 人件費単価 ＋ 紙の直接費用の減少（年は月×12、ライセンス料を除く）", "", "データの最新月×12",
        f"{SRC_EXCH}／{SRC_MODEL}", "円",
        "Extra hours × hourly staff cost + fewer paper costs (year = 12 × month, licence excluded)", "",
        "Latest month × 12", f"{SRC_EXCH_EN} / {SRC_MODEL_EN}"),
    KPI("backtest_mape", "平均絶対誤差率", "Mean absolute percentage error",
        "6か月間の |予測登録数 − 実績登録数| ÷ 実績登録数 の平均（検証開始月までのデータで当てはめ）", "",
        "検証開始月の翌月から6か月", SRC_REG, "%",
        "Mean over six months of |forecast − actual registered| ÷ actual (fitted on data up to the start month)",
        "", "The six months after the start month", SRC_REG_EN),
]


# Units as readers see them: the registry keeps the Japanese unit, English pages show these. The effect
# model's assumption units are here too, so no Japanese unit reaches the English pages.
UNITS_EN = {
    "事業所": "offices", "%": "%", "ポイント": "percentage points", "件": "sheets", "件/月": "sheets/month",
    "時間": "hours", "時間/月": "hours/month", "円": "yen", "回": "sends", "か月": "months", "年月": "month",
    "万円": "10,000 yen", "人": "people", "円/年": "yen/year", "円/時間": "yen/hour", "円/月": "yen/month",
    "回/月": "times/month", "時間/人・月": "hours per user-month",
}


def unit_text(unit: str, lang: str = "ja") -> str:
    """A unit in lang: 「事業所」 stays Japanese in ja, becomes "offices" in en (unknown units pass through)."""
    return unit if lang == "ja" else UNITS_EN.get(unit, unit)


def get(key: str) -> KPI:
    """The KPI registered under key; KeyError if it is not registered."""
    for k in KPIS:
        if k.key == key:
            return k
    raise KeyError(f"KPI {key!r} is not in analytics.domain.kpis.KPIS")


def label(key: str, lang: str = "ja") -> str:
    return get(key).text("name", lang)


def describe(key: str, lang: str = "ja") -> str:
    """'numerator ÷ denominator' (or the numerator alone): the line printed under a chart."""
    k = get(key)
    den = k.text("denominator", lang)
    return f"{k.text('numerator', lang)} ÷ {den}" if den else k.text("numerator", lang)


def period(key: str, lang: str = "ja") -> str:
    return get(key).text("period", lang)


def source(key: str, lang: str = "ja") -> str:
    return get(key).text("source", lang)


# between two definitions or sources on one line: the full-width slash in Japanese, a spaced slash in English
# (the registry's own English sources are written with " / " too)
LIST_SEP = {"ja": "／", "en": " / "}


def joined(parts, lang: str = "ja") -> str:
    """Definitions or sources on one line, separated as the language writes it."""
    return LIST_SEP.get(lang, LIST_SEP["ja"]).join(parts)


def split_sources(text: str) -> list[str]:
    """The sources of a joined line, in either language."""
    return [part for part in re.split("|".join(re.escape(sep) for sep in LIST_SEP.values()), text) if part]


def names() -> set[str]:
    """Every registered name in both languages (what a metric label may be)."""
    return {k.name_ja for k in KPIS} | {k.name_en for k in KPIS}


def kpis_frame(lang: str = "ja") -> pd.DataFrame:
    """The registry as a table for the definitions page."""
    return pd.DataFrame([{
        "key": k.key, "name": k.text("name", lang), "numerator": k.text("numerator", lang),
        "denominator": k.text("denominator", lang), "period": k.text("period", lang),
        "source": k.text("source", lang), "unit": unit_text(k.unit, lang),
    } for k in KPIS])


PAPER_HOURS, DIGITAL_HOURS = 0.62, 0.20   # fallback only; the effect model's assumptions win


def realised_hours_saved(sheets: float, digital_sheets: float) -> float:
    """Hours saved in a month by the digital sheets (per-user model): digital × (paper − digital time)."""
    try:
        from analytics.domain.effects import vector_effect
    except ImportError:  # effect model not installed: the documented defaults
        return float(digital_sheets) * (PAPER_HOURS - DIGITAL_HOURS)
    return float(vector_effect([float(sheets)], [float(digital_sheets)])["hours_saved"].iloc[0])


# Hours for a tile or a sentence: tenths below 1,000 h, whole hours from there (analytics.domain.formats).
hours_text = formats.hours_number
