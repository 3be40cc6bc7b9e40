"""``OriginVerifyMiddleware``: only requests that came through the stage's CloudFront reach Django.

With ``enable_origin_verify`` on a distribution, CloudFront adds the header
``X-Pocket-Origin-Verify: <secret>`` to every request it forwards to the API origin, and its
viewer-request function adds ``x-pocket-viewer-ip`` (the viewer's address) and
``x-forwarded-host`` (the host the viewer asked for). The secret reaches the function as
``POCKET_ORIGIN_VERIFY_SECRET``: a comma-separated list of accepted values, so that during a
rotation both the new and the old value pass.

When the variable is set (and not empty):
- a request without the header, or with a value matching none of the accepted ones (compared in
  constant time), gets 403: it went to the API Gateway URL directly, around CloudFront;
- a matching request is trusted: ``REMOTE_ADDR`` becomes ``x-pocket-viewer-ip`` (when it holds
  an IP address, see :func:`pocket.django.client_ip.parse_viewer_ip`) and ``HTTP_HOST`` becomes ``x-forwarded-host`` (when present), so
  ``request.get_host()``, ``ALLOWED_HOSTS``, CSRF and absolute URLs see the viewer's host
  without ``USE_X_FORWARDED_HOST`` (which would trust the header on every request, verified or
  not). The secret header is removed from ``request.META`` so error reports never show it.

When the variable is unset the middleware does nothing (no header is trusted). Put it first in
``MIDDLEWARE``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from typing import Any

from pocket.django.client_ip import parse_viewer_ip
from pocket.django.environment import set_envs

__all__ = [
    "ORIGIN_VERIFY_HEADER",
    "ORIGIN_VERIFY_SECRET_ENV",
    "VERIFY_META",
    "VIEWER_IP_META",
    "OriginVerifyMiddleware",
    "accepted_origin_secrets",
]

logger = logging.getLogger("pocket")

ORIGIN_VERIFY_SECRET_ENV = "POCKET_ORIGIN_VERIFY_SECRET"
ORIGIN_VERIFY_HEADER = "X-Pocket-Origin-Verify"
VERIFY_META = "HTTP_X_POCKET_ORIGIN_VERIFY"
VIEWER_IP_META = "HTTP_X_POCKET_VIEWER_IP"
_FORWARDED_HOST_META = "HTTP_X_FORWARDED_HOST"


def accepted_origin_secrets(value: str | None = None) -> list[bytes]:
    """The accepted values of ``POCKET_ORIGIN_VERIFY_SECRET`` (comma-separated, blanks ignored)."""
    raw = os.environ.get(ORIGIN_VERIFY_SECRET_ENV) if value is None else value
    return [part.strip().encode() for part in (raw or "").split(",") if part.strip()]


def _matches(presented: str, accepted: list[bytes]) -> bool:
    # SHA-256 digests have one length, so the comparison time says nothing about the secrets'
    # lengths either; every accepted value is compared (no early exit), so it does not tell
    # which one matched.
    given = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    ok = False
    for secret in accepted:
        ok |= hmac.compare_digest(given, hashlib.sha256(secret).digest())
    return ok


class OriginVerifyMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        # The secret is a managed secret: make sure it is in the environment even when the
        # settings module did not call set_envs() itself.
        set_envs()

    def __call__(self, request: Any) -> Any:
        accepted = accepted_origin_secrets()
        if not accepted:
            return self.get_response(request)
        presented = request.META.pop(VERIFY_META, None)
        if presented is None or not _matches(presented, accepted):
            logger.warning(
                "pocket: refused a request to %s that did not come through CloudFront (%s %s)",
                request.path,
                ORIGIN_VERIFY_HEADER,
                "missing" if presented is None else "wrong",
            )
            from django.http import HttpResponseForbidden

            return HttpResponseForbidden(
                "Forbidden: this origin only answers requests forwarded by its CloudFront distribution.\n",
                content_type="text/plain; charset=utf-8",
            )
        viewer_ip = parse_viewer_ip(request.META.get(VIEWER_IP_META, ""))
        if viewer_ip:
            request.META["REMOTE_ADDR"] = viewer_ip
        forwarded_host = request.META.get(_FORWARDED_HOST_META, "").split(",")[0].strip()
        if forwarded_host:
            request.META["HTTP_HOST"] = forwarded_host
        return self.get_response(request)
