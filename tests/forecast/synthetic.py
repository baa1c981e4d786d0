"""A synthetic database whose registrations follow a Bass curve with known p, q (deterministic seed):
和歌山県 (30) 400 居宅介護支援 + 600 service offices, 東京都 (13) 200 + 300, registrations from 2023-04 to
the as-of date 2025-08-31, and one month (2025-08) of exchanges. Used when the demo data is not wanted
(fast, and the true parameters are known)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.domain import forecast as fc
from analytics.store import engine as store_engine
from analytics.store import schema

START = dt.date(2023, 4, 1)
MONTHS = 29                      # 2023-04 … 2025-08
TRUE = {"kyotaku": (0.004, 0.09), "service": (0.002, 0.07)}
SATURATION = 0.9


def _offices():
    rows = []
    for pref, n_k, n_s in (("30", 400, 600), ("13", 200, 300)):
        for i in range(n_k + n_s):
            kind = "kyotaku" if i < n_k else "service"
            rows.append({"office_code": f"{pref}{i:07d}{'K' if kind == 'kyotaku' else 'S'}", "name": f"事業所{pref}-{i}",
                         "prefecture_code": pref, "municipality_code": f"{pref}2015", "municipality": "市",
                         "kind": kind})
    return pd.DataFrame(rows)


def build(engine, seed: int = 7) -> pd.DataFrame:
    """Load the synthetic data; returns the offices frame."""
    rng = np.random.default_rng(seed)
    offices = _offices()
    regs = []
    for (pref, kind), grp in offices.groupby(["prefecture_code", "kind"]):
        p, q = TRUE[kind]
        n = len(grp)
        target = np.round(fc.bass_counts(np.arange(1, MONTHS + 1), p, q, SATURATION * n)).astype(int)
        codes = rng.permutation(grp["office_code"].to_numpy())
        done = 0
        for i, k in enumerate(target):
            month = fc.add_months(START, i)
            for code in codes[done:k]:
                regs.append({"office_code": code, "registered_on": month + dt.timedelta(days=int(rng.integers(0, 28))),
                             "ended_on": None, "prefecture_code": pref})
            done = max(done, k)
    regs = pd.DataFrame(regs)
    registered = set(regs["office_code"])
    # one month of exchanges: each 和歌山 居宅 sends to 3 service offices
    month = dt.date(2025, 8, 1)
    k30 = offices[(offices["prefecture_code"] == "30") & (offices["kind"] == "kyotaku")]["office_code"].to_numpy()
    s30 = offices[(offices["prefecture_code"] == "30") & (offices["kind"] == "service")]["office_code"].to_numpy()
    ex = []
    for s in k30:
        for r in rng.choice(s30, 3, replace=False):
            both = s in registered and r in registered
            ex.append({"month": month, "sender_code": s, "receiver_code": r, "form": "plan",
                       "channel": "digital" if both and rng.random() < 0.7 else "fax",
                       "sheets": int(rng.integers(1, 20))})
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, offices)
        store_engine.bulk_insert(conn, schema.registrations, regs)
        store_engine.bulk_insert(conn, schema.exchanges, pd.DataFrame(ex))
        store_engine.set_meta(conn, "as_of", "2025-08-31")
    return offices
