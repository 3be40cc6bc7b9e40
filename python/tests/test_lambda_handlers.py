"""The Lambda handlers against the example project's real views (examples/django).

The example app runs in a subprocess of its own (``example_driver.py``): this session's Django is
already configured with the test settings, and Django sets up once per process.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "django"
EVENTS = Path(__file__).parent / "fixtures" / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


class ExampleApp:
    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKET_", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "mysite.settings",
                "PYTHONPATH": os.pathsep.join([str(EXAMPLE), os.environ.get("PYTHONPATH", "")]),
                "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
                "DJANGO_MEDIA_ROOT": str(workdir / "media"),
                "SECRET_KEY": "example-tests-not-secret",
                "SPA_TOKEN_SECRET": "ab" * 32,
                # What POCKET_HOSTS brings on a deployed stage.
                "ALLOWED_HOSTS": "abc123.execute-api.ap-northeast-1.amazonaws.com",
                **(extra_env or {}),
            }
        )
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "example_driver.py")],
            cwd=workdir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def call(self, handler: str, event: dict[str, Any]) -> dict[str, Any]:
        reply = self.call_raw(handler, event)
        assert "error" not in reply, reply.get("error")
        return reply

    def call_raw(self, handler: str, event: dict[str, Any]) -> dict[str, Any]:
        """The handler's return value, or ``{"error": traceback}`` when it raised."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"handler": handler, "event": event}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the example app died:\n{self.proc.stderr.read() if self.proc.stderr else ''}")
        return json.loads(line)

    def close(self) -> str:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        return self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("example")
    running = ExampleApp(workdir)
    migrated = running.call("management", {"manage": "migrate --noinput"})
    assert migrated["exitCode"] == 0, migrated["output"]
    yield running
    running.close()


def http(method: str, path: str, *, query: str = "", headers: dict[str, str] | None = None,
         cookies: list[str] | None = None, body: bytes | None = None) -> dict[str, Any]:
    event = load_event("apigw-get.json")
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    event["headers"] = {**{k: v for k, v in event["headers"].items() if k != "x-multi"}, **(headers or {})}
    if cookies is None:
        event.pop("cookies", None)
    else:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
        event["headers"]["content-length"] = str(len(body))
    return event


def cookie_pairs(response: dict[str, Any]) -> dict[str, str]:
    return dict(c.split(";", 1)[0].split("=", 1) for c in response["cookies"])


def test_get_with_query_cookies_and_repeated_headers(app):
    r = app.call("wsgi", load_event("apigw-get.json"))
    assert r["statusCode"] == 200
    assert r["isBase64Encoded"] is False  # JSON travels as text
    assert r["headers"]["content-type"] == "application/json"
    data = json.loads(r["body"])
    assert data["query"] == {"a": ["1", "2"], "b": ["あ"]}
    assert data["cookies"] == {"session": "abc", "theme": "dark"}
    assert data["host"] == "abc123.execute-api.ap-northeast-1.amazonaws.com"
    assert data["secure"] is True
    assert data["remote_addr"] == "203.0.113.7"
    assert data["headers"]["x-multi"] == "one,two"


def test_the_same_request_through_cloudfront(app):
    r = app.call("wsgi", load_event("cloudfront-get.json"))
    data = json.loads(r["body"])
    assert r["statusCode"] == 200
    assert data["query"] == {"via": ["cf"]}
    assert data["secure"] is True  # SECURE_PROXY_SSL_HEADER reads CloudFront-Forwarded-Proto


def test_post_form_with_csrf(app):
    first = app.call("wsgi", http("GET", "/notes"))
    token = json.loads(first["body"])["csrf"]
    csrf_cookie = cookie_pairs(first)["csrftoken"]
    form = f"title={quote('Grüße')}&body=hello".encode()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-csrftoken": token,
        "referer": "https://abc123.execute-api.ap-northeast-1.amazonaws.com/notes",
    }
    created = app.call("wsgi", http("POST", "/notes", headers=headers, cookies=[f"csrftoken={csrf_cookie}"], body=form))
    assert created["statusCode"] == 201, created["body"]
    assert json.loads(created["body"])["title"] == "Grüße"

    refused = app.call("wsgi", http("POST", "/notes", headers={"content-type": "application/x-www-form-urlencoded"}, body=form))
    assert refused["statusCode"] == 403  # no CSRF token: Django's own refusal, not a crash


def test_multipart_upload_arrives_byte_for_byte(app):
    payload = bytes(range(256)) * 4
    boundary = "pocketboundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    # Django's csrf check does not apply: the upload view is exempt by being called with the token.
    first = app.call("wsgi", http("GET", "/notes"))
    token = json.loads(first["body"])["csrf"]
    r = app.call(
        "wsgi",
        http(
            "POST",
            "/upload",
            headers={
                "content-type": f"multipart/form-data; boundary={boundary}",
                "x-csrftoken": token,
                "referer": "https://abc123.execute-api.ap-northeast-1.amazonaws.com/",
            },
            cookies=[f"csrftoken={cookie_pairs(first)['csrftoken']}"],
            body=body,
        ),
    )
    assert r["statusCode"] == 201, r["body"]
    assert json.loads(r["body"])["size"] == len(payload)


def test_binary_response_is_base64(app):
    r = app.call("wsgi", http("GET", "/pixel.png"))
    assert r["isBase64Encoded"] is True
    assert r["headers"]["content-type"] == "image/png"
    assert base64.b64decode(r["body"]).startswith(b"\x89PNG\r\n")


def test_redirect_with_several_cookies(app):
    r = app.call("wsgi", http("GET", "/login-redirect"))
    assert r["statusCode"] == 302
    assert r["headers"]["location"] == "/echo?from=login"
    assert "set-cookie" not in r["headers"]
    assert cookie_pairs(r) == {"a": "1", "b": "2", "c": "3"}
    assert any("HttpOnly" in c for c in r["cookies"])


def test_spa_login_sets_the_token_cookie(app):
    r = app.call("wsgi", http("GET", "/spa-login", query="user=7"))
    token = cookie_pairs(r)["pocket-spa-token"]
    user, expiry, signature = token.split(":")
    assert user == "7" and expiry.isdigit() and len(signature) == 64


def test_non_ascii_path(app):
    path = "/" + quote("wörter") + "/" + quote("日本")
    r = app.call("wsgi", http("GET", path))
    assert r["statusCode"] == 200, r["body"]
    assert json.loads(r["body"]) == {"word": "日本", "path": "/wörter/日本"}


def test_not_found_is_an_http_answer(app):
    r = app.call("wsgi", http("GET", "/nowhere"))
    assert r["statusCode"] == 404


def test_management_command_success_and_output(app):
    r = app.call("management", {"command": "showmigrations", "args": ["notes"]})
    assert r["exitCode"] == 0
    assert "[X] 0001_initial" in r["output"]
    check = app.call("management", {"manage": "check"})
    assert check == {"exitCode": 0, "output": "System check identified no issues (0 silenced).\n"}


def test_management_command_failures_have_exit_codes(app):
    unknown = app.call("management", {"command": "no_such_command"})
    assert unknown["exitCode"] == 1
    assert "Unknown command" in unknown["output"]
    bad_args = app.call("management", {"command": "migrate", "args": ["no_such_app"]})
    assert bad_args["exitCode"] == 1
    assert "No installed app with label 'no_such_app'" in bad_args["output"]
    malformed = app.call("management", {"args": ["x"]})
    assert malformed["exitCode"] == 2
    assert '"command"' in malformed["output"]
    kwargs = app.call("management", {"command": "migrate", "kwargs": {"interactive": False, "verbosity": 0}})
    assert kwargs == {"exitCode": 0, "output": ""}


def test_system_exit_becomes_the_exit_code(app):
    # `makemigrations --check` exits 1 via SystemExit when changes are missing; with none it is 0.
    r = app.call("management", {"command": "makemigrations", "args": ["--check", "--dry-run"]})
    assert r["exitCode"] == 0, r["output"]


def test_sqs_batch_reports_only_the_failed_records(app):
    event = load_event("sqs-batch.json")
    r = app.call("management", event)
    assert r == {
        "batchItemFailures": [
            {"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"},
            {"itemIdentifier": "3f2e1424-aaaa-459a-8184-9c92662be6db"},
        ]
    }


QUEUE_BASE = "https://sqs.ap-northeast-1.amazonaws.com/123456789012/"


@pytest.mark.parametrize(
    ("extra_env", "raises"),
    [
        # The batch's queue is the sqsmanagement handler's, which turned reporting off.
        ({"POCKET_SQSMANAGEMENT_QUEUEURL": QUEUE_BASE + "dev-mysite-pocket-sqsmanagement",
          "POCKET_SQSMANAGEMENT_REPORT_BATCH_ITEM_FAILURES": "false"}, True),
        # Another handler's flag does not apply to this queue.
        ({"POCKET_SQSMANAGEMENT_QUEUEURL": QUEUE_BASE + "dev-mysite-pocket-sqsmanagement",
          "POCKET_SQSMANAGEMENT_REPORT_BATCH_ITEM_FAILURES": "true",
          "POCKET_WORKER_QUEUEURL": QUEUE_BASE + "dev-mysite-pocket-worker",
          "POCKET_WORKER_REPORT_BATCH_ITEM_FAILURES": "false"}, False),
        # A deploy from before the flag existed: no variable means reporting.
        ({"POCKET_SQSMANAGEMENT_QUEUEURL": QUEUE_BASE + "dev-mysite-pocket-sqsmanagement"}, False),
    ],
    ids=["flag-false", "other-handler-false", "no-flag"],
)
def test_report_batch_item_failures_flag_per_handler(tmp_path, extra_env, raises):
    running = ExampleApp(tmp_path, extra_env)
    try:
        reply = running.call_raw("management", load_event("sqs-batch.json"))
    finally:
        logs = running.close()
    if raises:
        # Lambda then retries the batch and the dead-letter queue catches what keeps failing.
        assert "SqsMessageFailed" in reply["error"]
        assert "2e1424d4-f796-459a-8184-9c92662be6da" in reply["error"]
        assert "report_batch_item_failures = false" in reply["error"]
        assert "hunter2" not in reply["error"] + logs
    else:
        assert [f["itemIdentifier"] for f in reply["batchItemFailures"]] == [
            "2e1424d4-f796-459a-8184-9c92662be6da",
            "3f2e1424-aaaa-459a-8184-9c92662be6db",
        ]


def test_handler_key_comes_from_the_queue_name():
    from pocket.django.lambda_handlers import handler_key_of_queue, reports_batch_item_failures

    env = {
        "POCKET_SQS_MGMT_QUEUEURL": QUEUE_BASE + "dev-app-pocket-sqs-mgmt",
        "POCKET_SQS_MGMT_REPORT_BATCH_ITEM_FAILURES": "false",
        "POCKET_JOBS_QUEUEURL": QUEUE_BASE + "dev-app-pocket-jobs",
        "POCKET_JOBS_REPORT_BATCH_ITEM_FAILURES": "true",
    }
    arn = "arn:aws:sqs:ap-northeast-1:123456789012:"
    assert handler_key_of_queue(arn + "dev-app-pocket-sqs-mgmt", env) == "SQS_MGMT"
    assert handler_key_of_queue(arn + "dev-app-pocket-jobs", env) == "JOBS"
    assert handler_key_of_queue(arn + "dev-app-pocket-sqs", env) is None  # no prefix match
    assert reports_batch_item_failures(arn + "dev-app-pocket-sqs-mgmt", env) is False
    assert reports_batch_item_failures(arn + "dev-app-pocket-jobs", env) is True
    assert reports_batch_item_failures(arn + "unknown", env) is True
    assert reports_batch_item_failures("", env) is True
    from pocket.errors import PocketRuntimeError

    env["POCKET_JOBS_REPORT_BATCH_ITEM_FAILURES"] = "no"
    with pytest.raises(PocketRuntimeError) as info:
        reports_batch_item_failures(arn + "dev-app-pocket-jobs", env)
    assert (info.value.code, info.value.where) == ("invalid-environment", "POCKET_JOBS_REPORT_BATCH_ITEM_FAILURES")


def test_sqs_bodies_may_be_command_lines(app):
    # A schedule's `message = "clearsessions"` reaches the queue as text (or as a JSON string).
    event = load_event("sqs-batch.json")
    records = event["Records"][:1] * 3
    bodies = ["clearsessions --verbosity 0", json.dumps("check"), json.dumps({"manage": "check"})]
    event["Records"] = [{**r, "messageId": f"m{i}", "body": b} for i, (r, b) in enumerate(zip(records, bodies))]
    assert app.call("management", event) == {"batchItemFailures": []}
    event["Records"] = [{**records[0], "messageId": "bad", "body": "check --tag 'open"}]
    assert app.call("management", event) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_schedule_manage_events(app):
    # EventBridge Scheduler sends {"manage": "<command line>"} to the management handler.
    assert app.call("management", {"manage": "clearsessions --verbosity 0"}) == {"exitCode": 0, "output": ""}
    quoted = app.call("management", {"manage": "check --tag 'no such tag'"})
    assert quoted["exitCode"] == 1 and "no such tag" in quoted["output"]
    unbalanced = app.call("management", {"manage": "check --tag 'open"})
    assert unbalanced["exitCode"] == 2
    assert app.call("management", {"manage": "  "})["exitCode"] == 2


def test_origin_verify_through_the_handler(tmp_path):
    running = ExampleApp(
        tmp_path,
        {"POCKET_ORIGIN_VERIFY_SECRET": "edge-secret-2,edge-secret-1", "POCKET_CLOUDFRONT_WEB_DOMAIN": "www.example.com"},
    )
    try:
        direct = running.call("wsgi", load_event("apigw-get.json"))
        event = load_event("cloudfront-get.json")
        event["headers"].update(
            {
                "x-pocket-origin-verify": "edge-secret-1",
                "x-pocket-viewer-ip": "198.51.100.23",
                "x-forwarded-host": "www.example.com",
            }
        )
        through_cloudfront = running.call("wsgi", event)
        event["headers"]["x-pocket-origin-verify"] = "edge-secret-0"
        stale = running.call("wsgi", event)
    finally:
        running.close()
    assert direct["statusCode"] == 403
    assert through_cloudfront["statusCode"] == 200
    body = json.loads(through_cloudfront["body"])
    assert body["remote_addr"] == "198.51.100.23"
    # The viewer's host (a CloudFront domain, hence in ALLOWED_HOSTS), not API Gateway's.
    assert body["host"] == "www.example.com"
    assert stale["statusCode"] == 403


def test_argument_values_never_reach_the_logs(tmp_path):
    running = ExampleApp(tmp_path)
    running.call("management", load_event("sqs-batch.json"))
    running.call("management", {"command": "check", "args": ["--tag", "hunter2-secret"]})
    logs = running.close()
    assert "hunter2" not in logs


def test_events_are_not_mutated(app):
    event = load_event("apigw-get.json")
    before = copy.deepcopy(event)
    app.call("wsgi", event)
    assert event == before
