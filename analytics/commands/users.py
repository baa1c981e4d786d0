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
        first = getpass.getpass("パスワード / password: ")
        if getpass.getpass("もう一度 / again: ") != first:
            raise UserError("2回の入力が一致しません。もう一度実行してください / the two passwords differ; run it again")
        return first
    line = stdin.readline()
    if not line.strip():
        raise UserError("パスワードを標準入力の1行目で渡してください（例: printf '%s\\n' \"$PW\" | careplan users …）"
                        " / give the password on the first line of stdin")
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
    raise UserError(f"役割 {role} には --scope を付けません / the role {role} takes no --scope")


def _refused(err: auth.AuthError) -> UserError:
    return UserError(str(err))


def add(args) -> int:
    area = _scope_code(args.role, args.scope)
    password = _read_password()
    try:
        auth.create_user(_engine(args), args.name, password, args.role, area)
    except auth.AuthError as err:
        raise _refused(err) from None
    print(f"利用者「{args.name}」を追加しました（{i18n.t(f'auth.role.{args.role}')}"
          f"{' ' + area if area else ''}） / user {args.name} added", file=sys.stderr)
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
        print("利用者はいません（careplan users add で追加します） / no users (add one with careplan users add)")
        return 0
    import pandas as pd
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["role"] = frame["role"].map(lambda r: i18n.t(f"auth.role.{r}") if r in auth.ROLES else r)
    frame["scope"] = frame["scope"].fillna("")
    frame["created_at"] = frame["created_at"].map(lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "")
    frame["disabled"] = frame["disabled"].map(lambda v: "無効" if v else "有効")
    frame.columns = [i18n.t(f"admin.col.{c}") if c != "disabled" else "状態" for c in COLUMNS]
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
                   f"利用者「{args.name}」を無効にしました / user {args.name} disabled")


def set_password(args) -> int:
    password = _read_password()
    return _change(lambda: auth.set_password(_engine(args), args.name, password, by=_by()),
                   f"利用者「{args.name}」のパスワードを変更しました / password of {args.name} set")
