"""``python -m benchmarks.timings``: the times the tests check only by value (tests assert no times).

- demo: ``analytics.demo.build`` at the small scale on a new DuckDB file (measured ≈1–2 s on 2 cores;
  tests/demo/test_demo.py::test_small_scale_sizes checks its sizes);
- sign-in: the fastest of ``--repeat`` refusals of a wrong password, an unknown user and a disabled user
  (each should take about as long as a wrong password: without the dummy verification an unknown name was
  answered ~30 times faster, 4 ms vs 130 ms; tests/security/test_review_signin.py checks that the same
  argon2 verification runs).

Prints one line per figure and, with ``--json PATH``, writes them as JSON.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import tempfile
import time


def demo_build_seconds(folder: pathlib.Path) -> float:
    from analytics import demo
    from analytics.store import engine as store_engine
    url = f"duckdb:///{folder / 'demo.duckdb'}"
    started = time.perf_counter()
    demo.build(url, "small", 20231005)
    took = time.perf_counter() - started
    store_engine.dispose(url)
    return took


def signin_refusal_seconds(folder: pathlib.Path, repeat: int) -> dict[str, float]:
    from analytics import auth
    from analytics.store import engine as store_engine
    url = f"duckdb:///{folder / 'users.duckdb'}"
    engine = store_engine.get_engine(url)
    password = "長寿社会課のパスワード"
    auth.create_user(engine, "wakayama", password, "prefecture", "30")
    auth.create_user(engine, "gone", password, "prefecture", "13")
    auth.set_disabled(engine, "gone", True, by="admin")

    def fastest(username: str, attempt: str) -> float:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                auth.authenticate(engine, username, attempt)
            except auth.AuthError:
                pass
            else:
                raise SystemExit(f"{username} signed in: the benchmark expects a refusal")
            best = min(best, time.perf_counter() - started)
        return best

    fastest("nobody", "x" * 12)  # first use builds the comparison hash
    out = {"wrong_password": fastest("wakayama", "違うパスワードです!!"),
           "unknown_user": fastest("nobody", "違うパスワードです!!"),
           "disabled_user": fastest("gone", password)}
    store_engine.dispose(url)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="sign-in refusals per case (the fastest counts)")
    parser.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="careplan-timings-") as tmp:
        folder = pathlib.Path(tmp)
        results = {"demo_small_build_s": demo_build_seconds(folder)}
        signin = signin_refusal_seconds(folder, args.repeat)
    results.update({f"signin_{k}_s": v for k, v in signin.items()})
    results["signin_unknown_vs_wrong"] = signin["unknown_user"] / signin["wrong_password"]
    results["signin_disabled_vs_wrong"] = signin["disabled_user"] / signin["wrong_password"]
    for key, value in results.items():
        print(f"{key}: {value:.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
