"""Loading the stage's environment: secrets into ``os.environ`` once per process, the hosts the
stage answers on, and what a ``stage=`` argument of the original's API may name
(docs/runtime-contract.md).

Deployed (``POCKET_STAGE`` set) only environment variables and the secret stores they name are
read; locally only the ``.env`` next to ``pocket.toml``, and AWS is never called.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from pocket._deprecation import deprecated
from pocket.dsql import dsql_token
from pocket.errors import PocketRuntimeError
from pocket.local import find_toml_path, read_dotenv
from pocket.secrets import (
    _Clients,
    load_secret_values,
    parse_secrets_document,
    pocket_region,
    rds_database_url,
)

__all__ = [
    "TomlPath",
    "add_or_append_env",
    "check_stage",
    "deployed_hosts",
    "get_allowed_hosts",
    "get_csrf_trusted_origins",
    "is_deployed",
    "reset_envs_loaded",
    "set_django_env",
    "set_envs",
    "set_envs_from_resources",
    "toml_path_arg",
]

TomlPath = str | os.PathLike[str] | None

_lock = threading.Lock()
_loaded = False


def is_deployed(environ: Mapping[str, str] | None = None) -> bool:
    """``POCKET_STAGE`` is the contract's one "I am deployed" signal."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("POCKET_STAGE"))


def check_stage(stage: str | None, caller: str) -> str | None:
    """The stage a ``stage=`` argument of the original's API means here: the deployed stage, or
    ``None`` locally. The original re-read ``pocket.toml`` for any stage it was given; the
    runtime now only has the deployed stage's environment (docs/runtime-contract.md), so naming
    another stage is an error rather than a silent answer for the wrong stage."""
    current = os.environ.get("POCKET_STAGE") or None
    if not stage or stage == current:
        return current
    if stage == "__none__" and current is None:
        return None
    where = f"stage {current!r}" if current else "locally (POCKET_STAGE is not set)"
    raise PocketRuntimeError(
        f"{caller}(stage={stage!r}): this process runs {where}; the runtime only knows the "
        "environment of the stage it is deployed as. Call it without stage= (or use "
        "`pocket config show --stage STAGE` to see another stage's settings)",
        code="stage-mismatch",
    )


def toml_path_arg(toml_path: TomlPath, path: TomlPath) -> TomlPath:
    # ``path=`` is the original's name for the pocket.toml argument; ``toml_path=`` is ours.
    if toml_path is not None and path is not None and Path(toml_path) != Path(path):
        raise PocketRuntimeError("pass pocket.toml as toml_path= or path=, not both", code="invalid-argument")
    return toml_path if toml_path is not None else path


def set_envs(*, toml_path: TomlPath = None) -> None:
    """Load secrets into ``os.environ``, once per process.

    Order (later wins): image environment < ``.env`` (local only) < managed secrets < user
    secrets < the RDS ``DATABASE_URL``. Values are collected first and written together, and the
    once-per-process guard is set only after success, so a failed cold start (say, a missing IAM
    permission) is retried by the next call instead of silently leaving secrets unset
    (the original set the guard first: docs/decisions.md#y3-load-guard-set-after-success).

    Deployed, ``POCKET_HOSTS`` is also merged into the ``ALLOWED_HOSTS`` variable (comma list).
    Locally only the ``.env`` next to ``pocket.toml`` is read (without overriding variables that
    are already set) and no AWS call is made.
    """
    global _loaded
    with _lock:
        if _loaded:
            return
        if is_deployed():
            _load_deployed()
        else:
            path = Path(toml_path) if toml_path is not None else find_toml_path()
            for key, value in read_dotenv(path).items():
                os.environ.setdefault(key, value)
        _loaded = True


def reset_envs_loaded() -> None:
    """Forget that :func:`set_envs` ran, so the next call loads again (tests; a long-lived
    process that wants rotated values). Variables already written stay in ``os.environ``."""
    global _loaded
    with _lock:
        _loaded = False


def _load_deployed() -> None:
    region = pocket_region()
    clients = _Clients(region)
    values: dict[str, str] = {}
    raw = os.environ.get("POCKET_SECRETS")
    if raw:
        values.update(load_secret_values(parse_secrets_document(raw), region=region, clients=clients))
    if os.environ.get("POCKET_RDS_SECRET_ARN"):
        # Last: the cluster's own credentials beat any managed or user DATABASE_URL.
        values["DATABASE_URL"] = rds_database_url(os.environ, region=region, clients=clients)
    if os.environ.get("POCKET_DSQL_ENDPOINT"):
        # [dsql]: the cold start's IAM token (about 15 minutes; refresh_dsql_token() makes another).
        values["POCKET_DSQL_TOKEN"] = dsql_token(os.environ)
    os.environ.update(values)
    stage_hosts = deployed_hosts()
    hosts = _merge_hosts(_split(os.environ.get("ALLOWED_HOSTS")), stage_hosts)
    if hosts:
        os.environ["ALLOWED_HOSTS"] = ",".join(hosts)
    origins = _merge_hosts(_split(os.environ.get("CSRF_TRUSTED_ORIGINS")), _origins(stage_hosts))
    if origins:
        os.environ["CSRF_TRUSTED_ORIGINS"] = ",".join(origins)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _merge_hosts(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for hosts in lists:
        for host in hosts:
            if host and host not in out:
                out.append(host)
    return out


_CLOUDFRONT_DOMAIN_VARIABLE = re.compile(r"POCKET_CLOUDFRONT_[A-Z0-9_]+_DOMAIN")


def deployed_hosts(environ: Mapping[str, str] | None = None) -> list[str]:
    """The hosts the stage answers on: every API Gateway host in ``POCKET_HOSTS``, then every
    CloudFront distribution's domain (``POCKET_CLOUDFRONT_<NAME>_DOMAIN``, in name order)."""
    environ = os.environ if environ is None else environ
    cloudfront = [
        environ[name].strip()
        for name in sorted(environ)
        if _CLOUDFRONT_DOMAIN_VARIABLE.fullmatch(name) and environ[name].strip()
    ]
    return _merge_hosts(_split(environ.get("POCKET_HOSTS")), cloudfront)


def _origins(hosts: Iterable[str]) -> list[str]:
    # Every deployed host is served over HTTPS only (API Gateway and CloudFront viewers).
    return [f"https://{host}" for host in hosts]


def get_allowed_hosts(base: Iterable[str] = ()) -> list[str]:
    """Django ``ALLOWED_HOSTS``: ``base``, then the ``ALLOWED_HOSTS`` variable (comma list, e.g.
    from ``.env``), then the stage's hosts (:func:`deployed_hosts`: API Gateway hosts and
    CloudFront domains); duplicates dropped."""
    set_envs()
    return _merge_hosts(base, _split(os.environ.get("ALLOWED_HOSTS")), deployed_hosts())


def get_csrf_trusted_origins(base: Iterable[str] = ()) -> list[str]:
    """Django ``CSRF_TRUSTED_ORIGINS``: ``base``, then the ``CSRF_TRUSTED_ORIGINS`` variable (comma
    list), then ``https://<host>`` for the same hosts as :func:`get_allowed_hosts`, so a form
    posted through a CloudFront domain or a custom domain passes Django's origin check."""
    set_envs()
    return _merge_hosts(base, _split(os.environ.get("CSRF_TRUSTED_ORIGINS")), _origins(deployed_hosts()))


def add_or_append_env(key: str, value: str) -> None:
    """Set ``key`` to ``value``, or append ``","`` + ``value`` when it is already set (the
    original's helper, kept for settings that call it)."""
    if key in os.environ:
        os.environ[key] = os.environ[key] + "," + value
    else:
        os.environ[key] = value


def set_envs_from_resources(stage: str | None = None) -> None:
    """Kept from the original: on a deployed stage, load the environment so that
    ``ALLOWED_HOSTS`` holds the stage's hosts; locally nothing. :func:`set_envs` does this."""
    deprecated("pocket.django.runtime.set_envs_from_resources", "set_envs() does this; call set_envs()")
    if check_stage(stage, "set_envs_from_resources") is None:
        return
    set_envs()


def set_django_env(stage: str | None = None) -> None:
    deprecated("pocket.django.runtime.set_django_env", "call pocket.django.runtime.set_envs()")
    if check_stage(stage, "set_django_env") is None:
        return
    set_envs()
