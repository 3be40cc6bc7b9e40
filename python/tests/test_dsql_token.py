"""[dsql]: the IAM token set_envs() puts in POCKET_DSQL_TOKEN, and refresh_dsql_token() after it
expired (a clock moved past the token's 15 minutes). Tokens are presigned locally: no AWS call."""

from __future__ import annotations

import datetime
import os
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import pytest

from pocket.errors import PocketRuntimeError
from pocket.runtime import refresh_dsql_token, set_envs

ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.ap-northeast-1.on.aws"


def signed(token: str) -> tuple[str, dict[str, str]]:
    """The token's host and its query (a presigned GET of the host, without the scheme)."""
    parts = urlsplit(f"https://{token}")
    return parts.hostname or "", {k: v[0] for k, v in parse_qs(parts.query).items()}


def signed_at(query: dict[str, str]) -> datetime.datetime:
    return datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def test_cold_start_token_is_for_the_admin_role_of_the_stage_cluster(aws_calls, deployed):
    deployed(POCKET_DSQL_ENDPOINT=ENDPOINT, POCKET_DSQL_REGION="ap-northeast-1")
    set_envs()
    host, query = signed(os.environ["POCKET_DSQL_TOKEN"])
    assert host == ENDPOINT
    assert query["Action"] == "DbConnectAdmin"
    assert query["X-Amz-Expires"] == "900"
    assert "/ap-northeast-1/dsql/aws4_request" in query["X-Amz-Credential"]
    assert aws_calls == []


def test_refresh_after_expiry_makes_a_token_good_at_the_moved_clock(aws_env, deployed, monkeypatch):
    deployed(POCKET_DSQL_ENDPOINT=ENDPOINT, POCKET_DSQL_REGION="ap-northeast-1")
    set_envs()
    first = os.environ["POCKET_DSQL_TOKEN"]
    start = signed_at(signed(first)[1])
    later = start + datetime.timedelta(minutes=16)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: later.replace(tzinfo=None))
    # The cold start's token has expired at the moved clock...
    assert start + datetime.timedelta(seconds=int(signed(first)[1]["X-Amz-Expires"])) < later
    token = refresh_dsql_token()
    # ...and the new one is signed then, and is what the environment now holds.
    assert signed_at(signed(token)[1]) == later
    assert os.environ["POCKET_DSQL_TOKEN"] == token != first


def test_no_token_without_dsql_and_a_clear_error_from_refresh(aws_env, deployed):
    deployed()
    set_envs()
    assert "POCKET_DSQL_TOKEN" not in os.environ
    with pytest.raises(PocketRuntimeError) as e:
        refresh_dsql_token()
    assert e.value.code == "dsql-missing"


def test_naming_derives_the_published_endpoint_path_as_the_original_documents():
    from pocket.naming import DSQL_ENDPOINT, stored_user_secret_name

    name = stored_user_secret_name(project="myprj", stage="dev", secret_type=DSQL_ENDPOINT, store="ssm")
    assert name == "/dev-myprj-pocket-user/dsql_endpoint"
    assert stored_user_secret_name(project="myprj", stage="dev", secret_type=DSQL_ENDPOINT) == (
        "dev-myprj-pocket-user/dsql_endpoint"
    )
