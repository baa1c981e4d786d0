"""``make fuzz [N=200] [TIMEOUT=20]`` / ``python -m benchmarks.fuzz``: the long adversarial run (issue 24, 6).

    python -m benchmarks.fuzz [-n 200] [--kinds offices,cpds] [--seed 0] [--timeout 20] [--small]
                              [--out benchmarks/out/fuzz]
    python -m benchmarks.fuzz --kind cpds --seed 17 [--small] --write DIR   # one case, to reproduce it

Generates N bad files per kind (``benchmarks.badfiles``: seeds ``--seed`` … ``--seed + N - 1``, full sizes:
2–12 MB cells, a 24 MB bomb; ``--small`` uses the suite's sizes) and imports each into a throwaway DuckDB
database in a worker process, one file at a time with a time limit (``--timeout`` seconds, the import alone):
a file that takes longer is a hang, the worker is killed and a new one started. A crash is an exception
other than a refusal leaving ``ingest_files`` (its type, where, and the seed that reproduces it) or a worker
that died; a violation is an import that returned but broke an invariant (``badfiles.invariants``).
Prints a table (kind, files, loaded, refused, crashes, violations, hangs, slowest file and its time) and the
crashes, violations and hangs grouped by kind and type, writes ``results.md`` and ``results.json`` under
``--out``, and exits 1 on any crash, violation or hang.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import selectors
import subprocess
import sys
import tempfile
import time

from benchmarks import badfiles

ROOT = pathlib.Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the worker (a child process)

def worker(small: bool) -> int:
    """Read ``kind seed`` lines from stdin; answer one JSON line each (the outcome of importing it)."""
    from analytics.store import engine as store_engine
    config = badfiles.SUITE if small else badfiles.LONG
    with tempfile.TemporaryDirectory(prefix="careplan-fuzz-") as tmp:
        engine = store_engine.get_engine(f"duckdb:///{tmp}/fuzz.duckdb")
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            kind, seed = line.split()
            case = badfiles.case(kind, int(seed), config)
            print(json.dumps({"started": True, "mutation": case.mutation, "size": case.size}), flush=True)
            out = badfiles.ingest_case(engine, case, tmp)
            print(json.dumps({"status": out.status, "seconds": out.seconds, "detail": out.detail,
                              "where": out.where, "message": out.message, "trace": out.trace,
                              "mutation": case.mutation, "seed_file": case.seed_file, "name": case.name,
                              "size": case.size}, ensure_ascii=False), flush=True)
    return 0


class Worker:
    """A worker process and a line reader on its stdout with a time limit."""

    def __init__(self, small: bool):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.fuzz", "--worker"] + (["--small"] * small),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                                     bufsize=1)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        if self.read(120) is None:
            raise RuntimeError("the fuzz worker did not start")

    def read(self, timeout: float) -> dict | None:
        """The next JSON line, or None when none came within ``timeout`` seconds or the worker died."""
        if not self.sel.select(timeout):
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def send(self, kind: str, seed: int) -> None:
        self.proc.stdin.write(f"{kind} {seed}\n")
        self.proc.stdin.flush()

    def kill(self) -> int | None:
        self.proc.kill()  # only this worker, which this run started
        self.proc.wait()
        self.sel.close()
        return self.proc.returncode

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sel.close()


# ---------------------------------------------------------------- the run

def run(kinds: list[str], n: int, base: int, timeout: float, small: bool, progress=print) -> list[dict]:
    results = []
    w = Worker(small)
    try:
        for kind in kinds:
            for seed in range(base, base + n):
                try:
                    w.send(kind, seed)
                except BrokenPipeError:
                    w.kill()
                    w = Worker(small)
                    w.send(kind, seed)
                started = w.read(120)  # generating a 12 MB file is not the import's time
                out = w.read(timeout) if started else None
                if out is None:
                    alive = w.proc.poll() is None
                    code = w.kill()
                    out = {"status": "hang" if alive else "crash", "seconds": timeout if alive else 0.0,
                           "detail": "no answer within the time limit" if alive else f"worker died (exit {code})",
                           "mutation": (started or {}).get("mutation", badfiles.mutation_of(kind, seed)),
                           "size": (started or {}).get("size", 0), "where": "", "message": "", "trace": ""}
                    w = Worker(small)
                out.update(kind=kind, seed=seed)
                results.append(out)
                if out["status"] not in ("loaded", "refused"):
                    progress(f"  {kind} seed {seed} ({out['mutation']}): {out['status']} {out['detail']} "
                             f"{out.get('where', '')}")
            progress(f"{kind}: {n} files done")
    finally:
        w.close()
    return results


def table(results: list[dict], kinds: list[str], small: bool) -> str:
    lines = ["| kind | files | loaded | refused | crashes | violations | hangs | slowest file (seed, mutation) | time s |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for kind in kinds:
        rs = [r for r in results if r["kind"] == kind]
        if not rs:
            continue
        c = collections.Counter(r["status"] for r in rs)
        slow = max(rs, key=lambda r: r["seconds"])
        lines.append(f"| {kind} | {len(rs)} | {c['loaded']} | {c['refused']} | {c['crash']} | {c['violation']} | "
                     f"{c['hang']} | seed {slow['seed']}, {slow['mutation']} | {slow['seconds']:.2f} |")
    bad = [r for r in results if r["status"] not in ("loaded", "refused")]
    if bad:
        lines += ["", "| kind | status | type / problem | where | files | seeds (first 5) | mutations |",
                  "|---|---|---|---|---:|---|---|"]
        groups = collections.defaultdict(list)
        for r in bad:
            groups[(r["kind"], r["status"], r["detail"] if r["status"] != "violation" else r["detail"][:80],
                    r.get("where", ""))].append(r)
        for (kind, status, detail, where), rs in sorted(groups.items(), key=lambda g: (g[0][0], -len(g[1]))):
            mutations = ", ".join(sorted({r["mutation"] for r in rs}))
            seeds = ", ".join(str(r["seed"]) for r in rs[:5])
            lines.append(f"| {kind} | {status} | {detail} | {where} | {len(rs)} | {seeds} | {mutations} |")
        r = bad[0]
        lines += ["", f"Reproduce one: `python -m benchmarks.fuzz --kind {r['kind']} --seed {r['seed']}"
                      f"{' --small' if small else ''} --write /tmp/fuzzcase` and import the file it names with "
                      f"`careplan ingest {r['kind']} …`."]
    return "\n".join(lines)


def write_case(kind: str, seed: int, small: bool, folder: pathlib.Path) -> pathlib.Path:
    case = badfiles.case(kind, seed, badfiles.SUITE if small else badfiles.LONG)
    folder.mkdir(parents=True, exist_ok=True)
    if case.folder is None:
        path = folder / case.name.replace("/", "_")
        path.write_bytes(case.data)
    else:
        path = badfiles.inputs_of(case, folder)[0]
    print(f"{kind} seed {seed}: {case.mutation} of {case.seed_file} → {path} ({case.size:,} bytes)")
    print(f"careplan ingest {kind} '{path}'")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="files per kind (default 200)")
    ap.add_argument("--kinds", default=",".join(badfiles.KINDS))
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per import before it is a hang")
    ap.add_argument("--small", action="store_true", help="the suite's sizes (KB cells, a 3 MB bomb)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "fuzz"))
    ap.add_argument("--kind", help="with --write: the kind of the one case to write")
    ap.add_argument("--write", metavar="DIR", help="write the case --kind/--seed to DIR and exit")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.small)
    if args.write:
        write_case(args.kind or ap.error("--write needs --kind"), args.seed, args.small, pathlib.Path(args.write))
        return 0
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(badfiles.KINDS)
    if unknown:
        ap.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    start = time.time()
    results = run(kinds, args.n, args.seed, args.timeout, args.small)
    text = (f"N = {args.n} per kind, seeds {args.seed}–{args.seed + args.n - 1}, "
            f"{'suite' if args.small else 'full'} sizes, time limit {args.timeout:g} s, "
            f"{time.time() - start:,.0f} s in all\n\n" + table(results, kinds, args.small))
    print("\n" + text)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text + "\n", encoding="utf-8")
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if any(r["status"] not in ("loaded", "refused") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
