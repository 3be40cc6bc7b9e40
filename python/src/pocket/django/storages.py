"""S3 storages served through a CloudFront distribution (backends named in ``POCKET_DJANGO``).

Objects are stored in the bucket at ``location/name``, where ``location`` already starts with the
route's origin path (docs/runtime-contract.md). CloudFront maps ``https://{domain}/{path}`` to the
object ``{origin_path}/{path}``, so a URL is the object key with the origin path removed:

    origin /media, default route, key media/uploads/a.png -> https://{domain}/uploads/a.png
    origin /web,   route /static/*, key web/static/app.css -> https://{domain}/static/app.css

On a ``signed`` route the URL gets a CloudFront canned-policy signature (RSA PKCS#1 v1.5 with
SHA-1, the only algorithm CloudFront accepts) over the final URL, i.e. after the origin path was
stripped (the original signed first and stripped after, which broke the signature:
docs/decisions.md#y7-sign-after-stripping-the-origin-path).

The key material is read from environment variables named in ``OPTIONS["signing_key"]`` when the
first URL is built, not when the storage is created, so it works whatever the order of
``set_envs()`` and ``STORAGES`` in settings.py
(docs/decisions.md#y2-storages-are-built-after-the-secrets).

Built on django-storages' ``storages.backends.s3boto3`` (present in 1.13, Debian bookworm, and
kept as the backend module name in later releases).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import filepath_to_uri
from storages.backends.s3boto3 import S3Boto3Storage, S3StaticStorage
from storages.utils import clean_name

__all__ = [
    "CloudFrontS3Boto3Storage",
    "CloudFrontS3ManifestStaticStorage",
    "CloudFrontS3StaticStorage",
    "PocketStorageConfigurationError",
    "cloudfront_signer_from_env",
    "distribution_domain_env",
    "rsa_sha1_signer",
]


class PocketStorageConfigurationError(ImproperlyConfigured):
    """A CloudFront storage cannot build a usable URL (missing domain, key or signer backend)."""


def distribution_domain_env(distribution: str) -> str:
    """``POCKET_CLOUDFRONT_<NAME>_DOMAIN``: NAME upper-cased, anything outside A-Z0-9 -> ``_``."""
    return f"POCKET_CLOUDFRONT_{re.sub(r'[^A-Z0-9]', '_', distribution.upper())}_DOMAIN"


def rsa_sha1_signer(pem: bytes) -> Callable[[bytes], bytes]:
    """``message -> signature`` with RSA PKCS#1 v1.5 / SHA-1 for a PEM private key.

    Uses ``cryptography`` (the ``signing`` extra) when importable, else the pure-Python ``rsa``
    package (PKCS#1 ``BEGIN RSA PRIVATE KEY`` only, which is what pocket stores).
    """
    try:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:
        pass
    else:
        try:
            key = load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as e:
            raise PocketStorageConfigurationError(f"cannot load the CloudFront signing key: {e}") from e
        return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # type: ignore[union-attr]
    try:
        import rsa
    except ImportError:
        raise PocketStorageConfigurationError(
            "signed CloudFront URLs need an RSA library: pip install 'pocket-cli-runtime[signing]' "
            "(cryptography) or rsa"
        ) from None
    try:
        rsa_key = rsa.PrivateKey.load_pkcs1(pem)
    except (ValueError, TypeError) as e:
        raise PocketStorageConfigurationError(f"cannot load the CloudFront signing key: {e}") from e
    return lambda message: rsa.sign(message, rsa_key, "SHA-1")


def cloudfront_signer_from_env(id_env: str, pem_env: str):
    """A ``botocore`` ``CloudFrontSigner`` from the public-key id in ``id_env`` and the
    base64-encoded PEM private key in ``pem_env`` (set by the deploy and by ``set_envs()``)."""
    from botocore.signers import CloudFrontSigner

    key_id = os.environ.get(id_env, "")
    pem_b64 = os.environ.get(pem_env, "")
    missing = [name for name, value in ((id_env, key_id), (pem_env, pem_b64)) if not value]
    if missing:
        raise PocketStorageConfigurationError(
            f"signed CloudFront URLs need {' and '.join(missing)} in the environment: the key id "
            "comes from the deploy, the private key from the managed cloudfront_signing_key secret; "
            "make sure pocket.django.runtime.set_envs() ran (get_storages() does it)"
        )
    try:
        pem = base64.b64decode(pem_b64, validate=True)
    except (binascii.Error, ValueError) as e:
        raise PocketStorageConfigurationError(f"{pem_env} is not valid base64: {e}") from e
    return CloudFrontSigner(key_id, rsa_sha1_signer(pem))


class CloudFrontStorageMixin:
    """URL building for S3 storages behind CloudFront. Needs a ``S3Boto3Storage`` after it in
    the MRO (and, for manifest storages, ``ManifestFilesMixin`` before it so names are hashed
    before the URL is built).

    Extra OPTIONS (removed before django-storages sees them, since it rejects unknown ones):
    ``custom_origin_path``, ``distribution`` and ``signing_key`` (``{"id_env", "pem_env"}``).
    """

    custom_origin_path: str = ""
    distribution: str | None = None
    signing_key: dict[str, str] | None = None

    def __init__(self, **settings: Any) -> None:
        self.custom_origin_path = settings.pop("custom_origin_path", None) or ""
        self.distribution = settings.pop("distribution", None)
        self.signing_key = settings.pop("signing_key", None)
        super().__init__(**settings)  # type: ignore[call-arg]
        self._signer = None
        name = type(self).__name__
        if self.signing_key is not None and not (
            isinstance(self.signing_key, dict)
            and isinstance(self.signing_key.get("id_env"), str)
            and isinstance(self.signing_key.get("pem_env"), str)
        ):
            raise PocketStorageConfigurationError(f"{name}: signing_key must be {{id_env, pem_env}}")
        if self.querystring_auth and self.signing_key is None and self.cloudfront_signer is None:
            raise PocketStorageConfigurationError(
                f"{name}: querystring_auth is on but no signing_key is given; CloudFront URLs can "
                "only be signed with the distribution's signing_key (set signed = true on the route)"
            )
        if not self.custom_domain and not self.distribution:
            raise PocketStorageConfigurationError(f"{name}: needs custom_domain or distribution")
        origin = self.custom_origin_path.strip("/")
        location = (self.location or "").strip("/")
        if origin and location != origin and not location.startswith(origin + "/"):
            # CloudFront only reaches objects under the origin path; anything else would 403.
            raise PocketStorageConfigurationError(
                f"{name}: location {self.location!r} is outside the route's origin path "
                f"{self.custom_origin_path!r}"
            )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # type: ignore[misc]
        state["_signer"] = None  # holds the private key in a closure; rebuilt on demand
        return state

    def _cloudfront_domain(self) -> str:
        if self.custom_domain:
            return self.custom_domain
        env = distribution_domain_env(self.distribution or "")
        domain = os.environ.get(env)
        if not domain:
            raise PocketStorageConfigurationError(
                f"{type(self).__name__}: distribution {self.distribution!r} has no domain in "
                f"OPTIONS and {env} is not set; deploy the CloudFront distribution first"
            )
        return domain

    def _get_signer(self):
        if self.cloudfront_signer is not None:
            return self.cloudfront_signer
        if self._signer is None:
            assert self.signing_key is not None  # checked in __init__
            self._signer = cloudfront_signer_from_env(self.signing_key["id_env"], self.signing_key["pem_env"])
        return self._signer

    def url(self, name, parameters=None, expire=None, http_method=None):
        key = self._normalize_name(clean_name(name))
        origin = self.custom_origin_path.strip("/")
        path = key[len(origin) :].lstrip("/") if origin else key
        query = f"?{urlencode(parameters)}" if parameters else ""
        url = f"{self.url_protocol}//{self._cloudfront_domain()}/{filepath_to_uri(path)}{query}"
        if not self.querystring_auth:
            return url
        seconds = self.querystring_expire if expire is None else expire
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        return self._get_signer().generate_presigned_url(url, date_less_than=expires_at)


class CloudFrontS3Boto3Storage(CloudFrontStorageMixin, S3Boto3Storage):
    """Media files in S3, URLs on the CloudFront distribution (signed on signed routes)."""


class CloudFrontS3StaticStorage(CloudFrontStorageMixin, S3StaticStorage):
    """Static files in S3, URLs on the CloudFront distribution."""


class CloudFrontS3ManifestStaticStorage(ManifestFilesMixin, CloudFrontS3StaticStorage):
    """Hashed static files (``staticfiles.json`` read from the bucket on first use)."""

    def _save(self, name, content):
        # boto3's upload closes the file it is given, but ManifestFilesMixin reads the same
        # content again after saving the hashed copy; upload a private copy instead.
        content.seek(0)
        with tempfile.SpooledTemporaryFile() as copy:
            copy.write(content.read())
            return super()._save(name, copy)
