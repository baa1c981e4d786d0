"""A small deterministic database for the forecast queries: two prefectures, both kinds, ended and
repeated registrations, one registration outside the master, and one month of exchanges."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.store import engine as store_engine
from analytics.store import schema

D = dt.date

OFFICES = pd.DataFrame({
    "office_code": ["3010000001", "3010000002", "3010000003", "3010000004", "3010000005", "3010000006",
                    "1310000001", "1310000002"],
    "name": ["居宅A", "居宅B", "居宅C", "訪問D", "通所E", "訪問F", "居宅G", "訪問H"],
    "prefecture_code": ["30", "30", "30", "30", "30", "30", "13", "13"],
    "municipality_code": ["302015"] * 6 + ["131016"] * 2,
    "municipality": ["和歌山市"] * 6 + ["千代田区"] * 2,
    "kind": ["kyotaku", "kyotaku", "kyotaku", "service", "service", "service", "kyotaku", "service"],
})

REGISTRATIONS = pd.DataFrame({
    "office_code": ["3010000001", "3010000002", "3010000002", "3010000004", "3010000005", "1310000001",
                    "1310000002", "3099999999", "3010000003"],
    "registered_on": [D(2023, 4, 20), D(2023, 5, 31), D(2023, 9, 1), D(2023, 6, 15), D(2023, 7, 1),
                      D(2023, 4, 25), D(2023, 8, 10), D(2023, 5, 1), D(2023, 5, 10)],
    "ended_on": [None, D(2023, 7, 31), None, None, D(2023, 8, 15), None, None, None, D(2023, 5, 31)],
    "prefecture_code": ["30", "30", "30", "30", "30", "13", "13", "30", "30"],
})

M = D(2023, 9, 1)
EXCHANGES = pd.DataFrame({
    "month": [M] * 8,
    # 01 registered, 02 registered (from 09-01), 03/06 unregistered, 04 registered, 05 ended
    "sender_code": ["3010000001", "3010000001", "3010000001", "3010000003", "3010000002", "3010000003",
                    "1310000001", "3010000001"],
    "receiver_code": ["3010000004", "3010000006", "3010000005", "3010000006", "3010000004", "3010000004",
                      "3010000006", "3010000006"],
    "form": ["plan"] * 8,
    "channel": ["digital", "fax", "fax", "fax", "post", "fax", "fax", "digital"],
    "sheets": [10, 7, 5, 3, 4, 6, 2, 1],
})


def load(engine, as_of: str | None = "2023-12-31") -> None:
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, OFFICES)
        store_engine.bulk_insert(conn, schema.registrations, REGISTRATIONS)
        store_engine.bulk_insert(conn, schema.exchanges, EXCHANGES)
        if as_of:
            store_engine.set_meta(conn, "as_of", as_of)
