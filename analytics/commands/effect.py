"""``careplan effect``: the documented effect model for one office (DESIGN §4, §6).

json prints one object with exactly the DESIGN §6 keys; table prints every line with Japanese labels,
the preset and the assumptions changed, so a printed figure always says what made it.
"""
from __future__ import annotations

import json
import sys
import unicodedata

from analytics.domain import effects, formats, ranges
from analytics.errors import UserError

LABELS = {
    "hours_before": "提供票共有の時間（利用前）/ hours before [時間/月]",
    "hours_after": "提供票共有の時間（利用後）/ hours after [時間/月]",
    "hours_saved_month": "削減時間 / hours saved [時間/月]",
    "hours_saved_year": "削減時間 / hours saved [時間/年]",
    "staff_cost_before": "人件費（利用前）/ staff cost before [円/月]",
    "staff_cost_after": "人件費（利用後）/ staff cost after [円/月]",
    "direct_cost_before": "直接的な支出（利用前）/ direct cost before [円/月]",
    "direct_cost_after": "直接的な支出（利用後）/ direct cost after [円/月]",
    "saving_month": "削減効果（ライセンス料込み）/ saving incl. licence [円/月]",
    "saving_month_excl_licence": "削減効果（ライセンス料除く）/ saving excl. licence [円/月]",
    "saving_year": "削減効果（ライセンス料込み）/ saving incl. licence [円/年]",
    "sends_per_care_manager": "ケアマネジャー1人あたり送信回数 / sends per care manager [回/月]",
}
ITEM_LABELS = {"staff": "人件費", "printing": "印刷費", "communication": "通信費", "postage": "郵送費",
               "travel": "交通費", "software": "介護ソフト利用費", "licence": "ライセンス料"}


def _validate(args) -> dict:
    """Each number inside its documented range (analytics.domain.ranges), named by its option."""
    values = {"users": 90 if args.users is None else args.users,
              "care_managers": 3 if args.care_managers is None else args.care_managers,
              "digital_share": 1.0 if args.digital_share is None else args.digital_share,
              "hourly_staff_cost": args.hourly_wage}
    try:
        checked = {k: None if v is None else ranges.check(k, v, ranges.BY_KEY[k].option) for k, v in values.items()}
    except ranges.OutOfRange as exc:
        raise UserError(str(exc)) from None
    return {"users": checked["users"], "care_managers": checked["care_managers"],
            "digital_share": checked["digital_share"], "hourly_wage": checked["hourly_staff_cost"],
            "licence_free": bool(args.licence_free), "preset": args.preset}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: 全角 characters take two columns in a terminal."""
    return text + " " * max(width - _width(text), 0)


def _rjust(text: str, width: int) -> str:
    return " " * max(width - _width(text), 0) + text


def _fmt(key: str, value) -> str:
    if key.startswith("hours"):
        return f"{value:,.1f}" if round(value, 1) == value else f"{value:,.2f}"
    if key == "sends_per_care_manager":
        return f"{value:,.2f}"
    return f"{value:,}"


def table_text(result: effects.EffectResult, params: dict) -> str:
    v = result.values
    wage = params["hourly_wage"] if params["hourly_wage"] is not None else result.assumptions.hourly_staff_cost
    lines = [f"効果試算 / effect model — プリセット preset: {result.preset}",
             f"利用者 {params['users']}人、ケアマネジャー {params['care_managers']}人、データ連携の割合 "
             f"{formats.percent(params['digital_share'], 0)}、時間あたり人件費 {wage:,.0f}円、"
             f"ライセンス料 {'0円（フリーパス）' if params['licence_free'] else '21,000円/年'}", ""]
    width = max(_width(s) for s in LABELS.values())
    for key, label in LABELS.items():
        lines.append(f"{_pad(label, width)}  {_fmt(key, v[key]):>12}")
    lines += ["", _pad("費目 / item", 18) + "".join(_rjust(h, 14) for h in ("利用前 before", "利用後 after", "増減 change"))]
    for row in result.cost_lines().itertuples(index=False):
        lines.append(f"{_pad(ITEM_LABELS[row.item], 18)}{row.before:>14,}{row.after:>14,}{row.change:>+14,}")
    be, months = v["break_even_share"], v["months_to_recover"]
    lines += ["",
              "損益分岐（ライセンス料が回収できるデータ連携の割合）/ break-even share: "
              + ("回収できません / never" if be is None else formats.percent(be)),
              "ライセンス料の回収月数 / months to recover the licence: "
              + ("回収できません / never" if months is None else f"{months:.2f}")]
    if result.preset == "mhlw-example":
        lines.append("資料の丸め表示: 人件費の削減 6.2万円/月（74.4万円/年 = 6.2万円×12）。"
                     "介護保険最新情報Vol.1096 の 68,368円/月はライセンス料を除いた額。")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    params = _validate(args)
    try:
        result = effects.office_effect(params["users"], params["care_managers"], params["digital_share"],
                                       hourly_wage=params["hourly_wage"], licence_free=params["licence_free"],
                                       preset=params["preset"])
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.format == "json":
        json.dump(result.contract(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(table_text(result, params))
    return 0
