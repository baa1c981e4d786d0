"""Properties of the effect model that must hold for any office (Hypothesis)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.domain import effects

office = dict(
    users=st.integers(1, 5000), care_managers=st.integers(1, 60), wage=st.integers(0, 10_000),
    free=st.booleans(), preset=st.sampled_from(effects.PRESETS))
shares = st.floats(0, 1, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(**office, a=shares, b=shares, paper=st.floats(0.2, 2), ratio=st.floats(0, 1))
def test_saving_never_falls_as_digital_share_rises(users, care_managers, wage, free, preset, a, b, paper, ratio):
    lo, hi = sorted((a, b))
    assumptions = effects.DEFAULT.with_overrides(paper_hours_per_user=paper, digital_hours_per_user=paper * ratio)
    frame = effects.effect_frame(users, care_managers, [lo, hi], hourly_wage=wage, licence_free=free,
                                 preset=preset, assumptions=assumptions)
    for key in ("saving_month", "saving_month_excl_licence", "saving_year", "hours_saved_month",
                "staff_saving_month", "direct_saving_month"):
        assert frame[key].iloc[1] >= frame[key].iloc[0], key
    assert frame["hours_after"].iloc[1] <= frame["hours_after"].iloc[0]


@settings(max_examples=150, deadline=None)
@given(**office)
def test_at_zero_digital_the_only_change_is_the_licence(users, care_managers, wage, free, preset):
    r = effects.office_effect(users, care_managers, 0.0, hourly_wage=wage, licence_free=free, preset=preset)
    v = r.values
    assert v["hours_after"] == v["hours_before"] and v["hours_saved_month"] == 0
    assert v["staff_cost_after"] == v["staff_cost_before"]
    lines = r.cost_lines().set_index("item")
    changed = lines[lines["change"] != 0]
    licence = 0 if free else 1750
    assert changed.index.tolist() == ([] if free else ["licence"])
    assert v["saving_month"] == -licence and v["saving_month_excl_licence"] == 0
    assert v["saving_year"] == -12 * licence
    assert v["sends_per_care_manager"] == pytest.approx(users / care_managers)


@settings(max_examples=100, deadline=None)
@given(**office, d=shares)
def test_accounting_identities(users, care_managers, wage, free, preset, d):
    v = effects.office_effect(users, care_managers, d, hourly_wage=wage, licence_free=free, preset=preset).values
    items = effects.COST_ITEMS
    assert v["direct_cost_before"] == sum(v[f"{i}_before"] for i in items)
    assert v["direct_cost_after"] == sum(v[f"{i}_after"] for i in items)
    assert v["saving_month"] == (v["staff_cost_before"] - v["staff_cost_after"]
                                 + v["direct_cost_before"] - v["direct_cost_after"])
    assert v["saving_month_excl_licence"] == v["saving_month"] + v["licence_after"]
    assert v["saving_year"] == 12 * v["saving_month"]
    assert v["hours_saved_year"] == pytest.approx(12 * v["hours_saved_month"], abs=1e-6)
    assert v["licence_after"] == (0 if free else 1750) and v["licence_before"] == 0
    be = v["break_even_share"]
    if be is not None and 0 < be < 1:
        # at the break-even share the saving with the licence crosses zero (± rounding of a few yen)
        at = effects.office_effect(users, care_managers, be, hourly_wage=wage, licence_free=free, preset=preset)
        assert abs(at.saving_month) <= 6


@settings(max_examples=100, deadline=None)
@given(users=st.lists(st.integers(1, 3000), min_size=1, max_size=20), data=st.data())
def test_vector_effect_agrees_with_the_per_user_office_model(users, data):
    shares = np.array(data.draw(st.lists(shares_strategy(), min_size=len(users), max_size=len(users))))
    u = np.array(users, dtype=float)
    vec = effects.vector_effect(u, u * shares)
    frame = effects.effect_frame(u, 3, shares, preset="per-user")
    assert vec["hours_saved"].to_numpy() == pytest.approx(frame["hours_saved_month"].to_numpy(), abs=0.006)
    # the office model rounds each line to the yen: at most a few yen apart
    assert np.all(np.abs(vec["yen_saved"].to_numpy() - frame["saving_month_excl_licence"].to_numpy()) <= 6)
    assert np.all(vec["hours_after"] <= vec["hours_before"] + 1e-9)


def shares_strategy():
    return st.floats(0, 1, allow_nan=False)
