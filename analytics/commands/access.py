"""Who may run which command: the CLI's sign-in and role check, called by ``analytics.cli.main``.

With no users in the database (local use, tests, a single analyst) the CLI acts as admin, like the app's
local demo mode. Once a user exists, ``report``, ``export`` and ``ingest`` need ``--user NAME`` (or
``CAREPLAN_USER``) with the password in ``CAREPLAN_PASSWORD``; the scope then limits what may be asked:
office-level or municipality detail only for the user's own prefecture, public aggregates for everyone,
small counts suppressed for viewers (``output.emit`` applies ``current()``). Anything not listed is admin
only (default deny).
"""
from __future__ import annotations

import os

from analytics import auth
from analytics.errors import UserError

# users: admin only once a user exists (the first user is added without signing in)
GUARDED = ("report", "export", "ingest", "users")
_CURRENT: list[auth.Scope] = [auth.ADMIN]


def current() -> auth.Scope:
    """The scope of the running command (admin when no users are defined)."""
    return _CURRENT[0]


def _prefecture(raw) -> str | None:
    if raw in (None, ""):
        return None
    from analytics.domain.codes import parse_prefecture
    return parse_prefecture(raw) or str(raw)


def needs(args) -> tuple[str, str | None]:
    """('public' | 'detail' | 'import' | 'admin', prefecture) for the command in args."""
    command = args.command
    pref = _prefecture(getattr(args, "prefecture", None))
    if command == "ingest":
        return "import", None
    if command == "export":
        return ("detail", pref) if pref else ("public", None)
    if command == "report":
        report, by = getattr(args, "report", None), getattr(args, "by", None)
        if report == "targets":
            return "detail", pref
        if report in ("adoption", "savings") and by == "municipality":
            return "detail", pref
        if report in ("adoption", "channels", "savings", "forecast"):
            return "public", None
    return "admin", None


def allowed(scope: auth.Scope, need: str, prefecture: str | None) -> bool:
    if not scope.valid:
        return False
    if need == "public":
        return True
    if need == "detail":
        # a detail report over all prefectures (no --prefecture) is for admins only
        return scope.may_admin() or (prefecture is not None and scope.sees_prefecture_detail(prefecture))
    if need == "import":
        return scope.may_import()
    return scope.may_admin()


def sign_in(engine, args) -> auth.Scope:
    username = getattr(args, "user", None) or os.environ.get("CAREPLAN_USER")
    if not username:
        raise UserError("msg.sign_in_needed")
    password = os.environ.get("CAREPLAN_PASSWORD", "")
    try:
        return auth.authenticate(engine, username, password)
    except auth.AuthError as err:
        raise UserError("msg.sign_in_failed", reason=(err.ja, err.en)) from None


def check(args) -> auth.Scope:
    """Sign in when needed and refuse what the scope does not cover; sets ``current()``."""
    _CURRENT[0] = auth.ADMIN
    if args.command not in GUARDED:
        return auth.ADMIN
    from analytics.store import engine as store_engine
    try:
        engine = store_engine.get_engine(store_engine.resolve_url(getattr(args, "db", None)))
        guarded = auth.has_users(engine)
    except Exception as exc:  # an unreachable database is the handler's error to report
        if getattr(args, "user", None):
            raise UserError("msg.cannot_connect_check_db") from exc
        return auth.ADMIN
    if not guarded:
        return auth.ADMIN
    scope = sign_in(engine, args)
    need, prefecture = needs(args)
    if not allowed(scope, need, prefecture):
        auth.audit(engine, scope.username, "denied", _describe(args))
        if need == "detail":
            raise UserError("msg.denied_detail")
        if need == "import":
            raise UserError("msg.denied_import")
        raise UserError("msg.denied")
    if args.command in ("export", "ingest"):
        auth.audit(engine, scope.username, "export" if args.command == "export" else "import", _describe(args))
    _CURRENT[0] = scope
    return scope


def _describe(args) -> str:
    parts = [args.command]
    for name in ("report", "what", "kind", "by", "prefecture"):
        value = getattr(args, name, None)
        if value:
            parts.append(f"{name}={value}")
    if getattr(args, "paths", None):
        parts.append(f"files={len(args.paths)}")
    return " ".join(parts)
