"""A hand-built exchange network where every count, share and the target order is known.

Prefecture 30 (和歌山). Months 2025-07 and 2025-08 (latest).
Registrations: K1 from 2025-06-15; K2 from 2025-08-31 (registered in Aug only: ≤ Aug's last day);
S1 from 2025-07-20 (Jul, Aug); S2 2025-05-01 → ended 2025-08-01 (Jul yes; Aug no: ended_on must be > Aug 1).
K3, S3, S4, S5 and X are never registered; X (3070299999) is not in the master (area from code digits).

August, prefecture 30 senders: 112 sheets, 20 digital, 3 missed digital (K2→S1 fax).
Targets in 30, August: X 24 (1 partner), S3 16 (2 partners: K1, K2), S2 16 (1), S4 6 (1).
S5 (prefecture 27) has 14 unlockable sheets but is outside 30. K3→S4 (neither registered) counts nowhere.
July, prefecture 30: 20 sheets, 4 digital, 8 missed (K1→S2 fax, both registered in July).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.store import engine as store_engine
from analytics.store import schema

# valid 事業所番号 (check digit verified) so the ingest readers accept them in the upload test
K1, K2, K3 = "3070100015", "3070100023", "3070100031"
S1, S2, S3, S4 = "3070200013", "3070200021", "3070200039", "3070200047"
S5 = "2770200018"
X = "3070299999"
JUL, AUG = dt.date(2025, 7, 1), dt.date(2025, 8, 1)

OFFICES = pd.DataFrame([
    (K1, "紀の川ケアプラン", "30", "302015", "和歌山市", "kyotaku"),
    (K2, "海南居宅介護支援センター", "30", "302023", "海南市", "kyotaku"),
    (K3, "有田ケアセンター", "30", "302023", "海南市", "kyotaku"),
    (S1, "訪問介護さくら", "30", "302015", "和歌山市", "service"),
    (S2, "=デイサービスうめ", "30", "302015", "和歌山市", "service"),
    (S3, "通所介護みかん", "30", "302023", "海南市", "service"),
    (S4, "福祉用具かき", "30", "302015", "和歌山市", "service"),
    (S5, "大阪訪問看護", "27", "271004", "大阪市", "service"),
], columns=["office_code", "name", "prefecture_code", "municipality_code", "municipality", "kind"])

REGISTRATIONS = pd.DataFrame([
    (K1, dt.date(2025, 6, 15), None, "30"),
    (K2, dt.date(2025, 8, 31), None, "30"),
    (S1, dt.date(2025, 7, 20), None, "30"),
    (S2, dt.date(2025, 5, 1), dt.date(2025, 8, 1), "30"),
], columns=["office_code", "registered_on", "ended_on", "prefecture_code"])

_ROWS = [
    # August
    (AUG, K1, S1, "plan", "digital", 10), (AUG, S1, K1, "actual", "digital", 10),
    (AUG, K1, S2, "plan", "fax", 8), (AUG, S2, K1, "actual", "fax", 8),
    (AUG, K1, S3, "plan", "fax", 5), (AUG, S3, K1, "actual", "post", 5),
    (AUG, K2, S3, "plan", "fax", 6),
    (AUG, K1, S4, "plan", "fax", 6),
    (AUG, K2, S1, "plan", "fax", 3),
    (AUG, K1, S5, "plan", "hand", 7), (AUG, S5, K1, "actual", "fax", 7),
    (AUG, K1, X, "plan", "fax", 12), (AUG, X, K1, "actual", "fax", 12),
    (AUG, K3, S4, "plan", "fax", 20),
    # July
    (JUL, K1, S2, "plan", "fax", 8),
    (JUL, K1, S1, "plan", "digital", 4),
    (JUL, K2, S3, "plan", "fax", 6),
    (JUL, K2, S1, "plan", "fax", 2),
]
EXCHANGES = pd.DataFrame(_ROWS, columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets"])


def load(url: str) -> None:
    eng = store_engine.get_engine(url)
    with eng.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, OFFICES.assign(batch_id=1))
        store_engine.bulk_insert(conn, schema.registrations, REGISTRATIONS.assign(batch_id=1))
        store_engine.bulk_insert(conn, schema.exchanges, EXCHANGES.assign(batch_id=1))


# ---- pandas oracle on the same frames -------------------------------------------------------------

def registered_pairs(months) -> set[tuple[dt.date, str]]:
    out = set()
    for m in months:
        nxt = (pd.Timestamp(m) + pd.offsets.MonthBegin(1)).date()
        for row in REGISTRATIONS.itertuples():
            if row.registered_on < nxt and (row.ended_on is None or pd.isna(row.ended_on) or row.ended_on > m):
                out.add((m, row.office_code))
    return out


def flagged(exchanges: pd.DataFrame = EXCHANGES) -> pd.DataFrame:
    reg = registered_pairs(exchanges["month"].unique())
    fx = exchanges.copy()
    fx["s_reg"] = [(m, s) in reg for m, s in zip(fx["month"], fx["sender_code"])]
    fx["r_reg"] = [(m, r) in reg for m, r in zip(fx["month"], fx["receiver_code"])]
    master = OFFICES.set_index("office_code")
    fx["prefecture_code"] = [master["prefecture_code"].get(s, s[:2]) for s in fx["sender_code"]]
    fx["municipality_code"] = [master["municipality_code"].get(s) for s in fx["sender_code"]]
    fx["digital"] = fx["sheets"].where(fx["channel"] == "digital", 0)
    fx["missed"] = fx["sheets"].where((fx["channel"] != "digital") & fx["s_reg"] & fx["r_reg"], 0)
    return fx


def oracle_summary(group: list[str], prefecture: str | None = None) -> pd.DataFrame:
    fx = flagged()
    if prefecture:
        fx = fx[fx["prefecture_code"] == prefecture]
    g = (fx.groupby(group, dropna=False)
         .agg(sheets=("sheets", "sum"), digital_sheets=("digital", "sum"), missed_digital_sheets=("missed", "sum"))
         .reset_index())
    g["digital_share"] = g["digital_sheets"] / g["sheets"]
    return g.sort_values(group).reset_index(drop=True)


def oracle_targets(month_to: dt.date, window: int, prefecture: str | None = None) -> pd.DataFrame:
    months = sorted(m for m in EXCHANGES["month"].unique() if m <= month_to)[-window:]
    fx = flagged()
    fx = fx[fx["month"].isin(months) & (fx["channel"] != "digital") & (fx["s_reg"] != fx["r_reg"])]
    fx = fx.assign(target=fx["sender_code"].where(~fx["s_reg"], fx["receiver_code"]),
                   partner=fx["receiver_code"].where(~fx["s_reg"], fx["sender_code"]))
    reg_last = {o for (m, o) in registered_pairs([months[-1]])}
    fx = fx[~fx["target"].isin(reg_last)]
    g = fx.groupby("target").agg(sheets=("sheets", "sum"), registered_partners=("partner", "nunique")).reset_index()
    master = OFFICES.set_index("office_code")
    g["prefecture_code"] = [master["prefecture_code"].get(t, t[:2]) for t in g["target"]]
    if prefecture:
        g = g[g["prefecture_code"] == prefecture]
    g["unlockable_sheets"] = g["sheets"] / len(months)
    g = g.sort_values(["unlockable_sheets", "registered_partners", "target"], ascending=[False, False, True])
    return g.rename(columns={"target": "office_code"}).reset_index(drop=True)
