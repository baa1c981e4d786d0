"""A small seeded exchange/registration fixture around one office (3070000019) and its eight partners."""
import datetime as dt

import numpy as np
import pandas as pd

from analytics.store import engine as store_engine
from analytics.store import schema

OFFICE = "3070000019"
PARTNERS = [f"30700001{i:02d}" for i in range(8)]
M1, M2 = dt.date(2025, 7, 1), dt.date(2025, 8, 1)


def fixture():
    rng = np.random.default_rng(7)
    rows = []
    for month in (M1, M2):
        for p in PARTNERS:
            for form, channel in (("plan", "fax"), ("plan", "digital"), ("actual", "post")):
                if rng.random() < 0.7:
                    rows.append((month, OFFICE, p, form, channel, int(rng.integers(1, 9))))
                if rng.random() < 0.5:
                    rows.append((month, p, OFFICE, "actual", channel, int(rng.integers(1, 9))))
        # noise: exchanges not involving the office, and one to itself (ignored)
        rows.append((month, PARTNERS[0], PARTNERS[1], "plan", "fax", 50))
        rows.append((month, OFFICE, OFFICE, "plan", "fax", 99))
    ex = pd.DataFrame(rows, columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets"])
    ex["batch_id"] = 1
    regs = pd.DataFrame({
        "office_code": [PARTNERS[0], PARTNERS[1], PARTNERS[2], PARTNERS[3], PARTNERS[4], OFFICE],
        # P0 registered; P1 ended inside August (still registered in August); P2 ended on Aug 1 (= month start:
        # not registered); P3 registers on Aug 31 (registered in August); P4 registers in September.
        "registered_on": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 8, 31),
                          dt.date(2025, 9, 1), dt.date(2024, 4, 1)],
        "ended_on": [None, dt.date(2025, 8, 15), dt.date(2025, 8, 1), None, None, None],
        "prefecture_code": ["30"] * 6, "batch_id": [1] * 6})
    offices = pd.DataFrame({"office_code": PARTNERS[:5], "name": [f"事業所{i}" for i in range(5)],
                            "prefecture_code": ["30"] * 5, "kind": ["service"] * 5})
    prof = pd.DataFrame({"office_code": [OFFICE, OFFICE], "month": [M1, M2], "users": [80, 60],
                         "care_managers": [3, 3]})
    return ex, regs, offices, prof


def load(engine):
    ex, regs, offices, prof = fixture()
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.exchanges, ex)
        store_engine.bulk_insert(conn, schema.registrations, regs)
        store_engine.bulk_insert(conn, schema.offices, offices)
        store_engine.bulk_insert(conn, schema.profiles, prof)
    return ex, regs, offices
