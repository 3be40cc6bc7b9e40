"""A static storage on a ``versioning = "deploy_hash"`` route (docs/decisions.md#e22-deploy-hash-versioning):
on Lambda Django gets ``StaticFilesStorage``, whose URLs follow ``STATIC_URL`` with the hash."""

from django.core.files.storage import storages as django_storages
from django.templatetags.static import static
from django.test import override_settings

from pocket.django.utils import get_storages

S3_STATIC = {
    "BACKEND": "pocket.django.storages.CloudFrontS3StaticStorage",
    "OPTIONS": {
        "bucket_name": "dev-myproject-pocket",
        "location": "static",
        "custom_domain": "sandbox.myproject.example.com",
        "custom_origin_path": "",
        "querystring_auth": False,
        "distribution": "web",
    },
}
DJANGO = {
    "storages": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {**S3_STATIC, "VERSIONING": "deploy_hash"},
    },
    "caches": {},
    "settings": {},
}


def test_on_lambda_a_deploy_hash_route_is_served_by_static_files_storage(deployed):
    deployed(django=DJANGO, DEPLOY_HASH="abc1234")
    storages = get_storages()
    assert storages["staticfiles"] == {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    assert storages["default"] == DJANGO["storages"]["default"]


def test_the_static_tag_gives_the_hashed_url(deployed):
    deployed(django=DJANGO, DEPLOY_HASH="abc1234")
    with override_settings(STATIC_URL="static/abc1234/", STORAGES=get_storages()):
        django_storages._storages = {}
        try:
            assert static("app.css") == "/static/abc1234/app.css"
        finally:
            django_storages._storages = {}


def test_deploystatic_keeps_its_own_backend(deployed, monkeypatch):
    deployed(django=DJANGO, DEPLOY_HASH="abc1234")
    monkeypatch.setenv("POCKET_STATICFILES_BACKEND_OVERRIDE", "django.contrib.staticfiles.storage.StaticFilesStorage")
    monkeypatch.setenv("POCKET_STATICFILES_LOCATION_OVERRIDE", "/tmp/build")
    assert get_storages()["staticfiles"]["OPTIONS"] == {"location": "/tmp/build"}


def test_the_marker_never_reaches_django(deployed, monkeypatch):
    other = {"storages": {"staticfiles": {**S3_STATIC, "VERSIONING": "something-else"}}, "caches": {}, "settings": {}}
    deployed(django=other)
    assert get_storages()["staticfiles"] == S3_STATIC
