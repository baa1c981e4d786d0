"""``careplan effect``: the documented effect model for one office (DESIGN §4, §6).

json prints one object with exactly the DESIGN §6 keys; table prints every line with Japanese labels,
the preset and the assumptions changed, so a printed figure always says what made it.
"""
from __future__ import annotations

import json
import sys
import unicodedata

from analytics.commands import output
from analytics.domain import effects, formats, ranges
from analytics.errors import UserError

LABELS = {  # (Japanese, English), printed in the language of --lang
    "hours_before": ("提供票共有の時間（利用前）[時間/月]", "hours before [hours/month]"),
    "hours_after": ("提供票共有の時間（利用後）[時間/月]", "hours after [hours/month]"),
    "hours_saved_month": ("削減時間 [時間/月]", "hours saved [hours/month]"),
    "hours_saved_year": ("削減時間 [時間/年]", "hours saved [hours/year]"),
    "staff_cost_before": ("人件費（利用前）[円/月]", "staff cost before [yen/month]"),
    "staff_cost_after": ("人件費（利用後）[円/月]", "staff cost after [yen/month]"),
    "direct_cost_before": ("直接的な支出（利用前）[円/月]", "direct cost before [yen/month]"),
    "direct_cost_after": ("直接的な支出（利用後）[円/月]", "direct cost after [yen/month]"),
    "saving_month": ("削減効果（ライセンス料込み）[円/月]", "saving incl. licence [yen/month]"),
    "saving_month_excl_licence": ("削減効果（ライセンス料除く）[円/月]", "saving excl. licence [yen/month]"),
    "saving_year": ("削減効果（ライセンス料込み）[円/年]", "saving incl. licence [yen/year]"),
    "sends_per_care_manager": ("ケアマネジャー1人あたり送信回数 [回/月]", "sends per care manager [per month]"),
}
ITEM_LABELS = {"staff": ("人件費", "staff"), "printing": ("印刷費", "printing"),
               "communication": ("通信費", "communication"), "postage": ("郵送費", "postage"),
               "travel": ("交通費", "travel"), "software": ("介護ソフト利用費", "care software"),
               "licence": ("ライセンス料", "licence")}


def _validate(args) -> dict:
    """Each number inside its documented range (analytics.domain.ranges), named by its option."""
    values = {"users": 90 if args.users is None else args.users,
              "care_managers": 3 if args.care_managers is None else args.care_managers,
              "digital_share": 1.0 if args.digital_share is None else args.digital_share,
              "hourly_staff_cost": args.hourly_wage}
    try:
        checked = {k: None if v is None else ranges.check(k, v, ranges.BY_KEY[k].option) for k, v in values.items()}
    except ranges.OutOfRange as exc:
        raise UserError("msg.text", text=exc.pair) from None
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


def table_text(result: effects.EffectResult, params: dict, lang: str = "ja") -> str:
    """The effect as a table in one language (``lang``: the CLI's --lang)."""
    ja = lang == "ja"
    pick = (lambda pair: pair[0]) if ja else (lambda pair: pair[1])
    v = result.values
    wage = params["hourly_wage"] if params["hourly_wage"] is not None else result.assumptions.hourly_staff_cost
    share = formats.percent(params["digital_share"], 0)
    if ja:
        lines = [f"効果試算 — プリセット: {result.preset}",
                 f"利用者 {params['users']}人、ケアマネジャー {params['care_managers']}人、データ連携の割合 {share}、"
                 f"時間あたり人件費 {wage:,.0f}円、"
                 f"ライセンス料 {'0円（フリーパス）' if params['licence_free'] else '21,000円/年'}", ""]
    else:
        lines = [f"Effect model — preset: {result.preset}",
                 f"{params['users']} users, {params['care_managers']} care managers, digital share {share}, "
                 f"hourly staff cost {wage:,.0f} yen, "
                 f"licence {'0 yen (free pass)' if params['licence_free'] else '21,000 yen/year'}", ""]
    width = max(_width(pick(s)) for s in LABELS.values())
    for key, label in LABELS.items():
        lines.append(f"{_pad(pick(label), width)}  {_fmt(key, v[key]):>12}")
    heads = ("費目", ("利用前", "利用後", "増減")) if ja else ("item", ("before", "after", "change"))
    lines += ["", _pad(heads[0], 18) + "".join(_rjust(h, 14) for h in heads[1])]
    for row in result.cost_lines().itertuples(index=False):
        lines.append(f"{_pad(pick(ITEM_LABELS[row.item]), 18)}{row.before:>14,}{row.after:>14,}{row.change:>+14,}")
    be, months = v["break_even_share"], v["months_to_recover"]
    never = "回収できません" if ja else "never"
    lines += ["",
              ("損益分岐（ライセンス料が回収できるデータ連携の割合）: " if ja else "break-even digital share: ")
              + (never if be is None else formats.percent(be)),
              ("ライセンス料の回収月数: " if ja else "months to recover the licence: ")
              + (never if months is None else f"{months:.2f}")]
    if result.preset == "mhlw-example":
        lines.append("資料の丸め表示: 人件費の削減 6.2万円/月（74.4万円/年 = 6.2万円×12）。"
                     "介護保険最新情報Vol.1096 の 68,368円/月はライセンス料を除いた額。" if ja else
                     "As rounded in the source slides: staff cost saving 62,000 yen/month (744,000 yen/year = "
                     "62,000 × 12). The 68,368 yen/month of 介護保険最新情報 Vol.1096 excludes the licence.")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    params = _validate(args)
    try:
        result = effects.office_effect(params["users"], params["care_managers"], params["digital_share"],
                                       hourly_wage=params["hourly_wage"], licence_free=params["licence_free"],
                                       preset=params["preset"])
    except ranges.OutOfRange as exc:  # the model's own range checks
        raise UserError("msg.text", text=exc.pair) from None
    if args.format == "json":
        json.dump(result.contract(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(table_text(result, params, output.lang()))
    return 0
