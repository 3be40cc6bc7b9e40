"""``pocket.django.db_backends.rds``: after the Aurora password rotates, a warm function re-reads
the cluster's secret and reconnects once instead of failing until its next cold start.

Runs against a real PostgreSQL server (tests/pg_server.py: skipped on a developer's machine
without one, failing in CI) and the RDS secret in moto.
"""

from __future__ import annotations

import json
import logging
import os

import boto3
import pytest

from conftest import REGION
from pg_server import postgres_server


@pytest.fixture(scope="module")
def postgres():
    """``(port, admin)``: a PostgreSQL server on 127.0.0.1 (password login) and a function running
    SQL as the superuser over the local socket (no password)."""
    with postgres_server(auth_host="scram-sha-256") as server:
        yield server


@pytest.fixture
def rds_stage(postgres, aws_env, deployed):
    """A deployed [rds] stage whose cluster is the local server, password ``first``."""
    port, admin = postgres
    admin("ALTER ROLE postgres PASSWORD 'first'")
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="rds!cluster-abc", SecretString=json.dumps({"username": "postgres", "password": "first"}))["ARN"]
    deployed(POCKET_RDS_SECRET_ARN=arn, POCKET_RDS_ENDPOINT="127.0.0.1", POCKET_RDS_PORT=str(port), POCKET_RDS_DBNAME="postgres")

    def rotate(server: str, secret: str | None) -> None:
        admin(f"ALTER ROLE postgres PASSWORD '{server}'")
        if secret is not None:
            sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "postgres", "password": secret}))

    return rotate


def _connection(databases):
    from django.db.utils import ConnectionHandler

    return ConnectionHandler(databases)["default"]


def test_get_databases_picks_the_rds_backend_only_for_the_cluster(rds_stage, monkeypatch):
    from pocket.django.runtime import get_databases

    assert get_databases()["default"]["ENGINE"] == "pocket.django.db_backends.rds"
    monkeypatch.delenv("POCKET_RDS_SECRET_ARN")
    assert get_databases()["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_a_rotated_password_is_read_again_and_the_connection_retried_once(rds_stage, caplog):
    from pocket.django.runtime import get_databases

    databases = get_databases()  # cold start: DATABASE_URL with "first"
    rds_stage(server="second", secret="second")  # AWS rotates the password
    caplog.set_level(logging.WARNING, logger="pocket")
    connection = _connection(databases)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == ("postgres",)
    finally:
        connection.close()
    assert connection.settings_dict["PASSWORD"] == "second"
    assert ":second@" in os.environ["DATABASE_URL"]
    assert sum("read the secret again" in r.getMessage() for r in caplog.records) == 1


def test_a_wrong_password_that_the_secret_does_not_fix_still_fails(rds_stage):
    from django.db.utils import OperationalError

    from pocket.django.runtime import get_databases

    databases = get_databases()
    rds_stage(server="elsewhere", secret=None)  # the server changed, the secret did not
    connection = _connection(databases)
    with pytest.raises(OperationalError, match="password authentication failed"):
        connection.ensure_connection()
    connection.close()


def test_only_credential_failures_count():
    from pocket.django.db_backends.rds.base import is_password_failure

    class Coded(Exception):
        def __init__(self, code):
            super().__init__("x")
            self.sqlstate = code

    assert is_password_failure(Coded("28P01"))
    assert is_password_failure(Exception('FATAL:  password authentication failed for user "postgres"'))
    assert not is_password_failure(Coded("57P03"))  # the database is starting up
    assert not is_password_failure(Exception("could not connect to server: Connection refused"))
