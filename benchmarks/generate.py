"""Exchange logs of any size (1M, 10M, 100M sheet rows) for the benchmarks, vectorised with numpy.

The offices and registrations are the national demo master (``analytics.demo``, seed fixed), so every
事業所番号 is valid and known, and ``careplan ingest exchanges`` accepts every row. A row is one sheet
(``sheets`` = 1, sometimes 2–4 for an aggregated row) between a 居宅介護支援 office and a service office of
the same prefecture; plan / 第1表 … go from the 居宅介護支援 office, 実績 (actual) come back. Digital only
when both sides were registered that month.

Files: one per (month, group of prefectures), at most ``rows_per_file`` rows, so two files never share
a natural key (month, sender, receiver, form, channel) and each file is one import. CSV (what an office
or prefecture uploads) and, on request, Parquet (what pandas and partitioned-Parquet readers use).

    python -m benchmarks.generate 10M --out /tmp/careplan-bench [--parquet]
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import pathlib
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analytics import demo
from analytics.demo import activity

SEED = 20231005
FORMS = np.array(["plan", "actual", "sheet1", "sheet2", "sheet6", "sheet7"])
FORM_P = np.array([0.36, 0.36, 0.07, 0.07, 0.07, 0.07])
PAPER = np.array(["fax", "post", "hand", "email"])
PAPER_P = np.array([0.72, 0.10, 0.13, 0.05])
DIGITAL_WHEN_BOTH = 0.6
COLUMNS = ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]


def parse_size(text: str) -> int:
    """'1M' → 1_000_000, '100k' → 100_000, '2500000' → 2_500_000."""
    t = text.strip().upper().replace("_", "")
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "KMG" else t) * mult)


def size_label(n: int) -> str:
    return f"{n // 10**6}M" if n % 10**6 == 0 else (f"{n // 1000}k" if n % 1000 == 0 else str(n))


@dataclasses.dataclass
class Master:
    data: demo.DemoData
    codes: np.ndarray          # office codes (str)
    pref: np.ndarray           # prefecture number per office (int)
    kyo: np.ndarray            # indices of 居宅介護支援 offices
    svc_sorted: np.ndarray     # service offices sorted by prefecture
    svc_pref: np.ndarray       # their prefecture (sorted)
    reg_month: np.ndarray      # offices × months: registered in the month
    months: np.ndarray         # datetime64[D] first days


def master(seed: int = SEED) -> Master:
    data = demo.generate("national", seed, with_exchanges=False)
    offices = data.offices
    months = activity.exchange_months()
    codes = offices["office_code"].to_numpy().astype(str)
    pref = offices["prefecture_code"].to_numpy().astype(str).astype(np.int64)
    kind = offices["kind"].to_numpy()
    kyo = np.flatnonzero(kind == "kyotaku")
    svc = np.flatnonzero(kind == "service")
    svc_sorted = svc[np.argsort(pref[svc], kind="stable")]
    reg = activity.registered_in_month(offices, data.registrations, months)
    return Master(data, codes, pref, kyo, svc_sorted, pref[svc_sorted], reg, months)


def busiest_office(m: Master) -> str:
    """The 居宅介護支援 office with the most rows (largest fixed weight): the office-view benchmark's subject."""
    w = np.random.default_rng(SEED).lognormal(0, 0.6, len(m.pref))[m.kyo]
    return str(m.codes[m.kyo[int(np.argmax(w))]])


def _groups(n_rows_month: int, rows_per_file: int) -> list[np.ndarray]:
    """Prefecture numbers (1..47) split into groups so that each group's month is ≤ rows_per_file rows."""
    g = max(1, math.ceil(n_rows_month / rows_per_file))
    return [a for a in np.array_split(np.arange(1, 48), g) if len(a)]


def chunk(m: Master, rng: np.random.Generator, month_i: int, prefs: np.ndarray, n: int) -> pa.Table:
    """n rows of one month whose pairs lie in the given prefectures."""
    kyo = m.kyo[np.isin(m.pref[m.kyo], prefs)]
    # busy and quiet offices: a fixed lognormal weight per office (same draw for every chunk)
    w = np.random.default_rng(SEED).lognormal(0, 0.6, len(m.pref))[kyo]
    k = kyo[rng.choice(len(kyo), n, p=w / w.sum())]
    kp = m.pref[k]
    start = np.searchsorted(m.svc_pref, kp, side="left")
    size = np.searchsorted(m.svc_pref, kp, side="right") - start
    s = m.svc_sorted[start + np.floor(rng.random(n) * size).astype(np.int64)]
    form = rng.choice(len(FORMS), n, p=FORM_P)
    actual = form == 1
    sender = np.where(actual, s, k)
    receiver = np.where(actual, k, s)
    both = m.reg_month[k, month_i] & m.reg_month[s, month_i]
    digital = both & (rng.random(n) < DIGITAL_WHEN_BOTH)
    paper = rng.choice(len(PAPER), n, p=PAPER_P)
    channel = np.where(digital, len(PAPER), paper)
    sheets = np.where(rng.random(n) < 0.9, 1, rng.integers(2, 5, n)).astype(np.int64)
    order = np.lexsort((receiver, sender))          # a log sorted by sender, as systems export it
    month_txt = str(m.months[month_i])[:7]
    channels = np.append(PAPER, "digital")
    code_dict = pa.array(m.codes)
    return pa.table({
        "month": pa.array(np.full(n, month_txt)),
        "sender_code": pa.DictionaryArray.from_arrays(pa.array(sender[order].astype(np.int32)), code_dict)
        .cast(pa.string()),
        "receiver_code": pa.DictionaryArray.from_arrays(pa.array(receiver[order].astype(np.int32)), code_dict)
        .cast(pa.string()),
        "form": pa.array(FORMS[form[order]]),
        "channel": pa.array(channels[channel[order]]),
        "sheets": pa.array(sheets[order]),
    })


def generate(n_rows: int, out: pathlib.Path, *, rows_per_file: int = 1_000_000, parquet: bool = False,
             csv: bool = True, seed: int = SEED, m: Master | None = None, log=print) -> dict:
    """Write the log of n_rows rows under ``out``; returns {'csv': [...], 'parquet': [...], 'rows': n}.

    An existing complete set (same size, marker file) is reused."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / f"DONE-{n_rows}-{int(csv)}{int(parquet)}"
    if marker.exists() or (out / f"DONE-{n_rows}-11").exists():   # a set with both formats serves any request
        return {"csv": sorted(map(str, out.glob("*.csv"))), "parquet": sorted(map(str, out.glob("*.parquet"))),
                "rows": n_rows}
    for old in list(out.glob("*.csv")) + list(out.glob("*.parquet")) + list(out.glob("DONE-*")):
        old.unlink()
    m = m or master(seed)
    rng = np.random.default_rng([seed, n_rows])
    n_months = len(m.months)
    per_month = np.full(n_months, n_rows // n_months)
    per_month[: n_rows % n_months] += 1
    # prefecture weight by 居宅介護支援 offices, so a group's share of the month follows its size
    weight = np.bincount(m.pref[m.kyo], minlength=48).astype(float)
    files: dict[str, list[str]] = {"csv": [], "parquet": []}
    t0 = time.perf_counter()
    opts = pacsv.WriteOptions(include_header=True, quoting_style="none")
    for mi in range(n_months):
        groups = _groups(int(per_month[mi]), rows_per_file)
        share = np.array([weight[g].sum() for g in groups])
        counts = np.floor(per_month[mi] * share / share.sum()).astype(np.int64)
        counts[0] += per_month[mi] - counts.sum()
        for gi, (prefs, cnt) in enumerate(zip(groups, counts)):
            table = chunk(m, rng, mi, prefs, int(cnt))
            stem = f"exchanges-{str(m.months[mi])[:7]}-g{gi:02d}"
            if csv:
                p = out / f"{stem}.csv"
                pacsv.write_csv(table, p, opts)
                files["csv"].append(str(p))
            if parquet:
                p = out / f"{stem}.parquet"
                pq.write_table(table, p, compression="zstd")
                files["parquet"].append(str(p))
        log(f"  generated {str(m.months[mi])[:7]} ({per_month[:mi + 1].sum():,} rows, "
            f"{time.perf_counter() - t0:.1f} s)")
    marker.write_text("ok")
    files["rows"] = n_rows
    return files


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("size", help="rows, e.g. 1M, 10M, 100M")
    ap.add_argument("--out", default="/tmp/careplan-bench")
    ap.add_argument("--rows-per-file", type=parse_size, default=1_000_000)
    ap.add_argument("--parquet", action="store_true", help="also write Parquet")
    args = ap.parse_args(argv)
    n = parse_size(args.size)
    got = generate(n, pathlib.Path(args.out) / f"exchanges-{size_label(n)}", rows_per_file=args.rows_per_file,
                   parquet=args.parquet)
    print(f"{n:,} rows in {len(got['csv'])} CSV and {len(got['parquet'])} Parquet files")


if __name__ == "__main__":
    main()
