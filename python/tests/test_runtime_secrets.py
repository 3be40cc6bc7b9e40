"""set_envs(): secrets into os.environ, against a real moto server (see conftest)."""

from __future__ import annotations

import json
import logging
import os
from urllib.parse import quote

import boto3
import pytest

from pocket.django.runtime import (
    get_allowed_hosts,
    get_csrf_trusted_origins,
    get_databases,
    reset_envs_loaded,
    set_envs,
)
from pocket.errors import PocketRuntimeError
from pocket.runtime import set_envs as runtime_set_envs

from conftest import REGION

KEY = "dev-myapp-pocket"


def sm_doc(managed=None, user=None, store="sm"):
    return {
        "store": store,
        "key": KEY,
        "stage": "dev",
        "project": "myapp",
        "managed": managed or {},
        "user": user or {},
    }


def put_sm_store(value: dict, region: str = REGION) -> None:
    boto3.client("secretsmanager", region_name=region).create_secret(Name=KEY, SecretString=json.dumps(value))


def put_ssm(name: str, value: str, region: str = REGION) -> None:
    boto3.client("ssm", region_name=region).put_parameter(Name=name, Value=value, Type="SecureString")


def count(calls: list[str], op: str) -> int:
    return sum(1 for c in calls if c == op)


def test_runtime_module_reexports_set_envs():
    assert runtime_set_envs is set_envs


def test_sm_layout_reads_one_secret_and_only_this_stage_and_project(aws_calls, deployed, rsa_keypair):
    pem, pub, _ = rsa_keypair
    put_sm_store(
        {
            "dev": {
                "myapp": {
                    "SECRET_KEY": "dev-secret",
                    "SPA_TOKEN_SECRET": "ab" * 32,
                    "JWT_RSA": {"pem": pem, "pub": pub},
                },
                "otherapp": {"SECRET_KEY": "other-project"},
            },
            "prd": {"myapp": {"SECRET_KEY": "prd-secret"}},
        }
    )
    deployed(
        secrets=sm_doc(
            managed={
                "SECRET_KEY": {"type": "password", "env": "SECRET_KEY"},
                "SPA_TOKEN_SECRET": {"type": "spa_token_secret", "env": "SPA_TOKEN_SECRET"},
                "JWT_RSA": {"type": "rsa_pem_base64", "pem": "JWT_RSA_PEM_BASE64", "pub": "JWT_RSA_PUB_BASE64"},
            }
        )
    )
    calls_before = len(aws_calls)
    set_envs()
    assert os.environ["SECRET_KEY"] == "dev-secret"
    assert os.environ["SPA_TOKEN_SECRET"] == "ab" * 32
    assert os.environ["JWT_RSA_PEM_BASE64"] == pem
    assert os.environ["JWT_RSA_PUB_BASE64"] == pub
    assert "JWT_RSA" not in os.environ
    assert aws_calls[calls_before:] == ["secrets-manager.GetSecretValue"]


def test_container_and_shared_store_each_entry_from_its_store(aws_calls, deployed, caplog):
    # The shared store also holds another container's value: taken by that container, not warned about here.
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "shared-secret", "V2_ONLY": "theirs"}}})
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="dev-myapp-web-pocket", SecretString=json.dumps({"dev": {"myapp": {"OWN_TOKEN": "own-value"}}})
    )
    doc = sm_doc(
        managed={
            "OWN_TOKEN": {"type": "password", "env": "OWN_TOKEN"},
            "SECRET_KEY": {"type": "password", "env": "SECRET_KEY", "shared": True},
        }
    )
    deployed(secrets={**doc, "key": "dev-myapp-web-pocket", "sharedKey": KEY})
    calls_before = len(aws_calls)
    set_envs()
    assert os.environ["OWN_TOKEN"] == "own-value"
    assert os.environ["SECRET_KEY"] == "shared-secret"
    assert aws_calls[calls_before:] == ["secrets-manager.GetSecretValue", "secrets-manager.GetSecretValue"]
    assert "V2_ONLY" not in os.environ
    assert "no longer declares" not in caplog.text


def test_ssm_layout_paginates_and_expands_pairs(aws_calls, deployed, rsa_keypair):
    pem, pub, _ = rsa_keypair
    # 13 parameters: more than one GetParametersByPath page (moto, like AWS, returns 10 at most).
    names = [f"PASSWORD_{i:02d}" for i in range(11)]
    for name in names:
        put_ssm(f"/{KEY}/{name}", f"value-{name}")
    put_ssm(f"/{KEY}/CF_MEDIA_KEY/pem", pem)
    put_ssm(f"/{KEY}/CF_MEDIA_KEY/pub", pub)
    put_ssm(f"/{KEY}/CF_MEDIA_KEY/pem/extra", "deeper than the layout")
    put_ssm(f"/{KEY}-other/PASSWORD_00", "another key's value")
    managed = {name: {"type": "password", "env": name} for name in names}
    managed["CF_MEDIA_KEY"] = {
        "type": "cloudfront_signing_key",
        "pem": "CF_MEDIA_KEY_PEM_BASE64",
        "pub": "CF_MEDIA_KEY_PUB_BASE64",
    }
    deployed(secrets=sm_doc(managed=managed, store="ssm"))
    start = len(aws_calls)
    set_envs()
    for name in names:
        assert os.environ[name] == f"value-{name}"
    assert os.environ["CF_MEDIA_KEY_PEM_BASE64"] == pem
    assert os.environ["CF_MEDIA_KEY_PUB_BASE64"] == pub
    assert len(aws_calls[start:]) >= 2
    assert set(aws_calls[start:]) == {"ssm.GetParametersByPath"}


def test_pair_env_names_come_from_the_document(aws_env, deployed):
    put_sm_store({"dev": {"myapp": {"CF_MEDIA_KEY": {"pem": "P", "pub": "Q"}}}})
    deployed(
        secrets=sm_doc(
            managed={"CF_MEDIA_KEY": {"type": "cloudfront_signing_key", "pem": "MEDIA_PRIVATE", "pub": "MEDIA_PUBLIC"}}
        )
    )
    set_envs()
    assert (os.environ["MEDIA_PRIVATE"], os.environ["MEDIA_PUBLIC"]) == ("P", "Q")
    assert "CF_MEDIA_KEY_PEM_BASE64" not in os.environ


def test_pair_entry_with_a_string_value_is_an_error(aws_env, deployed):
    put_sm_store({"dev": {"myapp": {"JWT_RSA": "not-a-pair"}}})
    deployed(secrets=sm_doc(managed={"JWT_RSA": {"type": "rsa_pem_base64", "pem": "A", "pub": "B"}}))
    with pytest.raises(PocketRuntimeError, match=r"JWT_RSA .*must hold both pem and pub"):
        set_envs()


def test_user_secrets_one_call_each_by_their_store(aws_calls, deployed):
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="my-secret", SecretString="api-key-value")["ARN"]
    sm.create_secret(Name="by-name", SecretString="by-name-value")
    put_ssm("/shared/other", "ssm-value")
    deployed(
        secrets=sm_doc(
            user={
                "MY_API_KEY": {"name": arn, "store": "sm"},
                "BY_NAME": {"name": "by-name"},  # no store: inherits the document's (sm)
                "OTHER": {"name": "/shared/other", "store": "ssm"},
            }
        )
    )
    start = len(aws_calls)
    set_envs()
    assert os.environ["MY_API_KEY"] == "api-key-value"
    assert os.environ["BY_NAME"] == "by-name-value"
    assert os.environ["OTHER"] == "ssm-value"
    # No managed entries: the pocket store is not read at all
    # (docs/decisions.md#y1-pocket-store-read-only-when-declared).
    assert sorted(aws_calls[start:]) == [
        "secrets-manager.GetSecretValue",
        "secrets-manager.GetSecretValue",
        "ssm.GetParameter",
    ]


def test_user_secret_arn_is_read_in_the_arns_region(aws_env, deployed):
    arn = boto3.client("secretsmanager", region_name="us-west-2").create_secret(
        Name="elsewhere", SecretString="west"
    )["ARN"]
    deployed(secrets=sm_doc(user={"FROM_WEST": {"name": arn}}))
    set_envs()
    assert os.environ["FROM_WEST"] == "west"


def test_region_comes_from_pocket_region(aws_env, deployed, monkeypatch):
    # AWS_DEFAULT_REGION is ap-northeast-1 (aws_env); the pocket secret exists only in eu-west-1.
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "eu"}}}, region="eu-west-1")
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    monkeypatch.setenv("POCKET_REGION", "eu-west-1")
    set_envs()
    assert os.environ["SECRET_KEY"] == "eu"


def test_precedence_image_env_then_managed_then_user_then_rds(aws_env, deployed, monkeypatch, pocket_isolation):
    sm = boto3.client("secretsmanager", region_name=REGION)
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "managed-key", "DATABASE_URL": "postgres://managed", "TOKEN": "managed"}}})
    sm.create_secret(Name="user-token", SecretString="user")
    sm.create_secret(Name="user-db", SecretString="postgres://user")
    rds_arn = sm.create_secret(Name="rds-master", SecretString=json.dumps({"username": "u", "password": "p"}))["ARN"]
    # A .env is only for local runs: deployed, it must be ignored.
    (pocket_isolation / "pocket.toml").write_text('[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n')
    (pocket_isolation / ".env").write_text("SECRET_KEY=from-dotenv\nONLY_IN_DOTENV=1\n")
    monkeypatch.setenv("SECRET_KEY", "image-key")
    monkeypatch.setenv("KEEP_ME", "image")
    deployed(
        secrets=sm_doc(
            managed={
                "SECRET_KEY": {"type": "password", "env": "SECRET_KEY"},
                "DATABASE_URL": {"type": "neon_database_url", "env": "DATABASE_URL"},
                "TOKEN": {"type": "password", "env": "TOKEN"},
            },
            user={"TOKEN": {"name": "user-token"}, "DATABASE_URL": {"name": "user-db"}},
        ),
        POCKET_RDS_SECRET_ARN=rds_arn,
        POCKET_RDS_ENDPOINT="cluster.example.internal",
        POCKET_RDS_PORT="5432",
        POCKET_RDS_DBNAME="app",
    )
    set_envs()
    assert os.environ["KEEP_ME"] == "image"
    assert os.environ["SECRET_KEY"] == "managed-key"  # managed > image environment
    assert os.environ["TOKEN"] == "user"  # user > managed
    assert os.environ["DATABASE_URL"] == "postgres://u:p@cluster.example.internal:5432/app"  # RDS > all
    assert "ONLY_IN_DOTENV" not in os.environ


def test_rds_database_url_percent_encodes_credentials(aws_env, deployed):
    username, password = "admin@corp:1", "p@ss:w/rd?#%&= é+"
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="rds!cluster-abc", SecretString=json.dumps({"username": username, "password": password})
    )["ARN"]
    deployed(
        POCKET_RDS_SECRET_ARN=arn,
        POCKET_RDS_ENDPOINT="db.cluster-xyz.ap-northeast-1.rds.amazonaws.com",
        POCKET_RDS_PORT="5432",
        POCKET_RDS_DBNAME="myapp",
    )
    set_envs()
    url = os.environ["DATABASE_URL"]
    assert url == (
        f"postgres://{quote(username, safe='')}:{quote(password, safe='')}"
        "@db.cluster-xyz.ap-northeast-1.rds.amazonaws.com:5432/myapp"
    )
    # ...and parsing it gives the originals back, so Django connects with the right credentials.
    db = get_databases()["default"]
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        username,
        password,
        "db.cluster-xyz.ap-northeast-1.rds.amazonaws.com",
        "5432",
        "myapp",
    )


def test_missing_pocket_secret_names_it_and_the_fix_then_retries(aws_calls, deployed):
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    with pytest.raises(PocketRuntimeError) as err:
        set_envs()
    message = str(err.value)
    assert KEY in message
    assert "pocket resource awscontainer secrets create-pocket-managed" in message
    assert "pocket deploy" in message
    assert "ResourceNotFoundException" in message
    # The guard is set only after success: once the secret exists, the next call loads it.
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "now-there"}}})
    set_envs()
    assert os.environ["SECRET_KEY"] == "now-there"


def test_declared_but_not_stored_lists_every_missing_name(aws_env, deployed):
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "x"}}})
    deployed(
        secrets=sm_doc(
            managed={
                "SECRET_KEY": {"type": "password", "env": "SECRET_KEY"},
                "NEW_ONE": {"type": "password", "env": "NEW_ONE"},
                "ALSO_NEW": {"type": "password", "env": "ALSO_NEW"},
            }
        )
    )
    with pytest.raises(PocketRuntimeError, match=r"NEW_ONE, ALSO_NEW .*pocket deploy"):
        set_envs()
    # Nothing is half-applied.
    assert "SECRET_KEY" not in os.environ


def test_stored_name_no_longer_declared_is_skipped_with_a_warning(aws_env, deployed, caplog):
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "x", "REMOVED_LATER": "old"}}})
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    with caplog.at_level(logging.WARNING, logger="pocket"):
        set_envs()
    assert os.environ["SECRET_KEY"] == "x"
    assert "REMOVED_LATER" not in os.environ
    assert any("REMOVED_LATER" in r.getMessage() and "no longer declares" in r.getMessage() for r in caplog.records)


def test_access_denied_on_secrets_manager_names_the_action(aws_fail, deployed):
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "x"}}})
    aws_fail(
        "secrets-manager",
        "GetSecretValue",
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: "
        "secretsmanager:GetSecretValue",
    )
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    with pytest.raises(PocketRuntimeError) as err:
        set_envs()
    message = str(err.value)
    assert "access denied" in message
    assert KEY in message
    assert "secretsmanager:GetSecretValue" in message


def test_access_denied_on_ssm_path_names_the_action(aws_fail, deployed):
    aws_fail("ssm", "GetParametersByPath", "AccessDeniedException", "not authorized")
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}, store="ssm"))
    with pytest.raises(PocketRuntimeError, match=rf"/{KEY}/.*ssm:GetParametersByPath"):
        set_envs()


def test_kms_denied_names_kms_decrypt(aws_fail, deployed):
    aws_fail("ssm", "GetParameter", "AccessDeniedException", "The ciphertext refers to a customer master key ... (Service: AWSKMS)")
    deployed(secrets=sm_doc(user={"OTHER": {"name": "/shared/other", "store": "ssm"}}))
    with pytest.raises(PocketRuntimeError, match=r"OTHER.*/shared/other.*kms:Decrypt"):
        set_envs()


def test_missing_user_parameter_names_the_variable_and_parameter(aws_env, deployed):
    deployed(secrets=sm_doc(user={"OTHER": {"name": "/shared/missing", "store": "ssm"}}))
    with pytest.raises(PocketRuntimeError, match=r"user secret OTHER \(SSM parameter '/shared/missing'\) does not exist"):
        set_envs()


def test_secret_scheduled_for_deletion(aws_env, deployed):
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "x"}}})
    boto3.client("secretsmanager", region_name=REGION).delete_secret(SecretId=KEY, RecoveryWindowInDays=7)
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    with pytest.raises(PocketRuntimeError, match="scheduled for deletion"):
        set_envs()


def test_once_per_process(aws_calls, deployed):
    put_sm_store({"dev": {"myapp": {"SECRET_KEY": "first"}}})
    deployed(secrets=sm_doc(managed={"SECRET_KEY": {"type": "password", "env": "SECRET_KEY"}}))
    set_envs()
    os.environ["SECRET_KEY"] = "changed-by-the-app"
    set_envs()
    set_envs()
    assert count(aws_calls, "secrets-manager.GetSecretValue") == 1
    assert os.environ["SECRET_KEY"] == "changed-by-the-app"
    # An explicit reset loads again.
    reset_envs_loaded()
    set_envs()
    assert os.environ["SECRET_KEY"] == "first"
    assert count(aws_calls, "secrets-manager.GetSecretValue") == 2


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"store":"s3","key":"k","stage":"dev","project":"p"}',
        '{"store":"sm","key":"","stage":"dev","project":"p"}',
        '{"store":"sm","key":"k","stage":"dev","project":"p","managed":{"A":{"type":"password"}}}',
        '{"store":"sm","key":"k","stage":"dev","project":"p","user":{"A":{}}}',
    ],
)
def test_malformed_document_is_reported_without_calling_aws(aws_calls, deployed, monkeypatch, raw):
    deployed()
    monkeypatch.setenv("POCKET_SECRETS", raw)
    with pytest.raises(PocketRuntimeError, match="POCKET_SECRETS is malformed"):
        set_envs()
    assert aws_calls == []


def test_pocket_hosts_are_added_to_allowed_hosts(deployed, monkeypatch):
    deployed(POCKET_HOSTS="api.example.com,abc123.execute-api.ap-northeast-1.amazonaws.com")
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")
    set_envs()
    assert os.environ["ALLOWED_HOSTS"] == "localhost,api.example.com,abc123.execute-api.ap-northeast-1.amazonaws.com"
    assert get_allowed_hosts(["127.0.0.1", "localhost"]) == [
        "127.0.0.1",
        "localhost",
        "api.example.com",
        "abc123.execute-api.ap-northeast-1.amazonaws.com",
    ]


def test_empty_pocket_hosts_leaves_allowed_hosts_alone(deployed):
    deployed(POCKET_HOSTS="")
    set_envs()
    assert "ALLOWED_HOSTS" not in os.environ
    assert "CSRF_TRUSTED_ORIGINS" not in os.environ
    assert get_allowed_hosts() == []
    assert get_csrf_trusted_origins() == []


def test_cloudfront_domains_join_the_hosts_and_every_host_is_a_csrf_origin(deployed, monkeypatch):
    deployed(
        POCKET_HOSTS="abc123.execute-api.ap-northeast-1.amazonaws.com",
        POCKET_CLOUDFRONT_WEB_DOMAIN="www.example.com",
        POCKET_CLOUDFRONT_MEDIA_CDN_DOMAIN="d111111abcdef8.cloudfront.net",
        POCKET_CLOUDFRONT_EMPTY_DOMAIN="",
        # Not a distribution's domain: a look-alike name must not be picked up.
        POCKET_CLOUDFRONT_WEB_DOMAINS="evil.example.net",
    )
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://admin.example.org")
    set_envs()
    hosts = ["abc123.execute-api.ap-northeast-1.amazonaws.com", "d111111abcdef8.cloudfront.net", "www.example.com"]
    assert os.environ["ALLOWED_HOSTS"] == ",".join(hosts)
    assert os.environ["CSRF_TRUSTED_ORIGINS"] == ",".join(["https://admin.example.org", *(f"https://{h}" for h in hosts)])
    assert get_allowed_hosts(["localhost"]) == ["localhost", *hosts]
    assert get_csrf_trusted_origins(["http://localhost:8000"]) == [
        "http://localhost:8000",
        "https://admin.example.org",
        *(f"https://{h}" for h in hosts),
    ]


# ---------------------------------------------------------------------------------------------
# Local (no POCKET_STAGE)


def test_local_reads_dotenv_next_to_pocket_toml_without_aws(aws_calls, pocket_isolation, monkeypatch):
    (pocket_isolation / "pocket.toml").write_text('[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n')
    (pocket_isolation / ".env").write_text(
        "# comment\n"
        "SECRET_KEY=from-dotenv\n"
        "export DEBUG=true\n"
        "DATABASE_URL='sqlite:///db.sqlite3'\n"
        'QUOTED="a \\"b\\"\\nc"  # trailing comment\n'
        "URL=https://example.com/#frag\n"
        "ALREADY=from-dotenv\n"
    )
    sub = pocket_isolation / "app" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    monkeypatch.setenv("ALREADY", "from-image")
    # Even with these set, nothing is fetched without POCKET_STAGE.
    monkeypatch.setenv("POCKET_SECRETS", json.dumps(sm_doc(managed={"X": {"type": "password", "env": "X"}})))
    monkeypatch.setenv("POCKET_RDS_SECRET_ARN", "arn:aws:secretsmanager:ap-northeast-1:1:secret:x")
    set_envs()
    assert os.environ["SECRET_KEY"] == "from-dotenv"
    assert os.environ["DEBUG"] == "true"
    assert os.environ["DATABASE_URL"] == "sqlite:///db.sqlite3"
    assert os.environ["QUOTED"] == 'a "b"\nc'
    assert os.environ["URL"] == "https://example.com/#frag"
    assert os.environ["ALREADY"] == "from-image"  # image env < .env: .env only fills gaps
    assert aws_calls == []


def test_local_without_pocket_toml_reads_nothing(pocket_isolation):
    (pocket_isolation / ".env").write_text("SHOULD_NOT_LOAD=1\n")  # no pocket.toml anywhere up
    set_envs()
    assert "SHOULD_NOT_LOAD" not in os.environ


def test_malformed_dotenv_line_is_an_error(pocket_isolation):
    (pocket_isolation / "pocket.toml").write_text("[general]\n")
    (pocket_isolation / ".env").write_text("GOOD=1\nthis is not an assignment\n")
    with pytest.raises(PocketRuntimeError, match=r"\.env:2: expected KEY=value"):
        set_envs()


def test_existing_cluster_url_from_its_secret(aws_env, deployed):
    # [rds] managed = false: the deploy leaves endpoint, port and dbname empty; the secret has them.
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="legacy-db",
        SecretString=json.dumps(
            {"username": "app", "password": "p/w", "host": "legacy.example.internal", "port": 5433, "dbname": "legacy"}
        ),
    )["ARN"]
    deployed(POCKET_RDS_SECRET_ARN=arn, POCKET_RDS_ENDPOINT="", POCKET_RDS_PORT="", POCKET_RDS_DBNAME="")
    set_envs()
    assert os.environ["DATABASE_URL"] == "postgres://app:p%2Fw@legacy.example.internal:5433/legacy"


def test_rds_secret_without_host_and_no_endpoint_is_a_clear_error(aws_env, deployed):
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="rds!cluster-nohost", SecretString=json.dumps({"username": "u", "password": "p"})
    )["ARN"]
    deployed(POCKET_RDS_SECRET_ARN=arn, POCKET_RDS_ENDPOINT="", POCKET_RDS_PORT="", POCKET_RDS_DBNAME="app")
    with pytest.raises(PocketRuntimeError, match="host/dbname"):
        set_envs()
