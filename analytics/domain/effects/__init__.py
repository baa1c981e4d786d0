"""The effect model (効果試算, DESIGN §4): named assumptions, the two presets, one office or many.

Import from here: ``from analytics.domain.effects import ASSUMPTIONS, Assumptions, office_effect,
effect_frame, vector_effect``.
"""
from analytics.domain.effects.assumptions import (
    ASSUMPTIONS,
    BY_KEY,
    DEFAULT,
    DOCUMENTED,
    Assumption,
    Assumptions,
    assumptions_frame,
)
from analytics.domain.effects.model import (
    CONTRACT_KEYS,
    COST_ITEMS,
    DOCUMENTED_WAGE,
    PRESETS,
    EffectResult,
    effect_frame,
    office_effect,
    sends_curve,
    slide_round_sends,
    vector_effect,
)
from analytics.domain.effects.network import (
    capped_share,
    even_partners,
    join_order,
    partner_share,
    saving_by_partners,
)

__all__ = [
    "ASSUMPTIONS", "BY_KEY", "DEFAULT", "DOCUMENTED", "Assumption", "Assumptions", "assumptions_frame",
    "CONTRACT_KEYS", "COST_ITEMS", "DOCUMENTED_WAGE", "PRESETS", "EffectResult", "effect_frame",
    "office_effect", "sends_curve", "slide_round_sends", "vector_effect",
    "capped_share", "even_partners", "join_order", "partner_share", "saving_by_partners",
]
