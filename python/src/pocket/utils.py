"""Helpers of the original runtime's ``pocket.utils``, kept with the same names and meaning.

``get_stage``, ``get_toml_path``, ``get_project_name`` and ``get_wsgi_application`` are what a
``settings.py``, ``wsgi.py`` or script written for the original imports. None of them calls AWS.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from pathlib import Path
from typing import Any

from pocket.errors import PocketRuntimeError

__all__ = ["NO_STAGE", "get_project_name", "get_stage", "get_toml_path", "get_wsgi_application"]

# What get_stage() returns when the process is not a deployed stage (the original's marker).
NO_STAGE = "__none__"


def get_stage() -> str:
    """``POCKET_STAGE``, or ``"__none__"`` when it is unset (running locally)."""
    return os.environ.get("POCKET_STAGE") or NO_STAGE


def _pyproject_dir(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    return next((d for d in (here, *here.parents) if (d / "pyproject.toml").is_file()), None)


def get_toml_path() -> Path:
    """``pocket.toml`` in the nearest directory upward from the cwd that holds a
    ``pyproject.toml``, else in the cwd (the original's rule; the file need not exist)."""
    return (_pyproject_dir() or Path.cwd()) / "pocket.toml"


def get_project_name() -> str:
    """The project's package name: ``[project].name`` of the nearest ``pyproject.toml`` upward,
    else ``POCKET_PROJECT_NAME`` (set on every deployed stage), else the cwd's name.

    The original raised ``FileNotFoundError`` without a ``pyproject.toml``; an image built
    without one (the original's own sample Dockerfile) then could not start, so the deploy's
    project name is used instead.
    """
    directory = _pyproject_dir()
    if directory is not None:
        path = directory / "pyproject.toml"
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise PocketRuntimeError(f"{path}: invalid TOML: {e}", code="toml-invalid", where=str(path)) from e
        name = data.get("project", {}).get("name")
        if isinstance(name, str) and name:
            return name
    return os.environ.get("POCKET_PROJECT_NAME") or Path.cwd().name


def get_wsgi_application() -> Any:
    """The Django WSGI application, with secrets loaded before Django reads the settings.

    With ``DJANGO_SETTINGS_MODULE`` set (the Dockerfile ``pocket django init`` writes sets it)
    this is the application the ``wsgi_handler`` serves. Otherwise, as in the original, the
    module ``<get_project_name()>.wsgi`` is imported and its ``application`` returned.
    """
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        from pocket.django.lambda_handlers import wsgi_application

        return wsgi_application()
    module = f"{get_project_name()}.wsgi"
    try:
        return importlib.import_module(module).application
    except ModuleNotFoundError as e:
        raise PocketRuntimeError(
            f"cannot import the WSGI application {module} ({e}); set DJANGO_SETTINGS_MODULE in "
            "the image, or make [project].name in pyproject.toml the Django project's package",
            code="wsgi-import-failed",
        ) from e
