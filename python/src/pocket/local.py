"""Local (not deployed) inputs: finding ``pocket.toml`` and reading the ``.env`` next to it.

A deployed stage never uses this module for configuration: everything arrives as environment
variables (docs/runtime-contract.md). Locally there is no deploy, so the helpers read the files
themselves.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pocket.errors import PocketRuntimeError

TOML_NAME = "pocket.toml"
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def find_toml_path(start: str | os.PathLike[str] | None = None) -> Path | None:
    """``pocket.toml`` in ``start`` (default: the cwd) or the nearest parent holding one."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    for directory in (here, *here.parents):
        candidate = directory / TOML_NAME
        if candidate.is_file():
            return candidate
    return None


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise PocketRuntimeError(f"{path}: invalid TOML: {e}", code="toml-invalid", where=str(path)) from e


def parse_dotenv(text: str, *, source: str = ".env") -> dict[str, str]:
    """Parse the common ``.env`` dialect: ``KEY=value`` lines, ``#`` comments, optional
    ``export``, single quotes (literal) and double quotes (``\\n``, ``\\"``, ``\\\\`` escapes).

    A line that is not an assignment is an error naming the line, rather than being skipped:
    a silently ignored ``SECRET_KEY`` line is much harder to notice than a clear failure.
    """
    values: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export") :].lstrip()
        key, sep, rest = line.partition("=")
        key = key.strip()
        if not sep or not _ENV_KEY.fullmatch(key):
            raise PocketRuntimeError(
                f"{source}:{lineno}: expected KEY=value, got {raw.strip()!r}",
                code="dotenv-invalid",
                where=f"{source}:{lineno}",
            )
        values[key] = _dotenv_value(rest.strip(), f"{source}:{lineno}")
    return values


def _dotenv_value(rest: str, where: str) -> str:
    if rest[:1] == "'":
        end = rest.find("'", 1)
        if end < 0:
            raise PocketRuntimeError(
                f"{where}: unterminated single-quoted value",
                code="dotenv-invalid",
                where=where,
            )
        _only_comment_after(rest[end + 1 :], where)
        return rest[1:end]
    if rest[:1] == '"':
        out: list[str] = []
        i = 1
        while i < len(rest):
            ch = rest[i]
            if ch == "\\" and i + 1 < len(rest):
                nxt = rest[i + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                i += 2
                continue
            if ch == '"':
                _only_comment_after(rest[i + 1 :], where)
                return "".join(out)
            out.append(ch)
            i += 1
        raise PocketRuntimeError(f"{where}: unterminated double-quoted value", code="dotenv-invalid", where=where)
    # Unquoted: an inline comment needs whitespace before '#', so URLs with fragments survive.
    match = re.search(r"\s#", rest)
    return (rest[: match.start()] if match else rest).strip()


def _only_comment_after(tail: str, where: str) -> None:
    tail = tail.strip()
    if tail and not tail.startswith("#"):
        raise PocketRuntimeError(
            f"{where}: unexpected text after the closing quote: {tail!r}",
            code="dotenv-invalid",
            where=where,
        )


def read_dotenv(toml_path: Path | None) -> dict[str, str]:
    """The ``.env`` next to ``pocket.toml``; ``{}`` when either file is missing."""
    if toml_path is None:
        return {}
    env_path = toml_path.parent / ".env"
    if not env_path.is_file():
        return {}
    return parse_dotenv(env_path.read_text(encoding="utf-8"), source=str(env_path))
