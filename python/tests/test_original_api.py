"""Compatibility with the original runtime's public Python API (settings, Django, handlers).

A settings.py written for the original (tests/fixtures/original_style) must load unchanged,
locally and on a deployed stage, and every public function keeps its name, signature and
meaning, implemented on the environment contract (no AWS discovery calls).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pocket._deprecation import reset_deprecations
from pocket.errors import PocketRuntimeError

from conftest import REGION

FIXTURE = Path(__file__).parent / "fixtures" / "original_style"

# Module, function, and the original's parameters as (name, default) in order; a bare name has
# no default. Keyword-only parameters are marked with a leading "*".
ORIGINAL_API = [
    ("pocket.utils", "get_stage", []),
    ("pocket.utils", "get_toml_path", []),
    ("pocket.utils", "get_project_name", []),
    ("pocket.utils", "get_wsgi_application", []),
    ("pocket.runtime", "get_secrets", [("stage", None)]),
    ("pocket.runtime", "get_secrets_from_secretsmanager", [("stage", None)]),
    ("pocket.runtime", "set_envs_from_secrets", [("stage", None)]),
    ("pocket.runtime", "set_envs_from_secretsmanager", [("stage", None)]),
    ("pocket.runtime", "set_envs_from_aws_resources", [("stage", None)]),
    ("pocket.django.runtime", "set_envs", []),
    ("pocket.django.runtime", "set_envs_from_resources", [("stage", None)]),
    ("pocket.django.runtime", "add_or_append_env", ["key", "value"]),
    ("pocket.django.runtime", "get_django_settings", [("stage", None)]),
    ("pocket.django.runtime", "get_storages", [("*stage", None), ("*path", None)]),
    ("pocket.django.runtime", "get_static_storage", [("*stage", None), ("*path", None)]),
    ("pocket.django.runtime", "get_caches", [("*stage", None), ("*path", None)]),
    ("pocket.django.runtime", "get_databases", [("*stage", None), ("*path", None)]),
    ("pocket.django.utils", "get_storages", [("*stage", None), ("*path", None)]),
    ("pocket.django.utils", "get_static_storage", [("*stage", None), ("*path", None)]),
    ("pocket.django.utils", "get_caches", [("*stage", None), ("*path", None)]),
    ("pocket.django.utils", "get_databases", [("*stage", None), ("*path", None)]),
    (
        "pocket.django.utils",
        "pocket_call_command",
        ["command", ("args", None), ("kwargs", None), ("force_direct", False), ("force_sqs", False), ("queue_key", None)],
    ),
    ("pocket.django.utils", "pocket_delete_sqs_task", ["receipt_handle", ("queue_key", "sqsmanagement")]),
    ("pocket.django.urls", "get_pocket_http_urls", []),
    ("pocket.django.urls", "find_http_toml_filepaths", []),
    ("pocket.django.urls", "as_path", ["toml_file", "stage"]),
    ("pocket.django.lambda_handlers", "wsgi_handler", ["event", ("context", None)]),
    ("pocket.django.lambda_handlers", "management_command_handler", ["event", ("context", None)]),
    ("pocket.django.lambda_handlers", "sqs_management_command_handler", ["event", ("context", None)]),
    ("pocket.django.lambda_handlers", "sqs_management_command_report_failures_handler", ["event", ("context", None)]),
    ("pocket.django.lambda_handlers", "sqs_management_command_report_failuers_handler", ["event", ("context", None)]),
]


@pytest.mark.parametrize(("module", "name", "params"), ORIGINAL_API, ids=lambda v: v if isinstance(v, str) else "")
def test_original_function_exists_with_its_parameters(module, name, params):
    import importlib

    fn = getattr(importlib.import_module(module), name)
    signature = inspect.signature(fn)
    for spec in params:
        pname, default = (spec, inspect.Parameter.empty) if isinstance(spec, str) else spec
        keyword_only = pname.startswith("*")
        pname = pname.lstrip("*")
        assert pname in signature.parameters, f"{module}.{name} lacks {pname}"
        param = signature.parameters[pname]
        if default is not inspect.Parameter.empty or param.default is not inspect.Parameter.empty:
            assert param.default == default, f"{module}.{name}({pname}=) default"
        if keyword_only:
            assert param.kind is inspect.Parameter.KEYWORD_ONLY
    # The original's positional parameters keep their positions, so positional calls still work.
    names = [spec if isinstance(spec, str) else spec[0] for spec in params]
    positional = [n for n in names if not n.startswith("*")]
    in_order = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    assert in_order[: len(positional)] == positional


def test_original_middleware_names_import():
    from django.utils.module_loading import import_string

    for dotted in (
        "pocket.django.spa_auth.SpaTokenCookieMiddleware",
        "pocket.django.spa_auth.SpaTokenMiddleware",
        "pocket.django.middleware.OriginVerifyMiddleware",
    ):
        assert callable(import_string(dotted)), dotted


def test_django_package_flags():
    import django

    import pocket.django

    assert pocket.django.django_installed is True
    assert pocket.django.django_version == django.get_version()


# ---------------------------------------------------------------------------------------------
# pocket.utils


def test_get_stage_marks_local_runs(monkeypatch):
    from pocket.utils import get_stage

    assert get_stage() == "__none__"
    monkeypatch.setenv("POCKET_STAGE", "dev")
    assert get_stage() == "dev"


def test_toml_path_and_project_name_come_from_the_nearest_pyproject(pocket_isolation, monkeypatch):
    from pocket.utils import get_project_name, get_toml_path

    assert get_toml_path() == pocket_isolation.resolve() / "pocket.toml"
    assert get_project_name() == pocket_isolation.name
    monkeypatch.setenv("POCKET_PROJECT_NAME", "deployed-name")
    assert get_project_name() == "deployed-name"
    (pocket_isolation / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    sub = pocket_isolation / "shop" / "templates"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert get_toml_path() == pocket_isolation.resolve() / "pocket.toml"
    assert get_project_name() == "shop"


def test_wsgi_application_without_settings_module_names_the_fix(pocket_isolation, monkeypatch):
    from pocket.utils import get_wsgi_application

    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    (pocket_isolation / "pyproject.toml").write_text('[project]\nname = "nosuchpkg"\n')
    with pytest.raises(PocketRuntimeError, match=r"nosuchpkg\.wsgi.*DJANGO_SETTINGS_MODULE"):
        get_wsgi_application()


# ---------------------------------------------------------------------------------------------
# pocket.runtime on the environment contract


def _secrets_doc(**user):
    return {
        "store": "sm",
        "key": "dev-myapp-pocket",
        "stage": "dev",
        "project": "myapp",
        "managed": {"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}},
        "user": {k: {"name": v, "store": "sm"} for k, v in user.items()},
    }


def _store_secrets(user_value: str | None = None) -> None:
    import boto3

    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name="dev-myapp-pocket", SecretString=json.dumps({"dev": {"myapp": {"SECRET_KEY": "managed-key"}}}))
    if user_value is not None:
        sm.create_secret(Name="db-url", SecretString=user_value)


def test_get_secrets_reads_values_without_setting_them(aws_calls, deployed):
    from pocket.runtime import get_secrets

    _store_secrets("sqlite:////tmp/x.db")
    deployed(secrets=_secrets_doc(DATABASE_URL="db-url"))
    calls_before = len(aws_calls)
    assert get_secrets() == {"SECRET_KEY": "managed-key", "DATABASE_URL": "sqlite:////tmp/x.db"}
    assert get_secrets("dev")["SECRET_KEY"] == "managed-key"
    assert "SECRET_KEY" not in os.environ
    # Only secret reads: nothing is discovered (no CloudFormation, no SQS GetQueueUrl).
    assert {c.split(".")[0] for c in aws_calls[calls_before:]} == {"secrets-manager"}


def test_get_secrets_is_empty_locally_and_without_a_secrets_table(deployed, monkeypatch):
    from pocket.runtime import get_secrets

    assert get_secrets() == {}
    assert get_secrets("__none__") == {}
    deployed()
    assert get_secrets() == {}


def test_another_stage_is_refused_not_answered_for_the_wrong_stage(deployed):
    from pocket.django.utils import get_storages
    from pocket.runtime import get_secrets, set_envs_from_secrets

    with pytest.raises(PocketRuntimeError, match=r"get_secrets\(stage='prd'\).*locally"):
        get_secrets("prd")
    deployed(django={"storages": {}, "caches": {}, "settings": {}})
    with pytest.raises(PocketRuntimeError, match=r"set_envs_from_secrets\(stage='prd'\).*stage 'dev'"):
        set_envs_from_secrets("prd")
    with pytest.raises(PocketRuntimeError, match=r"get_storages\(stage='prd'\)"):
        get_storages(stage="prd")
    assert get_storages(stage="dev") == {}


def test_set_envs_from_secrets_overwrites_and_runs_once(aws_calls, deployed, monkeypatch):
    from pocket.runtime import set_envs_from_secrets

    _store_secrets()
    deployed(secrets=_secrets_doc(), SECRET_KEY="from-image")
    set_envs_from_secrets()
    assert os.environ["SECRET_KEY"] == "managed-key"
    count = len(aws_calls)
    set_envs_from_secrets("dev")
    assert len(aws_calls) == count


def test_deprecated_names_work_and_say_so_once(aws_env, deployed, caplog):
    from pocket import runtime

    reset_deprecations()
    _store_secrets()
    deployed(secrets=_secrets_doc())
    with caplog.at_level(logging.WARNING, logger="pocket"):
        assert runtime.get_secrets_from_secretsmanager()["SECRET_KEY"] == "managed-key"
        runtime.get_secrets_from_secretsmanager()
        runtime.set_envs_from_aws_resources()
        runtime.set_envs_from_aws_resources("dev")
        runtime.set_envs_from_secretsmanager()
    notices = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(notices) == 3, notices
    assert any("get_secrets_from_secretsmanager is deprecated: use pocket.runtime.get_secrets" in n for n in notices)
    assert os.environ["SECRET_KEY"] == "managed-key"


def test_add_or_append_env(monkeypatch):
    from pocket.django.runtime import add_or_append_env

    monkeypatch.delenv("POCKET_TEST_LIST", raising=False)
    add_or_append_env("POCKET_TEST_LIST", "a")
    add_or_append_env("POCKET_TEST_LIST", "b")
    assert os.environ["POCKET_TEST_LIST"] == "a,b"


# ---------------------------------------------------------------------------------------------
# pocket.django.utils: pocket_call_command / pocket_delete_sqs_task


def _queue(name="dev-myapp-pocket-sqsmanagement"):
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    return sqs, sqs.create_queue(QueueName=name)["QueueUrl"]


def test_call_command_queues_on_queue_key_and_deletes_tasks(aws_env, deployed):
    from pocket.django.utils import pocket_call_command, pocket_delete_sqs_task

    sqs, url = _queue("dev-myapp-pocket-worker")
    deployed(POCKET_WORKER_QUEUEURL=url)
    assert pocket_call_command("clearsessions", queue_key="worker")
    message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    assert json.loads(message["Body"]) == {"command": "clearsessions", "args": [], "kwargs": {}}
    pocket_delete_sqs_task(message["ReceiptHandle"], queue_key="worker")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_force_direct_runs_here_even_with_a_queue(aws_env, deployed, capsys):
    from pocket.django.utils import pocket_call_command

    sqs, url = _queue()
    deployed(POCKET_SQSMANAGEMENT_QUEUEURL=url)
    assert pocket_call_command("check", force_direct=True) is None
    assert "no issues" in capsys.readouterr().out
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_force_sqs_without_a_queue_is_an_error_even_locally():
    from pocket.django.utils import pocket_call_command

    with pytest.raises(PocketRuntimeError, match="POCKET_SQSMANAGEMENT_QUEUEURL is not set"):
        pocket_call_command("check", force_sqs=True)
    with pytest.raises(PocketRuntimeError, match="cannot both be true"):
        pocket_call_command("check", force_direct=True, force_sqs=True)


def test_local_run_with_a_queue_url_queues_like_the_original(aws_env, monkeypatch):
    from pocket.django.utils import pocket_call_command

    sqs, url = _queue()
    monkeypatch.setenv("POCKET_SQSMANAGEMENT_QUEUEURL", url)
    monkeypatch.setenv("POCKET_REGION", REGION)
    message_id = pocket_call_command("check", ["--deploy"])
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == message_id


def test_delete_task_without_a_queue_names_the_variable():
    from pocket.django.utils import pocket_delete_sqs_task

    with pytest.raises(PocketRuntimeError, match="POCKET_JOBS_QUEUEURL is not set"):
        pocket_delete_sqs_task("receipt", queue_key="jobs")


# ---------------------------------------------------------------------------------------------
# A settings.py written for the original, loaded unchanged


_DRIVER = r"""
import json, os, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("check")
robots = Client().get("/robots.txt")
print(json.dumps({
    "SECRET_KEY": settings.SECRET_KEY,
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASES": settings.DATABASES["default"]["NAME"],
    "STORAGES": settings.STORAGES,
    "CACHES": settings.CACHES,
    "GREETING": getattr(settings, "OLDSITE_GREETING", None),
    "robots": [robots.status_code, robots.content.decode()],
}))
"""


def _run_oldsite(project: Path, settings_module: str, env: dict[str, str]) -> dict:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKET_", "DJANGO_"))}
    run_env.update(env)
    run_env["DJANGO_SETTINGS_MODULE"] = settings_module
    run_env["PYTHONPATH"] = os.pathsep.join([str(project), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER], cwd=project, env=run_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return {"stderr": done.stderr, **json.loads(done.stdout.strip().splitlines()[-1])}


@pytest.fixture
def oldsite(tmp_path):
    project = tmp_path / "oldsite-project"
    shutil.copytree(FIXTURE, project)
    return project


def test_original_init_settings_load_locally(oldsite):
    (oldsite / ".env").write_text("DEBUG=true\nSECRET_KEY=local-secret\nDATABASE_URL=sqlite:///db.sqlite3\nALLOWED_HOSTS=testserver\n")
    got = _run_oldsite(oldsite, "oldsite.settings", {})
    assert got["SECRET_KEY"] == "local-secret"
    assert got["DEBUG"] is True
    assert got["ALLOWED_HOSTS"] == ["testserver"]
    assert got["STORAGES"]["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert got["CACHES"] == {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert got["GREETING"] == "hello from the fallback"
    assert got["robots"] == [200, "User-agent: *\nDisallow: /\n"]


@pytest.mark.parametrize("settings_module", ["oldsite.settings", "oldsite.settings_docs"])
def test_original_settings_load_on_a_deployed_stage(oldsite, aws_env, settings_module):
    _store_secrets(f"sqlite:///{oldsite / 'deployed.sqlite3'}")
    django_doc = {
        "storages": {
            "default": {"BACKEND": "storages.backends.s3boto3.S3Boto3Storage", "OPTIONS": {"bucket_name": "b", "location": "media"}},
            "staticfiles": {"BACKEND": "storages.backends.s3boto3.S3StaticStorage", "OPTIONS": {"bucket_name": "b", "location": "static"}},
        },
        "caches": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "settings": {"OLDSITE_GREETING": "hello from dev"},
    }
    env = {
        "POCKET_STAGE": "dev",
        "POCKET_PROJECT_NAME": "myapp",
        "POCKET_REGION": REGION,
        "POCKET_HOSTS": "abc.execute-api.ap-northeast-1.amazonaws.com,testserver",
        "POCKET_SECRETS": json.dumps(_secrets_doc(DATABASE_URL="db-url")),
        "POCKET_DJANGO": json.dumps(django_doc),
    }
    got = _run_oldsite(oldsite, settings_module, env)
    assert got["SECRET_KEY"] == "managed-key"
    assert got["DEBUG"] is False
    assert got["ALLOWED_HOSTS"] == ["abc.execute-api.ap-northeast-1.amazonaws.com", "testserver"]
    assert got["DATABASES"] == str(oldsite / "deployed.sqlite3")
    assert got["STORAGES"] == django_doc["storages"]
    assert got["GREETING"] == "hello from dev"
    assert got["robots"] == [200, "User-agent: *\nAllow: /\n"]
    if settings_module.endswith("_docs"):
        assert got["stderr"].count("set_envs_from_aws_resources is deprecated") == 1


# ---------------------------------------------------------------------------------------------
# pocket.django.urls


def _serve_tree(root: Path) -> Path:
    http_root = root / "pocket_http_root"
    robots = http_root / "robots.txt"
    robots.mkdir(parents=True)
    (robots / "__serve__.toml").write_text('[prd]\nfilename = "public.txt"\n')
    (robots / "public.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (robots / "dev.txt").write_text("Disallow: /ü\n", encoding="utf-8")
    icon = http_root / ".well-known" / "icon.png"
    icon.mkdir(parents=True)
    (icon / "__serve__.toml").write_text("")
    (icon / "dev.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return http_root


def _resolve(patterns, path):
    for pattern in patterns:
        match = pattern.resolve(path)
        if match:
            return match.func
    return None


def test_http_urls_serve_the_stage_file_utf8_and_binary(tmp_path, monkeypatch):
    from django.http import Http404
    from django.test import RequestFactory, override_settings

    from pocket.django.urls import find_http_toml_filepaths, get_pocket_http_urls

    _serve_tree(tmp_path)
    request = RequestFactory().get("/")
    monkeypatch.setenv("POCKET_STAGE", "dev")
    with override_settings(BASE_DIR=tmp_path):
        assert [p.parent.name for p in find_http_toml_filepaths()] == ["icon.png", "robots.txt"]
        patterns = get_pocket_http_urls()
        robots = _resolve(patterns, "robots.txt")(request)
        assert robots["Content-Type"] == "text/plain; charset=utf-8"
        assert robots.content.decode("utf-8") == "Disallow: /ü\n"
        icon = _resolve(patterns, ".well-known/icon.png")(request)
        assert (icon["Content-Type"], icon.content) == ("image/png", b"\x89PNG\r\n\x1a\n")
    monkeypatch.setenv("POCKET_STAGE", "prd")
    # PROJECT_DIR (the original's setting) wins over BASE_DIR.
    with override_settings(PROJECT_DIR=tmp_path, BASE_DIR=tmp_path / "elsewhere"):
        patterns = get_pocket_http_urls()
        assert _resolve(patterns, "robots.txt")(request).content == b"User-agent: *\nAllow: /\n"
        # No prd file for the icon: 404, not a server error.
        with pytest.raises(Http404):
            _resolve(patterns, ".well-known/icon.png")(request)


def test_managed_assets_urls_prefer_the_stage_folder(tmp_path, monkeypatch):
    from django.test import RequestFactory, override_settings

    from pocket.django.urls import get_managed_assets_urls

    assets = tmp_path / "managed_assets"
    (assets / "default").mkdir(parents=True)
    (assets / "default" / "robots.txt").write_text("default\n")
    (assets / "default" / "ads.txt").write_text("ads\n")
    (assets / "prd").mkdir()
    (assets / "prd" / "robots.txt").write_text("prd\n")
    (assets / "prd" / "nested").mkdir()  # only files directly in the folder are served
    request = RequestFactory().get("/")
    with override_settings(BASE_DIR=tmp_path):
        monkeypatch.setenv("POCKET_STAGE", "prd")
        patterns = get_managed_assets_urls()
        assert [str(p.pattern) for p in patterns] == ["robots.txt"]
        response = _resolve(patterns, "robots.txt")(request)
        assert (response["Content-Type"], response.content) == ("text/plain", b"prd\n")
        monkeypatch.setenv("POCKET_STAGE", "dev")
        assert sorted(str(p.pattern) for p in get_managed_assets_urls()) == ["ads.txt", "robots.txt"]
    with override_settings(BASE_DIR=tmp_path / "nothing-here"):
        assert get_managed_assets_urls() == []
