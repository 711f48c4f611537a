"""Telegram's ``parse_mode=HTML`` rules, strictly: what the Bot API accepts and the plain text it keeps.

Follows https://core.telegram.org/bots/api#html-style. Slightly stricter than Telegram on one point:
a bare ``&`` that does not start one of the supported entities is refused, because in our output it
always means user text was not escaped.
"""

from __future__ import annotations

import re

ALLOWED_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "span": {"class"},
    "tg-spoiler": set(),
    "a": {"href"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


class HTMLParseError(ValueError):
    """The text Telegram would refuse with "Bad Request: can't parse entities: ..."."""


def _unescape(text: str, start: int) -> str:
    out: list[str] = []
    pos = 0
    while True:
        amp = text.find("&", pos)
        if amp < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:amp])
        match = _ENTITY.match(text, amp)
        if not match:
            raise HTMLParseError(f"Unsupported HTML entity or bare '&' at byte offset {start + amp}")
        dec, hexa, name = match.groups()
        if name is not None:
            if name not in _NAMED:
                raise HTMLParseError(f"Unsupported HTML entity '&{name};' at byte offset {start + amp}")
            out.append(_NAMED[name])
        else:
            code = int(dec) if dec is not None else int(hexa, 16)
            if code > 0x10FFFF:
                raise HTMLParseError(f"Bad numeric entity at byte offset {start + amp}")
            out.append(chr(code))
        pos = match.end()


def parse_html(text: str) -> str:
    """The plain text Telegram would show; raises :class:`HTMLParseError` where Telegram answers 400."""
    plain: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        lt = text.find("<", pos)
        if lt < 0:
            plain.append(_unescape(text[pos:], pos))
            break
        plain.append(_unescape(text[pos:lt], pos))
        match = _TAG.match(text, lt)
        if not match:
            raise HTMLParseError(f"Unexpected '<' (unescaped) at byte offset {lt}")
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            raise HTMLParseError(f'Unsupported start tag "{name}" at byte offset {lt}')
        if closing:
            if attrs.strip():
                raise HTMLParseError(f'Unexpected attributes in end tag "{name}" at byte offset {lt}')
            if not stack or stack[-1] != name:
                raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
            stack.pop()
        else:
            _check_attributes(name, attrs, lt)
            stack.append(name)
        pos = match.end()
    if stack:
        raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(plain)


def _check_attributes(name: str, attrs: str, offset: int) -> None:
    found: dict[str, str] = {}
    for attr in _ATTR.finditer(attrs):
        key, raw = attr.group(1).lower(), attr.group(2) or ""
        if key not in ALLOWED_TAGS[name]:
            raise HTMLParseError(f'Unsupported attribute "{key}" in tag "{name}" at byte offset {offset}')
        found[key] = _unescape(raw.strip("\"'"), offset)
    if name == "span" and found.get("class") != "tg-spoiler":
        raise HTMLParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a" and "href" in found and not found["href"]:
        raise HTMLParseError(f'Empty URL in tag "a" at byte offset {offset}')


def visible_length(text: str) -> int:
    """Telegram counts a message's length after entities are parsed."""
    return len(text)
