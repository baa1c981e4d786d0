"""Sign-in, roles scoped to areas, and the audit log. No Streamlit here: the UI gate lives in analytics/ui.

Roles (default deny: anything not granted below is refused):
- admin: everything.
- prefecture (scope = JIS code '01'..'47'): its own prefecture's detail (offices, municipalities, pairs,
  targets, imports), and national aggregates by prefecture.
- office (scope = 事業所番号): its own office's data and its partners in aggregate; public aggregates.
- viewer: public aggregates only, with counts below the suppression threshold hidden.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import getpass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics import i18n
from analytics.store import schema

ROLES = ("admin", "prefecture", "office", "viewer")
_HASHER = PasswordHasher()
# verified when the user is unknown or disabled, so that a refusal takes as long as a wrong password and the
# response time does not tell whether a user name exists (made on first use: hashing costs ~0.1 s)
_DUMMY_HASH: dict[tuple, str] = {}
# a user name typed at sign-in is stored in the audit log; longer ones are cut (no user name is longer)
MAX_USERNAME = 100
MIN_PASSWORD = 10


class AuthError(ValueError):
    """A user-facing refusal, raised with the key of its message in the catalogue
    (``analytics/locales/<lang>/auth_errors.json``) and the message's values; ``ja`` / ``en`` are it in each
    language (``args`` too)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        self.ja, self.en = i18n.both(key, **values)
        super().__init__(self.ja, self.en)

    def __str__(self) -> str:
        return f"{self.ja} / {self.en}"


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one signed-in user may see."""
    role: str
    area: str | None = None          # prefecture code for 'prefecture', office code for 'office'
    username: str = ""
    # the configured threshold (analytics.settings "suppress_below"), read when the scope is made
    suppress_below: int = dataclasses.field(default_factory=lambda: _configured_threshold(), compare=False)

    @property
    def valid(self) -> bool:
        if self.role == "admin" or self.role == "viewer":
            return True
        if self.role == "prefecture":
            return bool(self.area) and len(self.area) == 2 and self.area.isdigit()
        if self.role == "office":
            return bool(self.area) and len(self.area) == 10
        return False

    def sees_public_aggregates(self) -> bool:
        return self.valid

    def sees_prefecture_detail(self, prefecture_code: str | None) -> bool:
        if not self.valid:
            return False
        if self.role == "admin":
            return True
        return self.role == "prefecture" and prefecture_code is not None and prefecture_code == self.area

    def detail_prefectures(self, all_codes: list[str]) -> list[str]:
        """The prefectures whose office-level detail this user may open (in the given order)."""
        return [c for c in all_codes if self.sees_prefecture_detail(c)]

    def sees_office(self, office_code: str, office_prefecture: str | None) -> bool:
        if not self.valid:
            return False
        if self.role == "office":
            return office_code == self.area
        return self.sees_prefecture_detail(office_prefecture)

    def may_import(self) -> bool:
        return self.valid and self.role in ("admin", "prefecture")

    def may_admin(self) -> bool:
        return self.valid and self.role == "admin"

    def suppresses_small_counts(self) -> bool:
        return self.role == "viewer" or not self.valid


def _configured_threshold() -> int:
    from analytics import privacy
    return privacy.threshold()


ADMIN = Scope("admin", None, "local")
DENY = Scope("none")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _check_new_user(username: str, password: str, role: str, area: str | None) -> None:
    if not username or len(username) > MAX_USERNAME:
        raise AuthError("auth.error.username_length", max=MAX_USERNAME)
    if len(password) < MIN_PASSWORD:
        raise AuthError("auth.error.password_length", min=MIN_PASSWORD)
    if role not in ROLES:
        raise AuthError("auth.error.role", roles=", ".join(ROLES))
    if not Scope(role, area).valid:
        raise AuthError("auth.error.area")


def create_user(engine, username: str, password: str, role: str, area: str | None = None) -> None:
    _check_new_user(username, password, role, area)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(schema.users.c.username)
                              .where(schema.users.c.username == username)).first()
        if exists:
            raise AuthError("auth.error.user_exists", username=username)
        conn.execute(schema.users.insert().values(username=username, password_hash=hash_password(password),
                                                  role=role, scope=area, created_at=dt.datetime.now(),
                                                  disabled=0))
        _audit(conn, username, "user_created", f"role={role} scope={area or ''}")


def _no_such_user(username: str) -> AuthError:
    return AuthError("auth.error.no_such_user", username=username)


def set_disabled(engine, username: str, disabled: bool, by: str) -> None:
    with engine.begin() as conn:
        changed = conn.execute(schema.users.update().where(schema.users.c.username == username)
                               .values(disabled=1 if disabled else 0)).rowcount
        if not changed:
            raise _no_such_user(username)
        _audit(conn, by, "user_disabled" if disabled else "user_enabled", username)


def set_password(engine, username: str, password: str, by: str) -> None:
    """A new password for an existing user (the same length rule as a new user's); audited, never logged."""
    if len(password) < MIN_PASSWORD:
        raise AuthError("auth.error.password_length", min=MIN_PASSWORD)
    with engine.begin() as conn:
        changed = conn.execute(schema.users.update().where(schema.users.c.username == username)
                               .values(password_hash=hash_password(password))).rowcount
        if not changed:
            raise _no_such_user(username)
        _audit(conn, by, "password_set", username)


def list_users(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.users.c.username, schema.users.c.role, schema.users.c.scope,
                                      schema.users.c.created_at, schema.users.c.disabled)
                            .order_by(schema.users.c.username)).mappings().all()
    return [dict(r) for r in rows]


def has_users(engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar())


def authenticate(engine, username: str, password: str) -> Scope:
    """The user's scope, or AuthError. Every attempt is audited (never the password)."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(schema.users).where(schema.users.c.username == username)).mappings().first()
        usable = row is not None and not row["disabled"] and bool(row["password_hash"])
        ok = _verify(row["password_hash"] if usable else _dummy_hash(), password) and usable
        _audit(conn, username[:MAX_USERNAME], "sign_in" if ok else "sign_in_failed", None)
    if not ok:
        raise AuthError("auth.error.wrong_credentials")
    return Scope(row["role"], row["scope"], username)


def _dummy_hash() -> str:
    """A hash made with the hasher's current parameters (verifying it costs what a real one does)."""
    params = (_HASHER.time_cost, _HASHER.memory_cost, _HASHER.parallelism, _HASHER.hash_len, _HASHER.salt_len)
    if params not in _DUMMY_HASH:
        _DUMMY_HASH[params] = _HASHER.hash("no such user: the password is never right")
    return _DUMMY_HASH[params]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def current_scope(engine, username: str) -> Scope | None:
    """The scope the users table gives ``username`` now (role and area as stored), or None when the user
    no longer exists or is disabled: a signed-in session is checked against it on every page run, so
    disabling a user, or changing their role or area, takes effect at once."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.users.c.role, schema.users.c.scope, schema.users.c.disabled)
                           .where(schema.users.c.username == username)).mappings().first()
    if row is None or row["disabled"]:
        return None
    return Scope(row["role"], row["scope"], username)


# the actions the audit log records (machine keys; the 利用者管理 page shows them as admin.action.* words)
AUDIT_ACTIONS = ("user_created", "user_disabled", "user_enabled", "password_set", "sign_in", "sign_in_failed",
                 "sign_out", "export", "import", "denied")


def _audit(conn, username: str | None, action: str, detail: str | None) -> None:
    conn.execute(schema.audit_log.insert().values(
        event_id=schema.audit_seq.next_value(), occurred_at=dt.datetime.now(),
        username=username or getpass.getuser(), action=action, detail=detail))


def audit(engine, username: str | None, action: str, detail: str | None = None) -> None:
    """Record an import, export or sign-in event."""
    with engine.begin() as conn:
        _audit(conn, username, action, detail)


def recent_audit(engine, limit: int = 200) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.event_id.desc())
                            .limit(limit)).mappings().all()
    return [dict(r) for r in rows]
