"""Registrations, office profiles and exchange logs of the demo, calibrated to the public figures.

All vectorised with numpy: no Python loop runs per office, pair or row.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.demo import params as P
from analytics.demo.master import office_check_digits
from analytics.store import definitions

DAY = np.timedelta64(1, "D")


def registration_curve(fraction: float, start: dt.date = P.LAUNCH, end: dt.date = P.AS_OF):
    """(days, cumulative registered count) per day from launch to as-of, linear between the anchors."""
    days = np.arange(np.datetime64(start), np.datetime64(end) + DAY, DAY)
    ax = np.array([np.datetime64(d) for d, _ in P.REGISTRATION_ANCHORS]).astype("datetime64[D]")
    ay = np.array([v for _, v in P.REGISTRATION_ANCHORS], dtype=float)
    cum = np.interp(days.astype(np.int64), ax.astype(np.int64), ay) * fraction
    return days, cum


def registration_dates(n: int, fraction: float) -> np.ndarray:
    """n registration dates (sorted) following the curve exactly: the i-th lands on the day the curve passes i."""
    days, cum = registration_curve(fraction)
    idx = np.searchsorted(cum, np.arange(n) + 0.5, side="left")
    return days[np.minimum(idx, len(days) - 1)]


def _unknown_codes(rng: np.random.Generator, n: int, known: set[str]) -> np.ndarray:
    """Valid 事業所番号 that are not in the master (郡市区番号 99 is never used there); never 和歌山県 (30)."""
    prefs = rng.choice([p for p in range(1, 48) if p != 30], n)
    first9 = prefs.astype(np.int64) * 10**7 + 7 * 10**6 + 99 * 10**4 + rng.choice(9000, n, replace=False) + 1
    out = np.char.zfill((first9 * 10 + office_check_digits(first9)).astype(str), 10)
    assert not set(out) & known
    return out


def registrations(rng: np.random.Generator, offices: pd.DataFrame, munis: pd.DataFrame,
                  fraction: float) -> pd.DataFrame:
    """Registrations: ≈28,191 × fraction active at as-of, 8,100 × fraction on 2023-10-05 (和歌山県 71 ×
    fraction), model areas at their published rates, 居宅介護支援 ≈3× as likely as service offices, a few
    dozen registrations of offices missing from the master, a few ended ones."""
    n_total = int(round(P.REGISTRATION_ANCHORS[-1][1] * fraction))
    n_unknown = max(12, int(round(P.UNKNOWN_REGISTRATIONS * fraction)))
    n = len(offices)
    pref = offices["prefecture_code"].to_numpy()
    is_kyo = (offices["kind"] == "kyotaku").to_numpy()
    kind_w = np.where(is_kyo, P.KYOTAKU_WEIGHT, 1.0)
    chosen = np.zeros(n, dtype=bool)
    in_model = np.zeros(n, dtype=bool)
    m5 = offices["municipality_code"].str[:5].to_numpy()
    for _pc, area, rate in P.MODEL_AREAS:
        members = np.flatnonzero(np.isin(m5, area))
        in_model[members] = True
        k = int(round(rate * len(members)))
        if k:
            keys = np.log(rng.random(len(members))) / kind_w[members]     # weighted sample w/o replacement
            chosen[members[np.argsort(-keys)[:k]]] = True

    # the rest by weight: kind × prefecture factor × municipality factor (clusters of early adopters)
    pref_codes = sorted(P.POP65)
    pref_factor = dict(zip(pref_codes, rng.lognormal(0, 0.35, len(pref_codes))))
    pref_factor.update({"30": 1.3, "45": 1.2, "31": 1.2})
    muni_factor = rng.lognormal(0, 0.4, len(munis))
    w = kind_w * pd.Series(pref).map(pref_factor).to_numpy() * muni_factor[offices["_muni"].to_numpy()]
    rest = np.flatnonzero(~in_model)
    k_rest = max(0, n_total - n_unknown - int(chosen.sum()))
    keys = np.log(rng.random(len(rest))) / w[rest]
    chosen[rest[np.argsort(-keys)[:k_rest]]] = True

    reg_idx = np.flatnonzero(chosen)
    codes_reg = np.r_[offices["office_code"].to_numpy()[reg_idx].astype(str),
                      _unknown_codes(rng, n_unknown, set(offices["office_code"]))]
    pref_reg = np.r_[pref[reg_idx], np.char.zfill(pd.Series(codes_reg[len(reg_idx):]).str[:2].to_numpy()
                                                  .astype(str), 2)]
    kyo_reg = np.r_[is_kyo[reg_idx], np.zeros(n_unknown, dtype=bool)]
    model_reg = np.r_[in_model[reg_idx], np.zeros(n_unknown, dtype=bool)]
    m = len(codes_reg)

    # dates: the curve gives the sorted dates; who gets the early ones is random with timing weights
    # (居宅介護支援 earlier, model areas later: their subsidy came in 2024–2025), and 和歌山県 is pinned.
    dates = registration_dates(m, fraction)
    early_n = int((dates <= np.datetime64(P.CALIBRATION_DATE)).sum())
    timing = np.where(kyo_reg, 2.0, 1.0) * np.where(model_reg, 0.15, 1.0)
    tkey = rng.exponential(1.0, m) / timing                      # smaller = earlier
    wak = pref_reg == "30"
    k_wak = min(int(round(P.WAKAYAMA_ON_CALIBRATION * fraction)), int(wak.sum()), early_n)
    early = np.zeros(m, dtype=bool)
    wak_idx = np.flatnonzero(wak)
    early[wak_idx[np.argsort(tkey[wak_idx])[:k_wak]]] = True
    oth_idx = np.flatnonzero(~wak)
    early[oth_idx[np.argsort(tkey[oth_idx])[:early_n - k_wak]]] = True
    reg_on = np.empty(m, dtype="datetime64[D]")
    for group, pool in ((early, dates[:early_n]), (~early, dates[early_n:])):
        idx = np.flatnonzero(group)
        reg_on[idx[np.argsort(tkey[idx], kind="stable")]] = pool

    # a few ended registrations, of offices not otherwise registered
    n_end = max(3, int(round(P.ENDED_REGISTRATIONS * fraction)))
    free = np.flatnonzero(~chosen)
    end_idx = rng.choice(free, min(n_end, len(free)), replace=False)
    start_span = (np.datetime64("2024-12-31") - np.datetime64(P.LAUNCH)).astype(int)
    end_reg = np.datetime64(P.LAUNCH) + rng.integers(0, start_span, len(end_idx)) * DAY
    end_on = np.minimum(end_reg + rng.integers(60, 400, len(end_idx)) * DAY, np.datetime64(P.AS_OF) - DAY)

    frame = pd.DataFrame({
        "office_code": pd.Series(np.r_[codes_reg, offices["office_code"].to_numpy()[end_idx].astype(str)],
                                 dtype="str"),
        "registered_on": np.r_[reg_on, end_reg].astype("datetime64[s]"),
        "ended_on": np.r_[np.full(m, np.datetime64("NaT"), dtype="datetime64[D]"), end_on].astype("datetime64[s]"),
        "prefecture_code": pd.Series(np.r_[pref_reg, pref[end_idx]], dtype="str"),
    })
    return frame.sort_values(["registered_on", "office_code"], ignore_index=True)


def exchange_months(months: int = P.EXCHANGE_MONTHS, as_of: dt.date = P.AS_OF) -> np.ndarray:
    last = np.datetime64(as_of, "M")
    return (np.arange(last - (months - 1), last + 1)).astype("datetime64[D]")


def registered_in_month(offices: pd.DataFrame, regs: pd.DataFrame, months: np.ndarray) -> np.ndarray:
    """Boolean matrix offices × months: registered on some day of the month (DESIGN §3)."""
    pos = pd.Series(np.arange(len(offices)), index=offices["office_code"].to_numpy())
    known = regs[regs["office_code"].isin(pos.index)]
    i = pos.loc[known["office_code"].to_numpy()].to_numpy()
    ok = definitions.registered_in_months_matrix(known["registered_on"].to_numpy(), known["ended_on"].to_numpy(),
                                                 months)
    out = np.zeros((len(offices), len(months)), dtype=bool)
    np.logical_or.at(out, i, ok)
    return out


def profiles(rng: np.random.Generator, offices: pd.DataFrame, months: np.ndarray) -> pd.DataFrame:
    """Users (20–150) and care managers (≈ users / 30) per 居宅介護支援 office and month."""
    kyo = np.flatnonzero((offices["kind"] == "kyotaku").to_numpy())
    base = np.clip(rng.lognormal(np.log(55), 0.45, len(kyo)), 20, 150)
    t = np.arange(len(months))
    users = np.rint(base[:, None] * (1 + 0.003 * t)[None, :] * rng.normal(1, 0.03, (len(kyo), len(months))))
    users = np.clip(users, 20, 150).astype(np.int64)
    per_cm = rng.uniform(26, 36, len(kyo))
    cms = np.maximum(1, np.rint(users / per_cm[:, None])).astype(np.int64)
    frame = pd.DataFrame({
        "office_code": pd.Series(offices["office_code"].to_numpy()[np.repeat(kyo, len(months))], dtype="str"),
        "month": np.tile(months, len(kyo)).astype("datetime64[s]"),
        "users": users.ravel(), "care_managers": cms.ravel(),
    })
    frame.attrs["kyo_index"] = kyo
    return frame


def _pick_in_groups(rng, group_of_row, members_sorted_by_group, group_keys_sorted, fallback):
    """For each row pick a random member of its group (``fallback`` where the group is empty)."""
    starts = np.searchsorted(group_keys_sorted, group_of_row, side="left")
    ends = np.searchsorted(group_keys_sorted, group_of_row, side="right")
    size = ends - starts
    pick = starts + np.floor(rng.random(len(group_of_row)) * np.maximum(size, 1)).astype(np.int64)
    out = np.where(size > 0, members_sorted_by_group[np.minimum(pick, len(members_sorted_by_group) - 1)], -1)
    return np.where(out >= 0, out, fallback)


def exchanges(rng: np.random.Generator, offices: pd.DataFrame, prof: pd.DataFrame, reg_month: np.ndarray,
              months: np.ndarray) -> pd.DataFrame:
    """Aggregated 提供票 rows (month, sender, receiver, form, channel, sheets) for the given months.

    Each 居宅介護支援 office has partners among the service offices that receive 提供票, mostly in its own
    municipality; it sends 予定 (plan) to each, each sends 実績 (actual) back. Digital only when both were
    registered that month; even then some pairs stay on paper (二重管理, 30 % → 20 % over the months).
    """
    kyo = prof.attrs["kyo_index"]
    n_m = len(months)
    users = prof["users"].to_numpy().reshape(len(kyo), n_m)
    muni = offices["_muni"].to_numpy()
    pref = offices["prefecture_code"].to_numpy().astype(str).astype(np.int64)
    partner_ok = np.flatnonzero(offices["_service"].isin(list(P.PARTNER_SERVICES)).to_numpy())

    n_partners = np.clip(rng.poisson(users[:, -1] * 0.25), 3, 40)
    k_of = np.repeat(np.arange(len(kyo)), n_partners)
    scope = rng.choice(3, len(k_of), p=P.PARTNER_SCOPE)
    by_muni = partner_ok[np.argsort(muni[partner_ok], kind="stable")]
    by_pref = partner_ok[np.argsort(pref[partner_ok], kind="stable")]
    anywhere = partner_ok[rng.integers(0, len(partner_ok), len(k_of))]
    in_pref = _pick_in_groups(rng, pref[kyo[k_of]], by_pref, pref[by_pref], anywhere)
    in_muni = _pick_in_groups(rng, muni[kyo[k_of]], by_muni, muni[by_muni], in_pref)
    partner = np.select([scope == 0, scope == 1], [in_muni, in_pref], anywhere)
    # network effect: registered offices tend to work with registered partners (and recruit them)
    reg_now = reg_month[:, -1]
    reg_ok = partner_ok[reg_now[partner_ok]]
    by_pref_reg = reg_ok[np.argsort(pref[reg_ok], kind="stable")]
    in_pref_reg = _pick_in_groups(rng, pref[kyo[k_of]], by_pref_reg, pref[by_pref_reg], partner)
    partner = np.where(reg_now[kyo[k_of]] & (rng.random(len(k_of)) < P.REGISTERED_PARTNER_BIAS),
                       in_pref_reg, partner)
    pair_key = k_of.astype(np.int64) * len(offices) + partner
    _, first = np.unique(pair_key, return_index=True)
    first = np.sort(first)
    k_of, partner = k_of[first], partner[first]
    n_pairs = len(k_of)

    # share of the office's users each partner serves (normalised per office), fixed over the months
    raw = rng.gamma(1.0, 1.0, n_pairs)
    share = raw / np.bincount(k_of, raw, minlength=len(kyo))[k_of]
    u_plan = rng.random(n_pairs)                          # pair's readiness: digital when u ≥ missed rate
    u_act = 0.7 * u_plan + 0.3 * rng.random(n_pairs)
    paper_names = np.array([c for c, _ in P.PAPER_CHANNELS])
    paper_p = np.array([p for _, p in P.PAPER_CHANNELS])
    paper = rng.choice(len(paper_names), n_pairs, p=paper_p)

    # expand pairs × months
    pm_pair = np.repeat(np.arange(n_pairs), n_m)
    pm_month = np.tile(np.arange(n_m), n_pairs)
    k_pm = k_of[pm_pair]
    u_m = users[k_pm, pm_month]
    plan_sheets = np.clip(np.rint(u_m * P.SERVICES_PER_USER * share[pm_pair]), 1, u_m).astype(np.int64)
    act_sheets = np.maximum(1, rng.binomial(plan_sheets, 0.97))
    both = reg_month[kyo[k_pm], pm_month] & reg_month[partner[pm_pair], pm_month]
    missed = np.linspace(P.MISSED_DIGITAL_START, P.MISSED_DIGITAL_END, n_m)[pm_month]
    dig_plan = both & (u_plan[pm_pair] >= missed)
    dig_act = both & (u_act[pm_pair] >= missed)

    channel_names = pd.array(list(paper_names) + ["digital"], dtype="str")
    ch_plan = np.where(dig_plan, len(paper_names), paper[pm_pair])
    ch_act = np.where(dig_act, len(paper_names), paper[pm_pair])
    codes = pd.array(offices["office_code"].to_numpy().astype(str), dtype="str")
    kyo_code = kyo[k_pm]
    part_code = partner[pm_pair]
    n_pm = len(pm_pair)
    forms = pd.array(["plan", "actual"], dtype="str")
    frame = pd.DataFrame({
        "month": np.r_[months[pm_month], months[pm_month]].astype("datetime64[s]"),
        "sender_code": codes.take(np.r_[kyo_code, part_code]),
        "receiver_code": codes.take(np.r_[part_code, kyo_code]),
        "form": forms.take(np.repeat([0, 1], n_pm)),
        "channel": channel_names.take(np.r_[ch_plan, ch_act]),
        "sheets": np.r_[plan_sheets, act_sheets],
    })
    return frame
