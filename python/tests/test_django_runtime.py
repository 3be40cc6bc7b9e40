"""STORAGES / CACHES / settings / DATABASES helpers, checked against vectors/django-backends.json
(the same file the TypeScript config tests read, so both sides agree on the backend table)."""

from __future__ import annotations

import os

import pytest
from django.utils.module_loading import import_string

from pocket.django.runtime import (
    CACHE_BACKENDS,
    get_caches,
    get_databases,
    get_django_settings,
    get_storages,
    parse_database_url,
    resolve_django_fallback,
    storage_backend,
)
from pocket.errors import PocketRuntimeError

from conftest import load_vector

VECTOR = load_vector("django-backends.json")


def _row_id(row):
    return f"{row['store']}-dist{int(row['distribution'])}-static{int(row['static'])}-manifest{int(row['manifest'])}"


@pytest.mark.parametrize("row", VECTOR["storage_backends"], ids=_row_id)
def test_storage_backend_table_row(row):
    assert storage_backend(row["store"], row["distribution"], row["static"], row["manifest"]) == row["backend"]
    # The class must exist with the django-storages this runtime is tested with.
    assert isinstance(import_string(row["backend"]), type)


@pytest.mark.parametrize(
    "row", [r for r in VECTOR["storage_backends"] if not r["distribution"]], ids=_row_id
)
def test_local_fallback_applies_the_same_row(row, tmp_path):
    # The local path goes through resolve_django_fallback; every row without a distribution
    # (distributions are not allowed locally) must come out with the vector's backend.
    name = "staticfiles" if row["static"] else "default"
    spec = {"store": row["store"], "static": row["static"], "manifest": row["manifest"]}
    if row["store"] == "s3":
        spec["location"] = "loc"
    storages = {"default": {"store": "filesystem"}, "staticfiles": {"store": "filesystem", "static": True}}
    storages[name] = spec
    general = {"s3_fallback_bucket_name": "fb", "django_fallback": {"storages": storages}}
    assert resolve_django_fallback(general)["storages"][name]["BACKEND"] == row["backend"]


@pytest.mark.parametrize("row", VECTOR["cache_backends"], ids=lambda r: r["store"])
def test_cache_backend_table_row(row):
    assert CACHE_BACKENDS[row["store"]] == row["backend"]
    assert isinstance(import_string(row["backend"]), type)


@pytest.mark.parametrize("case", VECTOR["fallback_cases"], ids=lambda c: c["name"])
def test_fallback_case_from_pocket_toml(case, pocket_isolation, monkeypatch):
    (pocket_isolation / "pocket.toml").write_text(case["toml"])
    # Found upward from the cwd, like a developer running manage.py in a subfolder.
    sub = pocket_isolation / "src"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert get_storages() == case["storages"]
    assert get_caches() == case["caches"]
    assert get_django_settings() == case["settings"]


def test_without_pocket_toml_the_defaults_apply():
    defaults = VECTOR["fallback_cases"][0]
    assert get_storages() == defaults["storages"]
    assert get_caches() == defaults["caches"]
    assert get_django_settings() == {}


DEPLOYED_DJANGO = {
    "storages": {
        "default": {
            "BACKEND": "pocket.django.storages.CloudFrontS3Boto3Storage",
            "OPTIONS": {
                "bucket_name": "dev-myapp-pocket",
                "location": "media",
                "custom_domain": "media.example.com",
                "custom_origin_path": "/media",
                "querystring_auth": False,
                "distribution": "media",
            },
        },
        "staticfiles": {"BACKEND": "storages.backends.s3boto3.S3StaticStorage", "OPTIONS": {"bucket_name": "b", "location": "static"}},
    },
    "caches": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/mnt/efs/dev"}},
    "settings": {"DEFAULT_FROM_EMAIL": '"Dev" <test@example.com>', "NESTED": {"a": [1, 2]}},
}


def test_deployed_reads_pocket_django_not_pocket_toml(deployed, pocket_isolation):
    (pocket_isolation / "pocket.toml").write_text(VECTOR["fallback_cases"][2]["toml"])
    deployed(django=DEPLOYED_DJANGO)
    assert get_storages() == DEPLOYED_DJANGO["storages"]
    assert get_caches() == DEPLOYED_DJANGO["caches"]
    assert get_django_settings() == DEPLOYED_DJANGO["settings"]


def test_results_are_fresh_copies(deployed):
    deployed(django=DEPLOYED_DJANGO)
    get_django_settings()["NESTED"]["a"].append(3)
    get_storages()["default"]["OPTIONS"]["location"] = "changed"
    assert get_django_settings()["NESTED"] == {"a": [1, 2]}
    assert get_storages()["default"]["OPTIONS"]["location"] == "media"


def test_deployed_without_pocket_django_is_a_clear_error(deployed):
    deployed()
    with pytest.raises(PocketRuntimeError, match="POCKET_DJANGO is not set"):
        get_storages()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[general.django_fallback.storages]\ndefault = { store = "s3", location = "m" }\n'
            'staticfiles = { store = "filesystem", static = true }\n',
            "s3_fallback_bucket_name",
        ),
        (
            's3_fallback_bucket_name = "fb"\n[general.django_fallback.storages]\n'
            'default = { store = "s3", distribution = "media" }\nstaticfiles = { store = "filesystem", static = true }\n',
            "no CloudFront",
        ),
        ('[general.django_fallback.caches]\ndefault = { store = "efs" }\n', "EFS"),
        (
            '[general.django_fallback.storages]\ndefault = { store = "filesystem", locaton = "x" }\n'
            'staticfiles = { store = "filesystem", static = true }\n',
            "unknown key",
        ),
        ('[general.django_fallback.storages]\ndefault = { store = "filesystem" }\n', "staticfiles"),
        (
            '[general.django_fallback.storages]\ndefault = { store = "filesystem" }\n'
            'staticfiles = { store = "filesystem", static = true, manifest = "yes" }\n',
            "true or false",
        ),
        (
            '[general.django_fallback.storages]\ndefault = { store = "filesystem" }\n'
            'staticfiles = { store = "filesystem", static = true, link = "yes" }\n',
            "link must be true or false",
        ),
        (
            '[general.django_fallback.storages]\ndefault = { store = "filesystem" }\n'
            'staticfiles = { store = "filesystem", static = true, publish = "never" }\n',
            "publish must be",
        ),
    ],
)
def test_invalid_fallback_is_reported(pocket_isolation, toml, message):
    header = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n'
    (pocket_isolation / "pocket.toml").write_text(header + toml)
    with pytest.raises(PocketRuntimeError, match=message):
        get_caches() if "caches" in toml else get_storages()


def test_fallback_reads_publish_and_link_without_changing_the_storage(pocket_isolation):
    # The same keys pocket.toml's schema takes on every storages table; they steer deploystatic only.
    header = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n'
    (pocket_isolation / "pocket.toml").write_text(
        header + '[general.django_fallback.storages]\ndefault = { store = "filesystem" }\n'
        'staticfiles = { store = "filesystem", location = "st", static = true, link = true, publish = "command" }\n'
    )
    assert get_storages()["staticfiles"] == {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"location": "st"},
    }


# ---------------------------------------------------------------------------------------------
# DATABASES


@pytest.mark.parametrize(
    "url",
    [
        "postgres://us%40er:p%40ss%3Aw%2Frd@db.example.com:5432/app",
        "postgresql://user:pw@localhost/app?sslmode=require",
        "mysql://root:secret@127.0.0.1:3306/shop",
        "sqlite:///db.sqlite3",
        "sqlite:////var/data/db.sqlite3",
    ],
)
def test_parse_database_url_agrees_with_dj_database_url(url):
    dj_database_url = pytest.importorskip("dj_database_url")
    ours = parse_database_url(url)
    theirs = dj_database_url.parse(url)
    for field in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"):
        if field in ours or theirs.get(field) not in (None, ""):
            assert str(ours.get(field, "")) == str(theirs.get(field, "")), field
    assert ours.get("OPTIONS", {}) == theirs.get("OPTIONS", {})


def test_parsed_postgres_url_loads_djangos_backend():
    # psycopg is installed by test.sh; loading the backend proves the ENGINE path is real.
    pytest.importorskip("psycopg")
    from django.db.utils import load_backend

    entry = parse_database_url("postgres://u:p@h:5432/d")
    assert load_backend(entry["ENGINE"]).DatabaseWrapper.vendor == "postgresql"


TIDB_URL = "mysql://ab.pk_dev:pw@gateway01.ap-northeast-1.prod.aws.tidbcloud.com:4000/app_dev?ssl_mode=VERIFY_IDENTITY"


@pytest.fixture
def fresh_warnings():
    from pocket._deprecation import reset_deprecations

    reset_deprecations()
    yield
    reset_deprecations()


def test_tidb_url_verifies_the_server_with_the_system_ca_bundle(fresh_warnings):
    entry = parse_database_url(TIDB_URL)
    assert entry["USER"] == "ab.pk_dev"
    assert entry["PORT"] == "4000"
    assert entry["OPTIONS"]["ssl_mode"] == "VERIFY_IDENTITY"
    assert os.path.exists(entry["OPTIONS"]["ssl"]["ca"])


def test_tidb_without_django_tidb_uses_mysql_and_warns_once(fresh_warnings, caplog):
    import importlib.util

    assert importlib.util.find_spec("django_tidb") is None  # not in the test environment
    with caplog.at_level("WARNING", logger="pocket"):
        assert parse_database_url(TIDB_URL)["ENGINE"] == "django.db.backends.mysql"
        # A TiDB host without ssl_mode is still TiDB.
        assert parse_database_url("mysql://u:p@x.tidbcloud.com:4000/d")["ENGINE"] == "django.db.backends.mysql"
    warnings = [r.getMessage() for r in caplog.records if "django-tidb" in r.getMessage()]
    assert len(warnings) == 1


def test_tidb_uses_django_tidb_when_installed(fresh_warnings, tmp_path, monkeypatch, caplog):
    # An importable package named django_tidb stands for the installed backend: only its
    # presence is checked here (the backend itself needs a TiDB server).
    (tmp_path / "django_tidb").mkdir()
    (tmp_path / "django_tidb" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with caplog.at_level("WARNING", logger="pocket"):
        assert parse_database_url(TIDB_URL)["ENGINE"] == "django_tidb"
        assert parse_database_url("mysql://u:p@x.tidbcloud.com/d")["ENGINE"] == "django_tidb"
    assert not caplog.records
    # A plain MySQL URL stays on Django's MySQL backend.
    assert parse_database_url("mysql://root:pw@db.internal:3306/shop")["ENGINE"] == "django.db.backends.mysql"


def test_unknown_scheme_is_an_error_not_sqlite():
    with pytest.raises(PocketRuntimeError, match="scheme 'redis' is not supported"):
        parse_database_url("redis://localhost:6379/0")


def test_get_databases_local_default_is_sqlite_next_to_pocket_toml(pocket_isolation, monkeypatch):
    (pocket_isolation / "pocket.toml").write_text("[general]\n")
    sub = pocket_isolation / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert get_databases() == {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(pocket_isolation.resolve() / "db.sqlite3")}
    }


def test_get_databases_reads_dotenv_locally(pocket_isolation, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (pocket_isolation / "pocket.toml").write_text("[general]\n")
    (pocket_isolation / ".env").write_text("DATABASE_URL=postgres://a:b@h:1/n\n")
    assert get_databases()["default"]["NAME"] == "n"
    assert os.environ["DATABASE_URL"] == "postgres://a:b@h:1/n"


def test_get_databases_deployed_without_url_is_sqlite_in_tmp_with_a_warning(deployed, monkeypatch, caplog, fresh_warnings):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    deployed()
    with caplog.at_level("WARNING", logger="pocket"):
        assert get_databases() == {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/db.sqlite3"}}
        get_databases()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "lost at every cold start" in warnings[0]


def test_get_databases_on_lambda_without_pocket_stage_is_also_tmp(monkeypatch, fresh_warnings):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "dev-myapp-pocket-wsgi")
    assert get_databases()["default"]["NAME"] == "/tmp/db.sqlite3"


def test_get_databases_deployed_takes_database_url_from_envs(deployed, monkeypatch):
    # [awscontainer.envs] DATABASE_URL arrives as a plain variable of the function.
    deployed(DATABASE_URL="postgres://app:pw@db.example.com:5432/app")
    assert get_databases()["default"]["HOST"] == "db.example.com"


def test_deployed_redis_cache_gets_its_url_from_the_managed_secret(deployed):
    # [upstash] with REDIS_URL = { type = "upstash_redis_url" } and caches.default.store = "redis".
    django = {**DEPLOYED_DJANGO, "caches": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION_ENV": "REDIS_URL"}}}
    deployed(django=django, REDIS_URL="rediss://default:pw@apn1-x.upstash.io:6379")
    assert get_caches() == {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "rediss://default:pw@apn1-x.upstash.io:6379"}
    }
    assert CACHE_BACKENDS["redis"] == "django_redis.cache.RedisCache"


def test_deployed_redis_cache_without_its_url_is_a_clear_error(deployed, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    django = {**DEPLOYED_DJANGO, "caches": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION_ENV": "REDIS_URL"}}}
    deployed(django=django)
    with pytest.raises(PocketRuntimeError, match="REDIS_URL"):
        get_caches()
