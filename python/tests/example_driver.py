"""Runs the example Django project's handlers in a process of its own.

Django can be set up once per process and the test session already configured its own settings,
so the example app (``examples/django``, ``mysite.settings``) runs here: one JSON request per line
on stdin (``{"handler": "wsgi" | "management", "event": {...}}``), one JSON reply per line on stdout
(the handler's return value, or ``{"error": "..."}``).
"""

import json
import sys
import traceback


def main() -> None:
    from pocket.django import lambda_handlers

    handlers = {
        "wsgi": lambda_handlers.wsgi_handler,
        "management": lambda_handlers.management_command_handler,
    }
    out = sys.__stdout__
    sys.stdout = sys.stderr  # anything the app prints must not corrupt the replies
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = handlers[request["handler"]](request["event"], None)
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            reply = {"error": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
