"""The dashboard queries the benchmark times: the app's functions, and a pandas equivalent of each.

Each entry: (name, page, what, app call). The app call is what the page runs (SQLAlchemy Core through
``analytics.store``). The raw-DuckDB / raw-PostgreSQL side replays the exact statements the app function
sends when reading the raw ``exchanges`` table (captured with the pre-aggregate switched off); the pandas
side is an idiomatic vectorised equivalent on the same rows held in memory as integer codes.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

LAST = dt.date(2025, 8, 1)           # the latest month of the generated logs (demo as-of 2025-08-31)
PREF = "13"                           # 東京都: the biggest prefecture, for the per-prefecture office lists
PREF_SMALL = "30"                     # 和歌山県


def app_queries(office_code: str):
    from analytics.store import queries_adoption as qa
    from analytics.store import queries_channels as qc
    from analytics.store import queries_savings as qs
    from analytics.store import queries_targets as qt
    return [
        ("channels_pref_month", "channels", "digital share and missed digital by prefecture × month (heatmap)",
         lambda e: qc.channel_summary(e, ("prefecture_code", "month"))),
        ("channels_mix", "channels", "sheets by month × channel, nation",
         lambda e: qc.channel_mix(e)),
        ("channels_by_form", "channels", f"by form, prefecture {PREF_SMALL}, latest month",
         lambda e: qc.channel_summary(e, ("form",), prefecture=PREF_SMALL, month_from=LAST, month_to=LAST)),
        ("savings_pref", "savings", "realised/potential hours and yen by prefecture, latest month",
         lambda e: qs.savings(e, "prefecture", month_from=LAST, month_to=LAST)),
        ("home_digital_share", "home", "national digital share of the latest month",
         lambda e: qa.digital_share(e)),
        ("missed_pairs", "channels", f"office pairs both registered still on paper, prefecture {PREF}",
         lambda e: qc.missed_pairs(e, prefecture=PREF, month_from=LAST, month_to=LAST)),
        ("targets", "targets", f"unregistered offices ranked by unlockable sheets, prefecture {PREF}",
         lambda e: qt.unlockable(e, prefecture=PREF, window=1)),
        ("office_monthly", "office", "one office's sheets by month and direction",
         lambda e: qc.office_monthly(e, office_code)),
    ]


# ---------------------------------------------------------------- pandas side

class PandasData:
    """Exchanges as integer codes (month index, office index, form, channel, sheets) + the master."""

    def __init__(self, parquet_files: list[str], master):
        import pyarrow.parquet as pq
        self.codes = master.codes
        self.index = pd.Index(master.codes)
        self.pref = master.pref.astype(np.int16)
        self.months = [pd.Timestamp(m).date() for m in master.months]
        muni = master.data.offices["municipality_code"].astype(str).to_numpy()
        self.muni = muni
        self.regs = master.data.registrations
        self.forms = np.array(["plan", "actual", "sheet1", "sheet2", "sheet6", "sheet7"])
        self.channels = np.array(["fax", "post", "hand", "email", "digital"])
        parts = {k: [] for k in ("m", "s", "r", "f", "c", "n")}
        month_pos = {str(m)[:7]: i for i, m in enumerate(master.months)}
        for path in parquet_files:
            t = pq.read_table(path).to_pandas()
            parts["m"].append(t["month"].map(month_pos).to_numpy(np.int8))
            parts["s"].append(self.index.get_indexer(t["sender_code"]).astype(np.int32))
            parts["r"].append(self.index.get_indexer(t["receiver_code"]).astype(np.int32))
            parts["f"].append(pd.Index(self.forms).get_indexer(t["form"]).astype(np.int8))
            parts["c"].append(pd.Index(self.channels).get_indexer(t["channel"]).astype(np.int8))
            parts["n"].append(t["sheets"].to_numpy(np.int32))
        self.df = pd.DataFrame({
            "month": np.concatenate(parts["m"]), "sender": np.concatenate(parts["s"]),
            "receiver": np.concatenate(parts["r"]), "form": np.concatenate(parts["f"]),
            "channel": np.concatenate(parts["c"]), "sheets": np.concatenate(parts["n"])})

    def reg_matrix(self) -> np.ndarray:
        """offices × months: registered in the month (DESIGN §3), from the registrations frame."""
        regs = self.regs
        i = self.index.get_indexer(regs["office_code"])
        ok = i >= 0
        first = np.array(self.months, dtype="datetime64[D]")
        last = (first.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        on = regs["registered_on"].to_numpy().astype("datetime64[D]")[ok]
        end = regs["ended_on"].to_numpy().astype("datetime64[D]")[ok]
        m = (on[:, None] <= last[None, :]) & (np.isnat(end)[:, None] | (end[:, None] > first[None, :]))
        out = np.zeros((len(self.codes), len(first)), dtype=bool)
        np.logical_or.at(out, i[ok], m)
        return out

    def flagged(self, mask=None) -> pd.DataFrame:
        d = self.df if mask is None else self.df[mask]
        reg = self.reg_matrix()
        s, r, m = d["sender"].to_numpy(), d["receiver"].to_numpy(), d["month"].to_numpy()
        return d.assign(sreg=reg[s, m], rreg=reg[r, m], pref=self.pref[s])

    def last_month(self) -> int:
        return self.months.index(LAST)


def _measures(f: pd.DataFrame) -> pd.DataFrame:
    digital = f["channel"] == 4
    return f.assign(digital=f["sheets"].where(digital, 0),
                    missed=f["sheets"].where(~digital & f["sreg"] & f["rreg"], 0))


def pandas_queries(office_code: str):
    def pref_month(p: PandasData):
        f = _measures(p.flagged())
        g = f.groupby(["pref", "month"])[["sheets", "digital", "missed"]].sum().reset_index()
        g["digital_share"] = g["digital"] / g["sheets"]
        return g

    def mix(p: PandasData):
        return p.df.groupby(["month", "channel"])["sheets"].sum().reset_index()

    def by_form(p: PandasData):
        d = p.df
        mask = (d["month"] == p.last_month()) & (p.pref[d["sender"].to_numpy()] == int(PREF_SMALL))
        f = _measures(p.flagged(mask))
        return f.groupby("form")[["sheets", "digital", "missed"]].sum().reset_index()

    def savings(p: PandasData):
        from analytics.domain.effects import vector_effect
        f = _measures(p.flagged(p.df["month"] == p.last_month()))
        g = f.groupby("pref")[["sheets", "digital"]].sum().reset_index()
        s = g["sheets"].to_numpy(float)
        real = vector_effect(s, g["digital"].to_numpy(float))
        pot = vector_effect(s, s)
        return g.assign(realised_yen=real["yen_saved"].to_numpy(), potential_yen=pot["yen_saved"].to_numpy())

    def digital_share(p: PandasData):
        d = p.df[p.df["month"] == p.last_month()]
        sheets = d["sheets"].sum()
        digital = d["sheets"].where(d["channel"] == 4, 0).sum()
        return pd.DataFrame({"sheets": [sheets], "digital_sheets": [digital], "digital_share": [digital / sheets]})

    def missed_pairs(p: PandasData):
        d = p.df
        mask = (d["month"] == p.last_month()) & (p.pref[d["sender"].to_numpy()] == int(PREF))
        f = p.flagged(mask)
        f = f[(f["channel"] != 4) & f["sreg"] & f["rreg"]]
        g = (f.groupby(["sender", "receiver"]).agg(missed=("sheets", "sum"), months=("month", "nunique"))
             .reset_index().sort_values(["missed", "sender", "receiver"], ascending=[False, True, True]).head(200))
        g["sender_code"] = p.codes[g["sender"]]
        g["receiver_code"] = p.codes[g["receiver"]]
        return g

    def targets(p: PandasData):
        last = p.last_month()
        f = p.flagged(p.df["month"] == last)
        f = f[(f["channel"] != 4) & (f["sreg"] != f["rreg"])]
        target = np.where(~f["sreg"], f["sender"], f["receiver"])
        partner = np.where(~f["sreg"], f["receiver"], f["sender"])
        g = (pd.DataFrame({"target": target, "partner": partner, "sheets": f["sheets"].to_numpy()})
             .groupby("target").agg(sheets=("sheets", "sum"), partners=("partner", "nunique")).reset_index())
        reg = p.reg_matrix()
        g = g[~reg[g["target"].to_numpy(), last] & (p.pref[g["target"].to_numpy()] == int(PREF))]
        g["office_code"] = p.codes[g["target"]]
        return g.sort_values(["sheets", "partners", "office_code"], ascending=[False, False, True])

    def office_monthly(p: PandasData):
        i = int(p.index.get_loc(office_code))
        d = p.df
        f = _measures(p.flagged((d["sender"] == i) | (d["receiver"] == i)))
        f["direction"] = np.where(f["sender"] == i, "sent", "received")
        return f.groupby(["month", "direction"])[["sheets", "digital", "missed"]].sum().reset_index()

    return {"channels_pref_month": pref_month, "channels_mix": mix, "channels_by_form": by_form,
            "savings_pref": savings, "home_digital_share": digital_share, "missed_pairs": missed_pairs,
            "targets": targets, "office_monthly": office_monthly}
