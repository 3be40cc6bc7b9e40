"""Framework-neutral entry points: ``from pocket.runtime import set_envs``.

Besides :func:`set_envs` (whose loader lives in :mod:`pocket.django.environment`, which imports
nothing from Django at module level) this module keeps the original runtime's public functions
with their names, signatures and meaning, implemented on the environment contract
(docs/runtime-contract.md): the deploy passes every name and document as environment variables,
so nothing here discovers a resource through AWS; only secret values are read.
``get_context()`` (in :mod:`pocket.runtime_context`) answers from those variables too.

This module and :mod:`pocket.utils` both exist because the original runtime had both and
settings written for it import from each (see :mod:`pocket.django.runtime`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pocket._deprecation import deprecated
from pocket.django.environment import check_stage, reset_envs_loaded, set_envs
from pocket.dsql import refresh_dsql_token
from pocket.errors import PocketRuntimeError
from pocket.runtime_context import HandlerContext, RuntimeContext, get_context
from pocket.secrets import load_secret_values, parse_secrets_document, pocket_region

__all__ = [
    "HandlerContext",
    "PocketRuntimeError",
    "RuntimeContext",
    "get_context",
    "get_secrets",
    "get_secrets_from_secretsmanager",
    "get_user_secrets_from_secretsmanager",
    "refresh_dsql_token",
    "reset_envs_loaded",
    "set_env_from_resources",
    "set_envs",
    "set_envs_from_aws_resources",
    "set_envs_from_secrets",
    "set_envs_from_secretsmanager",
    "set_user_secrets_from_secretsmanager",
]


def get_secrets(stage: str | None = None) -> dict[str, str]:
    """The stage's managed and user secret values as ``{VARIABLE: value}``, without touching
    ``os.environ`` (user values win over managed ones of the same name).

    ``{}`` locally and on a stage without ``[awscontainer.secrets]``. ``stage`` may only name
    the stage this process is deployed as: the runtime has no other stage's configuration.
    """
    if check_stage(stage, "get_secrets") is None:
        return {}
    raw = os.environ.get("POCKET_SECRETS")
    if not raw:
        return {}
    region = pocket_region()
    return load_secret_values(parse_secrets_document(raw), region=region)


def set_envs_from_secrets(stage: str | None = None) -> None:
    """Load the secrets (and the RDS ``DATABASE_URL``) into ``os.environ``, once per process.

    The same loader as :func:`set_envs`: deployed it also merges ``POCKET_HOSTS`` into
    ``ALLOWED_HOSTS``; locally it reads ``.env`` next to ``pocket.toml`` without overriding
    variables that are set, and calls no AWS API.
    """
    check_stage(stage, "set_envs_from_secrets")
    set_envs()


def set_envs_from_aws_resources(stage: str | None = None) -> None:
    """Kept so old settings load. The original discovered API hosts and queue URLs with AWS
    calls at cold start; the deploy now sets ``POCKET_<KEY>_HOST``, ``POCKET_<KEY>_ENDPOINT``,
    ``POCKET_HOSTS``, ``POCKET_<KEY>_QUEUEURL``, ``POCKET_PROJECT_NAME`` and ``POCKET_REGION``
    itself, so there is nothing left to do."""
    deprecated(
        "pocket.runtime.set_envs_from_aws_resources",
        "the deploy sets the resource variables itself; remove the call",
    )
    check_stage(stage, "set_envs_from_aws_resources")


def get_secrets_from_secretsmanager(stage: str | None = None) -> dict[str, str]:
    deprecated("pocket.runtime.get_secrets_from_secretsmanager", "use pocket.runtime.get_secrets")
    return get_secrets(stage)


def set_envs_from_secretsmanager(stage: str | None = None) -> None:
    deprecated("pocket.runtime.set_envs_from_secretsmanager", "use pocket.runtime.set_envs_from_secrets")
    set_envs_from_secrets(stage)


# Names from the original's first releases (its docs' settings.py still shows them).


def get_user_secrets_from_secretsmanager(
    stage: str | None = None, path: str | Path | None = None
) -> dict[str, str]:
    deprecated("pocket.runtime.get_user_secrets_from_secretsmanager", "use pocket.runtime.get_secrets")
    return get_secrets(stage)


def set_user_secrets_from_secretsmanager(stage: str | None = None, path: str | Path | None = None) -> None:
    deprecated(
        "pocket.runtime.set_user_secrets_from_secretsmanager", "use pocket.runtime.set_envs_from_secrets"
    )
    set_envs_from_secrets(stage)


def set_env_from_resources(
    stage: str | None = None,
    path: str | Path | None = None,
    use_neon: bool = False,
    use_awscontainer: bool = True,
) -> None:
    deprecated(
        "pocket.runtime.set_env_from_resources",
        "the deploy sets the resource variables itself; remove the call",
    )
    check_stage(stage, "set_env_from_resources")
