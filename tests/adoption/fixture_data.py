"""A small deterministic adoption fixture: 12 offices in 北海道, 東京都 and 和歌山県, registrations with
ends and re-registrations, two registrations not in the master, and a few exchange rows.

``load(engine)`` writes it; the same frames feed the pandas oracles in the tests.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.store import engine as store_engine
from analytics.store import schema

D = dt.date
AS_OF = D(2025, 8, 31)

OFFICES = pd.DataFrame([
    # office_code, name, prefecture_code, municipality_code, municipality, lat, lon, kind
    ("3070000011", "和歌山ケアプランセンター", "30", "302015", "和歌山市", 34.23, 135.17, "kyotaku"),
    ("3070000029", "紀の川居宅介護支援事業所", "30", "302015", "和歌山市", 34.25, 135.19, "kyotaku"),
    ("3070000037", "和歌山訪問介護ステーション", "30", "302015", "和歌山市", 34.21, 135.15, "service"),
    ("3070000045", "御坊ケアマネジメント", "30", "302074", "御坊市", 33.89, 135.15, "kyotaku"),
    ("3070000052", "日高デイサービス", "30", "302074", "御坊市", 33.88, 135.16, "service"),
    ("3070000060", "御坊訪問看護", "30", "302074", "御坊市", 33.90, 135.14, "service"),
    ("1370000016", "千代田居宅支援", "13", "131016", "千代田区", 35.69, 139.75, "kyotaku"),
    ("1370000024", "千代田ヘルパー", "13", "131016", "千代田区", 35.69, 139.76, "service"),
    ("1370000032", "新宿ケアプラン", "13", "131041", "新宿区", 35.69, 139.70, "kyotaku"),
    ("1370000040", "新宿デイ", "13", "131041", "新宿区", 35.70, 139.71, "service"),
    ("0170000018", "札幌居宅介護支援", "01", "011002", "札幌市", 43.06, 141.35, "kyotaku"),
    ("0170000026", "札幌訪問介護", "01", "011002", "札幌市", 43.07, 141.36, "service"),
], columns=["office_code", "name", "prefecture_code", "municipality_code", "municipality", "lat", "lon", "kind"])

REGISTRATIONS = pd.DataFrame([
    # office_code, registered_on, ended_on, prefecture_code
    ("3070000011", D(2023, 4, 1), D(2023, 6, 1), "30"),   # ended, then registered again
    ("3070000011", D(2023, 10, 5), None, "30"),
    ("3070000029", D(2024, 1, 1), D(2025, 8, 31), "30"),  # ends on the as-of date: not registered at it
    ("3070000037", D(2025, 8, 31), None, "30"),           # starts on the as-of date: registered at it
    ("3070000045", D(2024, 6, 15), None, "30"),
    ("1370000016", D(2025, 2, 1), None, "13"),
    ("1370000032", D(2025, 9, 1), None, "13"),            # after the as-of date
    ("2770000017", D(2024, 5, 1), None, "27"),            # not in the master (大阪府)
    ("3079999990", D(2024, 7, 1), D(2025, 1, 31), "30"),  # not in the master, ended
], columns=["office_code", "registered_on", "ended_on", "prefecture_code"])

EXCHANGES = pd.DataFrame([
    # month, sender, receiver, form, channel, sheets
    (D(2025, 7, 1), "3070000011", "3070000037", "plan", "digital", 10),
    (D(2025, 7, 1), "3070000011", "3070000052", "plan", "fax", 5),
    (D(2025, 8, 1), "3070000011", "3070000037", "plan", "digital", 12),
    (D(2025, 8, 1), "3070000045", "3070000060", "plan", "fax", 6),
    (D(2025, 8, 1), "3070000037", "3070000011", "actual", "digital", 12),
    (D(2025, 8, 1), "1370000016", "1370000024", "plan", "post", 4),
    (D(2025, 8, 1), "1370000016", "1370000040", "plan", "digital", 6),
], columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets"])


def load(engine, as_of: dt.date = AS_OF) -> None:
    regs = REGISTRATIONS.copy()
    regs["ended_on"] = regs["ended_on"].astype(object).where(regs["ended_on"].notna(), None)
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, OFFICES.assign(batch_id=1))
        store_engine.bulk_insert(conn, schema.office_services, pd.DataFrame({
            "office_code": OFFICES["office_code"],
            "service_code": OFFICES["kind"].map({"kyotaku": "43", "service": "11"}), "batch_id": 1}))
        store_engine.bulk_insert(conn, schema.registrations, regs.assign(batch_id=2))
        store_engine.bulk_insert(conn, schema.exchanges, EXCHANGES.assign(batch_id=3))
        store_engine.set_meta(conn, "as_of", as_of.isoformat())


def build_duckdb_file(path) -> str:
    """A DuckDB file with the fixture (for the UI and browser tests); returns its URL."""
    url = f"duckdb:///{path}"
    eng = store_engine.get_engine(url)
    load(eng)
    store_engine.dispose(url)
    return url
