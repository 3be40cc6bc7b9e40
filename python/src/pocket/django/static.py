"""Static files served by the app itself, from the folder collected into the image.

The configuration ``pocket django init`` writes has no CloudFront distribution, and the stage's
bucket blocks public access: a stylesheet URL into it would answer 403 to every browser. So
``staticfiles`` there is a filesystem storage whose folder ``collectstatic`` fills while the
image is built, and :class:`StaticFilesMiddleware` answers ``STATIC_URL`` requests from that
folder (see docs/decisions.md, "Static files without a distribution"). With an S3 or CloudFront
``staticfiles`` storage the middleware removes itself: the storage's URLs point elsewhere.

Hashed names (``ManifestStaticFilesStorage``) are cached for a year as immutable, other files for
an hour (the same headers ``pocket django deploystatic`` puts on S3 objects).
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "IMMUTABLE",
    "ORIGIN_VERIFY_MIDDLEWARE",
    "SHORT_CACHE",
    "STATIC_MIDDLEWARE",
    "StaticFilesMiddleware",
    "pocket_middleware",
]

ORIGIN_VERIFY_MIDDLEWARE = "pocket.django.middleware.OriginVerifyMiddleware"
# The original runtime's path of the same middleware: replaced by ours, never listed twice.
HEAD_ORIGIN_VERIFY_MIDDLEWARE = "pocket.django.origin_verify.OriginVerifyMiddleware"
STATIC_MIDDLEWARE = "pocket.django.static.StaticFilesMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
# Serves the same STATIC_URL from the same collected folder: left after ours it would only answer
# what ours already answered (issue 24), so pocket_middleware takes it out.
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"


def pocket_middleware(middleware: Iterable[str], *, origin_verify: bool = False) -> list[str]:
    """``MIDDLEWARE`` with pocket's middleware in place, whatever the list held before.

    ``OriginVerifyMiddleware`` goes first (it must see every request before anything answers);
    ``StaticFilesMiddleware`` right after ``SecurityMiddleware`` (so static responses get its
    headers), else right after the origin check; WhiteNoise's middleware is taken out (ours
    serves the same files, its precompressed ones too). Calling it again gives the same list.
    """
    own = (ORIGIN_VERIFY_MIDDLEWARE, HEAD_ORIGIN_VERIFY_MIDDLEWARE, STATIC_MIDDLEWARE, WHITENOISE_MIDDLEWARE)
    out = [m for m in middleware if m not in own]
    at = out.index(SECURITY_MIDDLEWARE) + 1 if SECURITY_MIDDLEWARE in out else 0
    out.insert(at, STATIC_MIDDLEWARE)
    if origin_verify:
        out.insert(0, ORIGIN_VERIFY_MIDDLEWARE)
    return out


def _static_prefix(static_url: str | None) -> str | None:
    """The path part of ``STATIC_URL`` when it is on this site (``/static/``), else ``None``."""
    if not static_url:
        return None
    parts = urlsplit(static_url)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path if parts.path.startswith("/") else f"/{parts.path}"
    return path if path.endswith("/") else f"{path}/"


class StaticFilesMiddleware:
    """Answers GET and HEAD under ``STATIC_URL`` from the local ``staticfiles`` storage."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from django.conf import settings
        from django.core.exceptions import MiddlewareNotUsed
        from django.core.files.storage import FileSystemStorage, storages

        self.get_response = get_response
        storage = storages["staticfiles"]
        prefix = _static_prefix(getattr(settings, "STATIC_URL", None))
        if not isinstance(storage, FileSystemStorage) or prefix is None:
            # S3 or CloudFront storages have URLs of their own; nothing to serve here.
            raise MiddlewareNotUsed("staticfiles is not a local storage")
        self.prefix = prefix
        self.storage = storage
        self.root = os.path.realpath(storage.location)
        hashed = getattr(storage, "hashed_files", None) or {}
        self.hashed = {str(name) for name in hashed.values()}

    def __call__(self, request: Any) -> Any:
        if request.method in ("GET", "HEAD") and request.path_info.startswith(self.prefix):
            response = self.serve(request, request.path_info[len(self.prefix) :])
            if response is not None:
                return response
        return self.get_response(request)

    def _file(self, name: str) -> str | None:
        clean = posixpath.normpath(name).lstrip("/")
        if clean in ("", ".") or clean.startswith("..") or "\x00" in clean:
            return None
        path = os.path.realpath(os.path.join(self.root, *clean.split("/")))
        # No way out of the folder, through ".." or a symlink.
        if os.path.commonpath([self.root, path]) != self.root or not os.path.isfile(path):
            return None
        return path

    def serve(self, request: Any, name: str) -> Any:
        """The file's response, or ``None`` (not here: the app answers, usually 404)."""
        from django.http import FileResponse, HttpResponse, HttpResponseNotModified
        from django.utils.http import http_date
        from django.views.static import was_modified_since

        path = self._file(name)
        if path is None:
            return None
        encoded, encoding = self._precompressed(request, path)
        stat = os.stat(encoded)
        # A .gz file is served as the bytes it is, never with Content-Encoding: the browser
        # would unpack a download it was meant to save.
        content_type, _encoding = mimetypes.guess_type(path)
        content_type = content_type or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
            content_type += "; charset=utf-8"
        headers = {
            "Cache-Control": IMMUTABLE if posixpath.normpath(name).lstrip("/") in self.hashed else SHORT_CACHE,
            "Last-Modified": http_date(stat.st_mtime),
            "X-Content-Type-Options": "nosniff",
        }
        if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
            response = HttpResponseNotModified()
        elif request.method == "HEAD":
            response = HttpResponse(b"", content_type=content_type)
            response["Content-Length"] = str(stat.st_size)
        else:
            response = FileResponse(open(encoded, "rb"), content_type=content_type)  # noqa: SIM115 - closed by Django
        for key, value in headers.items():
            response[key] = value
        if encoding:
            response["Content-Encoding"] = encoding
        if encoding or self._has_precompressed(path):
            response["Vary"] = "Accept-Encoding"
        return response

    @staticmethod
    def _has_precompressed(path: str) -> bool:
        return any(os.path.isfile(path + suffix) for suffix in (".br", ".gz"))

    @staticmethod
    def _precompressed(request: Any, path: str) -> tuple[str, str | None]:
        """The .br or .gz file WhiteNoise's compressing storage wrote beside ``path``, when the
        browser accepts that encoding (Brotli first); else the file itself."""
        accepted = {
            part.split(";")[0].strip().lower() for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(",")
        }
        for suffix, encoding in ((".br", "br"), (".gz", "gzip")):
            if encoding in accepted and os.path.isfile(path + suffix):
                return path + suffix, encoding
        return path, None
