"""The effect model (DESIGN §4): hours and yen before/after for one office or many at once.

"Before" is the office all on paper without a licence; "after" is the scenario (digital share, licence
paid unless a free-pass year). Two presets:
- ``mhlw-example``: the slide's office totals (52.4 h → 18.1 h, 95,218 → 32,784 yen), scaled by
  users / 90 and wage / 1,817, interpolated linearly in the digital share;
- ``per-user``: the per-user coefficients (0.62 h paper, 0.20 h digital) × users × wage.
Direct costs are the same in both: paper-only items (printing, FAX, postage, travel) scale with the
sheets still sent on paper; internet and care software are fixed; the licence is 21,000 yen/year ÷ 12.
Every function here is vectorised (numpy); ``office_effect`` is the one-office view of the same code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.domain import ranges
from analytics.domain.effects.assumptions import BY_KEY, DEFAULT, Assumptions
from analytics.errors import BadValue

PRESETS = ("mhlw-example", "per-user")
COST_ITEMS = ("printing", "communication", "postage", "travel", "software", "licence")
# The documented wage the example office's staff costs were computed with: scaling base for the wage input.
DOCUMENTED_WAGE = float(BY_KEY["hourly_staff_cost"].value)

CONTRACT_KEYS = ("hours_before", "hours_after", "hours_saved_month", "hours_saved_year", "staff_cost_before",
                 "staff_cost_after", "direct_cost_before", "direct_cost_after", "saving_month",
                 "saving_month_excl_licence", "saving_year", "sends_per_care_manager")


# Inputs are bounded (analytics.domain.ranges), so yen stay far below this; the check keeps a future
# unbounded input from wrapping int64 silently (-9223372036854775808 yen) instead of failing loudly.
_EXACT = 2.0 ** 53


def _yen(x) -> np.ndarray:
    """Whole yen, half up (costs are never negative; the epsilon absorbs float noise like 391.4999999)."""
    values = np.floor(np.asarray(x, dtype=float) + 0.5 + 1e-7)
    if not np.all(np.abs(values) < _EXACT):
        raise BadValue("effect.error.yen_range")
    return values.astype(np.int64)


def _hours(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) + 1e-9, 2)


def _check_preset(preset: str) -> None:
    if preset not in PRESETS:
        raise BadValue("effect.error.preset", presets=", ".join(PRESETS))


def effect_frame(users, care_managers=3, digital_share=1.0, *, hourly_wage=None, licence_free=False,
                 preset: str = "per-user", assumptions: Assumptions | None = None) -> pd.DataFrame:
    """The whole model for many offices at once; inputs are scalars or equal-length arrays.

    Columns: the DESIGN §6 contract keys plus every cost line before/after (``<item>_before``,
    ``<item>_after``), savings with and without the licence, break-even share and months to recover.
    """
    _check_preset(preset)
    a = assumptions or DEFAULT
    users, cms, d, wage, free = np.broadcast_arrays(
        np.asarray(users, dtype=float), np.asarray(care_managers, dtype=float),
        np.asarray(digital_share, dtype=float),
        np.asarray(a.hourly_staff_cost if hourly_wage is None else hourly_wage, dtype=float),
        np.asarray(licence_free, dtype=bool))
    users, cms, d, wage, free = (np.atleast_1d(v) for v in (users, cms, d, wage, free))
    # every input inside its documented range (analytics.domain.ranges), in the model itself: a page or a
    # caller that skipped the check still cannot compute 10^20 users
    for key, values in (("users", users), ("care_managers", cms), ("digital_share", d),
                        ("hourly_staff_cost", wage)):
        ranges.check_all(key, values)
    a.check()

    scale = users / a.example_users
    paper = 1.0 - d

    def hours_at(share):
        if preset == "mhlw-example":
            return scale * (a.example_hours_paper + share * (a.example_hours_digital - a.example_hours_paper))
        return users * (a.paper_hours_per_user * (1 - share) + a.digital_hours_per_user * share)

    def staff_at(share):
        if preset == "mhlw-example":
            documented = a.example_staff_cost_paper + share * (a.example_staff_cost_digital - a.example_staff_cost_paper)
            return scale * documented * (wage / DOCUMENTED_WAGE)
        return hours_at(share) * wage

    h_before, h_after = hours_at(0.0), hours_at(d)
    out = {"users": users, "care_managers": cms, "digital_share": d, "hourly_wage": wage,
           "licence_free": free,
           "hours_before": _hours(h_before), "hours_after": _hours(h_after),
           "hours_saved_month": _hours(h_before - h_after),
           # yearly = 12 × the monthly figure as shown, like the yen (DESIGN §4)
           "hours_saved_year": _hours(12 * _hours(h_before - h_after)),
           "staff_cost_before": _yen(staff_at(0.0)), "staff_cost_after": _yen(staff_at(d))}

    licence = np.where(free, 0.0, a.licence_yen_month)
    lines = {
        "printing": (a.printing_yen_month * scale, a.printing_yen_month * scale * paper),
        "communication": (a.fax_yen_month * scale + a.internet_yen_month,
                          a.fax_yen_month * scale * paper + a.internet_yen_month),
        "postage": (a.postage_yen_month * scale, a.postage_yen_month * scale * paper),
        "travel": (a.travel_yen_month * scale, a.travel_yen_month * scale * paper),
        "software": (np.full_like(users, a.software_yen_month), np.full_like(users, a.software_yen_month)),
        "licence": (np.zeros_like(users), licence),
    }
    direct_before = np.zeros(len(users), dtype=np.int64)
    direct_after = np.zeros(len(users), dtype=np.int64)
    for item, (before, after) in lines.items():
        out[f"{item}_before"], out[f"{item}_after"] = _yen(before), _yen(after)
        direct_before += out[f"{item}_before"]
        direct_after += out[f"{item}_after"]
    out["direct_cost_before"], out["direct_cost_after"] = direct_before, direct_after

    staff_saving = out["staff_cost_before"] - out["staff_cost_after"]
    direct_saving = direct_before - direct_after
    saving = staff_saving + direct_saving
    excl = saving + out["licence_after"]
    out.update(staff_saving_month=staff_saving, direct_saving_month=direct_saving,
               direct_saving_year=12 * direct_saving, saving_month=saving, saving_month_excl_licence=excl,
               saving_year=12 * saving, saving_year_excl_licence=12 * excl)

    # Sends per care manager in the "after" state: each paper sheet is one send; a digital month is one
    # operation for the whole office (「1回の操作で送信完了」).
    out["sends_per_care_manager_before"] = users / cms
    out["sends_per_care_manager"] = (users * paper + a.digital_sends_per_month * (d > 0)) / cms

    # Break-even: the saving excluding the licence is linear in the digital share, so the licence pays
    # from share = licence / (that saving at 100 %). Months to recover: the year's licence ÷ this
    # scenario's monthly saving before the licence.
    full = staff_at(np.zeros_like(d)) - staff_at(np.ones_like(d)) + a.paper_only_yen_month * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        be = np.where(licence == 0, 0.0, np.where(full > 0, licence / full, np.nan))
        be = np.where(be > 1, np.nan, be)
        yearly = np.where(free, 0.0, a.licence_yen_year)
        months = np.where(yearly == 0, 0.0, np.where(excl > 0, yearly / np.maximum(excl, 1), np.nan))
    out["break_even_share"] = be
    out["months_to_recover"] = months
    return pd.DataFrame(out)


@dataclass(frozen=True)
class EffectResult:
    """One office's result; ``contract()`` gives exactly the DESIGN §6 keys."""
    preset: str
    values: dict
    assumptions: Assumptions = field(repr=False, default=DEFAULT)

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def contract(self) -> dict:
        return {k: self.values[k] for k in CONTRACT_KEYS}

    def cost_lines(self) -> pd.DataFrame:
        """Staff cost and every direct cost line: before, after, change (after − before)."""
        rows = [("staff", self.values["staff_cost_before"], self.values["staff_cost_after"])]
        rows += [(item, self.values[f"{item}_before"], self.values[f"{item}_after"]) for item in COST_ITEMS]
        frame = pd.DataFrame(rows, columns=["item", "before", "after"])
        frame["change"] = frame["after"] - frame["before"]
        return frame


def _py(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def office_effect(users: float = 90, care_managers: float = 3, digital_share: float = 1.0, *,
                  hourly_wage: float | None = None, licence_free: bool = False,
                  preset: str = "mhlw-example", assumptions: Assumptions | None = None) -> EffectResult:
    """The model for one office (defaults: the slide's office, all digital, licence paid)."""
    frame = effect_frame(users, care_managers, digital_share, hourly_wage=hourly_wage,
                         licence_free=licence_free, preset=preset, assumptions=assumptions)
    values = {k: _py(v) for k, v in frame.iloc[0].items()}
    for k in ("hours_before", "hours_after", "hours_saved_month", "hours_saved_year"):
        values[k] = float(values[k])
    return EffectResult(preset, values, assumptions or DEFAULT)


def slide_round_sends(value: float) -> float:
    """The slide's rounding of sends per care manager: whole sends from 1 up, one decimal below 1.

    It prints 24 where the model gives 24.33 (72 paper + 1 digital operation, ÷ 3) and 0.3 for 1/3.
    """
    if value >= 1:
        return float(np.floor(value + 0.5))
    return float(np.floor(value * 10 + 0.5) / 10)


def sends_curve(users: float = 90, care_managers: float = 3, shares=(0, .2, .4, .5, .6, .8, 1.0),
                assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Sends per care manager per month as the digital share rises (the slide's curve)."""
    frame = effect_frame(users, care_managers, np.asarray(shares, dtype=float), assumptions=assumptions)
    out = pd.DataFrame({"digital_share": frame["digital_share"],
                        "sends_per_care_manager": frame["sends_per_care_manager"]})
    out["slide_rounded"] = out["sends_per_care_manager"].map(slide_round_sends)
    return out


def vector_effect(sheets, digital_sheets, assumptions: Assumptions | None = None) -> pd.DataFrame:
    """The per-user model for many offices or areas at once (TEAM "Effect model API").

    ``sheets`` = all sheets (user-months), ``digital_sheets`` = those sent digitally; equal-length arrays
    or Series. hours_before = all on paper; hours_after = the given digital sheets; yen_saved = staff
    time saved × hourly cost + the paper-only direct costs of the digital sheets (printing, FAX, postage,
    travel). Licence and fixed costs are excluded: areas sum this over offices. Not rounded.
    """
    a = assumptions or DEFAULT
    index = sheets.index if isinstance(sheets, pd.Series) else None
    s = np.asarray(sheets, dtype=float)
    dg = np.asarray(digital_sheets, dtype=float)
    if s.shape != dg.shape:
        raise ValueError("sheets and digital_sheets must have the same length")
    if np.any(s < 0) or np.any(dg < 0) or np.any(dg > s + 1e-9):
        raise ValueError("digital_sheets must be between 0 and sheets")
    before = s * a.paper_hours_per_user
    after = (s - dg) * a.paper_hours_per_user + dg * a.digital_hours_per_user
    saved = before - after
    yen = saved * a.hourly_staff_cost + dg * a.paper_only_yen_month / a.example_users
    return pd.DataFrame({"hours_before": before, "hours_after": after, "hours_saved": saved, "yen_saved": yen},
                        index=index)
