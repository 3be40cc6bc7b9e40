"""Django's PostgreSQL backend for a ``[dsql]`` stage: every new connection's password is an IAM
token with time left, made again when the one in ``POCKET_DSQL_TOKEN`` is about to expire.

The token set at cold start lasts 15 minutes; a warm function opening a connection after that
would be refused until its next cold start (docs/decisions.md#b13-aurora-dsql). Settings left
empty take DSQL's defaults: ``HOST`` the stage's ``POCKET_DSQL_ENDPOINT``, ``PORT`` 5432,
``USER`` ``admin``, ``NAME`` ``postgres`` and ``OPTIONS["sslmode"]`` ``require``; so
``{"ENGINE": "pocket.django.db_backends.dsql"}`` is a whole entry. ``get_databases()`` gives it
on a ``[dsql]`` stage without ``DATABASE_URL``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base as postgresql

from pocket.django.databases import with_dsql_defaults
from pocket.dsql import fresh_dsql_token
from pocket.errors import PocketRuntimeError

__all__ = ["DatabaseWrapper"]


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, settings_dict: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        if (settings_dict.get("OPTIONS") or {}).get("pool"):
            # psycopg_pool opens connections with the arguments the pool was made with, so a
            # pooled connection opened after 15 minutes would carry an expired token.
            raise PocketRuntimeError(
                "OPTIONS['pool'] cannot be used with pocket.django.db_backends.dsql: the pool would "
                "open later connections with an expired IAM token; remove it (CONN_MAX_AGE keeps "
                "connections open between requests)",
                code="dsql-pool",
                where="DATABASES OPTIONS pool",
            )
        super().__init__(with_dsql_defaults(settings_dict), *args, **kwargs)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        return super().get_new_connection({**conn_params, "password": fresh_dsql_token()})
