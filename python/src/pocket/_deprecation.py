"""One deprecation notice per name per process.

Kept names from the original runtime (so an existing ``settings.py`` loads unchanged) log once
instead of warning at every call: settings modules and handlers run many times in a warm Lambda,
and a notice on every request would drown the logs.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("pocket")

_lock = threading.Lock()
_seen: set[str] = set()


def deprecated(name: str, instead: str) -> None:
    """Log ``name is deprecated: <instead>`` the first time ``name`` is used in this process."""
    with _lock:
        if name in _seen:
            return
        _seen.add(name)
    logger.warning("pocket: %s is deprecated: %s", name, instead)


def reset_deprecations() -> None:
    """Forget which notices and one-time warnings were logged (tests)."""
    with _lock:
        _seen.clear()
        _warned.clear()


_warned: set[str] = set()


def warn_once(key: str, message: str, *args: object) -> None:
    """Log a warning the first time ``key`` is seen in this process (a cold-start fact such as
    "this database is lost at every cold start" needs saying once, not on every request)."""
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(message, *args)
