"""Errors raised by the pocket runtime."""


class PocketRuntimeError(RuntimeError):
    """A problem the user must fix (missing secret, IAM permission, malformed environment).

    Raised at cold start (from ``settings.py``), so the message alone has to tell the reader
    what is wrong and what to do: it names the secret or variable, and the IAM action or the
    `pocket` command that fixes it.
    """
