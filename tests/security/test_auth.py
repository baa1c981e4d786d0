import pytest

from analytics import auth


def test_create_and_authenticate(engine):
    auth.create_user(engine, "wakayama", "correct horse battery", "prefecture", "30")
    scope = auth.authenticate(engine, "wakayama", "correct horse battery")
    assert scope == auth.Scope("prefecture", "30", "wakayama")
    with pytest.raises(auth.AuthError):
        auth.authenticate(engine, "wakayama", "wrong password!!")
    with pytest.raises(auth.AuthError):
        auth.authenticate(engine, "nobody", "correct horse battery")
    actions = [e["action"] for e in auth.recent_audit(engine)]
    assert actions[:4] == ["sign_in_failed", "sign_in_failed", "sign_in", "user_created"]
    # the stored hash is argon2, never the password
    [user] = auth.list_users(engine)
    assert "password_hash" not in user


def test_disabled_user_cannot_sign_in(engine):
    auth.create_user(engine, "viewer1", "a long enough pw", "viewer")
    auth.set_disabled(engine, "viewer1", True, by="admin")
    with pytest.raises(auth.AuthError):
        auth.authenticate(engine, "viewer1", "a long enough pw")


@pytest.mark.parametrize("username,password,role,area", [
    ("", "a long enough pw", "viewer", None),
    ("u", "short", "viewer", None),
    ("u", "a long enough pw", "superuser", None),
    ("u", "a long enough pw", "prefecture", None),
    ("u", "a long enough pw", "prefecture", "wakayama"),
    ("u", "a long enough pw", "office", "30"),
])
def test_bad_new_users_are_refused_with_both_languages(engine, username, password, role, area):
    with pytest.raises(auth.AuthError) as err:
        auth.create_user(engine, username, password, role, area)
    assert err.value.ja and err.value.en
    assert auth.list_users(engine) == []


ROLE_MATRIX = [
    # scope, sees 30 detail, sees 13 detail, sees office 3070000019 (pref 30), may import, admin, suppress
    (auth.Scope("admin"), True, True, True, True, True, False),
    (auth.Scope("prefecture", "30"), True, False, True, True, False, False),
    (auth.Scope("office", "3070000019"), False, False, True, False, False, False),
    (auth.Scope("office", "1370000011"), False, False, False, False, False, False),
    (auth.Scope("viewer"), False, False, False, False, False, True),
    (auth.Scope("prefecture", None), False, False, False, False, False, True),
    (auth.Scope("unknown-role", "30"), False, False, False, False, False, True),
]


@pytest.mark.parametrize("scope,p30,p13,office,imp,adm,suppress", ROLE_MATRIX)
def test_role_matrix(scope, p30, p13, office, imp, adm, suppress):
    assert scope.sees_prefecture_detail("30") is p30
    assert scope.sees_prefecture_detail("13") is p13
    assert scope.sees_office("3070000019", "30") is office
    assert scope.may_import() is imp
    assert scope.may_admin() is adm
    assert scope.suppresses_small_counts() is suppress
