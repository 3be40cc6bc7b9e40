"""The WSGI adapter's edges with a bare WSGI app, and pocket_call_command against moto's SQS."""

from __future__ import annotations

import base64
import json

import pytest

from pocket.django.utils import pocket_call_command, queue_url_variable
from pocket.django.wsgi_adapter import build_response, call_app, event_to_environ, is_text
from pocket.errors import PocketRuntimeError
from test_lambda_handlers import load_event


@pytest.mark.parametrize(
    ("content_type", "encoding", "text"),
    [
        ("text/html; charset=utf-8", None, True),
        ("application/json", None, True),
        ("application/vnd.api+json", None, True),
        ("application/javascript", None, True),
        ("image/svg+xml", None, True),
        ("image/png", None, False),
        ("application/octet-stream", None, False),
        ("application/pdf", None, False),
        ("text/css", "gzip", False),
        ("text/css", "identity", True),
        (None, None, True),
    ],
)
def test_which_bodies_travel_as_text(content_type, encoding, text):
    assert is_text(content_type, encoding) is text


def test_repeated_headers_are_joined_and_cookies_kept_apart():
    r = build_response(
        "200 OK",
        [("Vary", "Cookie"), ("Vary", "Accept-Language"), ("Set-Cookie", " a=1; Path=/"), ("Set-Cookie", "b=2")],
        b"",
    )
    assert r["headers"] == {"vary": "Cookie, Accept-Language"}
    assert r["cookies"] == ["a=1; Path=/", "b=2"]
    assert r["body"] == "" and r["isBase64Encoded"] is False


def test_mislabelled_binary_is_sent_intact():
    r = build_response("200 OK", [("Content-Type", "text/plain")], b"\xff\xfe\x00")
    assert r["isBase64Encoded"] is True
    assert base64.b64decode(r["body"]) == b"\xff\xfe\x00"


def test_environ_follows_pep_3333():
    event = load_event("apigw-get.json")
    event["rawPath"] = "/caf%C3%A9"
    env = event_to_environ(event)
    assert env["PATH_INFO"] == "/café".encode().decode("latin-1")
    assert env["QUERY_STRING"] == "a=1&a=2&b=%E3%81%82"
    assert env["HTTP_COOKIE"] == "session=abc; theme=dark"
    assert env["SERVER_NAME"] == "abc123.execute-api.ap-northeast-1.amazonaws.com"
    assert env["SERVER_PORT"] == "443"
    assert env["wsgi.url_scheme"] == "https"
    assert env["CONTENT_LENGTH"] == "0"
    assert "HTTP_CONTENT_LENGTH" not in env


def test_payload_version_1_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="payload format 2.0"):
        event_to_environ({"version": "1.0", "path": "/"})


def test_streamed_bodies_are_joined_and_closed():
    closed = []

    class Body:
        def __iter__(self):
            yield b"he"
            yield b""
            yield b"llo"

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain")])
        return Body()

    r = call_app(app, load_event("apigw-get.json"))
    assert (r["statusCode"], r["body"], closed) == (201, "hello", [True])


def test_queue_variable_names_follow_the_runtime_contract():
    assert queue_url_variable("sqsmanagement") == "POCKET_SQSMANAGEMENT_QUEUEURL"
    assert queue_url_variable("sqs-mgmt") == "POCKET_SQS_MGMT_QUEUEURL"


def test_pocket_call_command_queues_the_command(aws_env, deployed, monkeypatch):
    import boto3

    sqs = boto3.client("sqs", region_name="ap-northeast-1")
    url = sqs.create_queue(QueueName="dev-myapp-pocket-sqsmanagement")["QueueUrl"]
    deployed(POCKET_SQSMANAGEMENT_QUEUEURL=url)
    message_id = pocket_call_command("clearsessions", ["--verbosity", "0"], {"database": "default"})
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert got["MessageId"] == message_id
    assert json.loads(got["Body"]) == {
        "command": "clearsessions",
        "args": ["--verbosity", "0"],
        "kwargs": {"database": "default"},
    }


def test_pocket_call_command_refuses_a_missing_queue_instead_of_running_inline(deployed):
    deployed()
    with pytest.raises(PocketRuntimeError, match="POCKET_WORKER_QUEUEURL is not set"):
        pocket_call_command("clearsessions", handler_key="worker")


def test_pocket_call_command_runs_inline_locally(capsys):
    assert pocket_call_command("check") is None
    assert "System check identified no issues" in capsys.readouterr().out


def test_deploystatic_overrides_the_static_storage(monkeypatch, tmp_path):
    from pocket.django.runtime import get_storages

    monkeypatch.setenv("POCKET_STATICFILES_BACKEND_OVERRIDE", "django.contrib.staticfiles.storage.ManifestStaticFilesStorage")
    monkeypatch.setenv("POCKET_STATICFILES_LOCATION_OVERRIDE", str(tmp_path))
    storages = get_storages()
    assert storages["staticfiles"] == {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def _event_with_headers(headers: dict[str, str]) -> dict:
    event = load_event("apigw-get.json")
    event["headers"] = {"host": "abc123.execute-api.ap-northeast-1.amazonaws.com", **headers}
    return event


@pytest.mark.parametrize(
    ("headers", "scheme"),
    [
        ({"x-forwarded-proto": "https"}, "https"),
        ({"x-forwarded-proto": "http"}, "http"),
        ({"cloudfront-forwarded-proto": "http", "x-forwarded-proto": "https"}, "http"),
        ({"x-forwarded-proto": "https, http"}, "https"),
        # Anything but exactly http/https is ignored, falling back to the next header or https.
        ({"x-forwarded-proto": "javascript"}, "https"),
        ({"x-forwarded-proto": "HTTP"}, "https"),
        ({"x-forwarded-proto": "http://evil"}, "https"),
        ({"cloudfront-forwarded-proto": "gopher", "x-forwarded-proto": "http"}, "http"),
        ({"x-forwarded-proto": ""}, "https"),
        ({}, "https"),
    ],
)
def test_scheme_only_from_exact_http_or_https(headers, scheme):
    env = event_to_environ(_event_with_headers(headers))
    assert env["wsgi.url_scheme"] == scheme
    assert env["SERVER_PORT"] == ("443" if scheme == "https" else "80")


def test_underscore_header_names_are_dropped_so_they_cannot_masquerade():
    env = event_to_environ(
        _event_with_headers({"x-forwarded-host": "www.example.com", "x_forwarded_host": "evil.example", "x_only": "1"})
    )
    assert env["HTTP_X_FORWARDED_HOST"] == "www.example.com"
    assert "HTTP_X_ONLY" not in env
    # Alone, the underscore spelling does not produce the variable either.
    env = event_to_environ(_event_with_headers({"x_forwarded_host": "evil.example"}))
    assert "HTTP_X_FORWARDED_HOST" not in env


def test_forwarded_port_must_be_numeric():
    env = event_to_environ(_event_with_headers({"x-forwarded-port": "8443"}))
    assert env["SERVER_PORT"] == "8443"
    env = event_to_environ(_event_with_headers({"x-forwarded-port": "443; drop"}))
    assert env["SERVER_PORT"] == "443"
