"""The routing table: who answers what, in which order, and the rows features add to each other's views."""

from __future__ import annotations

import pytest

from catalog import ownership
from concierge import callbacks
from concierge.app import App
from concierge.conversation.routes import Router, wire
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Event, Reply, SendPhoto, SendText
from concierge.routing import Conversation
from tests.test_owner_support import Chat

pytest_plugins = ["tests.test_owner_support"]

BAKERY = "bakkerij-de-gouden-korst"
GROUP = -100555


async def nothing(_turn: object, *_args: object) -> list[Reply]:
    return []


def test_a_kind_of_button_or_a_command_is_declared_once() -> None:
    with pytest.raises(ValueError, match="Story"):
        wire(
            [Router("a", buttons={callbacks.Story: nothing}), Router("b", buttons={callbacks.Story: nothing})]
        )
    with pytest.raises(ValueError, match="/help"):
        wire([Router("a", commands={"help": nothing}), Router("b", commands={"help": nothing})])
    with pytest.raises(ValueError, match="steady"):
        wire([Router("a", steady=frozenset({"help"}))])


def labels(replies: list[Reply]) -> list[str]:
    return [
        button.text
        for reply in replies
        if isinstance(reply, SendText | SendPhoto)
        for row in reply.buttons
        for button in row
    ]


def in_group(kind: str, **fields: object) -> Event:
    return Event(kind, user_id=778, chat_id=GROUP, chat_type="supergroup", language_code="en", **fields)  # type: ignore[arg-type]


async def test_the_report_row_is_under_a_story_opened_with_its_button_in_a_private_chat(app: App) -> None:
    conversation = Conversation(app)
    resident = Chat(conversation, 777, "en")
    story = await resident.data(callbacks.Story(short_ref(BAKERY)).pack())
    assert labels(story)[-1] == "Report", "the row other features add comes after the view's own"
    grouped = await conversation.handle(in_group("button", text=f"s:{short_ref(BAKERY)}", callback_id="1"))
    assert "Map" in labels(grouped) and "Report" not in labels(grouped)
    linked = await resident.cmd("start", f"b_{short_ref(BAKERY)}")
    assert "Map" in labels(linked) and "Report" not in labels(linked)


async def test_the_business_row_is_under_a_bare_start_in_a_private_chat_only(app: App) -> None:
    conversation = Conversation(app)
    resident = Chat(conversation, 777, "en")
    assert labels(await resident.cmd("start")) == ["I have a business here"]
    assert labels(await resident.cmd("start", "nonsense")) == []
    assert labels(await conversation.handle(in_group("command", command="start"))) == []


async def test_owners_buttons_and_commands_are_not_taken_in_groups(app: App) -> None:
    conversation = Conversation(app)
    pressed = await conversation.handle(in_group("button", text="o:home", callback_id="1"))
    assert pressed == [AnswerCallback("Sorry, this button no longer works. Please ask again.")]
    [reply] = await conversation.handle(in_group("command", command="mybusiness"))
    assert isinstance(reply, SendText) and "I don't know that command" in reply.html
    [reply] = await conversation.handle(in_group("command", command="moderate"))
    assert isinstance(reply, SendText) and "I don't know that command" in reply.html


async def test_commands_that_work_during_a_step_leave_it_open(app: App) -> None:
    conversation = Conversation(app)
    owner = Chat(conversation, 779, "en")
    await owner.cmd("mybusiness")
    await owner.press("I have an invite code")
    await owner.cmd("privacy")
    assert "What I keep about you" in owner.said()
    await owner.cmd("help")
    assert "Ask me in your own words" in owner.said()
    await owner.send("NOT-A-CODE")
    assert "Ask me" not in owner.said(), "the typed answer still goes to the open step"


async def test_a_line_a_feature_reads_as_its_own_command_does_not_switch_the_language(app: App) -> None:
    """An owner whose phone is in English adds Dutch product names: the reply stays English."""
    async with app.sessions.begin() as session:
        await ownership.add_role(session, BAKERY, 780, "owner", "en")
    owner = Chat(Conversation(app), 780, "en")
    await owner.send("uitverkocht: de broden van de bakker")
    assert owner.said().startswith("Nothing changed"), owner.said()
