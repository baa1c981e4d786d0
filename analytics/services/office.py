"""One office (事業所ビュー, 効果試算): its months and partners as exchanged with it, whether it and its
partners were registered, the busiest offices to choose from, and a log the user uploads, flagged in memory
(nothing stored). Office-level detail: the page checks that the scope may see the office."""
from __future__ import annotations

import dataclasses

import pandas as pd

from analytics.store import definitions
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


def own_code_in_log(log) -> str | None:
    """The office an uploaded log is most likely from: the sender of the most sheets (ties: the lowest
    事業所番号); None for an empty log. 事業所ビュー proposes it and says so."""
    if log is None or log.empty:
        return None
    sent = log.groupby("sender_code")["sheets"].sum().reset_index()
    sent = sent.sort_values(["sheets", "sender_code"], ascending=[False, True])
    return str(sent["sender_code"].iloc[0])



def registered_with_log(registered: set, log) -> set:
    """(month, office_code) registered per the database, plus both offices of every データ連携 row of an
    uploaded log in its month: an exchange by data means both were registered then, so the log decides
    where the database has not caught up (its office said 「未登録」 beside its own digital sheets)."""
    if log is None or log.empty:
        return set(registered)
    digital = log[definitions.is_digital(log["channel"]) & (log["sheets"] > 0)]
    months = [pd.Timestamp(m).date() for m in digital["month"]]
    return (set(registered) | set(zip(months, digital["sender_code"]))
            | set(zip(months, digital["receiver_code"])))


@dataclasses.dataclass(frozen=True)
class LogFigures:
    """One office's figures from an uploaded log (flagged in memory, nothing stored): its months, its
    partners in the latest month, and (month, office) registered per the database and the log."""
    office_code: str
    monthly: pd.DataFrame
    partners: pd.DataFrame
    registered: frozenset

    @property
    def month(self):
        return None if self.partners.empty else self.partners["month"].iloc[0]

    def self_registered(self, month=None) -> bool:
        month = month or self.month
        return month is not None and (pd.Timestamp(month).date(), self.office_code) in self.registered


def from_log(engine, log: pd.DataFrame, office_code: str) -> LogFigures:
    """事業所ビュー and 効果試算 on an uploaded log: the log decides the office's own figures
    (``registered_with_log``), the database adds the partners' registrations and names."""
    in_file = set(log["sender_code"]) | set(log["receiver_code"])
    registered = registered_with_log(registered_pairs(engine, log["month"].unique(), in_file), log)
    fx = local_flags(log, registered)
    return LogFigures(office_code, local_office_monthly(fx, office_code),
                      local_office_partners(fx, office_code, names=office_names(engine, in_file)),
                      frozenset(registered))
