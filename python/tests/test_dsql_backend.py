"""``pocket.django.db_backends.dsql``: a warm function's new connections take an IAM token that is
still good, made again once the cold start's is within a minute of expiring, without the app
calling anything; ``get_databases()`` gives that backend on a ``[dsql]`` stage.

DSQL itself cannot run here: the cluster is a real PostgreSQL server (tests/pg_server.py) with
TLS that accepts any password (``trust``), and the passwords Django hands to psycopg are recorded,
so the test sees which token each connection carried. Tokens are presigned locally; the clock
is moved for the signer (botocore) and for the freshness check (``pocket.dsql._now``) alike.
"""

from __future__ import annotations

import datetime
import os

import botocore.auth
import psycopg
import pytest

import pocket.dsql
from conftest import REGION
from pg_server import postgres_server
from pocket.dsql import token_expires_at
from pocket.errors import PocketRuntimeError

ENGINE = "pocket.django.db_backends.dsql"


@pytest.fixture(scope="module")
def postgres():
    with postgres_server(auth_host="trust", tls=True) as (port, admin):
        admin("CREATE ROLE admin LOGIN")
        yield port


@pytest.fixture
def clock(monkeypatch):
    """``clock(at)`` moves the time tokens are signed and checked at to ``at``."""

    def move(at: datetime.datetime) -> None:
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: at.replace(tzinfo=None))
        monkeypatch.setattr(pocket.dsql, "_now", lambda: at)

    return move


@pytest.fixture
def passwords(monkeypatch):
    """The password of every connection Django opens (psycopg.connect is Django's call)."""
    seen: list[str] = []
    connect = psycopg.connect

    def record(*args, **kwargs):
        seen.append(kwargs.get("password", ""))
        return connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", record)
    return seen


def _connection(databases):
    from django.db.utils import ConnectionHandler

    return ConnectionHandler(databases)["default"]


def _session(databases) -> tuple:
    """Who the connection is, where, and whether it is encrypted."""
    connection = _connection(databases)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            )
            return cursor.fetchone()
    finally:
        connection.close()


def test_get_databases_gives_the_cluster_with_dsqls_defaults(aws_env, deployed, monkeypatch):
    from pocket.django.runtime import get_databases

    deployed(POCKET_DSQL_ENDPOINT="abc.dsql.ap-northeast-1.on.aws", POCKET_DSQL_REGION=REGION)
    assert get_databases()["default"] == {
        "ENGINE": ENGINE,
        "HOST": "abc.dsql.ap-northeast-1.on.aws",
        "PORT": "5432",
        "USER": "admin",
        "NAME": "postgres",
        "OPTIONS": {"sslmode": "require"},
    }
    # A DATABASE_URL the file gives is the app's choice and wins, as on any stage.
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example.com:5432/app")
    assert get_databases()["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_a_connection_after_the_token_expired_carries_a_new_one(postgres, aws_env, deployed, clock, passwords):
    from pocket.django.runtime import get_databases

    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    clock(start)
    deployed(POCKET_DSQL_ENDPOINT="127.0.0.1", POCKET_DSQL_REGION=REGION)
    databases = get_databases()  # cold start: set_envs() puts a token in POCKET_DSQL_TOKEN
    databases["default"]["PORT"] = str(postgres)  # DSQL's is 5432; the stand-in's is free
    cold = os.environ["POCKET_DSQL_TOKEN"]

    clock(start + datetime.timedelta(minutes=5))
    assert _session(databases) == ("admin", "postgres", True)
    assert passwords == [cold]  # ten minutes left: the cold start's token

    later = start + datetime.timedelta(minutes=16)
    clock(later)
    assert token_expires_at(cold) < later
    assert _session(databases) == ("admin", "postgres", True)
    fresh = passwords[-1]
    assert fresh != cold
    assert token_expires_at(fresh) == later + datetime.timedelta(seconds=900)
    assert os.environ["POCKET_DSQL_TOKEN"] == fresh  # what refresh_dsql_token() would have set


def test_a_token_within_the_margin_is_replaced(aws_env, deployed, clock):
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    clock(start)
    deployed(POCKET_DSQL_ENDPOINT="abc.dsql.ap-northeast-1.on.aws", POCKET_DSQL_REGION=REGION)
    first = pocket.dsql.fresh_dsql_token()
    clock(start + datetime.timedelta(seconds=900 - 61))
    assert pocket.dsql.fresh_dsql_token() == first
    clock(start + datetime.timedelta(seconds=900 - 59))
    assert pocket.dsql.fresh_dsql_token() != first
    # A token for another endpoint (the variable changed under it) is not used either.
    os.environ["POCKET_DSQL_ENDPOINT"] = "def.dsql.ap-northeast-1.on.aws"
    assert pocket.dsql.fresh_dsql_token().startswith("def.dsql.ap-northeast-1.on.aws/")
    assert token_expires_at("not-a-token") is None


def test_a_pool_is_refused_and_a_stage_without_dsql_says_why(aws_env, deployed):
    with pytest.raises(PocketRuntimeError) as e:
        _connection({"default": {"ENGINE": ENGINE, "OPTIONS": {"pool": True}}})
    assert e.value.code == "dsql-pool"
    deployed()
    connection = _connection({"default": {"ENGINE": ENGINE}})
    with pytest.raises(PocketRuntimeError) as e:
        connection.ensure_connection()
    assert e.value.code == "dsql-missing"
