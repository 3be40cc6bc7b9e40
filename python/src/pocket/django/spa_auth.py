"""SPA token authentication: the Django side of CloudFront ``require_token`` routes.

Token: ``{user_id}:{expiry}:{sig}`` where ``expiry`` is integer Unix seconds and ``sig`` is the
lower-case hex HMAC-SHA256 of UTF-8 ``{user_id}:{expiry}`` keyed with the hex-decoded secret
(vectors/spa-token.json is the shared known-answer file). The CloudFront Function at the edge
checks the same token from the ``pocket-spa-token`` cookie.

The secret is the managed ``spa_token_secret`` value; its environment variable is the ``env``
that ``POCKET_SECRETS`` gives for it (``SPA_TOKEN_SECRET`` when nothing says otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import re
import time

from pocket._deprecation import deprecated
from pocket.errors import PocketRuntimeError

__all__ = [
    "COOKIE_NAME",
    "DEFAULT_MAX_AGE",
    "SpaTokenCookieMiddleware",
    "SpaTokenMiddleware",
    "generate_token",
    "get_secret",
    "secret_env_name",
    "spa_login",
    "spa_logout",
    "verify_token",
]

logger = logging.getLogger("pocket")

COOKIE_NAME = "pocket-spa-token"
DEFAULT_MAX_AGE = 7 * 24 * 3600  # 604800, the edge and reference default
DEFAULT_SECRET_ENV = "SPA_TOKEN_SECRET"

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_SIG = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]+")
# Characters Django's cookie encoder leaves unquoted (http.cookies._LegalChars), minus ':' (the
# token separator). Anything else gets the value quoted, which the edge function cannot verify.
_COOKIE_SAFE_USER_ID = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")


def secret_env_name() -> str:
    """The variable holding the SPA token secret: the ``env`` of the ``spa_token_secret`` entry
    in ``POCKET_SECRETS``. With several such entries the one named ``SPA_TOKEN_SECRET`` is used
    (others must be passed explicitly as ``secret=``)."""
    raw = os.environ.get("POCKET_SECRETS")
    if not raw:
        return DEFAULT_SECRET_ENV
    try:
        managed = json.loads(raw).get("managed", {})
        entries = {
            name: spec["env"]
            for name, spec in managed.items()
            if isinstance(spec, dict) and spec.get("type") == "spa_token_secret" and "env" in spec
        }
    except (ValueError, AttributeError, TypeError, KeyError) as e:
        raise PocketRuntimeError(
            "POCKET_SECRETS is malformed; redeploy with `pocket deploy`",
            code="secrets-document-malformed",
        ) from e
    if len(entries) == 1:
        return next(iter(entries.values()))
    if DEFAULT_SECRET_ENV in entries:
        return entries[DEFAULT_SECRET_ENV]
    if entries:
        raise PocketRuntimeError(
            f"several spa_token_secret secrets are declared ({', '.join(sorted(entries))}); "
            "pass secret= explicitly",
            code="spa-secret-ambiguous",
        )
    return DEFAULT_SECRET_ENV


def get_secret() -> str:
    name = secret_env_name()
    value = os.environ.get(name, "")
    if not value:
        raise PocketRuntimeError(
            f"{name} is not set: declare {name} = {{ type = \"spa_token_secret\" }} in "
            "[awscontainer.secrets.managed] and call pocket.django.runtime.set_envs() "
            "(locally, put it in .env)",
            code="spa-secret-missing",
        )
    return value


def _key(secret: str | None) -> bytes:
    secret = get_secret() if secret is None else secret
    if not isinstance(secret, str) or not _HEX.fullmatch(secret):
        raise ValueError("the SPA token secret must be a hex string (the managed value is 64 hex chars)")
    return bytes.fromhex(secret)


def _signature(key: bytes, user_id: str, expiry: str) -> str:
    return hmac.new(key, f"{user_id}:{expiry}".encode("utf-8"), hashlib.sha256).hexdigest()


def generate_token(
    user_id: object,
    secret: str | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    *,
    now: float | None = None,
) -> str:
    """A token for ``user_id`` valid until ``floor(now) + max_age`` (``now`` defaults to the
    clock). ``user_id`` is converted with ``str`` and must not be empty or contain ``:``."""
    uid = str(user_id)
    if not uid or ":" in uid:
        raise ValueError(f"SPA token user id must be non-empty and contain no ':' (got {uid!r})")
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise ValueError("max_age must be a non-negative integer number of seconds")
    expiry = str(math.floor(time.time() if now is None else now) + max_age)
    return f"{uid}:{expiry}:{_signature(_key(secret), uid, expiry)}"


def verify_token(token: object, secret: str | None = None, *, now: float | None = None) -> str | None:
    """The user id of a valid, unexpired token, else ``None``.

    Strict like the edge: exactly three parts, expiry of plain ASCII digits, signature of 64
    lower-case hex digits compared in constant time. A token stays valid through its expiry
    second (``floor(now) <= expiry``), matching the edge function.
    """
    key = _key(secret)  # a bad secret is a configuration error, raised, not "invalid token"
    if not isinstance(token, str):
        return None
    parts = token.split(":")
    if len(parts) != 3:
        return None
    user_id, expiry, sig = parts
    if not user_id or not _DIGITS.fullmatch(expiry) or not _SIG.fullmatch(sig):
        return None
    expected = _signature(key, user_id, expiry)
    if not hmac.compare_digest(sig.encode("ascii"), expected.encode("ascii")):
        return None
    if math.floor(time.time() if now is None else now) > int(expiry):
        return None
    return user_id


def spa_login(response, user_id: object, secret: str | None = None, max_age: int = DEFAULT_MAX_AGE) -> str:
    """Set the ``pocket-spa-token`` cookie on a Django response; returns the token.

    The user id must be cookie-safe (letters, digits and ``!#$%&'*+-.^_`|~``): Django would
    quote anything else, and the edge would then reject the cookie and redirect forever.
    """
    uid = str(user_id)
    if not _COOKIE_SAFE_USER_ID.fullmatch(uid):
        raise ValueError(
            f"SPA token user id {uid!r} is not cookie-safe; use the primary key or another id made "
            "of letters, digits and !#$%&'*+-.^_`|~"
        )
    token = generate_token(uid, secret, max_age=max_age)
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age, httponly=True, secure=True, samesite="Lax", path="/"
    )
    return token


def spa_logout(response) -> None:
    """Expire the cookie, with the same attributes it was set with (the reference's logout
    cookie lacked Secure/HttpOnly/SameSite)."""
    response.set_cookie(
        COOKIE_NAME,
        "",
        max_age=0,
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        httponly=True,
        secure=True,
        samesite="Lax",
        path="/",
    )


class SpaTokenMiddleware:
    """Keep the SPA cookie in step with the Django session.

    Place it after ``AuthenticationMiddleware``. For a logged-in user it (re)issues the cookie
    when :meth:`_should_issue` says so (by default: missing, invalid, for another user, or past
    half its lifetime, since the 7-day token would otherwise expire inside a 14-day session and
    send the user through the login path again); for an anonymous request carrying the cookie it
    clears it. A response that already sets the cookie (a view called ``spa_login``/``spa_logout``)
    is left alone. Without the secret (``SPA_TOKEN_SECRET`` unset, e.g. locally) it does nothing.

    The two hooks are the original runtime's extension points: override ``_should_issue(request)``
    (for example a stricter refresh rule) and ``_max_age()`` (a shorter token; the class attribute
    ``max_age`` is its default).
    """

    max_age = DEFAULT_MAX_AGE

    def __init__(self, get_response):
        self.get_response = get_response
        self._warned = False

    def __call__(self, request):
        response = self.get_response(request)
        self.process_response(request, response)
        return response

    def _max_age(self) -> int:
        """Lifetime of the tokens this middleware issues, in seconds."""
        return self.max_age

    def _should_issue(self, request) -> bool:
        """Whether the logged-in user of ``request`` needs a new token: none, not valid for this
        user (expired, forged, another user's), or past half of :meth:`_max_age`."""
        current = request.COOKIES.get(COOKIE_NAME)
        if current is None or verify_token(current, get_secret()) != str(request.user.pk):
            return True
        expiry = int(current.split(":")[1])
        return expiry - time.time() <= self._max_age() / 2

    def process_response(self, request, response) -> None:
        if COOKIE_NAME in response.cookies:
            return
        user = getattr(request, "user", None)
        if user is None:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                "SpaTokenMiddleware needs request.user: put it after "
                "django.contrib.auth.middleware.AuthenticationMiddleware"
            )
        if not user.is_authenticated:
            if COOKIE_NAME in request.COOKIES:
                spa_logout(response)
            return
        try:
            secret = get_secret()
        except PocketRuntimeError as e:
            if not self._warned:
                logger.warning("pocket: SpaTokenMiddleware is inactive: %s", e)
                self._warned = True
            return
        if not self._should_issue(request):
            return
        try:
            spa_login(response, str(user.pk), secret=secret, max_age=self._max_age())
        except ValueError as e:
            logger.error("pocket: cannot issue the SPA token: %s", e)


class SpaTokenCookieMiddleware(SpaTokenMiddleware):
    """The original runtime's later name for :class:`SpaTokenMiddleware`, so a ``MIDDLEWARE``
    list (or a subclass) written for it keeps working; logs a deprecation notice once."""

    def __init__(self, get_response):
        deprecated(
            "pocket.django.spa_auth.SpaTokenCookieMiddleware",
            "list pocket.django.spa_auth.SpaTokenMiddleware in MIDDLEWARE (same behaviour)",
        )
        super().__init__(get_response)
