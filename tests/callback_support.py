"""Checks that every button the bot sends carries data the bot can route back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from concierge import callbacks
from concierge.events import AnswerInline, Button, Notify, Reply, SendPhoto, SendText
from concierge.routing import ROUTERS


def buttons_of(replies: Iterable[Reply]) -> Iterator[Button]:
    for reply in replies:
        inner = reply.reply if isinstance(reply, Notify) else reply
        if isinstance(inner, SendText | SendPhoto):
            yield from (button for row in inner.buttons for button in row)
        elif isinstance(inner, AnswerInline):
            yield from (button for result in inner.results for row in result.buttons for button in row)


def unroutable(buttons: Iterable[Button]) -> list[str]:
    """Callback data among ``buttons`` that does not decode to a kind a router declares, or that the
    codec would not pack the same way again."""
    wrong = []
    for button in buttons:
        if button.data is None:
            continue
        decoded = callbacks.unpack(button.data)
        if decoded is None or type(decoded) not in ROUTERS.buttons or decoded.pack() != button.data:
            wrong.append(button.data)
    return wrong


def assert_routable(replies: Iterable[Reply]) -> None:
    wrong = unroutable(buttons_of(replies))
    assert not wrong, f"buttons whose data no router takes: {wrong}"
