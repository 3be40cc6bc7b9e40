"""Helpers for Django code running on a deployed stage."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pocket.errors import PocketRuntimeError


def queue_url_variable(handler_key: str) -> str:
    """``POCKET_<KEY>_QUEUEURL``: the key upper-cased, other characters as ``_`` (runtime contract)."""
    return f"POCKET_{re.sub(r'[^A-Z0-9]', '_', handler_key.upper())}_QUEUEURL"


def pocket_call_command(
    command: str,
    args: Sequence[str] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    handler_key: str = "sqsmanagement",
) -> str | None:
    """Queues a management command for the SQS handler ``handler_key``; returns the message id.

    Deployed (``POCKET_STAGE`` set), the queue URL must be in the environment: a missing one is an
    error, never a silent inline run (reference defect D15). Locally, with no stage, the command
    runs right here with ``call_command`` and ``None`` is returned.
    """
    args = list(args or [])
    kwargs = dict(kwargs or {})
    if not os.environ.get("POCKET_STAGE"):
        from django.core.management import call_command

        call_command(command, *args, **kwargs)
        return None
    variable = queue_url_variable(handler_key)
    url = os.environ.get(variable)
    if not url:
        raise PocketRuntimeError(
            f"{variable} is not set: the handler {handler_key!r} has no SQS queue on this stage. "
            f"Add `sqs = {{}}` to [awscontainer.handlers.{handler_key}] and deploy, or pass "
            "handler_key= naming a handler that has one."
        )
    import boto3

    region = os.environ.get("POCKET_REGION") or os.environ.get("AWS_REGION")
    body = json.dumps({"command": command, "args": args, "kwargs": kwargs})
    out = boto3.client("sqs", region_name=region).send_message(QueueUrl=url, MessageBody=body)
    return out.get("MessageId")
