"""Environment loading and Django settings helpers (docs/runtime-contract.md), under the import
path the original's docs use: ``from pocket.django.runtime import set_envs, get_django_settings``.

This module only re-exports. The code lives in three modules of one subject each:

- :mod:`pocket.django.environment`: ``set_envs`` (secrets into ``os.environ``), the stage's
  hosts, ``stage=`` argument checks;
- :mod:`pocket.django.stage_settings`: ``STORAGES``, ``CACHES``, ``[django.settings]``, email;
- :mod:`pocket.django.databases`: ``DATABASES`` from ``DATABASE_URL``.

Why both ``pocket.django.runtime`` and ``pocket.django.utils`` exist (and ``pocket.runtime`` next
to ``pocket.utils``): the original runtime spread these helpers over those four modules, and
``settings.py`` files written for it import from all of them (its docs show
``from pocket.django.utils import get_storages`` next to
``from pocket.django.runtime import set_envs``). Both paths keep working so such a file loads
unchanged; new code may import from either, or from the subject modules above.

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

Every getter calls :func:`set_envs` first, so the order above is not load-bearing.
"""

from __future__ import annotations

import logging

from pocket.django.databases import LAMBDA_SQLITE_PATH, TIDB_ENGINE, get_databases, parse_database_url
from pocket.django.environment import (
    add_or_append_env,
    check_stage,
    deployed_hosts,
    get_allowed_hosts,
    get_csrf_trusted_origins,
    is_deployed,
    reset_envs_loaded,
    set_django_env,
    set_envs,
    set_envs_from_resources,
)
from pocket.django.stage_settings import (
    CACHE_BACKENDS,
    CONSOLE_EMAIL_BACKEND,
    SES_EMAIL_BACKEND,
    get_caches,
    get_django_settings,
    get_email_backend,
    get_email_settings,
    get_static_storage,
    get_storages,
    resolve_django_fallback,
    storage_backend,
)
from pocket.errors import PocketRuntimeError

logger = logging.getLogger("pocket")

__all__ = [
    "CACHE_BACKENDS",
    "CONSOLE_EMAIL_BACKEND",
    "LAMBDA_SQLITE_PATH",
    "PocketRuntimeError",
    "SES_EMAIL_BACKEND",
    "TIDB_ENGINE",
    "add_or_append_env",
    "check_stage",
    "deployed_hosts",
    "get_allowed_hosts",
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
