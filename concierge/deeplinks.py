"""Short opaque references and Telegram deep-link payloads.

Telegram limits ``/start`` payloads to 64 characters from ``[A-Za-z0-9_-]`` and callback data to 64
bytes, while business ids are slugs of up to 120 characters. A business is therefore referred to by
``short_ref``: 8 characters derived from its id, resolved through the search index.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Literal

PAYLOAD_LIMIT = 64
_CAMPAIGN = re.compile(r"[A-Za-z0-9-]{1,20}")


def short_ref(business_id: str) -> str:
    digest = hashlib.sha256(business_id.encode()).digest()
    return base64.b32encode(digest)[:8].decode().lower()


@dataclass(frozen=True, slots=True)
class DeepLink:
    kind: Literal["business", "question", "campaign"]
    value: str
    """A business ``short_ref``, a question, or empty for a bare campaign link."""
    campaign: str | None = None


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def valid_campaign(tag: str) -> bool:
    return bool(_CAMPAIGN.fullmatch(tag))


def encode(link: DeepLink) -> str:
    """``<kind><campaign>_<value>``: kind ``b`` (business ref), ``q`` (base64url question) or ``c``.

    The campaign comes first because it cannot hold ``_`` while base64url can; raises ValueError past
    64 characters or for a malformed campaign tag.
    """
    if link.campaign is not None and not valid_campaign(link.campaign):
        raise ValueError("a campaign tag is 1-20 letters, digits or hyphens")
    tag = link.campaign or ""
    if link.kind == "campaign":
        if not tag:
            raise ValueError("a campaign link needs a campaign tag")
        payload = f"c{tag}"
    else:
        value = link.value if link.kind == "business" else _b64(link.value)
        payload = f"{link.kind[0]}{tag}_{value}"
    if len(payload) > PAYLOAD_LIMIT:
        raise ValueError("deep-link payload longer than 64 characters")
    return payload


def decode(payload: str) -> DeepLink | None:
    """The link a ``/start`` payload carries, or ``None`` when it is not one of ours."""
    if not payload or len(payload) > PAYLOAD_LIMIT or not re.fullmatch(r"[A-Za-z0-9_-]+", payload):
        return None
    kind, rest = payload[0], payload[1:]
    if kind == "c":
        return DeepLink("campaign", "", rest) if valid_campaign(rest) else None
    tag, sep, value = rest.partition("_")
    if not sep or (tag and not valid_campaign(tag)):
        return None
    campaign = tag or None
    if kind == "b" and re.fullmatch(r"[a-z2-7]{8}", value):
        return DeepLink("business", value, campaign)
    if kind == "q" and value:
        try:
            question = " ".join(_unb64(value).split())
        except (ValueError, UnicodeDecodeError):
            return None
        return DeepLink("question", question, campaign) if question else None
    return None


def start_url(bot_username: str, link: DeepLink) -> str:
    return f"https://t.me/{bot_username}?start={encode(link)}"
