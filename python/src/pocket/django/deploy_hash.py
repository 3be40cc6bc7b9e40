"""Static files on a ``versioning = "deploy_hash"`` route (docs/decisions.md#e22-deploy-hash-versioning).

The deploy marks such a storage in ``POCKET_DJANGO`` with ``"VERSIONING": "deploy_hash"``. On
Lambda its URLs come from ``STATIC_URL`` (``f"static/{DEPLOY_HASH}/"`` in settings.py, with
``DEPLOY_HASH`` set by every deploy), so the storage is Django's ``StaticFilesStorage``: the
CloudFront route drops the hash folder before reading the bucket. ``pocket django deploystatic``
overrides ``staticfiles`` with its own backend, so the upload is not affected. The marker is
removed in every case: Django's storage handler is given only ``BACKEND`` and ``OPTIONS``.
"""

from __future__ import annotations

from typing import Any

from pocket.django.environment import is_deployed

STATIC_FILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def served_by_lambda(entry: Any) -> Any:
    """``entry`` as Django should see it here: ``StaticFilesStorage`` on Lambda for a marked one."""
    if not isinstance(entry, dict) or "VERSIONING" not in entry:
        return entry
    rest = {key: value for key, value in entry.items() if key != "VERSIONING"}
    if entry["VERSIONING"] == "deploy_hash" and is_deployed():
        return {"BACKEND": STATIC_FILES_STORAGE}
    return rest
