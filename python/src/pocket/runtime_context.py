"""``get_context()``: what this process knows about the stage it runs as.

The original runtime's ``get_context(stage)`` parsed ``pocket.toml`` and, to build its context,
called AWS at cold start. Here the deployed answer is built from the environment the deploy hands
over (docs/runtime-contract.md), with no AWS call and without reading ``pocket.toml``; locally
(``POCKET_STAGE`` unset) only ``[general]`` of ``pocket.toml`` is read for the project name and
region.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pocket.django.environment import check_stage, deployed_hosts
from pocket.errors import PocketRuntimeError
from pocket.local import find_toml_path, read_toml

__all__ = ["HandlerContext", "RuntimeContext", "get_context"]


@dataclass(frozen=True)
class HandlerContext:
    """One handler of the stage, as the variables name it (``key`` is the variables' ``<KEY>``:
    upper-cased, characters outside ``[A-Z0-9]`` as ``_``)."""

    key: str
    host: str | None = None
    endpoint: str | None = None
    queueurl: str | None = None


@dataclass(frozen=True)
class RuntimeContext:
    """``stage`` is ``None`` locally; ``hosts`` are the API Gateway hosts, then the CloudFront
    domains (what ``ALLOWED_HOSTS`` gets); ``django`` is the ``POCKET_DJANGO`` document."""

    stage: str | None
    project_name: str | None
    region: str | None
    container: str | None = None
    hosts: tuple[str, ...] = ()
    handlers: Mapping[str, HandlerContext] = field(default_factory=dict)
    cloudfront_domains: Mapping[str, str] = field(default_factory=dict)
    django: Mapping[str, Any] | None = None

    @property
    def is_deployed(self) -> bool:
        return self.stage is not None


_HANDLER_VARIABLE = re.compile(r"POCKET_([A-Z0-9_]+)_(HOST|QUEUEURL)")
_CLOUDFRONT_VARIABLE = re.compile(r"POCKET_CLOUDFRONT_([A-Z0-9_]+)_DOMAIN")


def _handlers(environ: Mapping[str, str]) -> dict[str, HandlerContext]:
    # A handler is a key with a _HOST (apigateway) or a _QUEUEURL (sqs); _ENDPOINT alone is not
    # one (POCKET_RDS_ENDPOINT is the database's).
    keys = sorted({m.group(1) for name in environ if (m := _HANDLER_VARIABLE.fullmatch(name))})
    return {
        key: HandlerContext(
            key=key,
            host=environ.get(f"POCKET_{key}_HOST") or None,
            endpoint=environ.get(f"POCKET_{key}_ENDPOINT") or None,
            queueurl=environ.get(f"POCKET_{key}_QUEUEURL") or None,
        )
        for key in keys
    }


def _cloudfront_domains(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        m.group(1): environ[name].strip()
        for name in sorted(environ)
        if (m := _CLOUDFRONT_VARIABLE.fullmatch(name)) and environ[name].strip()
    }


def _django_document(environ: Mapping[str, str]) -> dict[str, Any] | None:
    raw = environ.get("POCKET_DJANGO")
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise PocketRuntimeError(
            f"POCKET_DJANGO is not JSON ({e}); redeploy with `pocket deploy`", code="django-document-malformed"
        ) from e
    if not isinstance(doc, dict):
        raise PocketRuntimeError("POCKET_DJANGO must be an object; redeploy with `pocket deploy`", code="django-document-malformed")
    return doc


def _deployed_context(stage: str, environ: Mapping[str, str]) -> RuntimeContext:
    return RuntimeContext(
        stage=stage,
        project_name=environ.get("POCKET_PROJECT_NAME") or None,
        region=environ.get("POCKET_REGION") or None,
        container=environ.get("POCKET_CONTAINER") or None,
        hosts=tuple(deployed_hosts(environ)),
        handlers=_handlers(environ),
        cloudfront_domains=_cloudfront_domains(environ),
        django=_django_document(environ),
    )


def _local_context() -> RuntimeContext:
    path = find_toml_path()
    general = read_toml(path).get("general", {}) if path is not None else {}
    return RuntimeContext(
        stage=None,
        project_name=general.get("project_name") or os.environ.get("POCKET_PROJECT_NAME") or None,
        region=general.get("region") or os.environ.get("POCKET_REGION") or None,
    )


def get_context(stage: str | None = None) -> RuntimeContext:
    """The stage this process runs as. ``stage`` may only name that stage (the runtime has no
    other stage's configuration); calls no AWS API."""
    current = check_stage(stage, "get_context")
    if current is None:
        return _local_context()
    return _deployed_context(current, os.environ)
