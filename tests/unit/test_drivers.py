"""The core driver's checks: what it reads of a reply, and what Telegram would refuse."""

from __future__ import annotations

import pytest

from concierge.events import AnswerCallback, Button, Notify, SendDocument, SendPhoto, SendText
from tests.support.drivers import plain_text, replies_text
from tests.support.emulator.telegram_html import HTMLParseError


def test_plain_text_reads_escaped_html() -> None:
    assert plain_text(SendText("<b>A &amp; B</b>")) == "A & B"
    assert plain_text(SendPhoto("ref", "<i>caption</i>")) == "caption"
    assert plain_text(SendDocument("export.json", b"{}")) == "[export.json]"


@pytest.mark.parametrize("markup", ["<b>open", "a & b", "<script>x</script>", "1 < 2"])
def test_markup_telegram_refuses_fails_the_step(markup: str) -> None:
    with pytest.raises(HTMLParseError):
        plain_text(SendText(markup))


def test_limits_telegram_enforces_fail_the_step() -> None:
    plain_text(SendText("x" * 4096))
    with pytest.raises(AssertionError):
        plain_text(SendText("x" * 4097))
    with pytest.raises(AssertionError):
        plain_text(SendPhoto("ref", "x" * 1025))
    with pytest.raises(AssertionError):
        plain_text(SendText("choose", ((Button("a", data="d" * 65),),)))
    with pytest.raises(AssertionError):
        plain_text(SendText("   "))


def test_replies_text_leaves_out_notifications_to_others() -> None:
    replies = [AnswerCallback("Saved"), SendText("Done."), Notify(900, SendText("To the moderator"))]
    assert replies_text(replies) == "(Saved)\nDone."
