"""The allowed range of every number a user gives: one row per input, read by the model, the CLI and the pages.

The effect simulator (効果試算: users, care managers, share, hourly cost, every editable assumption), the
forecast's scenario parameters and the report options (``--top``) all look their bounds up here, so the page
widgets (min_value/max_value), the command line's message and the model's refusal say the same range. The
bounds are generous for a real office (a 居宅介護支援 office has tens of users per care manager) and keep
every yen figure far inside an exact float and int64 (no wrap-around).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from analytics import i18n


@dataclass(frozen=True)
class Range:
    key: str
    lo: float
    hi: float
    unit_ja: str
    unit_en: str
    label_ja: str
    label_en: str
    integer: bool = False
    option: str | None = None   # the command line's option, when there is one
    percent: bool = False       # a share 0–1 that pages and messages show as 0–100 %

    def contains(self, value) -> bool:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return False
        if math.isnan(number) or not self.lo <= number <= self.hi:
            return False
        return not self.integer or number.is_integer()

    def text(self, lang: str = "ja") -> str:
        """'1〜10,000人' / '1 to 10,000 users'; a share also as percents: '0〜1（0〜100%）'."""
        lo, hi = _num(self.lo), _num(self.hi)
        if self.percent:
            plo, phi = _num(self.lo * 100), _num(self.hi * 100)
            return f"{lo}〜{hi}（{plo}〜{phi}%）" if lang == "ja" else f"{lo} to {hi} ({plo}–{phi}%)"
        if lang == "ja":
            return f"{lo}〜{hi}{self.unit_ja}"
        return f"{lo} to {hi} {self.unit_en}"

    def widget(self, scale: float = 1) -> dict:
        """min_value/max_value for a Streamlit input (``scale=100`` for a share entered in percent)."""
        lo, hi = round(self.lo * scale, 9), round(self.hi * scale, 9)   # 0.05 × 100 is 5.000000000000001
        if self.integer or (float(lo).is_integer() and float(hi).is_integer() and scale != 1):
            return {"min_value": int(lo), "max_value": int(hi)}
        return {"min_value": float(lo), "max_value": float(hi)}


class OutOfRange(ValueError):
    """A user's number outside its Range; the message (Japanese / English) names it, the value and the range."""

    def __init__(self, rng: Range, value, name: str | tuple[str, str] | None = None):
        self.range, self.value = rng, value
        if isinstance(name, tuple):
            name_ja, name_en = name
        else:
            name_ja = name or rng.label_ja   # the CLI passes its option (--users), the page shows the label
            name_en = name or rng.label_en
        sep = " " if name_ja.startswith("-") else ""   # '--users の値', '前提値「郵送費」の値'
        self.pair = i18n.both("range.out_of_range.integer" if rng.integer else "range.out_of_range.number",
                              name=(name_ja + sep, name_en), shown=_shown(value),
                              range=(rng.text("ja"), rng.text("en")))
        super().__init__(" / ".join(self.pair))

    def text(self, lang: str = "ja") -> str:
        return self.pair[0] if lang == "ja" else self.pair[1]


def _num(x: float) -> str:
    """1,000,000 (not 1e+06), 0.05, 5 (not 5.000000000000001)."""
    x = round(float(x), 9)
    return f"{int(x):,}" if x.is_integer() else f"{x:,g}"


def _shown(value) -> str:
    text = f"{value:g}" if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


_YEN_M, _YEN_Y, _H_M = ("円/月", "yen/month"), ("円/年", "yen/year"), ("時間/月", "hours/month")
_H_USER = ("時間/人・月", "hours per user-month")

RANGES: tuple[Range, ...] = (
    # --- the simulator's inputs (効果試算, careplan effect)
    Range("users", 1, 10_000, "人", "users", "利用者数", "users", True, "--users"),
    Range("care_managers", 1, 500, "人", "care managers", "ケアマネジャー数", "care managers", True, "--care-managers"),
    Range("digital_share", 0, 1, "", "", "データ連携の割合", "digital share", False, "--digital-share", True),
    Range("hourly_staff_cost", 0, 10_000, "円/時間", "yen/hour", "時間あたり人件費", "staff cost per hour", False,
          "--hourly-wage"),
    Range("partners_total", 1, 500, "事業所", "offices", "連携先の事業所数", "partner offices", True),
    Range("partners_registered", 0, 500, "事業所", "offices", "登録済みの連携先", "registered partners", True),
    # --- the editable assumptions (analytics.domain.effects.ASSUMPTIONS, same keys)
    Range("paper_hours_per_user", 0, 10, *_H_USER, "紙の共有時間（1人あたり）", "paper sharing time per user"),
    Range("digital_hours_per_user", 0, 10, *_H_USER, "データ連携の共有時間（1人あたり）",
          "digital sharing time per user"),
    Range("example_users", 1, 10_000, "人", "users", "事業所例の利用者数", "users of the example office"),
    Range("example_care_managers", 1, 500, "人", "care managers", "事業所例のケアマネジャー数",
          "care managers of the example office"),
    Range("example_office_hours", 0, 100_000, *_H_M, "事業所全体の業務時間", "office working hours"),
    Range("example_hours_paper", 0, 10_000, *_H_M, "事業所例の共有時間（紙）", "example office sharing hours (paper)"),
    Range("example_hours_digital", 0, 10_000, *_H_M, "事業所例の共有時間（電子）",
          "example office sharing hours (digital)"),
    Range("example_staff_cost_paper", 0, 100_000_000, *_YEN_M, "事業所例の人件費（紙）",
          "example office staff cost (paper)"),
    Range("example_staff_cost_digital", 0, 100_000_000, *_YEN_M, "事業所例の人件費（電子）",
          "example office staff cost (digital)"),
    Range("printing_yen_month", 0, 10_000_000, *_YEN_M, "印刷費（紙）", "printing (paper)"),
    Range("fax_yen_month", 0, 10_000_000, *_YEN_M, "通信費のうちFAX分", "FAX part of communication"),
    Range("postage_yen_month", 0, 10_000_000, *_YEN_M, "郵送費", "postage"),
    Range("travel_yen_month", 0, 10_000_000, *_YEN_M, "交通費", "travel"),
    Range("internet_yen_month", 0, 10_000_000, *_YEN_M, "インターネット接続費", "internet"),
    Range("software_yen_month", 0, 10_000_000, *_YEN_M, "介護ソフト利用費", "care software"),
    Range("licence_yen_year", 0, 1_000_000, *_YEN_Y, "ライセンス料（年額）", "licence per year"),
    Range("digital_sends_per_month", 0, 100, "回/月", "sends/month", "データ連携の送信操作回数",
          "digital send operations per month"),
    # --- the forecast's scenario (将来推計, careplan report forecast)
    Range("target_rate", 0.01, 1, "", "", "目標普及率", "target adoption rate", False, "--target-rate", True),
    Range("subsidy_offices", 0, 100_000, "事業所", "offices", "補助で参加する事業所数", "offices joining by subsidy",
          True, "--subsidy"),
    Range("target_offices", 0, 1_000, "事業所", "offices", "勧誘する事業所数", "offices recruited", True),
    Range("free_pass_factor", 1, 10, "倍", "×", "フリーパス期間の p の倍率", "free-pass factor on p"),
    Range("free_pass_months", 1, 36, "か月", "months", "フリーパスの期間", "free-pass months", True),
    Range("shogu_share", 0, 1, "", "", "処遇改善加算で参加する割合", "share joining for 処遇改善加算", False, None, True),
    # --- report options
    Range("top", 1, 10_000, "件", "rows", "表示する件数", "rows shown", True, "--top"),
)

BY_KEY: dict[str, Range] = {r.key: r for r in RANGES}


def check(key: str, value, name: str | tuple[str, str] | None = None):
    """``value`` when inside the range of ``key``, else OutOfRange (a ValueError) naming it and the range.
    Whole numbers come back as Python int and others as float: never a numpy type that can wrap."""
    rng = BY_KEY[key]
    if not rng.contains(value):
        raise OutOfRange(rng, value, name)
    number = float(value)
    return int(number) if rng.integer else number


def check_all(key: str, values, name: str | tuple[str, str] | None = None) -> None:
    """Every element of a scalar or array inside the range of ``key``; else OutOfRange for the first that is not."""
    import numpy as np

    rng = BY_KEY[key]
    if np.ndim(values) == 0:
        if not rng.contains(values):
            raise OutOfRange(rng, values, name)
        return
    arr = np.asarray(values, dtype=float)
    ok = (arr >= rng.lo) & (arr <= rng.hi)   # NaN compares False: refused
    if rng.integer:
        ok &= np.floor(arr) == arr
    if not ok.all():
        raise OutOfRange(rng, arr.ravel()[np.argmin(ok.ravel())].item(), name)


def rows(lang: str = "ja") -> list[dict]:
    """The table the definitions page and the README print: input, range, command-line option."""
    return [{"key": r.key, "label": r.label_ja if lang == "ja" else r.label_en, "range": r.text(lang),
             "option": r.option or ""} for r in RANGES]
