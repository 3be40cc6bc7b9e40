"""The original's current (HEAD) runtime imports work against ours (issue 21, item 3).

HEAD_NAMES lists every public Python name the original's HEAD docs (runtime.md, django.md, and
the import paths configuration.md writes into settings and handler commands) use, plus the HEAD
modules issue 21 names, each with the doc section it comes from and how ours provides it:
``same`` (the name is ours too), ``alias`` (ours has it under another name; the HEAD name works and
logs a deprecation notice once per process) or ``new`` (added for HEAD code). Every HEAD name
is provided (the last ones were ``[dsql]``'s: ``refresh_dsql_token`` and ``pocket.naming``).
A settings.py written from HEAD's docs (tests/fixtures/head_style) passes ``manage.py check``.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from pocket._deprecation import reset_deprecations
from pocket.errors import PocketRuntimeError

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "ab" * 32  # a hex SPA token secret

# (dotted name, where HEAD's docs show it, how ours provides it)
HEAD_NAMES = [
    ("pocket.django.spa_auth.generate_token", "runtime.md#spa-トークン認証 (Python)", "same"),
    ("pocket.django.spa_auth.verify_token", "runtime.md#spa-トークン認証 (Python)", "same"),
    ("pocket.django.spa_auth.spa_login", "runtime.md#spa-トークン認証 (Python)", "same"),
    ("pocket.django.spa_auth.spa_logout", "runtime.md#spa-トークン認証 (Python)", "same"),
    ("pocket.django.spa_auth.SpaTokenCookieMiddleware", "runtime.md SpaTokenCookieMiddleware (必須)", "alias"),
    ("pocket.django.spa_auth.COOKIE_NAME", "runtime.md 拡張 (subclass)", "same"),
    ("pocket.django.spa_auth.DEFAULT_MAX_AGE", "runtime.md なぜ必要か", "same"),
    ("pocket.django.utils.get_caches", "django.md STORAGES と CACHES", "same"),
    ("pocket.django.utils.get_storages", "django.md STORAGES と CACHES", "same"),
    ("pocket.django.utils.get_email_backend", "django.md EMAIL_BACKEND", "same"),
    ("pocket.django.runtime.set_envs", "django.md 環境変数の登録 (set_envs)", "same"),
    ("pocket.runtime.set_envs_from_secrets", "django.md 環境変数の登録 (set_envs)", "same"),
    ("pocket.django.runtime.get_django_settings", "django.md Django settings の直接設定", "same"),
    ("pocket.django.utils.pocket_call_command", "django.md SQS経由のマネジメントコマンド実行", "same"),
    ("pocket.django.urls.get_managed_assets_urls", "django.md ステージ別ファイル配信 (managed_assets)", "same"),
    ("pocket.django.origin_verify.OriginVerifyMiddleware", "configuration.md origin verify", "alias"),
    ("pocket.django.storages.CloudFrontS3Boto3Storage", "configuration.md storages (backend table)", "same"),
    ("pocket.django.storages.CloudFrontS3StaticStorage", "configuration.md storages (backend table)", "same"),
    ("pocket.django.storages.CloudFrontS3ManifestStaticStorage", "configuration.md storages (backend table)", "same"),
    ("pocket.django.lambda_handlers.wsgi_handler", "configuration.md handlers (command)", "same"),
    ("pocket.django.lambda_handlers.management_command_handler", "configuration.md handlers (command)", "same"),
    (
        "pocket.django.lambda_handlers.sqs_management_command_report_failures_handler",
        "configuration.md scheduler (sqs worker command)",
        "same",
    ),
    ("pocket.django.client_ip.parse_viewer_ip", "configuration.md 詐称耐性 client IP (HEAD module, issue 21)", "new"),
    ("pocket.django.db_url.parse_database_url_credentials", "HEAD module pocket.django.db_url (issue 21)", "new"),
    ("pocket.runtime.get_context", "reference: get_context(stage) (issue 21)", "new"),
    ("pocket.django.db_backends.rds.base.DatabaseWrapper", "configuration.md [rds] (rotated password re-read)", "new"),
    ("pocket.runtime.refresh_dsql_token", "configuration.md [dsql] (warm Lambda token refresh)", "new"),
    ("pocket.naming.stored_user_secret_name", "configuration.md [dsql] endpoint publish", "new"),
    ("pocket.naming.DSQL_ENDPOINT", "configuration.md [dsql] endpoint publish", "new"),
]

def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("dotted", "section", "kind"), HEAD_NAMES, ids=[n for n, _, _ in HEAD_NAMES])
def test_head_name_imports(dotted, section, kind):
    assert _resolve(dotted) is not None, f"{dotted} ({section})"


# ---------------------------------------------------------------------------------------------
# Aliases: same behaviour, one notice per process


def _ok(request):
    return HttpResponse("ok")


@pytest.fixture
def notices(caplog):
    reset_deprecations()
    caplog.set_level(logging.WARNING, logger="pocket")
    yield lambda name: sum(f"{name} is deprecated" in r.getMessage() for r in caplog.records)
    reset_deprecations()


def test_head_origin_verify_middleware_checks_like_ours_and_says_so_once(notices, monkeypatch):
    from pocket.django.origin_verify import OriginVerifyMiddleware

    monkeypatch.setenv("POCKET_ORIGIN_VERIFY_SECRET", "s3cret")
    OriginVerifyMiddleware(_ok)
    middleware = OriginVerifyMiddleware(_ok)
    assert notices("pocket.django.origin_verify.OriginVerifyMiddleware") == 1

    direct = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    assert middleware(direct).status_code == 403
    # CloudFront-Viewer-Address style (address:port) is accepted as HEAD's docs describe.
    through = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_POCKET_ORIGIN_VERIFY="s3cret", HTTP_X_POCKET_VIEWER_IP="[2001:db8::1]:443"
    )
    assert middleware(through).status_code == 200
    assert through.META["REMOTE_ADDR"] == "2001:db8::1"


def test_head_origin_verify_path_counts_for_the_wsgi_check():
    from pocket.django.lambda_handlers import origin_verify_problem
    from pocket.django.static import pocket_middleware

    head = "pocket.django.origin_verify.OriginVerifyMiddleware"
    env = {"POCKET_ORIGIN_VERIFY_SECRET": "s3cret"}
    assert origin_verify_problem([head, "django.middleware.security.SecurityMiddleware"], env) is None
    assert "not first" in origin_verify_problem(["django.middleware.security.SecurityMiddleware", head], env)
    # pocket_middleware puts ours in place of HEAD's path, never both.
    assert pocket_middleware([head], origin_verify=True) == [
        "pocket.django.middleware.OriginVerifyMiddleware",
        "pocket.django.static.StaticFilesMiddleware",
    ]


class _User:
    is_authenticated = True
    pk = 7


def _request(cookie: str | None = None):
    request = RequestFactory().get("/")
    request.user = _User()
    if cookie is not None:
        request.COOKIES["pocket-spa-token"] = cookie
    return request


def test_spa_token_cookie_middleware_issues_like_ours_and_says_so_once(notices, monkeypatch):
    from pocket.django.spa_auth import SpaTokenCookieMiddleware, verify_token

    monkeypatch.setenv("SPA_TOKEN_SECRET", SECRET)
    SpaTokenCookieMiddleware(_ok)
    middleware = SpaTokenCookieMiddleware(_ok)
    assert notices("pocket.django.spa_auth.SpaTokenCookieMiddleware") == 1
    response = middleware(_request())
    assert verify_token(response.cookies["pocket-spa-token"].value, SECRET) == "7"


def test_spa_token_cookie_middleware_is_a_no_op_without_the_secret(notices):
    from pocket.django.spa_auth import SpaTokenCookieMiddleware

    assert "pocket-spa-token" not in SpaTokenCookieMiddleware(_ok)(_request()).cookies


def test_the_docs_subclass_with_should_issue_and_max_age_hooks(notices, monkeypatch):
    """runtime.md's example: refresh when less than half of a settings-given lifetime remains."""
    import time

    from pocket.django.spa_auth import COOKIE_NAME, generate_token
    from pocket.django.spa_auth import SpaTokenCookieMiddleware as BaseMiddleware

    class SpaTokenCookieMiddleware(BaseMiddleware):
        def _should_issue(self, request):
            if super()._should_issue(request):
                return True
            token = request.COOKIES[COOKIE_NAME]
            remaining = int(token.split(":")[1]) - time.time()
            return remaining < self._max_age() / 2

        def _max_age(self):
            return 3600

    monkeypatch.setenv("SPA_TOKEN_SECRET", SECRET)
    middleware = SpaTokenCookieMiddleware(_ok)
    fresh = generate_token("7", SECRET, 3600)
    assert COOKIE_NAME not in middleware(_request(fresh)).cookies
    old = generate_token("7", SECRET, 3600, now=time.time() - 3000)
    issued = middleware(_request(old)).cookies[COOKIE_NAME]
    assert issued["max-age"] == 3600
    # _should_issue alone decides: a subclass that never issues leaves a missing token missing.
    never = type("Never", (BaseMiddleware,), {"_should_issue": lambda self, request: False})(_ok)
    assert COOKIE_NAME not in never(_request()).cookies


def test_spa_login_takes_secret_and_max_age_positionally():
    from pocket.django.spa_auth import spa_login, verify_token

    response = HttpResponse()
    token = spa_login(response, "user123", SECRET, 3600)
    assert response.cookies["pocket-spa-token"]["max-age"] == 3600
    assert verify_token(token, SECRET) == "user123"


# ---------------------------------------------------------------------------------------------
# New names: HEAD's behaviour


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("198.51.100.10", "198.51.100.10"),
        ("198.51.100.10:443", "198.51.100.10"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:8080", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1:60776", "2001:db8::1"),
        (" 2001:DB8:0::1 ", "2001:db8::1"),
        ("", None),
        ("not-an-ip", None),
        ("198.51.100.10:http", None),
        ("[2001:db8::1", None),
    ],
)
def test_parse_viewer_ip(value, expected):
    from pocket.django.client_ip import parse_viewer_ip

    assert parse_viewer_ip(value) == expected


def test_parse_database_url_credentials_decodes_what_pocket_encodes():
    from pocket.django.db_url import parse_database_url_credentials

    got = parse_database_url_credentials("postgres://postgres:p%40ss%2Fw%3Ard@db.example.com:5432/dev_myapp")
    assert got == {"USER": "postgres", "PASSWORD": "p@ss/w:rd", "HOST": "db.example.com", "PORT": "5432", "NAME": "dev_myapp"}
    assert parse_database_url_credentials("mysql://u@h/d") == {"USER": "u", "PASSWORD": "", "HOST": "h", "PORT": "", "NAME": "d"}
    with pytest.raises(PocketRuntimeError, match="invalid port"):
        parse_database_url_credentials("postgres://u:p@h:99999/d")


def test_get_email_backend_has_heads_local_behaviour_and_ses_names(deployed, monkeypatch):
    from pocket.django.utils import get_email_backend

    assert get_email_backend() == {}  # locally Django's own settings stay (HEAD's table)
    deployed()
    assert get_email_backend() == {}  # deployed without [ses]
    monkeypatch.setenv("POCKET_SES_FROM_EMAIL", "noreply@example.com")
    monkeypatch.setenv("POCKET_SES_REGION", "us-east-1")
    monkeypatch.setenv("POCKET_SES_CONFIGURATION_SET", "tracking")
    assert get_email_backend() == {
        "EMAIL_BACKEND": "pocket.django.mail.SesEmailBackend",
        "DEFAULT_FROM_EMAIL": "noreply@example.com",
        "SERVER_EMAIL": "noreply@example.com",
        "AWS_SES_REGION_NAME": "us-east-1",
        "AWS_SES_CONFIGURATION_SET": "tracking",
    }


def test_get_context_answers_from_the_deploys_environment_without_aws(aws_calls, deployed):
    from pocket.runtime import get_context

    deployed(
        django={"storages": {}, "caches": {}, "settings": {"A": 1}},
        POCKET_CONTAINER="main",
        POCKET_WSGI_HOST="api.example.com",
        POCKET_WSGI_ENDPOINT="https://api.example.com",
        POCKET_HOSTS="api.example.com",
        POCKET_SQSMANAGEMENT_QUEUEURL="https://sqs.ap-northeast-1.amazonaws.com/1/dev-myapp-pocket-sqsmanagement",
        POCKET_CLOUDFRONT_WEB_DOMAIN="www.example.com",
        POCKET_RDS_ENDPOINT="db.cluster.example.com",
        POCKET_SECRETS=json.dumps({"managed": {}, "user": {}}),
    )
    context = get_context()
    assert context.is_deployed
    assert (context.stage, context.project_name, context.region, context.container) == ("dev", "myapp", "ap-northeast-1", "main")
    assert context.hosts == ("api.example.com", "www.example.com")
    assert sorted(context.handlers) == ["SQSMANAGEMENT", "WSGI"]  # POCKET_RDS_ENDPOINT is no handler
    assert context.handlers["WSGI"].endpoint == "https://api.example.com"
    assert context.handlers["SQSMANAGEMENT"].queueurl.endswith("/dev-myapp-pocket-sqsmanagement")
    assert context.cloudfront_domains == {"WEB": "www.example.com"}
    assert context.django["settings"] == {"A": 1}
    assert get_context("dev") == context
    assert aws_calls == []
    with pytest.raises(PocketRuntimeError, match="only knows the environment of the stage"):
        get_context("prod")


def test_get_context_locally_reads_only_general(pocket_isolation):
    from pocket.runtime import get_context

    (pocket_isolation / "pocket.toml").write_text('[general]\nregion = "us-west-2"\nproject_name = "shop"\n')
    context = get_context()
    assert (context.stage, context.project_name, context.region, context.handlers) == (None, "shop", "us-west-2", {})
    assert not context.is_deployed


# ---------------------------------------------------------------------------------------------
# A settings.py written from HEAD's docs


@pytest.fixture
def headsite(tmp_path):
    project = tmp_path / "headsite-project"
    shutil.copytree(FIXTURES / "head_style", project)
    return project


def _run(project: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKET_", "DJANGO_", "SPA_"))}
    run_env.update(env)
    run_env["PYTHONPATH"] = os.pathsep.join(
        [str(project), str(FIXTURES / "original_style"), os.environ.get("PYTHONPATH", "")]
    )
    return subprocess.run([sys.executable, *args], cwd=project, env=run_env, capture_output=True, text=True, timeout=120)


def test_head_settings_pass_manage_py_check_locally(headsite):
    (headsite / ".env").write_text("SECRET_KEY=local-secret\nDEBUG=true\nDATABASE_URL=sqlite:///db.sqlite3\n")
    done = _run(headsite, ["manage.py", "check"], {})
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


_DRIVER = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
direct = c.get("/whoami/")
through = c.get("/whoami/", HTTP_X_POCKET_ORIGIN_VERIFY="s3cret", HTTP_X_POCKET_VIEWER_IP="198.51.100.7")
robots = c.get("/robots.txt", HTTP_X_POCKET_ORIGIN_VERIFY="s3cret")
print(json.dumps({
    "direct": direct.status_code,
    "through": json.loads(through.content),
    "robots": robots.content.decode(),
    "STORAGES": settings.STORAGES["default"]["BACKEND"],
    "CORS": settings.CORS_ALLOWED_ORIGINS,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
}))
"""


def test_head_settings_run_on_a_deployed_stage(headsite):
    env = {
        "DJANGO_SETTINGS_MODULE": "headsite.settings",
        "POCKET_STAGE": "dev",
        "POCKET_PROJECT_NAME": "headsite",
        "POCKET_REGION": "ap-northeast-1",
        "POCKET_HOSTS": "testserver",
        "POCKET_ORIGIN_VERIFY_SECRET": "s3cret",
        "POCKET_SES_FROM_EMAIL": "noreply@example.com",
        "POCKET_DJANGO": json.dumps(
            {
                "storages": {
                    "default": {"BACKEND": "storages.backends.s3boto3.S3Boto3Storage", "OPTIONS": {"bucket_name": "b", "location": "media"}},
                    "staticfiles": {"BACKEND": "storages.backends.s3boto3.S3ManifestStaticStorage", "OPTIONS": {"bucket_name": "b", "location": "static"}},
                },
                "caches": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
                "settings": {"CORS_ALLOWED_ORIGINS": ["https://dev.example.com"]},
            }
        ),
        "SECRET_KEY": "deployed-secret",
        "DATABASE_URL": "sqlite:///deployed.sqlite3",
    }
    checked = _run(headsite, ["manage.py", "check"], env)
    assert checked.returncode == 0, checked.stderr
    done = _run(headsite, ["-c", _DRIVER], env)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["direct"] == 403
    assert got["through"] == {"remote_addr": "198.51.100.7", "host": "testserver"}
    assert got["robots"] == "User-agent: *\nAllow: /\n"
    assert got["STORAGES"] == "storages.backends.s3boto3.S3Boto3Storage"
    assert got["CORS"] == ["https://dev.example.com"]
    assert got["EMAIL_BACKEND"] == "pocket.django.mail.SesEmailBackend"
    assert done.stderr.count("pocket.django.origin_verify.OriginVerifyMiddleware is deprecated") == 1
    assert done.stderr.count("pocket.django.spa_auth.SpaTokenCookieMiddleware is deprecated") == 1
