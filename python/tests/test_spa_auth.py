"""SPA tokens against vectors/spa-token.json (shared with the TypeScript and edge tests), cookie
attributes, and the middleware."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from pocket.django import spa_auth
from pocket.django.spa_auth import (
    COOKIE_NAME,
    DEFAULT_MAX_AGE,
    SpaTokenMiddleware,
    generate_token,
    secret_env_name,
    spa_login,
    spa_logout,
    verify_token,
)
from pocket.errors import PocketRuntimeError

from conftest import load_vector

VECTOR = load_vector("spa-token.json")
SECRET = VECTOR["secret_hex"]
NOW = 1_700_000_000  # after the expired vector, before every valid one


def test_constants_match_the_vector():
    assert COOKIE_NAME == VECTOR["cookie_name"]
    assert DEFAULT_MAX_AGE == VECTOR["default_max_age"]


@pytest.mark.parametrize("case", VECTOR["valid"] + VECTOR["expired"], ids=lambda c: c["token"][:24])
def test_generate_reproduces_vector(case):
    # expiry = floor(now) + max_age; with now = 0 the vector's expiry is the max_age.
    assert generate_token(case["user_id"], SECRET, max_age=case["expiry"], now=0) == case["token"]
    # A fractional clock is floored, as at the edge.
    half = case["expiry"] // 2
    assert generate_token(case["user_id"], SECRET, max_age=half, now=case["expiry"] - half + 0.9) == case["token"]


@pytest.mark.parametrize("case", VECTOR["valid"], ids=lambda c: c["token"][:24])
def test_valid_vector_verifies(case):
    assert verify_token(case["token"], SECRET, now=NOW) == case["user_id"]
    assert verify_token(case["token"], SECRET) == case["user_id"]  # real clock


@pytest.mark.parametrize("case", VECTOR["expired"], ids=lambda c: c["token"][:24])
def test_expired_vector_is_rejected(case):
    assert verify_token(case["token"], SECRET, now=NOW) is None
    # Valid through its expiry second, like the edge's floor(now) > expiry check.
    assert verify_token(case["token"], SECRET, now=case["expiry"] + 0.999) == case["user_id"]
    assert verify_token(case["token"], SECRET, now=case["expiry"] + 1) is None


@pytest.mark.parametrize("case", VECTOR["invalid"], ids=lambda c: c["why"])
def test_invalid_vector_is_rejected(case):
    assert verify_token(case["token"], SECRET, now=NOW) is None


@pytest.mark.parametrize("token", [None, 42, b"vector-user:9999999999:00", "a:1:" + "é" * 64])
def test_non_string_or_non_ascii_tokens_are_rejected_not_raised(token):
    assert verify_token(token, SECRET, now=NOW) is None


def test_round_trip_and_expiry_with_the_clock():
    token = generate_token(42, SECRET, max_age=60)
    assert verify_token(token, SECRET) == "42"
    assert verify_token(token, SECRET, now=time.time() + 61) is None


@pytest.mark.parametrize("user_id", ["a:b", "", ":"])
def test_generate_rejects_colons_and_empty_ids(user_id):
    with pytest.raises(ValueError, match="':'"):
        generate_token(user_id, SECRET)


@pytest.mark.parametrize("secret", ["", "xyz", "abc", "00 11"])
def test_bad_secret_is_a_configuration_error(secret):
    with pytest.raises(ValueError, match="hex"):
        verify_token(VECTOR["valid"][0]["token"], secret)
    with pytest.raises(ValueError, match="hex"):
        generate_token("u", secret)


def test_secret_comes_from_the_env_named_by_pocket_secrets(monkeypatch):
    doc = {
        "store": "sm",
        "key": "k",
        "stage": "dev",
        "project": "p",
        "managed": {
            "SECRET_KEY": {"type": "password", "env": "SECRET_KEY"},
            "EDGE_TOKEN": {"type": "spa_token_secret", "env": "EDGE_TOKEN"},
        },
        "user": {},
    }
    monkeypatch.setenv("POCKET_SECRETS", json.dumps(doc))
    monkeypatch.setenv("EDGE_TOKEN", SECRET)
    monkeypatch.setenv("SPA_TOKEN_SECRET", "ff" * 32)  # not the one the document names
    assert secret_env_name() == "EDGE_TOKEN"
    case = VECTOR["valid"][0]
    assert verify_token(case["token"], now=NOW) == case["user_id"]


def test_secret_defaults_to_spa_token_secret(monkeypatch):
    monkeypatch.delenv("POCKET_SECRETS", raising=False)
    assert secret_env_name() == "SPA_TOKEN_SECRET"
    monkeypatch.delenv("SPA_TOKEN_SECRET", raising=False)
    with pytest.raises(PocketRuntimeError, match="SPA_TOKEN_SECRET is not set"):
        generate_token("u")
    monkeypatch.setenv("SPA_TOKEN_SECRET", SECRET)
    assert verify_token(generate_token("u"), now=time.time()) == "u"


def test_several_spa_secrets_need_an_explicit_choice(monkeypatch):
    managed = {n: {"type": "spa_token_secret", "env": n} for n in ("A_TOKEN", "B_TOKEN")}
    monkeypatch.setenv("POCKET_SECRETS", json.dumps({"managed": managed}))
    with pytest.raises(PocketRuntimeError, match="A_TOKEN, B_TOKEN"):
        secret_env_name()
    managed["SPA_TOKEN_SECRET"] = {"type": "spa_token_secret", "env": "SPA_TOKEN_SECRET"}
    monkeypatch.setenv("POCKET_SECRETS", json.dumps({"managed": managed}))
    assert secret_env_name() == "SPA_TOKEN_SECRET"


# ---------------------------------------------------------------------------------------------
# Cookies


def test_spa_login_cookie_attributes():
    response = HttpResponse()
    token = spa_login(response, 42, secret=SECRET)
    morsel = response.cookies[COOKIE_NAME]
    assert morsel.value == token
    assert morsel.coded_value == token  # not quoted: the edge reads it verbatim
    assert verify_token(morsel.value, SECRET) == "42"
    assert morsel["max-age"] == DEFAULT_MAX_AGE
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert morsel["domain"] == ""
    header = morsel.OutputString()
    for part in ("HttpOnly", f"Max-Age={DEFAULT_MAX_AGE}", "Path=/", "SameSite=Lax", "Secure"):
        assert part in header


def test_spa_login_custom_max_age():
    response = HttpResponse()
    token = spa_login(response, "u1", secret=SECRET, max_age=3600)
    assert response.cookies[COOKIE_NAME]["max-age"] == 3600
    expiry = int(token.split(":")[1])
    assert abs(expiry - (time.time() + 3600)) < 5


@pytest.mark.parametrize("user_id", ["ユーザー", "a b", "user@example.com", 'a"b', "a,b", "a;b", "a/b", "a:b"])
def test_spa_login_rejects_ids_django_would_quote(user_id):
    with pytest.raises(ValueError):
        spa_login(HttpResponse(), user_id, secret=SECRET)


def test_every_accepted_character_stays_unquoted():
    user_id = "AZaz09!#$%&'*+-.^_`|~"
    response = HttpResponse()
    token = spa_login(response, user_id, secret=SECRET)
    assert response.cookies[COOKIE_NAME].coded_value == token
    assert verify_token(token, SECRET) == user_id


def test_spa_logout_expires_the_cookie_with_the_same_attributes():
    response = HttpResponse()
    spa_logout(response)
    morsel = response.cookies[COOKIE_NAME]
    assert morsel.value == ""
    assert morsel["max-age"] == 0
    assert morsel["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert (morsel["httponly"], morsel["secure"], morsel["samesite"], morsel["path"]) == (True, True, "Lax", "/")


# ---------------------------------------------------------------------------------------------
# Middleware


@pytest.fixture
def rf(monkeypatch):
    monkeypatch.delenv("POCKET_SECRETS", raising=False)
    monkeypatch.setenv("SPA_TOKEN_SECRET", SECRET)
    return RequestFactory()


def run(request, view=lambda request: HttpResponse("ok")):
    return SpaTokenMiddleware(view)(request)


def user(pk: int) -> User:
    return User(pk=pk, username=f"u{pk}")  # unsaved: is_authenticated is True, no DB needed


def test_anonymous_with_cookie_is_cleared(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    request.COOKIES[COOKIE_NAME] = generate_token("7", SECRET)
    morsel = run(request).cookies[COOKIE_NAME]
    assert morsel.value == "" and morsel["max-age"] == 0


def test_anonymous_without_cookie_gets_no_set_cookie(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    assert COOKIE_NAME not in run(request).cookies


def test_logged_in_without_cookie_gets_a_token(rf):
    request = rf.get("/")
    request.user = user(7)
    morsel = run(request).cookies[COOKIE_NAME]
    assert verify_token(morsel.value, SECRET) == "7"
    assert morsel["secure"] is True and morsel["httponly"] is True


def test_logged_in_with_fresh_token_is_left_alone(rf):
    request = rf.get("/")
    request.user = user(7)
    request.COOKIES[COOKIE_NAME] = generate_token("7", SECRET)
    assert COOKIE_NAME not in run(request).cookies


@pytest.mark.parametrize(
    "cookie",
    [
        lambda: generate_token("8", SECRET),  # another user's token
        lambda: generate_token("7", SECRET, max_age=DEFAULT_MAX_AGE // 2 - 60),  # past half-life
        lambda: generate_token("7", "ee" * 32),  # signed with another secret
        lambda: "garbage",
    ],
    ids=["other-user", "half-life", "wrong-secret", "garbage"],
)
def test_logged_in_with_unusable_token_is_reissued(rf, cookie):
    request = rf.get("/")
    request.user = user(7)
    request.COOKIES[COOKIE_NAME] = cookie()
    morsel = run(request).cookies[COOKIE_NAME]
    assert verify_token(morsel.value, SECRET) == "7"
    assert int(morsel.value.split(":")[1]) >= time.time() + DEFAULT_MAX_AGE - 5


def test_view_that_sets_the_cookie_wins(rf):
    def logout_view(request):
        response = HttpResponse()
        spa_logout(response)
        return response

    request = rf.get("/")
    request.user = user(7)
    assert run(request, logout_view).cookies[COOKIE_NAME].value == ""


def test_without_secret_the_middleware_does_nothing_and_warns_once(rf, monkeypatch, caplog):
    monkeypatch.delenv("SPA_TOKEN_SECRET")
    middleware = SpaTokenMiddleware(lambda request: HttpResponse())
    with caplog.at_level(logging.WARNING, logger="pocket"):
        for _ in range(2):
            request = rf.get("/")
            request.user = user(7)
            assert COOKIE_NAME not in middleware(request).cookies
    assert sum("SpaTokenMiddleware is inactive" in r.getMessage() for r in caplog.records) == 1


def test_needs_authentication_middleware(rf):
    with pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware"):
        run(rf.get("/"))


def test_module_exports():
    assert set(spa_auth.__all__) >= {"generate_token", "verify_token", "spa_login", "spa_logout", "SpaTokenMiddleware"}
