"""The network effect: a sheet goes digital only when both sides are registered (domain-facts §1, §7).

An office's digital share therefore cannot exceed the share of its sheets exchanged with registered
partners. These functions turn a list of partners (sheets per partner, registered or not) into that cap
and into the saving as partners join, biggest partners first.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.domain.effects.assumptions import Assumptions
from analytics.domain.effects.model import effect_frame


def partner_share(partner_sheets, registered) -> float:
    """Share of the office's sheets that go to (or come from) registered partners: the digital-share cap."""
    sheets = np.asarray(partner_sheets, dtype=float)
    reg = np.asarray(registered, dtype=bool)
    total = sheets.sum()
    return float(sheets[reg].sum() / total) if total > 0 else 0.0


def capped_share(desired: float, cap: float) -> float:
    """The digital share the office can reach: what it wants, but never more than its registered partners allow."""
    return float(min(max(desired, 0.0), max(cap, 0.0), 1.0))


def join_order(partner_sheets, registered) -> np.ndarray:
    """Indices of partners in the order they are counted as registered: those already registered first,
    then the unregistered ones by sheets, largest first (the ones to invite first)."""
    sheets = np.asarray(partner_sheets, dtype=float)
    reg = np.asarray(registered, dtype=bool)
    idx = np.arange(len(sheets))
    first = idx[reg][np.argsort(-sheets[reg], kind="stable")]
    later = idx[~reg][np.argsort(-sheets[~reg], kind="stable")]
    return np.concatenate([first, later]).astype(int)


def even_partners(total: int, registered: int) -> tuple[np.ndarray, np.ndarray]:
    """N partners with equal sheets, the first ``registered`` of them registered (the manual simulator)."""
    total = max(int(total), 0)
    registered = min(max(int(registered), 0), total)
    return np.ones(total), np.arange(total) < registered


def saving_by_partners(users, care_managers, partner_sheets, registered, *, hourly_wage=None,
                       licence_free=False, preset="per-user", assumptions: Assumptions | None = None
                       ) -> pd.DataFrame:
    """The saving with 0, 1, … N registered partners (joining in ``join_order``), assuming every sheet
    with a registered partner goes digital. ``currently`` marks the row of today's registrations."""
    sheets = np.asarray(partner_sheets, dtype=float)
    reg = np.asarray(registered, dtype=bool)
    order = join_order(sheets, reg)
    total = sheets.sum()
    cum = np.concatenate([[0.0], np.cumsum(sheets[order])])
    shares = np.clip(cum / total, 0, 1) if total > 0 else np.zeros(len(cum))
    frame = effect_frame(users, care_managers, shares, hourly_wage=hourly_wage, licence_free=licence_free,
                         preset=preset, assumptions=assumptions)
    out = pd.DataFrame({
        "registered_partners": np.arange(len(cum)),
        "digital_share": shares,
        "hours_saved_month": frame["hours_saved_month"],
        "saving_month": frame["saving_month"],
        "saving_month_excl_licence": frame["saving_month_excl_licence"],
        "sends_per_care_manager": frame["sends_per_care_manager"],
    })
    out["currently"] = out["registered_partners"] == int(reg.sum())
    out["partner_index"] = pd.array([pd.NA] + [int(i) for i in order], dtype="Int64")
    return out
