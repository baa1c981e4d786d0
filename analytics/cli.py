"""The ``careplan`` command (DESIGN §6). Argument parsing here; each command lives in analytics/commands.

Errors a user can fix print one line (Japanese / English) and exit 2; no tracebacks for user mistakes.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys

from sqlalchemy.exc import OperationalError

from analytics.domain.file_kinds import FILE_KINDS
from analytics.errors import UserError  # noqa: F401 - the commands raise it; cli reports it

# commands that read the database (never create it) and those that may create and write it
READING = ("report", "export")
WRITING = ("demo", "ingest", "users")

_ARGPARSE_JA = (
    (r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.*)\)",
     lambda m: f"{m[1]} に「{m[2]}」は指定できません。次から選んでください: {m[3]}"),
    (r"argument (\S+): invalid (int|float) value: '?(.*?)'?$",
     lambda m: f"{m[1]} の値「{m[3]}」は{'整数' if m[2] == 'int' else '数値'}ではありません。"
               f"{'整数' if m[2] == 'int' else '数値'}（例: {'90' if m[2] == 'int' else '1500'}）で指定してください"),
    (r"the following arguments are required: (.*)", lambda m: f"必要な引数がありません: {m[1]}"),
    (r"unrecognized arguments: (.*)", lambda m: f"分からない引数があります: {m[1]}"),
    (r"argument (\S+): expected one argument", lambda m: f"{m[1]} の後に値を指定してください"),
)


def _ja_for(message: str) -> str:
    for pattern, ja in _ARGPARSE_JA:
        found = re.match(pattern, message)
        if found:
            return ja(found)
    return "コマンドの指定が正しくありません"


class Parser(argparse.ArgumentParser):
    """argparse with its errors in the user's language (argparse's own English for ``--lang en``); exit 2."""

    def error(self, message: str):
        from analytics import i18n
        from analytics.commands import output
        from analytics.store.engine import mask_passwords
        message = mask_passwords(message)  # e.g. a misplaced --db URL echoed back by argparse
        lang = output.lang()
        text = _ja_for(message) if lang == "ja" else message
        self.exit(2, i18n.message("msg.usage_error", lang, text=text, prog=self.prog) + "\n")


def _lang_in(argv: list[str]) -> str | None:
    """``--lang`` as given, read before the arguments are parsed (so that their errors speak it too)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _add_common(parser: argparse.ArgumentParser) -> None:
    """--db and --user also after the command (``careplan demo --db URL``), as before it; given in both
    places, the one after the command wins."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                if not any("--users" in a.option_strings for a in sub._actions):
                    # not where --users exists (effect): `effect --user 30` meant --users 30 before
                    sub.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                _add_common(sub)


def _add_format(p: argparse.ArgumentParser, choices=("table", "json", "csv"), default="table") -> None:
    p.add_argument("--format", choices=choices, default=default)


def build_parser() -> argparse.ArgumentParser:
    from analytics import i18n, locations
    from analytics.commands import output
    parser = Parser(prog="careplan", description=i18n.t("cli.description", output.lang()),
                    epilog=i18n.t("cli.epilog", output.lang(), path=locations.default_db_path()))
    parser.add_argument("--db", help="SQLAlchemy URL (default: CAREPLAN_DB_URL, .streamlit/secrets.toml, "
                                     "else the embedded DuckDB file named below)")
    parser.add_argument("--lang", choices=("ja", "en"), help="language of tables and notes (default: from "
                                                              "LANG, Japanese when unset); JSON keeps machine keys")
    parser.add_argument("--user", help="sign in as this user when the database has users (password in "
                                       "CAREPLAN_PASSWORD); without users the CLI acts as admin")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build the deterministic demo database")
    p.add_argument("--scale", choices=("small", "national"), default="small")
    p.add_argument("--seed", type=int, default=20231005)
    p.add_argument("--no-users", action="store_true",
                   help="no demo users: the app and the CLI act as admin without signing in (one analyst)")
    p.set_defaults(handler="analytics.commands.demo:run")

    p = sub.add_parser("ingest", help="import files of one kind")
    p.add_argument("kind", choices=FILE_KINDS)
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as-of", help="registrations: the file is a snapshot, the offices using the system on "
                                   "this date (else the date in its title rows or name, when it has no date column); "
                                   "offices: the files are the complete master on this date for the prefectures "
                                   "and service types they list (else the _YYYYMMDDhhmmss of the published name; "
                                   "none: nothing is closed)")
    p.set_defaults(handler="analytics.commands.ingest:run")

    report = sub.add_parser("report", help="tables for areas").add_subparsers(dest="report", required=True)
    p = report.add_parser("adoption")
    p.add_argument("--by", choices=("prefecture", "municipality", "kind"), default="prefecture")
    p.add_argument("--prefecture")
    p.add_argument("--as-of")
    p.add_argument("--order", choices=("code", "lagging"), default="code",
                   help="by municipality: code order, or lagging first (lowest rate among the areas with at least "
                        "CAREPLAN_MIN_OFFICES_FOR_RANK offices, then the smaller ones)")
    _add_format(p)
    p.set_defaults(handler="analytics.commands.report_adoption:run")

    p = report.add_parser("channels")
    p.add_argument("--by", choices=("prefecture", "month", "form"), default="prefecture")
    p.add_argument("--prefecture")
    p.add_argument("--month")
    _add_format(p)
    p.set_defaults(handler="analytics.commands.report_channels:channels")

    p = report.add_parser("savings")
    p.add_argument("--by", choices=("prefecture", "municipality"), default="prefecture")
    p.add_argument("--prefecture")
    p.add_argument("--month")
    _add_format(p)
    p.set_defaults(handler="analytics.commands.report_channels:savings")

    p = report.add_parser("targets")
    p.add_argument("--prefecture", required=True)
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--month")
    _add_format(p)
    p.set_defaults(handler="analytics.commands.report_channels:targets")

    p = report.add_parser("forecast")
    p.add_argument("--prefecture", required=True)
    p.add_argument("--target-rate", type=float, default=0.5)
    p.add_argument("--free-pass", action="store_true", help="scenario: the free-use campaign (p × factor)")
    p.add_argument("--shogu", action="store_true", help="scenario: 2026 処遇改善加算 requirement (居宅介護支援)")
    p.add_argument("--subsidy", type=int, default=0, metavar="N", help="scenario: N offices join by subsidy")
    p.add_argument("--subsidy-month", metavar="YYYY-MM", help="month the subsidised offices join")
    _add_format(p)
    p.set_defaults(handler="analytics.commands.report_forecast:run")

    p = sub.add_parser("effect", help="the documented effect model for one office")
    p.add_argument("--preset", choices=("mhlw-example", "per-user"), default="mhlw-example")
    p.add_argument("--users", type=int)
    p.add_argument("--care-managers", type=int)
    p.add_argument("--digital-share", type=float)
    p.add_argument("--hourly-wage", type=float)
    p.add_argument("--licence-free", action="store_true")
    _add_format(p, choices=("json", "table"), default="table")
    p.set_defaults(handler="analytics.commands.effect:run")

    p = sub.add_parser("export", help="presentation pack")
    p.add_argument("what", choices=("pptx", "pdf", "xlsx"))
    p.add_argument("--out", required=True)
    p.add_argument("--prefecture")
    p.add_argument("--since", metavar="DATE", help="the date a prefecture pack's 前回比 compares with "
                                                    "(2024-08-31, 令和6年8月31日; default: a year before the data's date)")
    p.set_defaults(handler="analytics.commands.export:run")
    p = sub.add_parser("serve", help="serve the dashboard (Streamlit) from the installed package")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--demo", action="store_true", help="build the small demo first when the embedded "
                                                       "database is empty (without asking)")
    p.set_defaults(handler="analytics.commands.serve:run")

    users = sub.add_parser("users", help="users, roles and scopes of a deployment").add_subparsers(
        dest="action", required=True)
    p = users.add_parser("add", help="add a user (the password is asked on the terminal or read from stdin)")
    p.add_argument("name")
    p.add_argument("--role", choices=("admin", "prefecture", "office", "viewer"), required=True)
    p.add_argument("--scope", metavar="CODE", help="prefecture (code or name) for the prefecture role, "
                                                    "事業所番号 for the office role")
    p.set_defaults(handler="analytics.commands.users:add")
    p = users.add_parser("list", help="the users and their roles")
    _add_format(p, choices=("table", "json"))
    p.set_defaults(handler="analytics.commands.users:list_")
    p = users.add_parser("disable", help="disable a user (kept in the audit log)")
    p.add_argument("name")
    p.set_defaults(handler="analytics.commands.users:disable")
    p = users.add_parser("set-password", help="set a new password (asked on the terminal or read from stdin)")
    p.add_argument("name")
    p.set_defaults(handler="analytics.commands.users:set_password")
    _add_common(parser)
    return parser


def _open_database(args) -> None:
    """The settings and the database the user named, checked once before any command touches them:
    reading commands never create a database (and open a file they may only read read-only); writing
    commands may create it."""
    from analytics.store import engine as store_engine
    if args.command not in READING + WRITING:
        return
    from analytics import settings
    settings.validate_all()  # a malformed limit is named before anything is read or stored
    args.db = store_engine.resolve_url(args.db)
    store_engine.prepare_target(args.db, write=args.command in WRITING)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not meet the closed pipe again."""
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _error_text(exc: Exception, lang: str) -> str:
    """A user's mistake in one language: our errors carry both (``text``), the others are 'ja / en'."""
    from analytics import i18n
    if hasattr(exc, "text"):
        return exc.text(lang)
    if hasattr(exc, "ja") and hasattr(exc, "en"):
        return exc.ja if lang == "ja" else exc.en
    return i18n.part(str(exc), lang)


def main(argv: list[str] | None = None) -> int:
    from analytics import i18n
    from analytics.commands import output
    output.set_lang(_lang_in(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    output.set_lang(args.lang)
    lang = output.lang()
    module, _, name = args.handler.partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "analytics":
            raise  # our own module missing is a broken install, not a user mistake: show it whole
        # a third-party library is missing: say which and how to install it
        print(i18n.message("msg.missing_library", lang, name=exc.name), file=sys.stderr)
        return 2
    from analytics import settings
    from analytics.store import engine as store_engine
    try:
        _open_database(args)
        from analytics.commands import access
        access.check(args)  # sign-in and role scope when the database has users (access.py)
        return int(handler(args) or 0)
    except BrokenPipeError:  # `careplan report … | head`: the reader has what it wanted
        _quiet_stdout()
        return 141       # as a shell reports a command ended by SIGPIPE (128 + 13)
    except (UserError, settings.SettingError, store_engine.UnusableDatabase) as exc:
        print(i18n.message("msg.error", lang, text=_error_text(exc, lang)), file=sys.stderr)
        return 2
    except OperationalError as exc:  # the database cannot be opened: locked file, server down, bad URL
        text = i18n.pick(store_engine.unavailable_message(store_engine.resolve_url(args.db), exc), lang)
        print(i18n.message("msg.error", lang, text=text), file=sys.stderr)
        return 2
