"""The viewer's IP address as CloudFront forwards it (the original runtime's
``pocket.django.client_ip``).

The stage's CloudFront function puts the viewer's address (``event.viewer.ip``, taken from the TCP
connection, so the viewer cannot forge it) in ``x-pocket-viewer-ip``; ``OriginVerifyMiddleware``
trusts it only on requests that carry the origin-verify secret (docs/runtime-contract.md).
"""

from __future__ import annotations

import ipaddress

__all__ = ["parse_viewer_ip"]


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def parse_viewer_ip(value: str) -> str | None:
    """The IP address in a viewer-IP header value, normalised, or ``None`` when there is none.

    Accepts a bare address (what pocket's function sends: ``198.51.100.10``, ``2001:db8::1``)
    and the ``address:port`` forms of CloudFront's ``CloudFront-Viewer-Address`` header
    (``198.51.100.10:443``, ``[2001:db8::1]:8080``, ``2001:db8::1:60776``), so a distribution
    that forwards that header directly works too.
    """
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("["):
        inside, bracket, _port = value[1:].partition("]")
        return _address(inside) if bracket else None
    bare = _address(value)
    if bare is not None:
        return bare
    # address:port, the port being what follows the last colon.
    host, colon, port = value.rpartition(":")
    return _address(host) if colon and port.isdigit() else None
