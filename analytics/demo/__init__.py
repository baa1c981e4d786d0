"""`careplan demo`: a deterministic, fictitious demo database calibrated to public figures.

``generate(scale, seed)`` is pure (numpy Generator seeded with ``seed``) and returns the frames;
``load(url, data)`` replaces the database's content with them in one go (DuckDB file: built beside the
target and moved over it atomically; other backends: one transaction). Calibration (domain-facts §2–§3,
weights in :mod:`analytics.demo.params`):

- every prefecture; ≈287,000 offices nationally (40,118 居宅介護支援), valid 事業所番号 and 地方公共団体コード;
- registrations: 8,100 on 2023-10-05 (和歌山県 71), 28,191 at the end of August 2025, steps in 2024-04 and
  after the 2025-06-01 free pass; model areas 御坊・日高 35 %, 都城市 36.2 %, 米子市 40 %;
- ``small`` is a 1/20 sample: every count (offices, registrations, 和歌山県's 71) × 1/20, recorded in
  dataset_meta ``demo_scale`` / ``demo_sample_fraction`` so the app can say the figures are sampled.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd

from analytics.demo import activity, master
from analytics.demo import params as P

__all__ = ["DemoData", "generate", "load", "build", "frame_hash"]


@dataclasses.dataclass
class DemoData:
    scale: str
    seed: int
    fraction: float
    offices: pd.DataFrame
    office_services: pd.DataFrame
    registrations: pd.DataFrame
    profiles: pd.DataFrame
    exchanges: pd.DataFrame
    municipalities: pd.DataFrame

    def params(self) -> dict:
        return {"scale": self.scale, "seed": self.seed, "fraction": self.fraction,
                "as_of": P.AS_OF.isoformat(), "generator": "analytics.demo v1"}

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.params(), sort_keys=True).encode()).hexdigest()

    def meta(self) -> dict[str, str]:
        return {
            "demo_scale": "national" if self.fraction == 1.0 else "small",
            "demo_sample_fraction": repr(self.fraction),
            "as_of": P.AS_OF.isoformat(),
            "generated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "seed": str(self.seed),
            "source": P.SOURCE,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"offices": self.offices, "office_services": self.office_services,
                "registrations": self.registrations, "profiles": self.profiles, "exchanges": self.exchanges}


def scale_fraction(scale: str, fraction: float | None = None) -> float:
    if fraction is not None:
        return float(fraction)
    if scale not in P.SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {sorted(P.SCALES)}")
    return P.SCALES[scale]


def generate(scale: str = "small", seed: int = 20231005, *, fraction: float | None = None,
             with_exchanges: bool = True) -> DemoData:
    """All demo frames for a scale ('national', 'small', 'tiny' for tests) or an explicit fraction."""
    frac = scale_fraction(scale, fraction)
    # independent streams per part: changing one part's draws does not shift the others
    root = np.random.SeedSequence(seed)
    r_muni, r_off, r_reg, r_prof, r_exch = (np.random.default_rng(s) for s in root.spawn(5))
    munis = master.municipalities(r_muni)
    offices, services = master.offices(r_off, munis, frac)
    regs = activity.registrations(r_reg, offices, munis, frac)
    months = activity.exchange_months()
    prof = activity.profiles(r_prof, offices, months)
    if with_exchanges:
        reg_month = activity.registered_in_month(offices, regs, months)
        exch = activity.exchanges(r_exch, offices, prof, reg_month, months)
    else:
        exch = pd.DataFrame(columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets"])
    prof.attrs.clear()
    public = offices[["office_code", "name", "prefecture_code", "municipality_code", "municipality", "lat",
                      "lon", "kind"]].copy()
    return DemoData(scale=scale, seed=seed, fraction=frac, offices=public, office_services=services,
                    registrations=regs, profiles=prof, exchanges=exch, municipalities=munis)


def frame_hash(frame: pd.DataFrame) -> str:
    """Stable content hash of a frame (for determinism tests)."""
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(values.tobytes() + ",".join(frame.columns).encode()).hexdigest()


def load(url: str | None, data: DemoData) -> dict[str, int]:
    from analytics.demo.loader import load as _load
    return _load(url, data)


def build(url: str | None = None, scale: str = "small", seed: int = 20231005, *,
          fraction: float | None = None) -> dict[str, int]:
    """Generate and load; returns row counts per table."""
    return load(url, generate(scale, seed, fraction=fraction))
