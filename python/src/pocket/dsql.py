"""Aurora DSQL connections: IAM authentication tokens for the stage's cluster.

The deploy gives the functions ``POCKET_DSQL_ENDPOINT`` and ``POCKET_DSQL_REGION``; a token
for the cluster's ``admin`` role (the role the function's IAM policy allows,
``dsql:DbConnectAdmin``) is the password. A token is a presigned request, made locally without
an AWS call, and is good for about 15 minutes: :func:`set_envs` puts one in
``POCKET_DSQL_TOKEN`` at cold start, and a warm function opening a new connection later calls
:func:`refresh_dsql_token` first (docs/runtime-contract.md, the original's contract).

:func:`fresh_dsql_token` does that by itself for connection hooks (the Django backend
``pocket.django.db_backends.dsql``): DSQL checks the token once, when a connection opens, so a
token with a minute left is as good as a new one (docs/decisions.md#b13-aurora-dsql).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pocket.errors import PocketRuntimeError

__all__ = [
    "CONNECTION_DEFAULTS",
    "TOKEN_MARGIN_SECONDS",
    "TOKEN_SECONDS",
    "dsql_token",
    "fresh_dsql_token",
    "refresh_dsql_token",
    "token_expires_at",
]

#: How long a token is good for (the original's: DSQL's 15 minutes).
TOKEN_SECONDS = 900

#: A token with less than this left is replaced before it opens a connection.
TOKEN_MARGIN_SECONDS = 60

#: DSQL's documented connection settings besides the host (the endpoint) and the token: the
#: ``admin`` role (the one ``dsql:DbConnectAdmin`` allows), the ``postgres`` database (a cluster
#: has no other), TLS required.
CONNECTION_DEFAULTS = {"port": 5432, "user": "admin", "dbname": "postgres", "sslmode": "require"}


def dsql_token(environ: Mapping[str, str] | None = None, clients: Any = None) -> str:
    """A fresh token for the stage's cluster (``POCKET_DSQL_ENDPOINT``), as ``admin``."""
    environ = os.environ if environ is None else environ
    endpoint = environ.get("POCKET_DSQL_ENDPOINT")
    if not endpoint:
        raise PocketRuntimeError(
            "POCKET_DSQL_ENDPOINT is not set: the stage has no [dsql] (or the function was not deployed by pocket)",
            code="dsql-missing",
        )
    region = environ.get("POCKET_DSQL_REGION") or environ.get("POCKET_REGION") or environ.get("AWS_REGION")
    if clients is not None:
        client = clients.get("dsql")
    else:
        import boto3

        client = boto3.client("dsql", region_name=region)
    return client.generate_db_connect_admin_auth_token(Hostname=endpoint, Region=region, ExpiresIn=TOKEN_SECONDS)


def refresh_dsql_token() -> str:
    """Make a new token, put it in ``POCKET_DSQL_TOKEN`` and return it (call it before a new
    connection in a process older than the token)."""
    token = dsql_token()
    os.environ["POCKET_DSQL_TOKEN"] = token
    return token


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def token_expires_at(token: str) -> datetime.datetime | None:
    """When ``token`` stops working (its ``X-Amz-Date`` plus ``X-Amz-Expires``), or ``None`` when
    it is not a presigned token (a token is a presigned URL without its scheme)."""
    query = parse_qs(urlsplit(f"https://{token}").query)
    try:
        signed = datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        seconds = int(query["X-Amz-Expires"][0])
    except (KeyError, ValueError):
        return None
    return signed.replace(tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def fresh_dsql_token() -> str:
    """``POCKET_DSQL_TOKEN`` while it is for the stage's endpoint and has more than
    :data:`TOKEN_MARGIN_SECONDS` left, else :func:`refresh_dsql_token`'s new one: the password for
    a connection about to open, whatever the process's age."""
    token = os.environ.get("POCKET_DSQL_TOKEN", "")
    expires = token_expires_at(token) if token else None
    endpoint = os.environ.get("POCKET_DSQL_ENDPOINT")
    if (
        expires is not None
        and urlsplit(f"https://{token}").hostname == endpoint
        and expires - _now() > datetime.timedelta(seconds=TOKEN_MARGIN_SECONDS)
    ):
        return token
    return refresh_dsql_token()
