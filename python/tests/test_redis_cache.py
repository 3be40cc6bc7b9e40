"""``[upstash]`` with ``caches.default.store = "redis"``: the deployed stage's cache is django-redis
at the URL of the ``upstash_redis_url`` managed secret. Runs against a real Redis server (Debian's
``redis-server``, which python/scripts/test.sh installs when missing; skipped without it on a
developer's machine, a failure in CI)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from django.test import override_settings

from pocket.django.runtime import get_caches

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    if REDIS_SERVER is None:
        if os.environ.get("CI", "") not in ("", "0", "false"):
            pytest.fail("redis-server is not installed (CI must run this test)")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    with tempfile.TemporaryDirectory() as root:
        server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", root],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_deployed_redis_cache_stores_in_the_redis_of_the_managed_secret(redis_url, deployed):
    import redis

    # What the deploy writes for REDIS_URL = { type = "upstash_redis_url" } and store = "redis".
    deployed(
        django={
            "storages": {},
            "caches": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION_ENV": "REDIS_URL"}},
            "settings": {},
        },
        REDIS_URL=redis_url,
    )
    caches_setting = get_caches()
    assert caches_setting["default"]["LOCATION"] == redis_url
    with override_settings(CACHES=caches_setting):
        from django.core.cache import cache

        cache.set("greeting", {"hello": "pocket"}, timeout=60)
        assert cache.get("greeting") == {"hello": "pocket"}
        # The value is in that Redis server, under Django's key (version 1, no prefix).
        assert redis.Redis.from_url(redis_url).exists(":1:greeting") == 1
