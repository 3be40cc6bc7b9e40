"""Errors raised by the pocket runtime."""

from __future__ import annotations


class PocketRuntimeError(RuntimeError):
    """A problem the user must fix (missing secret, IAM permission, malformed environment).

    Raised at cold start (from ``settings.py``), so the message alone has to tell the reader
    what is wrong and what to do: it names the secret or variable, and the IAM action or the
    `pocket` command that fixes it.

    ``code`` is a stable kebab-case identifier for programs (``secret-access-denied``,
    ``queue-url-missing``...); ``where`` is the location when there is one (a file and line, a
    variable name), otherwise ``None``. ``str(error)`` is the message alone.
    """

    default_code = "runtime-error"

    def __init__(self, message: str, *, code: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.where = where
