"""Settings of the magic-pocket example: everything stage-specific comes from pocket."""

import os
from pathlib import Path

from pocket.django.runtime import (
    get_allowed_hosts,
    get_caches,
    get_csrf_trusted_origins,
    get_databases,
    get_django_settings,
    get_email_settings,
    get_storages,
    set_envs,
)

BASE_DIR = Path(__file__).resolve().parent.parent
POCKET_TOML = BASE_DIR / "pocket.toml"

set_envs(toml_path=POCKET_TOML)  # deployed: secrets -> os.environ; locally: .env next to pocket.toml
SECRET_KEY = os.environ.get("SECRET_KEY", "local-only-insecure-key")
DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes")
ALLOWED_HOSTS = get_allowed_hosts(["localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = get_csrf_trusted_origins()
DATABASES = get_databases(toml_path=POCKET_TOML)
STORAGES = get_storages(toml_path=POCKET_TOML)
CACHES = get_caches(toml_path=POCKET_TOML)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]
MIDDLEWARE = [
    # First: with POCKET_ORIGIN_VERIFY_SECRET set (CloudFront's enable_origin_verify) it refuses
    # requests that bypassed CloudFront and restores the viewer's IP and host; otherwise a no-op.
    "pocket.django.middleware.OriginVerifyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The static files collected into the image (pocket.toml's staticfiles is a local folder).
    "pocket.django.static.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pocket.django.spa_auth.SpaTokenMiddleware",
]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "media/"
# The viewer's protocol when CloudFront forwards to API Gateway.
SECURE_PROXY_SSL_HEADER = ("HTTP_CLOUDFRONT_FORWARDED_PROTO", "https")

vars().update(get_email_settings())  # SES when deployed with [ses], the console locally
vars().update(get_django_settings(toml_path=POCKET_TOML))
