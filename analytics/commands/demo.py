"""`careplan demo [--scale small|national] [--seed N]`: build the deterministic demo database."""
from __future__ import annotations

import os
import sys
import time

from analytics.commands.output import t
from analytics.errors import UserError
from analytics.store import engine as store_engine


def run(args) -> int:
    from analytics import demo
    from analytics.demo import loader

    url = store_engine.resolve_url(getattr(args, "db", None))
    scale = getattr(args, "scale", "small") or "small"
    seed = getattr(args, "seed", 20231005)
    # hidden knob for tests and benchmarks: CAREPLAN_DEMO_FRACTION overrides the scale's sample fraction
    fraction = getattr(args, "fraction", None) or os.environ.get("CAREPLAN_DEMO_FRACTION") or None
    try:
        fraction = float(fraction) if fraction is not None else None
    except ValueError:
        raise UserError("msg.demo_fraction") from None
    if fraction is not None and not 0 < fraction <= 1:
        raise UserError("msg.demo_fraction")
    try:
        if loader.non_demo_batches(url):
            raise UserError("msg.demo_over_imported")
    except (UserError, store_engine.UnusableDatabase):  # the latter names what to fix (e.g. a privilege)
        raise
    except Exception as exc:  # cannot connect: say which URL to fix
        shown = store_engine.show_url(url)  # the password masked
        raise UserError("msg.demo_cannot_connect", url=f"{shown}, {type(exc).__name__}") from None
    started = time.perf_counter()
    counts = demo.build(url, scale, seed, fraction=fraction)
    took = time.perf_counter() - started
    summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(t("msg.demo_built", scale=scale, seed=seed, seconds=f"{took:.1f}", summary=summary), file=sys.stderr)
    if not getattr(args, "no_users", False):
        from analytics.demo import users
        made = users.add(store_engine.get_engine(url))
        names = ", ".join(name for name, _role, _area in made)
        print(t("msg.demo_users", password=users.PASSWORD, names=names), file=sys.stderr)
    return 0
