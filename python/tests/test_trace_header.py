"""``tracing = true`` (issue 26): the runtime's AWS calls carry the invocation's trace header.

With X-Ray active tracing Lambda puts the invocation's trace id in ``_X_AMZN_TRACE_ID``; the
runtime's boto3 clients (secrets at cold start) send it as ``X-Amzn-Trace-Id``, so those calls
show in the trace. A plain HTTP server records the headers that arrive.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pocket.secrets import _Clients

TRACE = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def server():
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            body = json.dumps({"Parameters": [], "InvalidParameters": []}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/x-amz-json-1.1")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()


def _call(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "dev-myapp-pocket-wsgi")
    _Clients("ap-northeast-1").get("ssm").get_parameters(Names=["/dev-myapp-pocket/x"])


def test_sends_the_trace_id_as_x_amzn_trace_id(server, monkeypatch):
    endpoint, seen = server
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    _call(monkeypatch, endpoint)
    assert seen[0]["x-amzn-trace-id"] == TRACE


def test_sends_none_without_a_trace_id(server, monkeypatch):
    endpoint, seen = server
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    _call(monkeypatch, endpoint)
    assert "x-amzn-trace-id" not in seen[0]
