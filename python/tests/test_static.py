"""pocket.django.static: the app serves the static files collected into the image."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from pocket.django.static import (
    IMMUTABLE,
    ORIGIN_VERIFY_MIDDLEWARE,
    SHORT_CACHE,
    STATIC_MIDDLEWARE,
    StaticFilesMiddleware,
    pocket_middleware,
)

SECURITY = "django.middleware.security.SecurityMiddleware"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


def test_pocket_middleware_places_its_middleware_and_is_idempotent():
    once = pocket_middleware([SECURITY, SESSIONS], origin_verify=True)
    assert once == [ORIGIN_VERIFY_MIDDLEWARE, SECURITY, STATIC_MIDDLEWARE, SESSIONS]
    assert pocket_middleware(once, origin_verify=True) == once
    # Turning origin verification off removes it; without SecurityMiddleware static goes first.
    assert pocket_middleware(once) == [SECURITY, STATIC_MIDDLEWARE, SESSIONS]
    assert pocket_middleware([SESSIONS]) == [STATIC_MIDDLEWARE, SESSIONS]


@pytest.fixture
def collected(tmp_path):
    root = tmp_path / "staticfiles"
    (root / "admin" / "css").mkdir(parents=True)
    (root / "admin" / "css" / "base.css").write_text("body{}")
    (root / "admin" / "css" / "base.0123456789ab.css").write_text("body{}")
    (root / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"admin/css/base.css": "admin/css/base.0123456789ab.css"}, "hash": "x"})
    )
    (tmp_path / "secret.txt").write_text("outside")
    stores = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    with override_settings(STORAGES=stores, STATIC_URL="/static/"):
        # Django's setting_changed handler makes `storages` re-read STORAGES.
        yield root


def app(request):
    return HttpResponse("from the app", status=404)


def test_serves_hashed_files_immutable_and_others_for_an_hour(collected):
    mw = StaticFilesMiddleware(app)
    rf = RequestFactory()
    hashed = mw(rf.get("/static/admin/css/base.0123456789ab.css"))
    assert hashed.status_code == 200
    assert hashed["Content-Type"] == "text/css; charset=utf-8"
    assert hashed["Cache-Control"] == IMMUTABLE
    assert b"".join(hashed.streaming_content) == b"body{}"
    plain = mw(rf.get("/static/admin/css/base.css"))
    assert plain["Cache-Control"] == SHORT_CACHE
    head = mw(rf.head("/static/admin/css/base.css"))
    assert head.status_code == 200 and head.content == b"" and head["Content-Length"] == "6"
    again = mw(rf.get("/static/admin/css/base.css", HTTP_IF_MODIFIED_SINCE=plain["Last-Modified"]))
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    ["/static/../secret.txt", "/static/admin/../../secret.txt", "/static/missing.css", "/static/", "/other/x.css"],
)
def test_leaves_everything_else_to_the_app(collected, path):
    response = StaticFilesMiddleware(app)(RequestFactory().get(path))
    assert response.content == b"from the app"


def test_only_reads(collected):
    response = StaticFilesMiddleware(app)(RequestFactory().post("/static/admin/css/base.css"))
    assert response.content == b"from the app"


def test_removes_itself_for_s3_storages_or_a_static_url_elsewhere(collected):
    with override_settings(STATIC_URL="https://cdn.example.com/static/"):
        with pytest.raises(MiddlewareNotUsed):
            StaticFilesMiddleware(app)
    s3 = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "storages.backends.s3boto3.S3StaticStorage",
            "OPTIONS": {"bucket_name": "b", "location": "static"},
        },
    }
    with override_settings(STORAGES=s3):
        with pytest.raises(MiddlewareNotUsed):
            StaticFilesMiddleware(app)


def test_pocket_middleware_takes_whitenoise_out():
    whitenoise = "whitenoise.middleware.WhiteNoiseMiddleware"
    # The order a PaaS guide gives: WhiteNoise right after SecurityMiddleware.
    assert pocket_middleware([SECURITY, whitenoise, SESSIONS]) == [SECURITY, STATIC_MIDDLEWARE, SESSIONS]


def test_serves_the_precompressed_file_the_browser_accepts(collected):
    import gzip

    css = collected / "admin" / "css" / "base.0123456789ab.css"
    (collected / "admin" / "css" / "base.0123456789ab.css.gz").write_bytes(gzip.compress(b"body{}"))
    (collected / "admin" / "css" / "base.0123456789ab.css.br").write_bytes(b"brotli bytes")
    middleware = StaticFilesMiddleware(app)
    path = "/static/admin/css/base.0123456789ab.css"

    def get(encoding):
        return middleware(RequestFactory().get(path, HTTP_ACCEPT_ENCODING=encoding))

    br = get("gzip, deflate, br")
    assert br["Content-Encoding"] == "br"
    assert b"".join(br.streaming_content) == b"brotli bytes"
    assert br["Content-Type"] == "text/css; charset=utf-8"
    assert br["Cache-Control"] == IMMUTABLE
    gz = get("gzip")
    assert gz["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(gz.streaming_content)) == b"body{}"
    plain = get("")
    assert not plain.has_header("Content-Encoding")
    assert b"".join(plain.streaming_content) == css.read_bytes()
    for response in (br, gz, plain):
        assert response["Vary"] == "Accept-Encoding"
