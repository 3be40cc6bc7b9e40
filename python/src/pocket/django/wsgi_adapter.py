"""API Gateway HTTP API (payload format 2.0) events to WSGI and back.

Small on purpose: no adapter library installs offline, and the contract is short. What it does
differently from apig-wsgi as the original configured it (docs/decisions.md#y6-wsgi-responses):

- text responses (``text/*``, JSON, JavaScript, XML, ``+json``/``+xml``, form data) are sent as
  text; only other content types, or a ``Content-Encoding``, are base64-encoded;
- repeated response headers are joined with ``", "`` instead of keeping the last one; every
  ``Set-Cookie`` goes to ``cookies``;
- ``PATH_INFO`` is the percent-decoded path as WSGI wants it (bytes read as latin-1), so
  non-ASCII paths reach Django intact.

CloudFront in front of the API (a ``type = "api"`` route) delivers the same payload 2.0 events;
the viewer's protocol arrives in ``CloudFront-Forwarded-Proto``. Forwarded protocols other than
exactly ``http``/``https`` are ignored, and header names containing ``_`` are dropped (as nginx
and Django's runserver do), so ``x_foo`` can never pass for ``x-foo``.
"""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/xhtml+xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "image/svg+xml",
)


def event_to_environ(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) for one payload 2.0 event."""
    if event.get("version") != "2.0":
        raise ValueError(
            "wsgi_handler expects an API Gateway HTTP API event with payload format 2.0 "
            f"(got version {event.get('version')!r})"
        )
    http = event.get("requestContext", {}).get("http", {})
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}

    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw_body = base64.b64decode(body)
    else:
        raw_body = body.encode("utf-8")

    raw_path = event.get("rawPath") or http.get("path") or "/"
    host = headers.get("host") or event.get("requestContext", {}).get("domainName") or "localhost"
    scheme = _forwarded_scheme(headers)
    server_name, _, host_port = host.partition(":")
    port = headers.get("x-forwarded-port", "").split(",")[0].strip()
    if not port.isdigit():
        port = host_port if host_port.isdigit() else ""
    port = port or ("443" if scheme == "https" else "80")

    environ: dict[str, Any] = {
        "REQUEST_METHOD": http.get("method", "GET").upper(),
        "SCRIPT_NAME": "",
        # WSGI strings are bytes in latin-1 clothing: decode the percent-encoding to bytes first.
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": event.get("rawQueryString") or "",
        "SERVER_NAME": server_name,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": http.get("protocol") or "HTTP/1.1",
        "REMOTE_ADDR": http.get("sourceIp") or "127.0.0.1",
        "CONTENT_LENGTH": str(len(raw_body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(raw_body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "pocket.event": event,
        "pocket.context": context,
    }
    for name, value in headers.items():
        if "_" in name:
            # HTTP_X_FOO would be ambiguous between "x-foo" and "x_foo": a client could
            # smuggle "x_forwarded_host" past a proxy that sets "x-forwarded-host". nginx and
            # Django's runserver drop such names; so do we.
            continue
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name == "content-length":
            continue  # recomputed from the decoded body above
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    cookies = event.get("cookies")
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(cookies)
    return environ


_SCHEMES = ("http", "https")


def _forwarded_scheme(headers: Mapping[str, str]) -> str:
    """The viewer's scheme: ``CloudFront-Forwarded-Proto`` (set by CloudFront), else
    ``X-Forwarded-Proto`` (set by API Gateway), each used only when it is exactly ``http`` or
    ``https``; anything else (a forged or garbled value) is ignored, and the default is
    ``https`` because API Gateway and CloudFront viewers reach the function over HTTPS only."""
    for name in ("cloudfront-forwarded-proto", "x-forwarded-proto"):
        value = headers.get(name, "").split(",")[0].strip()
        if value in _SCHEMES:
            return value
    return "https"


def is_text(content_type: str | None, content_encoding: str | None) -> bool:
    """Whether a response body can travel as text (compressed bodies never can)."""
    if content_encoding and content_encoding.strip().lower() not in ("", "identity"):
        return False
    if not content_type:
        return True  # an empty or typeless body (redirects, 204) is text
    ct = content_type.split(";")[0].strip().lower()
    return ct.startswith(_TEXT_TYPES) or ct.endswith(("+json", "+xml"))


def call_app(app: WsgiApp, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Runs the WSGI app for one event and returns the payload 2.0 response."""
    environ = event_to_environ(event, context)
    started: dict[str, Any] = {}
    written: list[bytes] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None):
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started["status"] = status
        started["headers"] = response_headers
        return written.append  # the legacy write() callable

    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk:
                written.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if "status" not in started:
        raise RuntimeError("the WSGI application returned without calling start_response")
    return build_response(started["status"], started["headers"], b"".join(written))


def build_response(status: str, response_headers: Iterable[tuple[str, str]], body: bytes) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, raw_value in response_headers:
        key = name.lower()
        # Django renders Set-Cookie as `morsel.output(header="")`, with a leading space.
        value = raw_value.strip()
        if key == "set-cookie":
            cookies.append(value)
        elif key in headers:
            headers[key] = f"{headers[key]}, {value}"
        else:
            headers[key] = value
    response: dict[str, Any] = {
        "statusCode": int(status.split(" ", 1)[0]),
        "headers": headers,
        "cookies": cookies,
    }
    if is_text(headers.get("content-type"), headers.get("content-encoding")):
        try:
            response["body"] = body.decode("utf-8")
            response["isBase64Encoded"] = False
            return response
        except UnicodeDecodeError:
            pass  # a mislabelled binary body: send it intact
    response["body"] = base64.b64encode(body).decode("ascii")
    response["isBase64Encoded"] = True
    return response
