"""`careplan users add|list|disable|set-password`: set up a deployment's users from a shell.

The same functions as the 利用者管理 page (``analytics.auth``), so the same rules (a password of 10 or
more characters, a prefecture code for the prefecture role, a 事業所番号 for the office role) and the same
audit log. A password is asked on the terminal (twice) or read from the first line of stdin, never taken
from an argument, where it would stay in the shell's history and the process list.
"""
from __future__ import annotations

import getpass
import json
import sys

from analytics import auth, i18n
from analytics.commands import access
from analytics.commands.output import lang, t
from analytics.errors import UserError
from analytics.store import engine as store_engine

COLUMNS = ("username", "role", "scope", "created_at", "disabled")


def _engine(args):
    return store_engine.get_engine(store_engine.resolve_url(getattr(args, "db", None)))


def _by() -> str | None:
    """Who is acting, for the audit log: the signed-in admin, else the operating-system user."""
    scope = access.current()
    return None if scope.username in ("", "local") else scope.username


def _read_password(stdin=None) -> str:
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass(t("msg.password_prompt"))
        if getpass.getpass(t("msg.password_again")) != first:
            raise UserError("msg.passwords_differ")
        return first
    line = stdin.readline()
    if not line.strip():
        raise UserError("msg.password_on_stdin")
    return line.rstrip("\r\n")


def _scope_code(role: str, raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    if role == "prefecture":
        from analytics.domain.codes import parse_prefecture
        return parse_prefecture(raw) or raw
    if role == "office":
        from analytics.domain.codes import normalise_office_code
        return normalise_office_code(raw) or raw
    raise UserError("msg.role_takes_no_scope", role=role)


def _refused(err: auth.AuthError) -> UserError:
    return UserError("msg.error_text", text=(err.ja, err.en))


def add(args) -> int:
    area = _scope_code(args.role, args.scope)
    password = _read_password()
    try:
        auth.create_user(_engine(args), args.name, password, args.role, area)
    except auth.AuthError as err:
        raise _refused(err) from None
    print(t("msg.user_added", name=args.name, role=i18n.t(f"auth.role.{args.role}", lang()),
            area=f" {area}" if area else ""), file=sys.stderr)
    return 0


def list_(args) -> int:
    rows = auth.list_users(_engine(args))
    if args.format == "json":
        for row in rows:
            row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
            row["disabled"] = bool(row["disabled"])
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(t("msg.no_users"))
        return 0
    import pandas as pd
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["role"] = frame["role"].map(lambda r: i18n.t(f"auth.role.{r}", lang()) if r in auth.ROLES else r)
    frame["scope"] = frame["scope"].fillna("")
    frame["created_at"] = frame["created_at"].map(lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "")
    frame["disabled"] = frame["disabled"].map(lambda v: t("msg.user_state_disabled" if v else "msg.user_state_enabled"))
    frame.columns = [i18n.t(f"admin.col.{c}", lang()) if c != "disabled" else t("msg.user_state") for c in COLUMNS]
    print(frame.to_string(index=False))
    return 0


def _change(change, done: str) -> int:
    """Run one change of ``analytics.auth`` (audited there); its refusal is the user's one-line error."""
    try:
        change()
    except auth.AuthError as err:
        raise _refused(err) from None
    print(done, file=sys.stderr)
    return 0


def disable(args) -> int:
    return _change(lambda: auth.set_disabled(_engine(args), args.name, True, by=_by()),
                   t("msg.user_disabled", name=args.name))


def set_password(args) -> int:
    password = _read_password()
    return _change(lambda: auth.set_password(_engine(args), args.name, password, by=_by()),
                   t("msg.password_set", name=args.name))
