"""Django ``DATABASES`` from ``DATABASE_URL``, whatever set it (docs/runtime-contract.md):
a managed ``neon_database_url``/``tidb_database_url``, the ``[rds]`` cluster, a user secret, or
``[awscontainer.envs]``; without one the ``[dsql]`` cluster, else SQLite.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pocket._deprecation import warn_once
from pocket.django.environment import TomlPath, check_stage, is_deployed, set_envs, toml_path_arg
from pocket.dsql import CONNECTION_DEFAULTS
from pocket.errors import PocketRuntimeError
from pocket.local import find_toml_path

__all__ = [
    "DSQL_ENGINE",
    "LAMBDA_SQLITE_PATH",
    "RDS_ENGINE",
    "TIDB_ENGINE",
    "get_databases",
    "parse_database_url",
    "parse_database_url_credentials",
    "with_dsql_defaults",
]

_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(url: str) -> dict[str, Any]:
    """One Django ``DATABASES`` entry from a URL.

    Unlike the original (docs/decisions.md#y8-database-url-parsing): an unknown scheme is an
    error rather than sqlite, absolute sqlite paths keep their ``/`` (``sqlite:////abs/db``), and
    query parameters become ``OPTIONS``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _ENGINES:
        raise PocketRuntimeError(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported; use one of {', '.join(sorted(_ENGINES))}",
            code="database-url-scheme",
        )
    engine = _ENGINES[scheme]
    if scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs.db -> "/abs.db"; :memory: stays.
        name = unquote(parts.netloc + parts.path)
        if not parts.netloc and name.startswith("/"):
            name = name[1:]
        return {"ENGINE": engine, "NAME": name or ":memory:"}
    entry: dict[str, Any] = {"ENGINE": engine, **parse_database_url_credentials(url)}
    options: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == "mysql" and options.get("ssl_mode", "").upper().startswith("VERIFY_") and "ssl" not in options:
        # TiDB Cloud URLs (pocket writes ?ssl_mode=VERIFY_IDENTITY) need a CA bundle to verify
        # against; MySQL client libraries do not find the system one by themselves.
        ca = _system_ca_bundle()
        if ca:
            options["ssl"] = {"ca": ca}
    if scheme == "mysql" and _is_tidb(entry["HOST"], options):
        entry["ENGINE"] = _tidb_engine()
    if options:
        entry["OPTIONS"] = options
    return entry


def parse_database_url_credentials(database_url: str) -> dict[str, str]:
    """``NAME``, ``USER``, ``PASSWORD``, ``HOST`` and ``PORT`` of a database URL, percent-decoded
    (pocket percent-encodes the user and password it writes into URLs), for any scheme; absent
    parts are ``""``. The original runtime's ``pocket.django.db_url`` helper."""
    parts = urlsplit(database_url)
    try:
        port = parts.port
    except ValueError as e:
        raise PocketRuntimeError(f"DATABASE_URL has an invalid port: {e}", code="database-url-invalid") from e
    return {
        "NAME": unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port) if port is not None else "",
    }


# Django's PostgreSQL backend that re-reads a rotated Aurora password (db_backends/rds/base.py).
RDS_ENGINE = "pocket.django.db_backends.rds"

# Django's PostgreSQL backend with a token that is still good per connection (db_backends/dsql/base.py).
DSQL_ENGINE = "pocket.django.db_backends.dsql"


def with_dsql_defaults(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """``settings_dict`` with its empty ``HOST``, ``PORT``, ``USER``, ``NAME`` and ``sslmode``
    set to the stage's cluster and DSQL's defaults (the values given are kept)."""
    defaults = {
        "HOST": os.environ.get("POCKET_DSQL_ENDPOINT", ""),
        "PORT": str(CONNECTION_DEFAULTS["port"]),
        "USER": CONNECTION_DEFAULTS["user"],
        "NAME": CONNECTION_DEFAULTS["dbname"],
    }
    filled = {**settings_dict, **{k: v for k, v in defaults.items() if not settings_dict.get(k)}}
    filled["OPTIONS"] = {"sslmode": CONNECTION_DEFAULTS["sslmode"], **(settings_dict.get("OPTIONS") or {})}
    return filled


_TIDB_HOST_SUFFIXES = (".tidbcloud.com",)
TIDB_ENGINE = "django_tidb"


def _is_tidb(host: str, options: Mapping[str, Any]) -> bool:
    # A TiDB Cloud host, or the ssl_mode parameter pocket's TiDB URLs carry (plain MySQL URLs
    # from other sources rarely set it; when they do, django_tidb is only used if installed).
    return host.lower().endswith(_TIDB_HOST_SUFFIXES) or "ssl_mode" in options


def _tidb_engine() -> str:
    """``django_tidb`` (TiDB's own Django backend, which knows TiDB's SQL differences) when it is
    installed, else Django's MySQL backend with a warning."""
    if importlib.util.find_spec(TIDB_ENGINE) is not None:
        return TIDB_ENGINE
    warn_once(
        "tidb-without-django-tidb",
        "pocket: DATABASE_URL points at TiDB but the django-tidb package is not installed; "
        "using Django's MySQL backend. Add django-tidb (matching your Django version) to the "
        "image's dependencies so TiDB's SQL differences are handled.",
    )
    return _ENGINES["mysql"]


_CA_BUNDLES = (
    "/etc/pki/tls/certs/ca-bundle.crt",  # Amazon Linux (the Lambda base images)
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/ssl/cert.pem",  # macOS
)


def _system_ca_bundle() -> str | None:
    return next((p for p in _CA_BUNDLES if os.path.exists(p)), None)


def get_databases(
    *, stage: str | None = None, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """Django ``DATABASES`` from ``DATABASE_URL`` (after :func:`set_envs`), whatever set it: a
    managed ``neon_database_url``/``tidb_database_url``, the ``[rds]`` cluster, a user secret, or
    ``[awscontainer.envs]``. With ``[rds]`` (``POCKET_RDS_SECRET_ARN`` set) the engine is
    :data:`RDS_ENGINE`, which re-reads a rotated password instead of failing until the next
    cold start.

    Without ``DATABASE_URL``, on a ``[dsql]`` stage (``POCKET_DSQL_ENDPOINT`` set): the cluster
    through :data:`DSQL_ENGINE`, as ``admin`` on ``postgres`` with TLS required, each new
    connection with an IAM token that is still good (docs/decisions.md#b13-aurora-dsql).

    Without either: SQLite. Locally ``db.sqlite3`` next to ``pocket.toml`` (or in the
    cwd). On Lambda ``/tmp/db.sqlite3``, the only writable place, with a warning: ``/tmp``
    belongs to one execution environment, so the data is lost at every cold start and differs
    between concurrent instances (fine for a first deploy, not for real data).
    """
    check_stage(stage, "get_databases")
    toml_path = toml_path_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    url = os.environ.get("DATABASE_URL")
    if url:
        entry = parse_database_url(url)
        if os.environ.get("POCKET_RDS_SECRET_ARN") and entry["ENGINE"] == _ENGINES["postgres"]:
            # The URL is the cluster's (set_envs puts it last); this backend survives a rotation.
            entry["ENGINE"] = RDS_ENGINE
        return {"default": entry}
    if os.environ.get("POCKET_DSQL_ENDPOINT"):
        return {"default": with_dsql_defaults({"ENGINE": DSQL_ENGINE})}
    if is_deployed() or os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        warn_once(
            "sqlite-in-tmp",
            "pocket: DATABASE_URL is not set, so Django uses SQLite in %s: its data is lost at "
            "every cold start and not shared between instances. Add a database ([neon], [tidb], [dsql], "
            "[rds]) or a DATABASE_URL secret to pocket.toml and deploy.",
            LAMBDA_SQLITE_PATH,
        )
        return {"default": {"ENGINE": _ENGINES["sqlite"], "NAME": LAMBDA_SQLITE_PATH}}
    path_found = Path(toml_path) if toml_path is not None else find_toml_path()
    base = path_found.parent if path_found is not None else Path.cwd()
    return {"default": {"ENGINE": _ENGINES["sqlite"], "NAME": str(base / "db.sqlite3")}}


# Lambda's only writable directory.
LAMBDA_SQLITE_PATH = "/tmp/db.sqlite3"
