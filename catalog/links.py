"""Links a business gives (its website): only ``http`` and ``https`` ever reach a page, an answer or
the API. A record saying ``javascript:…``, ``data:…`` or ``file:…`` would otherwise become a
clickable link on ``/b/<id>``, in JSON-LD ``sameAs`` and in the chat."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def safe_link(value: str) -> str:
    """``value`` as an http(s) URL with a host, or ``""``. A bare ``example.nl`` (as OSM and owners
    often write it) becomes ``https://example.nl``."""
    link = value.strip()
    if not link or _CONTROL.search(link):
        return ""
    if not _SCHEME.match(link) or link.lower().startswith(("localhost:", "www.")):
        link = "https://" + link
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not host or "." not in host.strip("."):
        return ""
    return link
