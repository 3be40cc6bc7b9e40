"""``pocket.django.db_backends.rds``: after the Aurora password rotates, a warm function re-reads
the cluster's secret and reconnects once instead of failing until its next cold start.

Runs against a real PostgreSQL server (started here from the ``initdb``/``pg_ctl`` on PATH, which
python/scripts/test.sh installs from Debian when missing) and the RDS secret in moto. Without
them the test is skipped on a developer's machine and fails in CI.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile

import boto3
import pytest

from conftest import REGION

PG_CTL = shutil.which("pg_ctl")
INITDB = shutil.which("initdb")


def _unavailable(reason: str) -> None:
    # CI installs PostgreSQL (python/scripts/test.sh): a missing server there is a broken setup.
    if os.environ.get("CI", "") not in ("", "0", "false"):
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> list[str]:
    # PostgreSQL refuses to run as root: run it as the postgres account when the tests are root.
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        _unavailable("running as root without runuser: cannot start PostgreSQL")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("running as root without a postgres account: cannot start PostgreSQL")
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="module")
def postgres():
    """``(port, admin)``: a PostgreSQL server on 127.0.0.1 (password login) and a function running
    SQL as the superuser over the local socket (no password)."""
    if not (PG_CTL and INITDB):
        _unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    prefix = _as_server_user()
    root = tempfile.mkdtemp(prefix="pocket-pg-")
    if prefix:
        shutil.chown(root, user="postgres")
    data = os.path.join(root, "data")
    subprocess.run(
        [*prefix, INITDB, "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run([*prefix, PG_CTL, "-D", data, "-l", os.path.join(root, "log"), "-o", options, "-w", "start"], check=True, capture_output=True)

    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(host=root, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    try:
        yield port, admin
    finally:
        subprocess.run([*prefix, PG_CTL, "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


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
