"""Django's PostgreSQL backend for an ``[rds]`` stage: a connection refused for its password
re-reads the cluster's secret and retries once.

AWS manages and rotates the Aurora master-user password (every 7 days by default). The runtime
builds ``DATABASE_URL`` from that secret at cold start (docs/runtime-contract.md), so without this
a warm function would keep the old password after a rotation and fail every new connection until
its next cold start. ``get_databases()`` selects this backend when ``POCKET_RDS_SECRET_ARN`` is set.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.db.backends.postgresql import base as postgresql

from pocket.django.databases import parse_database_url_credentials
from pocket.secrets import pocket_region, rds_database_url

__all__ = ["DatabaseWrapper", "is_password_failure", "reread_rds_credentials"]

logger = logging.getLogger("pocket")

# PostgreSQL's message for SQLSTATE 28P01. libpq reports connection failures without a SQLSTATE,
# so the message is the only sign (RDS servers answer in English).
_PASSWORD_FAILED = "password authentication failed"


def is_password_failure(error: BaseException) -> bool:
    """Whether ``error`` says the server refused the credentials (SQLSTATE class 28)."""
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(code, str) and code.startswith("28"):
        return True
    return _PASSWORD_FAILED in str(error)


def reread_rds_credentials() -> dict[str, str] | None:
    """``USER`` and ``PASSWORD`` from the cluster's secret as it is now (``DATABASE_URL`` is
    updated too), or ``None`` when this process has no ``[rds]`` secret."""
    if not os.environ.get("POCKET_RDS_SECRET_ARN"):
        return None
    url = rds_database_url(os.environ, region=pocket_region())
    os.environ["DATABASE_URL"] = url
    credentials = parse_database_url_credentials(url)
    return {"USER": credentials["USER"], "PASSWORD": credentials["PASSWORD"]}


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            return super().get_new_connection(conn_params)
        except postgresql.Database.OperationalError as e:
            if not is_password_failure(e):
                raise
            fresh = reread_rds_credentials()
            if fresh is None or (fresh["USER"], fresh["PASSWORD"]) == (
                conn_params.get("user"),
                conn_params.get("password"),
            ):
                raise
        logger.warning(
            "pocket: the database refused the password from the RDS secret read at cold start; "
            "read the secret again (rotated?) and reconnecting once"
        )
        self.settings_dict["USER"] = fresh["USER"]
        self.settings_dict["PASSWORD"] = fresh["PASSWORD"]
        return super().get_new_connection({**conn_params, "user": fresh["USER"], "password": fresh["PASSWORD"]})
