"""Aurora DSQL connections: IAM authentication tokens for the stage's cluster.

The deploy gives the functions ``POCKET_DSQL_ENDPOINT`` and ``POCKET_DSQL_REGION``; a token
for the cluster's ``admin`` role (the role the function's IAM policy allows,
``dsql:DbConnectAdmin``) is the password. A token is a presigned request, made locally without
an AWS call, and is good for about 15 minutes: :func:`set_envs` puts one in
``POCKET_DSQL_TOKEN`` at cold start, and a warm function opening a new connection later calls
:func:`refresh_dsql_token` first (docs/runtime-contract.md, the original's contract).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pocket.errors import PocketRuntimeError

__all__ = ["TOKEN_SECONDS", "dsql_token", "refresh_dsql_token"]

#: How long a token is good for (the original's: DSQL's 15 minutes).
TOKEN_SECONDS = 900


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
