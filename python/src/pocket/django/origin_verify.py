"""The original runtime's import path of the origin check: ``MIDDLEWARE =
["pocket.django.origin_verify.OriginVerifyMiddleware", ...]`` keeps working.

The middleware lives in :mod:`pocket.django.middleware` (the path ``pocket django init`` writes);
this one behaves the same and logs a deprecation notice once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pocket._deprecation import deprecated
from pocket.django import middleware

__all__ = [
    "HEAD_PATH",
    "ORIGIN_VERIFY_HEADER_META",
    "ORIGIN_VERIFY_SECRET_ENV",
    "OriginVerifyMiddleware",
    "VIEWER_IP_HEADER_META",
]

# This class's dotted path, as the original's docs write it in MIDDLEWARE.
HEAD_PATH = "pocket.django.origin_verify.OriginVerifyMiddleware"

ORIGIN_VERIFY_SECRET_ENV = middleware.ORIGIN_VERIFY_SECRET_ENV
ORIGIN_VERIFY_HEADER_META = middleware.VERIFY_META
VIEWER_IP_HEADER_META = middleware.VIEWER_IP_META


class OriginVerifyMiddleware(middleware.OriginVerifyMiddleware):
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        deprecated(HEAD_PATH, "list pocket.django.middleware.OriginVerifyMiddleware in MIDDLEWARE (same behaviour)")
        super().__init__(get_response)
