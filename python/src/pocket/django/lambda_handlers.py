"""Lambda entry points named in ``pocket.toml`` (``awscontainer.handlers.*.command``).

- ``wsgi_handler``: API Gateway HTTP API (payload 2.0) events, directly or through CloudFront.
- ``management_command_handler``: a Django management command, invoked synchronously by
  ``pocket django manage`` (``{"command", "args", "kwargs"}`` or ``{"manage": "migrate --noinput"}``)
  and returning ``{"exitCode", "output"}``; schedules send ``{"manage": "clearsessions"}`` too.
  The same function takes SQS batches (messages written by
  ``pocket.django.utils.pocket_call_command``) and reports ``batchItemFailures``, or raises when
  the record's handler has ``POCKET_<KEY>_REPORT_BATCH_ITEM_FAILURES=false``.

Unlike the original (docs/decisions.md#y5-handlers-without-side-effects): Django is set up
lazily by whichever handler runs first, not by importing this module; argument values and
message bodies are never logged; a command's ``SystemExit`` and errors become an exit code
instead of a Lambda error that async retries would re-run; there is no shell handler.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shlex
import threading
import traceback
from collections.abc import Mapping
from typing import Any

from pocket._deprecation import deprecated
from pocket.django.environment import set_envs
from pocket.django.wsgi_adapter import WsgiApp, call_app
from pocket.errors import PocketRuntimeError

logger = logging.getLogger("pocket.django.lambda_handlers")

_lock = threading.Lock()
_app: WsgiApp | None = None
_django_ready = False


def _setup_django() -> None:
    """Secrets first (settings read them), then Django, once per process."""
    global _django_ready
    with _lock:
        if _django_ready:
            return
        if not os.environ.get("DJANGO_SETTINGS_MODULE"):
            raise PocketRuntimeError(
                "DJANGO_SETTINGS_MODULE is not set in the image. Add "
                "`ENV DJANGO_SETTINGS_MODULE=yourproject.settings` to the Dockerfile.",
                code="settings-module-missing",
            )
        set_envs()
        import django

        django.setup(set_prefix=False)
        _django_ready = True


def wsgi_application() -> WsgiApp:
    """The Django WSGI application ``wsgi_handler`` serves (secrets loaded, Django set up)."""
    return _wsgi_app()


def _wsgi_app() -> WsgiApp:
    global _app
    if _app is None:
        _setup_django()
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler

        _app = WSGIHandler()
        problem = origin_verify_problem(list(getattr(settings, "MIDDLEWARE", [])))
        if problem:
            logger.warning("pocket: %s", problem)
    return _app


ORIGIN_VERIFY_MIDDLEWARE = "pocket.django.middleware.OriginVerifyMiddleware"
# The same middleware under the original runtime's path (pocket.django.origin_verify).
ORIGIN_VERIFY_MIDDLEWARE_PATHS = (ORIGIN_VERIFY_MIDDLEWARE, "pocket.django.origin_verify.OriginVerifyMiddleware")


def origin_verify_problem(middleware: list[str], environ: Mapping[str, str] | None = None) -> str | None:
    """Why origin verification would not protect this app, or ``None``: the stage enables it
    (``POCKET_ORIGIN_VERIFY_SECRET`` is set) but the middleware is missing, so requests that
    bypass CloudFront are served, or it is not first, so middleware before it already ran on
    them with CloudFront's address and host."""
    environ = os.environ if environ is None else environ
    if not environ.get("POCKET_ORIGIN_VERIFY_SECRET", "").strip(", "):
        return None
    if not any(path in middleware for path in ORIGIN_VERIFY_MIDDLEWARE_PATHS):
        return (
            f"origin verification is enabled for this stage but {ORIGIN_VERIFY_MIDDLEWARE} is not "
            "in MIDDLEWARE: requests that bypass CloudFront are served. Add it first in MIDDLEWARE."
        )
    if middleware[0] not in ORIGIN_VERIFY_MIDDLEWARE_PATHS:
        return (
            f"{ORIGIN_VERIFY_MIDDLEWARE} is not first in MIDDLEWARE: {middleware[0]} runs before "
            "the origin check, with CloudFront's address instead of the viewer's. Move it first."
        )
    return None


def wsgi_handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """API Gateway HTTP API payload 2.0 to Django and back."""
    return call_app(_wsgi_app(), event, context)


def _parse_command(event: Mapping[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    if not isinstance(event, Mapping):
        raise ValueError("the event must be a JSON object")
    if "manage" in event:
        line = event["manage"]
        if not isinstance(line, str) or not line.strip():
            raise ValueError('"manage" must be a non-empty command line, e.g. "migrate --noinput"')
        words = shlex.split(line)
        return words[0], words[1:], {}
    command = event.get("command")
    if not isinstance(command, str) or not command:
        raise ValueError('the event needs "command" (a management command name) or "manage" (a command line)')
    args = event.get("args") or []
    kwargs = event.get("kwargs") or {}
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ValueError('"args" must be a list of strings')
    if not isinstance(kwargs, Mapping):
        raise ValueError('"kwargs" must be an object')
    return command, list(args), dict(kwargs)


def run_management_command(event: Mapping[str, Any]) -> dict[str, Any]:
    """Runs one command; returns its exit code and everything it printed."""
    try:
        command, args, kwargs = _parse_command(event)
    except ValueError as error:
        return {"exitCode": 2, "output": f"pocket: {error}\n"}
    _setup_django()
    from django.core.management import CommandError, call_command

    # Only the command's name is logged: arguments may carry passwords or personal data.
    logger.info("management command %s (%d args)", command, len(args) + len(kwargs))
    buffer = io.StringIO()
    exit_code = 0
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            call_command(command, *args, stdout=buffer, stderr=buffer, **kwargs)
        except CommandError as error:
            exit_code = getattr(error, "returncode", 1) or 1
            buffer.write(f"CommandError: {error}\n")
        except SystemExit as stop:
            code = stop.code
            exit_code = code if isinstance(code, int) else (0 if code is None else 1)
            if isinstance(code, str):
                buffer.write(f"{code}\n")
        except Exception:  # noqa: BLE001 - the caller gets the traceback as output, not a crash
            exit_code = 1
            buffer.write(traceback.format_exc())
    return {"exitCode": exit_code, "output": buffer.getvalue()}


def _is_sqs_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return isinstance(records, list) and all(
        isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records
    )


class SqsMessageFailed(PocketRuntimeError):
    """Raised for a failed SQS message of a handler with ``report_batch_item_failures = false``:
    Lambda then retries the whole batch and, after the queue's receive limit, moves the messages
    to the dead-letter queue (a ``batchItemFailures`` answer would be ignored and the failed
    message deleted)."""

    default_code = "sqs-message-failed"


_QUEUE_URL_VARIABLE = re.compile(r"POCKET_([A-Z0-9_]+)_QUEUEURL")


def handler_key_of_queue(event_source_arn: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The ``<KEY>`` whose ``POCKET_<KEY>_QUEUEURL`` names the record's queue (the URL's last path
    segment equals the ARN's last field, the queue name), or ``None``."""
    environ = os.environ if environ is None else environ
    queue = event_source_arn.rsplit(":", 1)[-1]
    if not queue:
        return None
    for variable, url in environ.items():
        match = _QUEUE_URL_VARIABLE.fullmatch(variable)
        if match and url.rstrip("/").rsplit("/", 1)[-1] == queue:
            return match.group(1)
    return None


def reports_batch_item_failures(event_source_arn: str, environ: Mapping[str, str] | None = None) -> bool:
    """``POCKET_<KEY>_REPORT_BATCH_ITEM_FAILURES`` of the record's handler: ``"false"`` turns
    reporting off; a missing variable (older deploys) or an unknown queue means reporting; any
    other value is a broken deploy and an error."""
    environ = os.environ if environ is None else environ
    key = handler_key_of_queue(event_source_arn, environ)
    if key is None:
        return True
    variable = f"POCKET_{key}_REPORT_BATCH_ITEM_FAILURES"
    value = environ.get(variable)
    if value is None or value == "true":
        return True
    if value == "false":
        return False
    raise PocketRuntimeError(
        f'{variable} must be "true" or "false", got {value!r}; redeploy with `pocket deploy`',
        code="invalid-environment",
        where=variable,
    )


def _message_event(text: str) -> Any:
    """The command a message body asks for: a JSON object (``{"command", ...}`` from
    ``pocket_call_command``, or ``{"manage": "..."}``), or a command line, as plain text or a
    JSON string (what a schedule's ``message = "clearsessions"`` puts on the queue)."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        body = text
    return {"manage": body} if isinstance(body, str) else body


def _sqs_batch(event: Mapping[str, Any]) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        message_id = record.get("messageId", "")
        report = reports_batch_item_failures(str(record.get("eventSourceARN") or ""))
        result = run_management_command(_message_event(record.get("body") or ""))
        if result["exitCode"] != 0:
            logger.error(
                "SQS message %s: command failed with exit code %s:\n%s",
                message_id,
                result["exitCode"],
                result["output"][-4000:],
            )
            if not report:
                raise SqsMessageFailed(
                    f"SQS message {message_id}: the command failed with exit code "
                    f"{result['exitCode']}; failing the batch so Lambda retries it "
                    "(report_batch_item_failures = false)"
                )
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def management_command_handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """A management command (direct invoke) or a batch of them (SQS)."""
    if _is_sqs_batch(event):
        return _sqs_batch(event)
    return run_management_command(event)


# The reference's SQS entry points, kept so a pocket.toml copied from it keeps working; they are
# the same function.
sqs_management_command_handler = management_command_handler
sqs_management_command_report_failures_handler = management_command_handler


def sqs_management_command_report_failuers_handler(
    event: Mapping[str, Any], context: Any = None
) -> dict[str, Any]:
    """The original's misspelt name, accepted so an old ``command`` still deploys."""
    deprecated(
        "pocket.django.lambda_handlers.sqs_management_command_report_failuers_handler",
        "name pocket.django.lambda_handlers.management_command_handler as the command",
    )
    return management_command_handler(event, context)
