"""Environment loading and Django settings helpers (docs/runtime-contract.md).

Typical ``settings.py``::

    from pocket.django.runtime import (
        get_allowed_hosts, get_caches, get_csrf_trusted_origins, get_databases,
        get_django_settings, get_email_settings, get_storages, set_envs,
    )

    set_envs()                      # secrets -> os.environ (deployed) or .env (local)
    SECRET_KEY = os.environ["SECRET_KEY"]
    ALLOWED_HOSTS = get_allowed_hosts(["localhost"])
    CSRF_TRUSTED_ORIGINS = get_csrf_trusted_origins()
    DATABASES = get_databases()
    STORAGES = get_storages()
    CACHES = get_caches()
    vars().update(get_email_settings())
    vars().update(get_django_settings())

Every getter calls :func:`set_envs` first, so the order above is not load-bearing: STORAGES
is always built after the secrets are in the environment (the original built it first, so
CloudFront signers never saw their key: docs/decisions.md#y2-storages-are-built-after-the-secrets).

Deployed (``POCKET_STAGE`` set) the helpers read only environment variables. Locally they read
``[general.django_fallback]`` from ``pocket.toml`` and the ``.env`` next to it, and never call AWS.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pocket._deprecation import deprecated, warn_once
from pocket.errors import PocketRuntimeError
from pocket.local import find_toml_path, read_dotenv, read_toml
from pocket.secrets import (
    _Clients,
    load_secret_values,
    parse_secrets_document,
    pocket_region,
    rds_database_url,
)

logger = logging.getLogger("pocket")

__all__ = [
    "CACHE_BACKENDS",
    "PocketRuntimeError",
    "add_or_append_env",
    "check_stage",
    "get_allowed_hosts",
    "deployed_hosts",
    "get_caches",
    "get_csrf_trusted_origins",
    "get_databases",
    "get_django_settings",
    "get_email_backend",
    "get_email_settings",
    "get_static_storage",
    "get_storages",
    "is_deployed",
    "parse_database_url",
    "reset_envs_loaded",
    "resolve_django_fallback",
    "set_django_env",
    "set_envs",
    "set_envs_from_resources",
    "storage_backend",
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


def _toml_arg(toml_path: TomlPath, path: TomlPath) -> TomlPath:
    # ``path=`` is the original's name for the pocket.toml argument; ``toml_path=`` is ours.
    if toml_path is not None and path is not None and Path(toml_path) != Path(path):
        raise PocketRuntimeError("pass pocket.toml as toml_path= or path=, not both", code="invalid-argument")
    return toml_path if toml_path is not None else path


# ---------------------------------------------------------------------------------------------
# set_envs


def set_envs(*, toml_path: str | os.PathLike[str] | None = None) -> None:
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


# ---------------------------------------------------------------------------------------------
# Django STORAGES / CACHES / settings

CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "efs": "django.core.cache.backends.filebased.FileBasedCache",
}

_STORAGE_KEYS = {"store", "location", "static", "manifest", "distribution", "route", "options"}
_CACHE_KEYS = {"store", "location_subdir"}
_DJANGO_KEYS = {"storages", "caches", "settings"}

_DEFAULT_STORAGES = {
    "default": {"store": "filesystem"},
    "staticfiles": {"store": "filesystem", "static": True},
}
_DEFAULT_CACHES = {"default": {"store": "locmem"}}


def storage_backend(store: str, distribution: bool, static: bool, manifest: bool) -> str:
    """The seed's backend table (configuration.ja.md, awscontainer.django.storages)."""
    if store == "filesystem":
        if not static:
            return "django.core.files.storage.FileSystemStorage"
        if manifest:
            return "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        return "django.contrib.staticfiles.storage.StaticFilesStorage"
    if store != "s3":
        raise ValueError(f"unknown storage store {store!r}")
    kind = "Boto3Storage" if not static else ("ManifestStaticStorage" if manifest else "StaticStorage")
    if distribution:
        return f"pocket.django.storages.CloudFrontS3{kind}"
    return f"storages.backends.s3boto3.S3{kind}"


def _fallback_error(where: str, why: str) -> PocketRuntimeError:
    return PocketRuntimeError(f"[general.django_fallback{where}] in pocket.toml: {why}", code="fallback-invalid")


def _check_keys(table: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _fallback_error(where, "must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fallback_error(where, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")
    return table


def resolve_django_fallback(general: Mapping[str, Any]) -> dict[str, Any]:
    """``{"storages", "caches", "settings"}`` from ``[general]`` of pocket.toml, for local runs.

    Same table and OPTIONS as the deploy side computes for ``POCKET_DJANGO``; distributions are
    not allowed here (there is no CloudFront locally), nor ``efs`` caches (no EFS locally).
    """
    fallback = _check_keys(general.get("django_fallback", {}), _DJANGO_KEYS, "")
    storages_in = fallback.get("storages", _DEFAULT_STORAGES)
    if not isinstance(storages_in, dict):
        raise _fallback_error(".storages", "must be a table")
    if "default" not in storages_in or "staticfiles" not in storages_in:
        raise _fallback_error(".storages", "needs both default and staticfiles entries")

    storages: dict[str, Any] = {}
    for name, spec in storages_in.items():
        where = f".storages.{name}"
        spec = _check_keys(spec, _STORAGE_KEYS, where)
        store = spec.get("store")
        if store not in ("s3", "filesystem"):
            raise _fallback_error(where, f"store must be \"s3\" or \"filesystem\", got {store!r}")
        if "distribution" in spec or "route" in spec:
            raise _fallback_error(where, "distribution/route cannot be used locally (no CloudFront)")
        static = spec.get("static", False)
        manifest = spec.get("manifest", False)
        if not isinstance(static, bool) or not isinstance(manifest, bool):
            raise _fallback_error(where, "static and manifest must be true or false")
        if manifest and not static:
            raise _fallback_error(where, "manifest = true needs static = true")
        if static != (name == "staticfiles"):
            raise _fallback_error(where, "static = true is required on staticfiles and only there")
        location = spec.get("location")
        if location is not None and not isinstance(location, str):
            raise _fallback_error(where, "location must be a string")
        options_in = spec.get("options", {})
        if not isinstance(options_in, dict):
            raise _fallback_error(where, "options must be a table")

        options: dict[str, Any] | None
        if store == "filesystem":
            options = {"location": location} if location is not None else None
        else:
            bucket = general.get("s3_fallback_bucket_name")
            if not bucket:
                raise PocketRuntimeError(
                    f"[general.django_fallback{where}] uses store = \"s3\" locally; "
                    "set general.s3_fallback_bucket_name in pocket.toml",
                    code="fallback-invalid",
                )
            if location is None:
                raise _fallback_error(where, "an s3 storage needs a location (the key prefix)")
            options = {"bucket_name": bucket, "location": location}
        if options_in:
            # The storage's own options win over the computed ones, as on the deploy side.
            options = {**(options or {}), **copy.deepcopy(options_in)}
        entry: dict[str, Any] = {"BACKEND": storage_backend(store, False, static, manifest)}
        if options is not None:
            entry["OPTIONS"] = options
        storages[name] = entry

    caches_in = fallback.get("caches", _DEFAULT_CACHES)
    if not isinstance(caches_in, dict):
        raise _fallback_error(".caches", "must be a table")
    caches: dict[str, Any] = {}
    for name, spec in caches_in.items():
        spec = _check_keys(spec, _CACHE_KEYS, f".caches.{name}")
        store = spec.get("store")
        if store == "efs":
            raise _fallback_error(f".caches.{name}", "an efs cache needs the Lambda's EFS; use store = \"locmem\" locally")
        if store != "locmem":
            raise _fallback_error(f".caches.{name}", f"store must be \"locmem\" or \"efs\", got {store!r}")
        caches[name] = {"BACKEND": CACHE_BACKENDS["locmem"]}

    settings = fallback.get("settings", {})
    if not isinstance(settings, dict):
        raise _fallback_error(".settings", "must be a table")
    return {"storages": storages, "caches": caches, "settings": copy.deepcopy(settings)}


def _django_document(toml_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    if is_deployed():
        raw = os.environ.get("POCKET_DJANGO")
        if raw is None:
            raise PocketRuntimeError(
                f"POCKET_STAGE={os.environ['POCKET_STAGE']!r} marks a deployed stage but POCKET_DJANGO "
                "is not set: redeploy with `pocket deploy` (or unset POCKET_STAGE to run locally)",
                code="django-document-missing",
            )
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as e:
            raise PocketRuntimeError(
                f"POCKET_DJANGO is not JSON ({e}); redeploy with `pocket deploy`",
                code="django-document-malformed",
            ) from e
        if not isinstance(doc, dict) or not all(isinstance(doc.get(k, {}), dict) for k in _DJANGO_KEYS):
            raise PocketRuntimeError(
                "POCKET_DJANGO must be an object of objects; redeploy with `pocket deploy`",
                code="django-document-malformed",
            )
        return doc
    path = Path(toml_path) if toml_path is not None else find_toml_path()
    general = read_toml(path).get("general", {}) if path is not None else {}
    return resolve_django_fallback(general)


def get_storages(
    *, stage: str | None = None, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """Django ``STORAGES``. Secrets are loaded first so signed CloudFront storages find their key.

    ``stage`` and ``path`` are the original's arguments (the stage must be the deployed one;
    ``path`` is the ``pocket.toml`` read locally, like ``toml_path``).

    ``pocket django deploystatic`` runs ``collectstatic`` locally with
    ``POCKET_STATICFILES_BACKEND_OVERRIDE`` (the local equivalent of the stage's static storage)
    and ``POCKET_STATICFILES_LOCATION_OVERRIDE`` (a build directory) set; ``staticfiles`` then
    becomes that backend writing to that directory, and the CLI uploads the result.
    """
    check_stage(stage, "get_storages")
    toml_path = _toml_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    storages = copy.deepcopy(_django_document(toml_path).get("storages", {}))
    backend = os.environ.get("POCKET_STATICFILES_BACKEND_OVERRIDE")
    if backend:
        storages["staticfiles"] = {
            "BACKEND": backend,
            "OPTIONS": {"location": os.environ.get("POCKET_STATICFILES_LOCATION_OVERRIDE") or None},
        }
    return storages


def get_static_storage(
    *, stage: str | None = None, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """The ``staticfiles`` entry of :func:`get_storages`."""
    return get_storages(stage=stage, path=path, toml_path=toml_path)["staticfiles"]


def get_caches(
    *, stage: str | None = None, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """Django ``CACHES``."""
    check_stage(stage, "get_caches")
    toml_path = _toml_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    return copy.deepcopy(_django_document(toml_path).get("caches", {}))


def get_django_settings(
    stage: str | None = None, *, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """The stage's ``[awscontainer.django.settings]`` (locally the fallback's), as a fresh copy
    (the reference returned its cached dict, so callers could mutate it for everyone).

    On a deployed stage with ``[ses]`` it also holds :func:`get_email_settings` (the stage's
    own settings table wins), so ``vars().update(get_django_settings())`` wires email too.
    """
    check_stage(stage, "get_django_settings")
    toml_path = _toml_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    settings = copy.deepcopy(_django_document(toml_path).get("settings", {}))
    if is_deployed() and os.environ.get("POCKET_SES_FROM_EMAIL"):
        settings = {**get_email_settings(), **settings}
    return settings


SES_EMAIL_BACKEND = "pocket.django.mail.SesEmailBackend"
CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def get_email_settings() -> dict[str, Any]:
    """Email settings for ``vars().update(...)`` in settings.py.

    - deployed with ``[ses]`` (``POCKET_SES_FROM_EMAIL`` set): ``EMAIL_BACKEND`` = pocket's SES
      backend, ``DEFAULT_FROM_EMAIL`` and ``SERVER_EMAIL`` = the verified sender (SES refuses
      any other, and Django's default ``root@localhost`` for error mails would be refused);
    - deployed without ``[ses]``: ``{}``, so the project's own email settings stay in force;
    - locally: the console backend (mails are printed, nothing is sent).
    """
    if not is_deployed():
        return {"EMAIL_BACKEND": CONSOLE_EMAIL_BACKEND}
    sender = os.environ.get("POCKET_SES_FROM_EMAIL")
    if not sender:
        return {}
    return {"EMAIL_BACKEND": SES_EMAIL_BACKEND, "DEFAULT_FROM_EMAIL": sender, "SERVER_EMAIL": sender}


def get_email_backend() -> dict[str, Any]:
    """The original's later name of :func:`get_email_settings`."""
    return get_email_settings()


# ---------------------------------------------------------------------------------------------
# DATABASES

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
    try:
        port = parts.port
    except ValueError as e:
        raise PocketRuntimeError(f"DATABASE_URL has an invalid port: {e}", code="database-url-invalid") from e
    entry: dict[str, Any] = {
        "ENGINE": engine,
        "NAME": unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port) if port is not None else "",
    }
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
    ``[awscontainer.envs]``.

    Without ``DATABASE_URL``: SQLite. Locally ``db.sqlite3`` next to ``pocket.toml`` (or in the
    cwd). On Lambda ``/tmp/db.sqlite3``, the only writable place, with a warning: ``/tmp``
    belongs to one execution environment, so the data is lost at every cold start and differs
    between concurrent instances (fine for a first deploy, not for real data).
    """
    check_stage(stage, "get_databases")
    toml_path = _toml_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    url = os.environ.get("DATABASE_URL")
    if url:
        return {"default": parse_database_url(url)}
    if is_deployed() or os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        warn_once(
            "sqlite-in-tmp",
            "pocket: DATABASE_URL is not set, so Django uses SQLite in %s: its data is lost at "
            "every cold start and not shared between instances. Add a database ([neon], [tidb], "
            "[rds]) or a DATABASE_URL secret to pocket.toml and deploy.",
            LAMBDA_SQLITE_PATH,
        )
        return {"default": {"ENGINE": _ENGINES["sqlite"], "NAME": LAMBDA_SQLITE_PATH}}
    path_found = Path(toml_path) if toml_path is not None else find_toml_path()
    base = path_found.parent if path_found is not None else Path.cwd()
    return {"default": {"ENGINE": _ENGINES["sqlite"], "NAME": str(base / "db.sqlite3")}}


# Lambda's only writable directory.
LAMBDA_SQLITE_PATH = "/tmp/db.sqlite3"
