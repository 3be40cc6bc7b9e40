"""A PostgreSQL server for the database backend tests, started from the ``initdb``/``pg_ctl`` on
PATH (python/scripts/test.sh installs Debian's when missing). Without them a test is skipped on a
developer's machine and fails in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator

import pytest

PG_CTL = shutil.which("pg_ctl")
INITDB = shutil.which("initdb")
OPENSSL = shutil.which("openssl")


def unavailable(reason: str) -> None:
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
        unavailable("running as root without runuser: cannot start PostgreSQL")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root without a postgres account: cannot start PostgreSQL")
    return ["runuser", "-u", "postgres", "--"]


def _tls_options(prefix: list[str], root: str) -> str:
    """Server options for TLS with a self-signed certificate made here (clients asking for
    ``sslmode=require`` check that the connection is encrypted, not who signed it)."""
    if not OPENSSL:
        unavailable("openssl is not installed: cannot give PostgreSQL a certificate")
    cert, key = os.path.join(root, "server.crt"), os.path.join(root, "server.key")
    subprocess.run(
        [*prefix, OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    os.chmod(key, 0o600)  # the server refuses a key others may read
    return f" -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"


@contextlib.contextmanager
def postgres_server(*, auth_host: str, tls: bool = False) -> Iterator[tuple[int, Callable[[str], None]]]:
    """``(port, admin)``: a server on 127.0.0.1 whose TCP logins use ``auth_host``
    (``scram-sha-256``: passwords are checked; ``trust``: any password is accepted), with TLS when
    ``tls``, and a function running SQL as the superuser over the local socket."""
    if not (PG_CTL and INITDB):
        unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    prefix = _as_server_user()
    root = tempfile.mkdtemp(prefix="pocket-pg-")
    if prefix:
        shutil.chown(root, user="postgres")
    data = os.path.join(root, "data")
    subprocess.run(
        [*prefix, INITDB, "-D", data, "-U", "postgres", "--auth-local=trust", f"--auth-host={auth_host}"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1" + (_tls_options(prefix, root) if tls else "")
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
