"""Django integration for magic-pocket.

Importing this package must not import Django: ``pocket.runtime`` re-exports the env loader
from here and is usable without Django installed.
"""

import importlib.metadata
import importlib.util

# Whether Django can be imported in this environment (checked without importing it).
django_installed: bool = importlib.util.find_spec("django") is not None


def _installed_django_version() -> str | None:
    # The distribution's metadata, so the version is known without importing Django.
    try:
        return importlib.metadata.version("Django")
    except importlib.metadata.PackageNotFoundError:
        return None


# The installed Django's version string (e.g. "5.2.1"), or None without Django (the original
# set it only when Django imported).
django_version: str | None = _installed_django_version() if django_installed else None

__all__ = ["django_installed", "django_version"]
