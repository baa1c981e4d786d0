"""One office (事業所ビュー, 効果試算): its months and partners as exchanged with it, whether it and its
partners were registered, the busiest offices to choose from, and a log the user uploads, flagged in memory
(nothing stored). Office-level detail: the page checks that the scope may see the office."""
from __future__ import annotations

from analytics.store import office_partners as op
from analytics.store import queries_channels as qc

# the store's functions as they are: each is already one office's (or one list's) figures, no small counts
offices_with_exchanges = qc.offices_with_exchanges
office_monthly = qc.office_monthly
office_partners = qc.office_partners
office_names = qc.office_names
registered_pairs = qc.registered_pairs
local_flags = qc.local_flags
local_office_monthly = qc.local_office_monthly
local_office_partners = qc.local_office_partners
is_registered = op.is_registered
has_exchanges = op.has_exchanges
busiest_offices = op.busiest_offices
latest_month = op.latest_month
office_profile = op.office_profile
partners_for_effect = op.office_partners
