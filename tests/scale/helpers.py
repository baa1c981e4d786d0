"""Small deterministic data for the scale tests: the tiny demo (1/200) and exchange files cut from it."""
from __future__ import annotations

import dataclasses
import pathlib

import numpy as np
import pandas as pd

from analytics import demo

SEED = 11


@dataclasses.dataclass
class Tiny:
    data: demo.DemoData

    @property
    def exchanges(self) -> pd.DataFrame:
        return self.data.exchanges

    def master_only(self) -> demo.DemoData:
        empty = self.data.exchanges.iloc[0:0]
        return dataclasses.replace(self.data, exchanges=empty)


def tiny() -> Tiny:
    return Tiny(demo.generate("tiny", SEED))


def oracle_monthly(data: demo.DemoData, exchanges: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pre-aggregate computed in pandas straight from the frames (DESIGN §3 definitions):
    month × sender's prefecture × municipality × form × channel × registration flags → sheets, rows."""
    ex = (data.exchanges if exchanges is None else exchanges).copy()
    ex["month"] = pd.to_datetime(ex["month"]).dt.date
    regs = data.registrations
    months = sorted(ex["month"].unique())
    registered = set()
    for m in months:
        first = pd.Timestamp(m)
        nxt = first + pd.offsets.MonthBegin(1)
        ok = (pd.to_datetime(regs["registered_on"]) < nxt) & (
            regs["ended_on"].isna() | (pd.to_datetime(regs["ended_on"]) > first))
        registered |= {(m, c) for c in regs.loc[ok, "office_code"]}
    ex["sender_registered"] = [int((m, s) in registered) for m, s in zip(ex["month"], ex["sender_code"])]
    ex["receiver_registered"] = [int((m, r) in registered) for m, r in zip(ex["month"], ex["receiver_code"])]
    offices = data.offices.set_index("office_code")
    ex["prefecture_code"] = ex["sender_code"].map(offices["prefecture_code"]).fillna(ex["sender_code"].str[:2])
    ex["municipality_code"] = ex["sender_code"].map(offices["municipality_code"])
    keys = ["month", "prefecture_code", "municipality_code", "form", "channel", "sender_registered",
            "receiver_registered"]
    out = (ex.groupby(keys, dropna=False).agg(sheets=("sheets", "sum"), n_rows=("sheets", "size")).reset_index())
    return out.sort_values(keys).reset_index(drop=True)


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """A pre-aggregate read back from the database, summed per key (the table may hold several deltas)."""
    keys = ["month", "prefecture_code", "municipality_code", "form", "channel", "sender_registered",
            "receiver_registered"]
    df = df.copy()
    df["month"] = pd.to_datetime(df["month"]).dt.date
    for c in ("sender_registered", "receiver_registered", "sheets", "n_rows"):
        df[c] = df[c].astype("int64")
    df["municipality_code"] = df["municipality_code"].astype(object).where(df["municipality_code"].notna(), None)
    out = df.groupby(keys, dropna=False)[["sheets", "n_rows"]].sum().reset_index()
    return out.sort_values(keys).reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: pathlib.Path) -> pathlib.Path:
    out = frame.copy()
    out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    out[["month", "sender_code", "receiver_code", "form", "channel", "sheets"]].to_csv(path, index=False)
    return path


def split_files(exchanges: pd.DataFrame, folder: pathlib.Path, parts: int = 4, shared: int = 300,
                seed: int = 3) -> list[pathlib.Path]:
    """Exchange CSVs cut by sender: file i holds the senders with hash % parts == i; file 2 also repeats
    ``shared`` rows of file 0 exactly (duplicates whose outcome must not depend on import order)."""
    codes = exchanges["sender_code"].to_numpy()
    bucket = pd.util.hash_array(codes.astype(object)) % parts
    frames = [exchanges[bucket == i] for i in range(parts)]
    rng = np.random.default_rng(seed)
    if parts >= 3 and shared:
        pick = rng.choice(len(frames[0]), min(shared, len(frames[0])), replace=False)
        frames[2] = pd.concat([frames[2], frames[0].iloc[pick]], ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_csv(f, folder / f"part{i}.csv") for i, f in enumerate(frames)]


def index_exists(conn, name: str) -> bool:
    """Whether the database has the named index (DuckDB's catalogue or PostgreSQL's pg_indexes)."""
    import sqlalchemy as sa
    if conn.dialect.name == "duckdb":
        sql = "SELECT count(*) FROM duckdb_indexes() WHERE index_name = :n"
    else:
        sql = "SELECT count(*) FROM pg_indexes WHERE indexname = :n"
    return conn.execute(sa.text(sql), {"n": name}).scalar() == 1
