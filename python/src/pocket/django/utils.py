"""Helpers for Django code running on a deployed stage, under the original runtime's names.

``get_storages``, ``get_static_storage``, ``get_caches`` and ``get_databases`` are importable
from here as in the original (``from pocket.django.utils import get_caches, get_storages``);
they are the functions of :mod:`pocket.django.runtime` (see there why both modules exist).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pocket.django.databases import get_databases
from pocket.django.environment import is_deployed
from pocket.django.stage_settings import (
    get_caches,
    get_email_backend,
    get_email_settings,
    get_static_storage,
    get_storages,
)
from pocket.errors import PocketRuntimeError

__all__ = [
    "get_caches",
    "get_databases",
    "get_email_backend",
    "get_email_settings",
    "get_static_storage",
    "get_storages",
    "pocket_call_command",
    "pocket_delete_sqs_task",
    "queue_url_variable",
]


def queue_url_variable(handler_key: str) -> str:
    """``POCKET_<KEY>_QUEUEURL``: the key upper-cased, other characters as ``_`` (runtime contract)."""
    return f"POCKET_{re.sub(r'[^A-Z0-9]', '_', handler_key.upper())}_QUEUEURL"


def _sqs_client() -> Any:
    import boto3

    # POCKET_REGION is the stage's region, where its queues are; AWS_REGION is Lambda's own.
    region = os.environ.get("POCKET_REGION") or os.environ.get("AWS_REGION")
    return boto3.client("sqs", region_name=region)


def _queue_url(queue_key: str, *, why: str) -> str:
    variable = queue_url_variable(queue_key)
    url = os.environ.get(variable)
    if not url:
        raise PocketRuntimeError(
            f"{variable} is not set: {why} The handler {queue_key!r} has no SQS queue in this "
            f"environment. Add `sqs = {{}}` to [awscontainer.handlers.{queue_key}] and deploy, or "
            "pass queue_key= naming a handler that has one.",
            code="queue-url-missing",
            where=variable,
        )
    return url


def pocket_call_command(
    command: str,
    args: Sequence[str] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    force_direct: bool = False,
    force_sqs: bool = False,
    queue_key: str | None = None,
    *,
    handler_key: str | None = None,
) -> str | None:
    """Run a management command through the SQS worker ``queue_key`` (default
    ``"sqsmanagement"``) or right here, as the original did; returns the SQS message id, or
    ``None`` when the command ran in-process.

    - ``force_direct``: always ``call_command`` in this process;
    - ``force_sqs``: always queue (a missing ``POCKET_<KEY>_QUEUEURL`` is an error);
    - neither: queue when ``POCKET_<KEY>_QUEUEURL`` is set. When it is not set, a local run calls
      the command here, but a deployed stage raises: the original silently ran the command
      inline in the web request then, which hides a misconfiguration and can time the request
      out (docs/decisions.md#y4-a-missing-queue-url-is-an-error).

    ``handler_key`` is an older name of ``queue_key``.
    """
    if force_direct and force_sqs:
        raise PocketRuntimeError(
            "pocket_call_command: force_direct and force_sqs cannot both be true",
            code="invalid-argument",
        )
    if queue_key is not None and handler_key is not None and queue_key != handler_key:
        raise PocketRuntimeError(
            "pocket_call_command: pass queue_key= or handler_key=, not both",
            code="invalid-argument",
        )
    key = queue_key or handler_key or "sqsmanagement"
    args = list(args or [])
    kwargs = dict(kwargs or {})
    url = os.environ.get(queue_url_variable(key))
    if force_direct or (not force_sqs and not url and not is_deployed()):
        from django.core.management import call_command

        call_command(command, *args, **kwargs)
        return None
    url = _queue_url(key, why="pocket_call_command would queue the command, but")
    body = json.dumps({"command": command, "args": args, "kwargs": kwargs})
    return _sqs_client().send_message(QueueUrl=url, MessageBody=body).get("MessageId")


def pocket_delete_sqs_task(receipt_handle: str, queue_key: str = "sqsmanagement") -> None:
    """Delete a received message from the queue of handler ``queue_key`` (the original's helper;
    the SQS handler does not need it: Lambda deletes messages that were processed)."""
    url = _queue_url(queue_key, why="pocket_delete_sqs_task needs the queue URL.")
    _sqs_client().delete_message(QueueUrl=url, ReceiptHandle=receipt_handle)
