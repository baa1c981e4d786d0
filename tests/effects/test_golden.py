"""Golden scenarios: every folder under tests/effects/golden must be reproduced to the yen and 0.01 h."""
import json
import math
import pathlib

import pytest

from analytics.domain import effects

GOLDEN = pathlib.Path(__file__).parent / "golden"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "inputs.json").exists())


def _same(got, want, key):
    if want is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), key
    elif isinstance(want, bool):
        assert bool(got) is want, key
    elif isinstance(want, int):
        assert got == want and int(got) == got, (key, got, want)
    else:
        assert got == pytest.approx(want, abs=1e-5), (key, got, want)


def test_there_are_golden_scenarios():
    assert {"mhlw-example", "per-user-90", "mhlw-example-sends-curve", "partners-three"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_golden(name):
    inputs = json.loads((GOLDEN / name / "inputs.json").read_text(encoding="utf-8"))
    expected = json.loads((GOLDEN / name / "expected.json").read_text(encoding="utf-8"))
    assumptions = effects.DEFAULT.with_overrides(inputs.get("assumptions", {}))
    kind = inputs["kind"]
    if kind == "office":
        got = effects.office_effect(inputs["users"], inputs["care_managers"], inputs["digital_share"],
                                    hourly_wage=inputs.get("hourly_wage"), licence_free=inputs.get("licence_free", False),
                                    preset=inputs["preset"], assumptions=assumptions).values
        for key, want in expected.items():
            _same(got[key], want, key)
    elif kind == "sends_curve":
        got = effects.sends_curve(inputs["users"], inputs["care_managers"], inputs["shares"], assumptions)
        assert got["slide_rounded"].tolist() == expected["slide_rounded"]
        assert got["sends_per_care_manager"].tolist() == pytest.approx(expected["sends_per_care_manager"], abs=1e-5)
    elif kind == "partners":
        got = effects.saving_by_partners(inputs["users"], inputs["care_managers"], inputs["partner_sheets"],
                                         inputs["registered"], preset=inputs["preset"], assumptions=assumptions)
        assert got["registered_partners"].tolist() == expected["registered_partners"]
        assert got["digital_share"].tolist() == pytest.approx(expected["digital_share"], abs=1e-5)
        assert got["saving_month"].tolist() == expected["saving_month"]
        assert got["currently"].tolist() == expected["currently"]
        assert [None if v is None or v is __import__("pandas").NA else int(v)
                for v in got["partner_index"].astype(object).where(got["partner_index"].notna(), None)] \
            == expected["partner_index"]
    elif kind == "vector":
        got = effects.vector_effect(inputs["sheets"], inputs["digital_sheets"], assumptions)
        for key, want in expected.items():
            assert got[key].tolist() == pytest.approx(want, abs=1e-5), key
    else:  # pragma: no cover
        pytest.fail(f"unknown kind {kind}")


def test_contract_keys_are_design_section_6():
    assert list(effects.office_effect().contract()) == [
        "hours_before", "hours_after", "hours_saved_month", "hours_saved_year", "staff_cost_before",
        "staff_cost_after", "direct_cost_before", "direct_cost_after", "saving_month",
        "saving_month_excl_licence", "saving_year", "sends_per_care_manager"]


def test_mhlw_example_cost_lines_match_the_slide_table():
    lines = effects.office_effect().cost_lines().set_index("item")
    assert lines.loc["staff"].tolist() == [95218, 32784, -62434]
    assert lines.loc["printing"].tolist() == [792, 0, -792]
    assert lines.loc["communication"].tolist() == [1826, 1044, -782]
    assert lines.loc["postage"].tolist() == [2220, 0, -2220]
    assert lines.loc["travel"].tolist() == [2140, 0, -2140]
    assert lines.loc["software"].tolist() == [31417, 31417, 0]
    assert lines.loc["licence"].tolist() == [0, 1750, 1750]
    # Vol.1096: (95,218 + 792 + 1,826 + 2,220 + 2,140) − (32,784 + 1,044) = 68,368; not 816,000 / 12
    v = effects.office_effect().values
    assert (95218 + 792 + 1826 + 2220 + 2140) - (32784 + 1044) == v["saving_month_excl_licence"] == 68368
    assert 12 * v["saving_month_excl_licence"] == 820416 != effects.DOCUMENTED["vol1096_saving_year_approx"]
    assert v["staff_saving_month"] == 62434 and round(v["staff_saving_month"] / 10000, 1) == 6.2
    assert round(v["staff_saving_month"] / 10000, 1) * 12 == pytest.approx(74.4)


def test_registry_matches_values_object_and_has_sources():
    assert [a.key for a in effects.ASSUMPTIONS] == list(effects.DEFAULT.as_dict())
    for a in effects.ASSUMPTIONS:
        assert a.source and a.date and a.note_ja and a.unit and a.label_ja and a.label_en
        assert effects.DEFAULT.as_dict()[a.key] == a.value
    assert effects.DEFAULT.hourly_staff_cost == 1817
    assert effects.DEFAULT.paper_only_yen_month == 792 + 782 + 2220 + 2140
    frame = effects.assumptions_frame("ja")
    assert len(frame) == len(effects.ASSUMPTIONS) and frame["source"].str.len().min() > 0


def test_overrides_validate():
    a = effects.DEFAULT.with_overrides({"paper_hours_per_user": 0.5})
    assert a.paper_hours_per_user == 0.5 and a.changed() == {"paper_hours_per_user": (0.62, 0.5)}
    with pytest.raises(KeyError):
        effects.DEFAULT.with_overrides({"nope": 1})
    with pytest.raises(ValueError):
        effects.DEFAULT.with_overrides({"printing_yen_month": -1})
    with pytest.raises(ValueError):
        effects.office_effect(digital_share=1.5)
    with pytest.raises(ValueError):
        effects.office_effect(care_managers=0)
    with pytest.raises(ValueError):
        effects.office_effect(preset="nope")
    with pytest.raises(ValueError):
        effects.vector_effect([1, 2], [2, 2])


def test_vectorised_frame_equals_office_results():
    import numpy as np
    users = np.array([10, 45, 90, 200])
    shares = np.array([0.0, 0.25, 0.5, 1.0])
    for preset in effects.PRESETS:
        frame = effects.effect_frame(users, 3, shares, preset=preset)
        for i in range(len(users)):
            one = effects.office_effect(int(users[i]), 3, float(shares[i]), preset=preset).contract()
            for key, value in one.items():
                assert frame.loc[i, key] == pytest.approx(value), (preset, i, key)


def test_network_cap():
    assert effects.partner_share([40, 30, 20], [False, True, False]) == pytest.approx(1 / 3)
    assert effects.partner_share([], []) == 0.0
    assert effects.capped_share(0.9, 0.4) == 0.4 and effects.capped_share(0.2, 0.4) == 0.2
    sheets, reg = effects.even_partners(10, 4)
    assert effects.partner_share(sheets, reg) == pytest.approx(0.4)
    assert effects.join_order([5, 9, 1, 7], [False, False, True, False]).tolist() == [2, 1, 3, 0]
    curve = effects.saving_by_partners(90, 3, *effects.even_partners(10, 4))
    assert curve["registered_partners"].tolist() == list(range(11))
    assert curve.loc[curve["currently"], "registered_partners"].tolist() == [4]
    assert curve["saving_month"].iloc[0] == -1750 and curve["saving_month"].iloc[-1] == 72867
