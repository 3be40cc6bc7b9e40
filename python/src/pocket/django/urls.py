"""Per-stage files served at fixed URLs (the original's ``pocket.django.urls``).

Layout: ``<project>/pocket_http_root/<url path>/__serve__.toml`` marks ``<url path>`` (say
``robots.txt``) as served; the directory holds one file per stage, ``<stage><suffix>``
(``dev.txt``, ``prd.txt``; ``__none__.txt`` locally), or the file a ``[<stage>] filename = "..."``
table in ``__serve__.toml`` names. The content type is guessed from the URL path, else
``text/plain``.

``urlpatterns += get_pocket_http_urls()`` in ``urls.py``.

Unlike the original: the root is looked up when the URLs are built, under
``settings.PROJECT_DIR`` or else ``settings.BASE_DIR`` (the original needed the non-standard
``PROJECT_DIR`` at import); a missing stage file is a 404, not a 500; text is read as UTF-8.
"""

from __future__ import annotations

import mimetypes
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pocket.errors import PocketRuntimeError
from pocket.utils import get_stage

__all__ = [
    "as_path",
    "find_http_toml_filepaths",
    "get_managed_assets_urls",
    "get_pocket_http_urls",
    "pocket_http_root",
]

ROOT_NAME = "pocket_http_root"


def _project_dir(folder: str) -> Path:
    from django.conf import settings

    base = getattr(settings, "PROJECT_DIR", None) or getattr(settings, "BASE_DIR", None)
    if base is None:
        raise PocketRuntimeError(
            "pocket.django.urls needs settings.BASE_DIR (or PROJECT_DIR): the folder holding "
            f"{folder}/",
            code="base-dir-missing",
        )
    return Path(base)


def pocket_http_root() -> Path:
    return _project_dir(ROOT_NAME) / ROOT_NAME


def find_http_toml_filepaths(root: Path | None = None) -> list[Path]:
    """Every ``__serve__.toml`` under the root, sorted so the URL order is stable."""
    root = root if root is not None else pocket_http_root()
    return sorted(root.glob("**/__serve__.toml"))


def as_path(toml_file: Path, stage: str, root: Path | None = None) -> Any:
    """The ``django.urls.path`` serving ``toml_file``'s directory for ``stage``."""
    from django.http import Http404, HttpResponse
    from django.urls import path

    root = root if root is not None else pocket_http_root()
    toml_file = Path(toml_file)
    directory = toml_file.parent
    content_type = mimetypes.guess_type(directory.name)[0] or "text/plain"
    try:
        config = tomllib.loads(toml_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PocketRuntimeError(
            f"{toml_file}: invalid TOML: {e}",
            code="toml-invalid",
            where=str(toml_file),
        ) from e
    table = config.get(stage)
    if isinstance(table, dict) and isinstance(table.get("filename"), str):
        filename = table["filename"]
    else:
        filename = stage + directory.suffix
    content_file = directory / filename

    def serve(request: Any) -> Any:
        if not content_file.is_file():
            raise Http404(f"no {filename} for stage {stage}")
        if content_type.startswith("text/"):
            text = content_file.read_text(encoding="utf-8")
            return HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
        return HttpResponse(content_file.read_bytes(), content_type=content_type)

    route = directory.relative_to(root).as_posix()
    view: Callable[..., Any] = serve
    return path(route, view)


def get_pocket_http_urls() -> list[Any]:
    """URL patterns for every served path, for the stage this process runs as."""
    root = pocket_http_root()
    return [as_path(toml_file, get_stage(), root) for toml_file in find_http_toml_filepaths(root)]


MANAGED_ASSETS = "managed_assets"


def get_managed_assets_urls() -> list[Any]:
    """The original's later layout: every file directly in ``managed_assets/<stage>/`` (else
    ``managed_assets/default/``) under the project folder, served at ``/<file name>`` with a
    content type guessed from the name (else ``application/octet-stream``); ``[]`` when neither
    folder exists."""
    from django.http import HttpResponse
    from django.urls import path

    base = _project_dir(MANAGED_ASSETS) / MANAGED_ASSETS
    folder = next((d for d in (base / get_stage(), base / "default") if d.is_dir()), None)
    if folder is None:
        return []

    def route(file: Path) -> Any:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"

        def serve(request: Any) -> Any:
            return HttpResponse(file.read_bytes(), content_type=content_type)

        return path(file.name, serve)

    return [route(f) for f in sorted(folder.iterdir()) if f.is_file()]
