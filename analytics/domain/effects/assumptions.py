"""The registry of named assumptions behind the effect model (効果試算): one row per coefficient.

Every figure the model produces comes from these rows, so the definitions page, the simulator's table
and the CLI all print the same values, units, sources and dates. Defaults are domain-facts §5.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from analytics import i18n
from analytics.domain import ranges

SLIDE_COST = ("厚生労働省「介護現場における生産性向上について〜ケアプランデータ連携システムの導入とねらいと期待される効果〜」"
              "「ケアプランデータ連携システムの利用によるコスト削減」（令和2年度老人保健健康増進等事業の結果をもとに試算）")
SLIDE_TIME = ("厚生労働省 同資料「ケアプランデータ連携システムの利用による時間効率化」"
              "（調査研究事業のタイムスタディ）")
SLIDE_SENDS = "厚生労働省 同資料「提供票共有にかけるFAXの割合の変化と削減される送信回数の推移」"
LICENCE_SRC = "国民健康保険中央会 ケアプランデータ連携システム ライセンス料（年額21,000円・税込）"
DERIVED = "算出値（95,218円 ÷ 52.4時間）"
SLIDE_DATE = "2023-10-05"

# Which preset a row feeds: "both", "mhlw-example" (the slide's office totals) or "per-user".
BOTH, EXAMPLE, PER_USER = "both", "mhlw-example", "per-user"


@dataclass(frozen=True)
class Assumption:
    key: str
    value: float
    unit: str
    source: str
    date: str
    note_ja: str
    label_ja: str
    label_en: str
    preset: str = BOTH
    editable: bool = True


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("paper_hours_per_user", 0.62, "時間/人・月", SLIDE_TIME, SLIDE_DATE,
               "印刷（FAX・郵送）で利用者1人分の提供票を共有する時間。", "紙の共有時間（1人あたり）",
               "Paper sharing time per user", PER_USER),
    Assumption("digital_hours_per_user", 0.20, "時間/人・月", SLIDE_TIME, SLIDE_DATE,
               "データ連携で利用者1人分の提供票を共有する時間（紙の約3分の1）。", "データ連携の共有時間（1人あたり）",
               "Digital sharing time per user", PER_USER),
    Assumption("hourly_staff_cost", 1817, "円/時間", DERIVED, SLIDE_DATE,
               "ケアマネジャーの時間あたり人件費。資料の人件費95,218円と作業時間52.4時間から逆算（1,817.1円）。",
               "時間あたり人件費", "Staff cost per hour"),
    Assumption("example_users", 90, "人", SLIDE_TIME, SLIDE_DATE,
               "資料の事業所例の利用者数。紙のみの直接費（印刷・FAX・郵送・交通）はこの人数分として按分する。",
               "事業所例の利用者数", "Users of the example office"),
    Assumption("example_care_managers", 3, "人", SLIDE_SENDS, SLIDE_DATE,
               "資料の事業所例の在籍ケアマネジャー数（送信回数の例）。試算ではケアマネジャー数の入力を使う。", "事業所例のケアマネジャー数",
               "Care managers of the example office", EXAMPLE, False),
    Assumption("example_office_hours", 401, "時間/月", SLIDE_TIME, SLIDE_DATE,
               "事業所例の事業所全体の業務時間（提供票共有は紙13.1%、電子4.5%）。参考値で計算には使わない。",
               "事業所全体の業務時間", "Office working hours", EXAMPLE, False),
    Assumption("example_hours_paper", 52.4, "時間/月", SLIDE_TIME, SLIDE_DATE,
               "事業所例の提供票共有の業務時間（紙）。タイムスタディの事業所合計で、90人×0.62時間とは一致しない。",
               "事業所例の共有時間（紙）", "Example office sharing hours (paper)", EXAMPLE),
    Assumption("example_hours_digital", 18.1, "時間/月", SLIDE_TIME, SLIDE_DATE,
               "事業所例の提供票共有の業務時間（電子）。", "事業所例の共有時間（電子）",
               "Example office sharing hours (digital)", EXAMPLE),
    Assumption("example_staff_cost_paper", 95218, "円/月", SLIDE_COST, SLIDE_DATE,
               "ケアマネジャーの平均給与と作業時間52.4時間から算出した人件費（紙）。", "事業所例の人件費（紙）",
               "Example office staff cost (paper)", EXAMPLE),
    Assumption("example_staff_cost_digital", 32784, "円/月", SLIDE_COST, SLIDE_DATE,
               "同じく作業時間18.1時間から算出した人件費（電子）。", "事業所例の人件費（電子）",
               "Example office staff cost (digital)", EXAMPLE),
    Assumption("printing_yen_month", 792, "円/月", SLIDE_COST, SLIDE_DATE,
               "印刷費（用紙700枚/月、インク等）。紙で送る提供票の件数に比例する。", "印刷費（紙）",
               "Printing (paper)"),
    Assumption("fax_yen_month", 782, "円/月", SLIDE_COST, SLIDE_DATE,
               "通信費1,826円のうちFAX分（1,826 − 1,044）。紙で送る件数に比例する。", "通信費のうちFAX分",
               "FAX part of communication"),
    Assumption("postage_yen_month", 2220, "円/月", SLIDE_COST, SLIDE_DATE,
               "郵送費（切手代）。紙で送る件数に比例する。資料の注記の「¥-2,200」ではなく費目の表の2,220円を使う"
               "（利用前38,395円・削減4,184円はこの値で合う）。", "郵送費", "Postage"),
    Assumption("travel_yen_month", 2140, "円/月", SLIDE_COST, SLIDE_DATE,
               "交通費（公共交通機関利用料、ガソリン代）。紙で届ける件数に比例する。", "交通費", "Travel"),
    Assumption("internet_yen_month", 1044, "円/月", SLIDE_COST, SLIDE_DATE,
               "インターネット接続費。紙でも電子でも変わらない固定費。", "インターネット接続費", "Internet"),
    Assumption("software_yen_month", 31417, "円/月", SLIDE_COST, SLIDE_DATE,
               "介護ソフトのライセンス料。利用前後で変わらない。", "介護ソフト利用費", "Care software"),
    Assumption("licence_yen_year", 21000, "円/年", LICENCE_SRC, SLIDE_DATE,
               "ケアプランデータ連携システムの年間ライセンス料（月1,750円に按分）。フリーパス年度は0円。",
               "ライセンス料（年額）", "Licence per year"),
    Assumption("digital_sends_per_month", 1, "回/月", SLIDE_SENDS, SLIDE_DATE,
               "データ連携は1回の操作でその月の提供票をまとめて送信できる（「1回の操作で送信完了」）。",
               "データ連携の送信操作回数", "Digital send operations per month"),
)

BY_KEY: dict[str, Assumption] = {a.key: a for a in ASSUMPTIONS}

# Figures the slide and Vol.1096 print: shown beside the model's exact ones, never used to compute.
DOCUMENTED = {
    "staff_saving_month_rounded_man": 6.2,        # 「毎月6.2万円分の業務を他の業務に転嫁可能」
    "staff_saving_year_rounded_man": 74.4,        # 「74.4万円/年 相当」 = 6.2万 × 12
    "direct_saving_month": 4184,
    "direct_saving_year": 50208,
    "hours_saved_month": 34.3,
    "hours_saved_year": 411.6,
    "vol1096_saving_month": 68368,                # 介護保険最新情報 Vol.1096 (2022-09-06)
    "vol1096_saving_year_approx": 816000,         # 「約81.6万円/年」
    "sends_curve_shares": (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0),
    "sends_curve": (30, 24, 18, 15, 12, 6, 0.3),
}


@dataclass(frozen=True)
class Assumptions:
    """The values in force; defaults are the registry's. ``with_overrides`` returns an edited copy."""
    paper_hours_per_user: float = BY_KEY["paper_hours_per_user"].value
    digital_hours_per_user: float = BY_KEY["digital_hours_per_user"].value
    hourly_staff_cost: float = BY_KEY["hourly_staff_cost"].value
    example_users: float = BY_KEY["example_users"].value
    example_care_managers: float = BY_KEY["example_care_managers"].value
    example_office_hours: float = BY_KEY["example_office_hours"].value
    example_hours_paper: float = BY_KEY["example_hours_paper"].value
    example_hours_digital: float = BY_KEY["example_hours_digital"].value
    example_staff_cost_paper: float = BY_KEY["example_staff_cost_paper"].value
    example_staff_cost_digital: float = BY_KEY["example_staff_cost_digital"].value
    printing_yen_month: float = BY_KEY["printing_yen_month"].value
    fax_yen_month: float = BY_KEY["fax_yen_month"].value
    postage_yen_month: float = BY_KEY["postage_yen_month"].value
    travel_yen_month: float = BY_KEY["travel_yen_month"].value
    internet_yen_month: float = BY_KEY["internet_yen_month"].value
    software_yen_month: float = BY_KEY["software_yen_month"].value
    licence_yen_year: float = BY_KEY["licence_yen_year"].value
    digital_sends_per_month: float = BY_KEY["digital_sends_per_month"].value

    def with_overrides(self, overrides: dict | None = None, **kw) -> "Assumptions":
        values = dict(overrides or {}, **kw)
        unknown = set(values) - set(BY_KEY)
        if unknown:
            raise KeyError(f"unknown assumption(s): {sorted(unknown)}")
        for key, value in values.items():
            ranges.check(key, value, _label(key))
        return dataclasses.replace(self, **{k: float(v) for k, v in values.items()})

    def check(self) -> "Assumptions":
        """Every value inside its documented range (analytics.domain.ranges); OutOfRange (ValueError) if not."""
        for key, value in self.as_dict().items():
            ranges.check(key, value, _label(key))
        return self

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    def changed(self) -> dict[str, tuple[float, float]]:
        """Assumptions that differ from the documented value: key → (documented, in force)."""
        return {k: (BY_KEY[k].value, v) for k, v in self.as_dict().items() if float(v) != float(BY_KEY[k].value)}

    @property
    def paper_only_yen_month(self) -> float:
        """Direct costs that exist only on paper, for the example office's users (5,934 yen)."""
        return self.printing_yen_month + self.fax_yen_month + self.postage_yen_month + self.travel_yen_month

    @property
    def licence_yen_month(self) -> float:
        return self.licence_yen_year / 12


DEFAULT = Assumptions()


def _label(key: str) -> tuple[str, str]:
    a = BY_KEY[key]
    return i18n.both("effect.assumption_name", label=(a.label_ja, a.label_en))


def assumptions_frame(lang: str = "ja", assumptions: Assumptions | None = None) -> pd.DataFrame:
    """The registry as a table (the definitions page and the simulator show this)."""
    values = (assumptions or DEFAULT).as_dict()
    return pd.DataFrame([{
        "key": a.key,
        "label": a.label_ja if lang == "ja" else a.label_en,
        "value": values[a.key],
        "documented": a.value,
        "unit": a.unit,
        "min": ranges.BY_KEY[a.key].lo,
        "max": ranges.BY_KEY[a.key].hi,
        "preset": a.preset,
        "source": a.source,
        "date": a.date,
        "note_ja": a.note_ja,
    } for a in ASSUMPTIONS])
