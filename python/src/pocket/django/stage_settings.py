"""The stage's Django settings: ``STORAGES``, ``CACHES``, the ``[django.settings]`` table and
the email settings.

Deployed they come from the ``POCKET_DJANGO`` document the deploy computed
(docs/runtime-contract.md); locally from ``[general.django_fallback]`` of ``pocket.toml``, checked
with the same rules. Every getter calls :func:`set_envs` first, so STORAGES is always built after
the secrets are in the environment (the original built it first, so CloudFront signers never saw
their key: docs/decisions.md#y2-storages-are-built-after-the-secrets).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pocket.django.deploy_hash import served_by_lambda
from pocket.django.environment import TomlPath, check_stage, is_deployed, set_envs, toml_path_arg
from pocket.errors import PocketRuntimeError
from pocket.local import find_toml_path, read_toml

__all__ = [
    "CACHE_BACKENDS",
    "CONSOLE_EMAIL_BACKEND",
    "SES_EMAIL_BACKEND",
    "get_caches",
    "get_django_settings",
    "get_email_backend",
    "get_email_settings",
    "get_static_storage",
    "get_storages",
    "resolve_django_fallback",
    "storage_backend",
]

CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "efs": "django.core.cache.backends.filebased.FileBasedCache",
    # [upstash]: the original's choice; the app installs django-redis.
    "redis": "django_redis.cache.RedisCache",
}

# ``publish`` and ``link`` say how ``pocket django deploystatic`` publishes (docs/decisions.md#i3-static-files-for-django):
# the CLI reads them; a local run publishes nothing, so here they are only checked.
_STORAGE_KEYS = {"store", "location", "static", "manifest", "distribution", "route", "options", "publish", "link"}
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
        if not isinstance(spec.get("link", False), bool):
            raise _fallback_error(where, "link must be true or false")
        if spec.get("publish", "deploy") not in ("deploy", "command"):
            raise _fallback_error(where, 'publish must be "deploy" or "command"')
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

    On Lambda, a static storage on a ``deploy_hash`` route is ``StaticFilesStorage`` (deploy_hash.py).
    """
    check_stage(stage, "get_storages")
    toml_path = toml_path_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    storages = {
        name: served_by_lambda(entry)
        for name, entry in copy.deepcopy(_django_document(toml_path).get("storages", {})).items()
    }
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
    toml_path = toml_path_arg(toml_path, path)
    set_envs(toml_path=toml_path)
    return {name: _with_location(name, entry) for name, entry in _django_document(toml_path).get("caches", {}).items()}


def _with_location(name: str, entry: Any) -> Any:
    """A ``redis`` cache names the variable holding its URL (``LOCATION_ENV``, a managed secret
    loaded by :func:`set_envs`); Django gets the URL itself as ``LOCATION``."""
    entry = copy.deepcopy(entry)
    if not isinstance(entry, dict) or "LOCATION_ENV" not in entry:
        return entry
    variable = entry.pop("LOCATION_ENV")
    url = os.environ.get(variable) if isinstance(variable, str) else None
    if not url:
        raise PocketRuntimeError(
            f"cache {name!r} reads its Redis URL from {variable!r}, which is not set: "
            "redeploy with `pocket deploy` (it stores the Upstash URL in the managed secret)",
            code="cache-url-missing",
        )
    entry["LOCATION"] = url
    return entry


def get_django_settings(
    stage: str | None = None, *, path: TomlPath = None, toml_path: TomlPath = None
) -> dict[str, Any]:
    """The stage's ``[awscontainer.django.settings]`` (locally the fallback's), as a fresh copy
    (the reference returned its cached dict, so callers could mutate it for everyone).

    On a deployed stage with ``[ses]`` it also holds :func:`get_email_settings` (the stage's
    own settings table wins), so ``vars().update(get_django_settings())`` wires email too.
    """
    check_stage(stage, "get_django_settings")
    toml_path = toml_path_arg(toml_path, path)
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
    """The original runtime's email helper, with the behaviour its docs give it.

    - deployed with ``[ses]``: :func:`get_email_settings` (pocket's SES backend, the verified
      sender), plus ``AWS_SES_REGION_NAME`` and, when set, ``AWS_SES_CONFIGURATION_SET``: the
      names the original returned for django-ses, so settings that read them keep working;
    - otherwise ``{}``, locally too, so Django's own email settings stay in force (unlike
      :func:`get_email_settings`, which prints mails to the console locally).
    """
    if not is_deployed() or not os.environ.get("POCKET_SES_FROM_EMAIL"):
        return {}
    settings = get_email_settings()
    region = os.environ.get("POCKET_SES_REGION")
    if region:
        settings["AWS_SES_REGION_NAME"] = region
    configuration_set = os.environ.get("POCKET_SES_CONFIGURATION_SET")
    if configuration_set:
        settings["AWS_SES_CONFIGURATION_SET"] = configuration_set
    return settings
