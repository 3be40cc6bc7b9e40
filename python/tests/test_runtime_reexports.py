"""``pocket.django.runtime`` is split into subject modules; every name it exported before the
split still imports from it (settings files written for the original use that path)."""

from __future__ import annotations

import importlib

import pytest

# Every public name the single-file pocket.django.runtime held, with the module that now owns it.
NAMES_BEFORE_THE_SPLIT = [
    ("CACHE_BACKENDS", "pocket.django.stage_settings"),
    ("CONSOLE_EMAIL_BACKEND", "pocket.django.stage_settings"),
    ("LAMBDA_SQLITE_PATH", "pocket.django.databases"),
    ("PocketRuntimeError", "pocket.errors"),
    ("SES_EMAIL_BACKEND", "pocket.django.stage_settings"),
    ("TIDB_ENGINE", "pocket.django.databases"),
    ("add_or_append_env", "pocket.django.environment"),
    ("check_stage", "pocket.django.environment"),
    ("deployed_hosts", "pocket.django.environment"),
    ("get_allowed_hosts", "pocket.django.environment"),
    ("get_caches", "pocket.django.stage_settings"),
    ("get_csrf_trusted_origins", "pocket.django.environment"),
    ("get_databases", "pocket.django.databases"),
    ("get_django_settings", "pocket.django.stage_settings"),
    ("get_email_backend", "pocket.django.stage_settings"),
    ("get_email_settings", "pocket.django.stage_settings"),
    ("get_static_storage", "pocket.django.stage_settings"),
    ("get_storages", "pocket.django.stage_settings"),
    ("is_deployed", "pocket.django.environment"),
    ("parse_database_url", "pocket.django.databases"),
    ("reset_envs_loaded", "pocket.django.environment"),
    ("resolve_django_fallback", "pocket.django.stage_settings"),
    ("set_django_env", "pocket.django.environment"),
    ("set_envs", "pocket.django.environment"),
    ("set_envs_from_resources", "pocket.django.environment"),
    ("storage_backend", "pocket.django.stage_settings"),
]


@pytest.mark.parametrize(("name", "owner"), NAMES_BEFORE_THE_SPLIT)
def test_runtime_re_exports_the_owner_s_object(name, owner):
    runtime = importlib.import_module("pocket.django.runtime")
    assert name in runtime.__all__
    assert getattr(runtime, name) is getattr(importlib.import_module(owner), name)


def test_nothing_else_is_exported():
    runtime = importlib.import_module("pocket.django.runtime")
    assert sorted(runtime.__all__) == sorted(name for name, _ in NAMES_BEFORE_THE_SPLIT)
