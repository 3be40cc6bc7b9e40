"""Framework-neutral entry point: ``from pocket.runtime import set_envs``.

The loader lives in :mod:`pocket.django.runtime` (it imports nothing from Django at module
level, so a non-Django app can use it too); this module only gives it the shorter import path
the reference documented.
"""

from pocket.django.runtime import reset_envs_loaded, set_envs
from pocket.errors import PocketRuntimeError

__all__ = ["PocketRuntimeError", "reset_envs_loaded", "set_envs"]
