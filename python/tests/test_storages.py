"""CloudFront storages: URL mapping, canned-policy signatures verified with the public key, and
real S3 reads/writes against moto."""

from __future__ import annotations

import base64
import json
import pickle
import sys
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.core.files.base import ContentFile
from django.core.files.storage import StorageHandler

from pocket.django.runtime import get_storages
from pocket.django.storages import (
    CloudFrontS3Boto3Storage,
    CloudFrontS3ManifestStaticStorage,
    CloudFrontS3StaticStorage,
    PocketStorageConfigurationError,
    distribution_domain_env,
    rsa_sha1_signer,
)

from conftest import REGION

SIGNING = {"id_env": "CF_MEDIA_KEY_ID", "pem_env": "CF_MEDIA_KEY_PEM_BASE64"}


def media_storage(**overrides) -> CloudFrontS3Boto3Storage:
    options = {
        "bucket_name": "dev-myapp-pocket",
        "location": "media",
        "custom_domain": "media.example.com",
        "custom_origin_path": "/media",
        "querystring_auth": True,
        "distribution": "media",
        "signing_key": dict(SIGNING),
    }
    options.update(overrides)
    return CloudFrontS3Boto3Storage(**options)


def verify_cloudfront_url(url: str, pub_b64: str, key_id: str) -> tuple[str, int]:
    """Check a canned-policy signed URL the way CloudFront does; returns (resource, expires)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert set(query) >= {"Expires", "Signature", "Key-Pair-Id"}
    assert query["Key-Pair-Id"] == [key_id]
    expires = int(query["Expires"][0])
    # The signed resource is the URL without the three signing parameters.
    signing = {"Expires", "Signature", "Key-Pair-Id"}
    rest = "&".join(p for p in parts.query.split("&") if p.split("=", 1)[0] not in signing)
    resource = parts._replace(query=rest).geturl()
    policy = json.dumps(
        {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
        separators=(",", ":"),
    ).encode()
    # CloudFront's URL-safe base64: '+' -> '-', '=' -> '_', '/' -> '~'.
    signature = base64.b64decode(
        query["Signature"][0].replace("-", "+").replace("_", "=").replace("~", "/")
    )
    public_key = load_pem_public_key(base64.b64decode(pub_b64))
    public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # raises if wrong
    return resource, expires


@pytest.fixture
def signing_env(monkeypatch, rsa_keypair):
    pem, pub, _ = rsa_keypair
    monkeypatch.setenv("CF_MEDIA_KEY_ID", "K2JCJMDEHXQW5F")
    monkeypatch.setenv("CF_MEDIA_KEY_PEM_BASE64", pem)
    return pub


def test_static_url_strips_the_origin_path():
    storage = CloudFrontS3StaticStorage(
        bucket_name="b",
        location="web/static",
        custom_domain="www.example.com",
        custom_origin_path="/web",
        querystring_auth=False,
        distribution="main",
    )
    assert storage.url("css/app.css") == "https://www.example.com/static/css/app.css"


def test_media_url_on_default_route_quotes_the_name():
    storage = media_storage(querystring_auth=False, signing_key=None)
    assert storage.url("uploads/a b+ü.png") == "https://media.example.com/uploads/a%20b%2B%C3%BC.png"


def test_domain_from_environment_when_options_have_none(monkeypatch):
    storage = media_storage(custom_domain=None, querystring_auth=False, signing_key=None, distribution="my-cdn")
    env = distribution_domain_env("my-cdn")
    assert env == "POCKET_CLOUDFRONT_MY_CDN_DOMAIN"
    with pytest.raises(PocketStorageConfigurationError, match=env):
        storage.url("a.png")
    monkeypatch.setenv(env, "d111111abcdef8.cloudfront.net")
    assert storage.url("a.png") == "https://d111111abcdef8.cloudfront.net/a.png"


def test_location_outside_the_origin_path_is_rejected():
    with pytest.raises(PocketStorageConfigurationError, match="outside the route's origin path"):
        media_storage(location="mediafiles")


def test_querystring_auth_without_signing_key_is_rejected():
    with pytest.raises(PocketStorageConfigurationError, match="no signing_key"):
        media_storage(signing_key=None)


def test_signed_url_verifies_with_the_public_key(signing_env):
    before = int(time.time())
    url = media_storage().url("uploads/report 1.pdf")
    assert url.startswith("https://media.example.com/uploads/report%201.pdf?Expires=")
    resource, expires = verify_cloudfront_url(url, signing_env, "K2JCJMDEHXQW5F")
    # Signed after the origin path was stripped
    # (docs/decisions.md#y7-sign-after-stripping-the-origin-path).
    assert resource == "https://media.example.com/uploads/report%201.pdf"
    assert before + 3600 <= expires <= int(time.time()) + 3600  # querystring_expire default


def test_signed_url_with_parameters_and_expire(signing_env):
    url = media_storage().url("a.png", parameters={"response-content-disposition": "attachment"}, expire=60)
    resource, expires = verify_cloudfront_url(url, signing_env, "K2JCJMDEHXQW5F")
    assert resource == "https://media.example.com/a.png?response-content-disposition=attachment"
    assert expires <= int(time.time()) + 60


def test_tampered_url_does_not_verify(signing_env):
    url = media_storage().url("a.png").replace("/a.png", "/b.png")
    with pytest.raises(InvalidSignature):
        verify_cloudfront_url(url, signing_env, "K2JCJMDEHXQW5F")


def test_rsa_package_fallback_signs_identically(signing_env, rsa_keypair, monkeypatch):
    rsa = pytest.importorskip("rsa")
    pem = base64.b64decode(rsa_keypair[0])
    message = b'{"Statement":[]}'
    with_cryptography = rsa_sha1_signer(pem)(message)
    used = []
    real_sign = rsa.sign
    with monkeypatch.context() as m:
        # Hide cryptography from the signer (None in sys.modules makes the import fail) and
        # record that the rsa package really does the signing.
        m.setitem(sys.modules, "cryptography.hazmat.primitives", None)
        m.setitem(sys.modules, "cryptography.hazmat.primitives.serialization", None)
        m.setattr(rsa, "sign", lambda *a, **kw: used.append(a[2]) or real_sign(*a, **kw))
        with_rsa = rsa_sha1_signer(pem)(message)
        url = media_storage().url("a.png")
    assert used == ["SHA-1", "SHA-1"]
    # PKCS#1 v1.5 signatures are deterministic, so both backends must agree byte for byte.
    assert with_rsa == with_cryptography
    verify_cloudfront_url(url, signing_env, "K2JCJMDEHXQW5F")


def test_no_rsa_library_is_a_clear_error(signing_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    monkeypatch.setitem(sys.modules, "rsa", None)
    with pytest.raises(PocketStorageConfigurationError, match=r"pocket-cli-runtime\[signing\]"):
        media_storage().url("a.png")


def test_signer_is_built_lazily_from_the_environment(rsa_keypair, monkeypatch):
    storage = media_storage()  # created before the key is in the environment (settings order)
    with pytest.raises(PocketStorageConfigurationError, match="CF_MEDIA_KEY_ID and CF_MEDIA_KEY_PEM_BASE64"):
        storage.url("a.png")
    pem, pub, _ = rsa_keypair
    monkeypatch.setenv("CF_MEDIA_KEY_ID", "KID")
    monkeypatch.setenv("CF_MEDIA_KEY_PEM_BASE64", pem)
    verify_cloudfront_url(storage.url("a.png"), pub, "KID")


def test_pickled_storage_still_signs(signing_env):
    storage = media_storage()
    storage.url("warm.png")  # builds and caches the signer
    clone = pickle.loads(pickle.dumps(storage))
    verify_cloudfront_url(clone.url("a.png"), signing_env, "K2JCJMDEHXQW5F")


def test_files_are_stored_under_location_in_s3(aws_env):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="dev-myapp-pocket", CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = media_storage(querystring_auth=False, signing_key=None, region_name=REGION)
    name = storage.save("uploads/hello.txt", ContentFile(b"hello"))
    assert name == "uploads/hello.txt"
    body = s3.get_object(Bucket="dev-myapp-pocket", Key="media/uploads/hello.txt")["Body"].read()
    assert body == b"hello"
    assert storage.exists("uploads/hello.txt")
    assert storage.url(name) == "https://media.example.com/uploads/hello.txt"


def test_manifest_storage_hashes_names_from_the_manifest_in_s3(aws_env):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="site", CreateBucketConfiguration={"LocationConstraint": REGION})
    manifest = {"paths": {"css/app.css": "css/app.3f2e1d.css"}, "version": "1.1", "hash": "x"}
    s3.put_object(Bucket="site", Key="web/static/staticfiles.json", Body=json.dumps(manifest).encode())
    storage = CloudFrontS3ManifestStaticStorage(
        bucket_name="site",
        location="web/static",
        custom_domain="www.example.com",
        custom_origin_path="/web",
        querystring_auth=False,
        distribution="main",
        region_name=REGION,
    )
    assert storage.url("css/app.css") == "https://www.example.com/static/css/app.3f2e1d.css"


def test_manifest_storage_saves_a_hashed_copy(aws_env):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="site", CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = CloudFrontS3ManifestStaticStorage(
        bucket_name="site",
        location="web/static",
        custom_domain="www.example.com",
        custom_origin_path="/web",
        querystring_auth=False,
        distribution="main",
        region_name=REGION,
    )
    # The manifest mixin saves content and then re-reads it; _save must not hand boto3 the
    # caller's file (boto3 closes what it uploads).
    content = ContentFile(b"body{}")
    storage.save("css/site.css", content)
    assert not content.closed
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]]
    assert keys == ["web/static/css/site.css"]


def test_get_storages_loads_secrets_first_so_signed_storage_signs(aws_env, deployed, rsa_keypair):
    """STORAGES must be built after set_envs() so the signer sees the key (the original built it
    first: docs/decisions.md#y2-storages-are-built-after-the-secrets)."""
    pem, pub, _ = rsa_keypair
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="dev-myapp-pocket",
        SecretString=json.dumps({"dev": {"myapp": {"CF_MEDIA_KEY": {"pem": pem, "pub": pub}}}}),
    )
    deployed(
        secrets={
            "store": "sm",
            "key": "dev-myapp-pocket",
            "stage": "dev",
            "project": "myapp",
            "managed": {
                "CF_MEDIA_KEY": {
                    "type": "cloudfront_signing_key",
                    "pem": "CF_MEDIA_KEY_PEM_BASE64",
                    "pub": "CF_MEDIA_KEY_PUB_BASE64",
                }
            },
            "user": {},
        },
        django={
            "storages": {
                "default": {
                    "BACKEND": "pocket.django.storages.CloudFrontS3Boto3Storage",
                    "OPTIONS": {
                        "bucket_name": "dev-myapp-pocket",
                        "location": "media",
                        "custom_domain": None,
                        "custom_origin_path": "/media",
                        "querystring_auth": True,
                        "distribution": "media",
                        "signing_key": SIGNING,
                    },
                },
                "staticfiles": {
                    "BACKEND": "pocket.django.storages.CloudFrontS3StaticStorage",
                    "OPTIONS": {
                        "bucket_name": "dev-myapp-pocket",
                        "location": "spa/static",
                        "custom_domain": "www.example.com",
                        "custom_origin_path": "/spa",
                        "querystring_auth": False,
                        "distribution": "main",
                    },
                },
            },
            "caches": {},
            "settings": {},
        },
        CF_MEDIA_KEY_ID="KMEDIA",
        POCKET_CLOUDFRONT_MEDIA_DOMAIN="d123.cloudfront.net",
    )
    storages = StorageHandler(get_storages())  # how Django instantiates settings.STORAGES
    url = storages["default"].url("uploads/x.png")
    resource, _ = verify_cloudfront_url(url, pub, "KMEDIA")
    assert resource == "https://d123.cloudfront.net/uploads/x.png"
    assert storages["staticfiles"].url("app.js") == "https://www.example.com/static/app.js"
