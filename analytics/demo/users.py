"""One demo user per role in the demo database built by ``careplan demo`` (and ``make run``), so that a new
user can sign in as a 和歌山県 official, a 居宅介護支援事業所 or a viewer and see what each of them sees.

They exist only in a demo database (``careplan demo`` refuses a database holding imported data), share one
published password and are listed on the sign-in page of a demo database and in the README.
"""
from __future__ import annotations

import sqlalchemy as sa

from analytics import auth
from analytics.store import schema

PASSWORD = "careplan-demo"
PREFECTURE = "30"  # 和歌山県: the model prefecture of the source slides


def _office(conn) -> str | None:
    """The first registered 居宅介護支援 in 和歌山県 (the demo's data decides which; deterministic per seed)."""
    o, r = schema.offices, schema.registrations
    return conn.execute(
        sa.select(sa.func.min(o.c.office_code))
        .where(o.c.prefecture_code == PREFECTURE, o.c.kind == "kyotaku",
               o.c.office_code.in_(sa.select(r.c.office_code)))).scalar()


def accounts(office_code: str | None) -> list[tuple[str, str, str | None]]:
    """(user name, role, scope) of the demo users."""
    rows = [("demo-admin", "admin", None), ("demo-wakayama", "prefecture", PREFECTURE)]
    if office_code:
        rows.append(("demo-office", "office", office_code))
    rows.append(("demo-viewer", "viewer", None))
    return rows


def add(engine) -> list[tuple[str, str, str | None]]:
    """Create the demo users (replacing ones of the same name); returns them."""
    with engine.connect() as conn:
        made = accounts(_office(conn))
    with engine.begin() as conn:
        conn.execute(schema.users.delete().where(schema.users.c.username.in_([m[0] for m in made])))
    for name, role, area in made:
        auth.create_user(engine, name, PASSWORD, role, area)
    return made


def listed(engine) -> list[dict]:
    """The demo users present in this database (for the sign-in page of a demo database)."""
    names = {m[0] for m in accounts("x" * 10)}
    return [u for u in auth.list_users(engine) if u["username"] in names and not u["disabled"]]
