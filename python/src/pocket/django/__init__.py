"""Django integration for magic-pocket.

Importing this package must not import Django: ``pocket.runtime`` re-exports the env loader
from here and is usable without Django installed.
"""

import importlib.util

# Whether Django can be imported in this environment (checked without importing it).
django_installed: bool = importlib.util.find_spec("django") is not None

__all__ = ["django_installed"]
