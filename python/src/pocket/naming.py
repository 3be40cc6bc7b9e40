"""Names a stage's resources have, for code outside the deploy (the original's ``pocket.naming``).

``stored_user_secret_name`` is where a stored user secret of a ``type`` lives; the deploy of a
``[dsql]`` stage publishes the cluster's endpoint under ``DSQL_ENDPOINT`` there (AWS chooses the
cluster's id, so its endpoint cannot be derived: docs/decisions.md#b13-aurora-dsql).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DSQL_ENDPOINT", "stored_user_secret_name"]

#: The stored user secret ``type`` of the published DSQL endpoint.
DSQL_ENDPOINT = "dsql_endpoint"


def stored_user_secret_name(
    *,
    project: str,
    stage: str,
    secret_type: str,
    store: Literal["sm", "ssm"] = "sm",
    namespace: str = "pocket",
) -> str:
    """``{stage}-{project}-{namespace}-user/{secret_type}``: a Secrets Manager secret's name, or
    with a leading ``/`` an SSM parameter's (``store`` is the project's ``secrets.store``)."""
    key = f"{stage}-{project}-{namespace}-user/{secret_type}"
    return f"/{key}" if store == "ssm" else key
