"""Shared fixtures for the Python runtime tests.

AWS is a real ``moto.server`` process on 127.0.0.1 (``moto_server``, one per session), reached
through ``AWS_ENDPOINT_URL`` like any boto3 client would (``aws_env``, reset before each test).
moto does not enforce IAM, so permission failures are produced with ``aws_fail``: a botocore
``before-call`` event hook on boto3's default session that answers an operation with an error
response, which botocore then raises as a genuine ``ClientError`` through its normal path.

Every test runs in an empty temporary cwd with ``POCKET_*`` variables removed, the whole
environment restored afterwards, and the ``set_envs`` once-per-process guard reset.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR = REPO_ROOT / "vectors"
REGION = "ap-northeast-1"


def pytest_configure(config):
    # A minimal Django project: enough for storages, responses, RequestFactory and auth models.
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="pocket-tests-not-secret",
            ALLOWED_HOSTS=["*"],
            USE_TZ=True,
            INSTALLED_APPS=[
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "django.contrib.sessions",
                "django.contrib.staticfiles",
            ],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            STATIC_URL="/static/",
            MIDDLEWARE=[],
        )
        django.setup()


def load_vector(name: str) -> dict:
    return json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Isolation


@pytest.fixture(autouse=True)
def pocket_isolation(tmp_path, monkeypatch):
    """Clean POCKET_* environment, empty cwd, fresh set_envs guard; everything restored after."""
    from pocket.django.runtime import reset_envs_loaded

    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith("POCKET_"):
            del os.environ[key]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    reset_envs_loaded()
    yield cwd
    reset_envs_loaded()
    os.environ.clear()
    os.environ.update(saved)


# ---------------------------------------------------------------------------------------------
# moto


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Talk to moto directly, never through an HTTP proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def moto_server():
    """Base URL of a ``python -m moto.server`` started for this test session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"moto.server exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
            try:
                with _opener.open(f"{url}/moto-api/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("moto.server did not answer within 60 s") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def aws_env(moto_server, monkeypatch):
    """Point boto3 at the (freshly reset) moto server with dummy credentials; yields its URL."""
    import boto3

    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST", data=b"")
    with _opener.open(request, timeout=10):
        pass
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # Keep a developer's ~/.aws out of the picture.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    # A fresh default session: code under test calls boto3.client(), which uses it.
    boto3.setup_default_session()
    yield moto_server
    boto3.DEFAULT_SESSION = None


@pytest.fixture
def aws_calls(aws_env):
    """List of ``"service-id.Operation"`` strings for every AWS call made through boto3's
    default session during the test (clients must be created after the fixture is set up)."""
    import boto3

    calls: list[str] = []

    def record(event_name, **kwargs):
        calls.append(event_name[len("before-call.") :])

    boto3.DEFAULT_SESSION.events.register("before-call", record)
    yield calls
    boto3.DEFAULT_SESSION.events.unregister("before-call", record)


@pytest.fixture
def aws_fail(aws_env):
    """``aws_fail(service_id, operation, code, message="")`` makes that operation fail with the
    given error code (e.g. AccessDeniedException, which moto cannot produce without IAM rules)."""
    import boto3
    from botocore.awsrequest import AWSResponse

    registered = []

    def fail(service_id: str, operation: str, code: str, message: str = "", status: int = 400):
        def answer(**kwargs):
            http = AWSResponse(url="", status_code=status, headers={}, raw=None)
            return http, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}}

        event = f"before-call.{service_id}.{operation}"
        boto3.DEFAULT_SESSION.events.register(event, answer)
        registered.append((event, answer))

    yield fail
    for event, answer in registered:
        boto3.DEFAULT_SESSION.events.unregister(event, answer)


# ---------------------------------------------------------------------------------------------
# Keys


@pytest.fixture(scope="session")
def rsa_keypair():
    """``(pem_b64, pub_b64, private_key)`` shaped like pocket's managed RSA secrets: base64 of a
    PKCS#1 ``BEGIN RSA PRIVATE KEY`` PEM and of a SubjectPublicKeyInfo ``BEGIN PUBLIC KEY`` PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    return base64.b64encode(pem).decode(), base64.b64encode(pub).decode(), key


# ---------------------------------------------------------------------------------------------
# Deployed-stage environment


@pytest.fixture
def deployed(monkeypatch):
    """``deployed(secrets=None, django=None, **env)``: set the variables a deployed stage gets
    (POCKET_STAGE dev, project myapp, region ap-northeast-1), JSON-encoding the documents."""

    def setup(secrets: dict | None = None, django: dict | None = None, **env: str) -> None:
        monkeypatch.setenv("POCKET_STAGE", "dev")
        monkeypatch.setenv("POCKET_PROJECT_NAME", "myapp")
        monkeypatch.setenv("POCKET_REGION", REGION)
        if secrets is not None:
            monkeypatch.setenv("POCKET_SECRETS", json.dumps(secrets, separators=(",", ":")))
        if django is not None:
            monkeypatch.setenv("POCKET_DJANGO", json.dumps(django, separators=(",", ":")))
        for key, value in env.items():
            monkeypatch.setenv(key, value)

    return setup
