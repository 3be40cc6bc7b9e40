"""pocket.django.middleware.OriginVerifyMiddleware with right, wrong and missing headers."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from pocket.django.middleware import OriginVerifyMiddleware, accepted_origin_secrets


def _seen(request):
    return HttpResponse(f"{request.META['REMOTE_ADDR']}|{request.get_host()}|{'HTTP_X_POCKET_ORIGIN_VERIFY' in request.META}")


@pytest.fixture
def mw():
    return OriginVerifyMiddleware(_seen)


@pytest.fixture
def rf():
    return RequestFactory()


def _get(rf, **headers):
    return rf.get("/admin/", REMOTE_ADDR="130.176.0.10", HTTP_HOST="abc.execute-api.ap-northeast-1.amazonaws.com", **headers)


def test_without_the_variable_nothing_is_trusted_or_refused(mw, rf):
    response = mw(_get(rf, HTTP_X_POCKET_VIEWER_IP="203.0.113.9", HTTP_X_FORWARDED_HOST="www.example.com"))
    assert response.status_code == 200
    assert response.content.decode() == "130.176.0.10|abc.execute-api.ap-northeast-1.amazonaws.com|False"


def test_blank_variable_is_the_same_as_unset(mw, rf, monkeypatch):
    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", " , ")
    assert accepted_origin_secrets() == []
    assert mw(_get(rf)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_POCKET_ORIGIN_VERIFY": "wrong"},
        {"HTTP_X_POCKET_ORIGIN_VERIFY": ""},
        {"HTTP_X_POCKET_ORIGIN_VERIFY": "s3cret-new-x"},  # a prefix match is not a match
        {"HTTP_X_POCKET_ORIGIN_VERIFY": "s3cret-new,s3cret-old"},  # the whole list is not a value
        {"HTTP_X_POCKET_ORIGIN_VERIFY": "ｓ3cret"},  # non-latin-1 characters do not crash
    ],
    ids=["missing", "wrong", "empty", "longer", "list", "unicode"],
)
def test_missing_or_wrong_header_is_403(mw, rf, monkeypatch, caplog, headers):
    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", "s3cret-new,s3cret-old")
    with caplog.at_level(logging.WARNING, logger="pocket"):
        response = mw(_get(rf, HTTP_X_POCKET_VIEWER_IP="203.0.113.9", **headers))
    assert response.status_code == 403
    assert b"CloudFront" in response.content
    # The refusal is logged, never with the presented value.
    messages = [r.getMessage() for r in caplog.records]
    assert messages and not any("s3cret" in m or "ｓ3cret" in m for m in messages)


@pytest.mark.parametrize("secret", ["s3cret-new", "s3cret-old"])
def test_new_and_old_secret_both_pass_during_rotation(mw, rf, monkeypatch, secret):
    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", "s3cret-new, s3cret-old")
    response = mw(
        _get(
            rf,
            HTTP_X_POCKET_ORIGIN_VERIFY=secret,
            HTTP_X_POCKET_VIEWER_IP="2001:db8::7",
            HTTP_X_FORWARDED_HOST="www.example.com",
        )
    )
    assert response.status_code == 200
    # Viewer IP and host are trusted; the secret is gone from META.
    assert response.content.decode() == "2001:db8::7|www.example.com|False"


@pytest.mark.parametrize("bad_ip", ["not-an-ip", "203.0.113.9:http", "", "999.1.1.1"])
def test_invalid_viewer_ip_leaves_remote_addr_alone(mw, rf, monkeypatch, bad_ip):
    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", "s3cret")
    response = mw(_get(rf, HTTP_X_POCKET_ORIGIN_VERIFY="s3cret", HTTP_X_POCKET_VIEWER_IP=bad_ip))
    assert response.status_code == 200
    assert response.content.decode() == "130.176.0.10|abc.execute-api.ap-northeast-1.amazonaws.com|False"


def test_viewer_address_with_a_port_gives_the_address(mw, rf, monkeypatch):
    # CloudFront-Viewer-Address form (address:port), as pocket.django.client_ip parses it.
    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", "s3cret")
    response = mw(_get(rf, HTTP_X_POCKET_ORIGIN_VERIFY="s3cret", HTTP_X_POCKET_VIEWER_IP="203.0.113.9:443"))
    assert response.content.decode().split("|")[0] == "203.0.113.9"


def test_a_stage_with_origin_verify_warns_when_the_middleware_is_missing_or_late():
    from pocket.django.lambda_handlers import ORIGIN_VERIFY_MIDDLEWARE, origin_verify_problem

    security = "django.middleware.security.SecurityMiddleware"
    enabled = {"POCKET_ORIGIN_VERIFY_SECRET": "s3cret"}
    assert origin_verify_problem([security], {}) is None
    assert origin_verify_problem([security], {"POCKET_ORIGIN_VERIFY_SECRET": " , "}) is None
    assert "is not in MIDDLEWARE" in origin_verify_problem([security], enabled)
    assert "is not first" in origin_verify_problem([security, ORIGIN_VERIFY_MIDDLEWARE], enabled)
    assert origin_verify_problem([ORIGIN_VERIFY_MIDDLEWARE, security], enabled) is None
    assert "s3cret" not in origin_verify_problem([], enabled)
