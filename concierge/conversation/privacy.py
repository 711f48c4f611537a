"""Privacy: what the bot keeps about a person (/privacy), and deleting all of it (/forgetme)."""

from __future__ import annotations

from catalog import ownership
from concierge import demand
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.conversation.routes import Router
from concierge.events import Reply, SendText
from concierge.uow import unit_of_work


async def privacy(turn: Turn) -> list[Reply]:
    text = turn.t(
        "What I keep about you: your language choice, and your position rounded to about 100 m "
        "for 24 hours. Your last question is kept for 30 minutes for the More button. "
        "If you came through a link from a newsletter or poster, its campaign tag is kept with your "
        "Telegram user id for 24 hours, so that your questions count in that campaign's daily totals. "
        "Nothing else: no names, no chats, no history. Owners and editors only see daily totals, never "
        "who asked. /forgetme deletes everything at once."
    )
    groups = turn.t(
        "In a group, the group's last question is kept for 30 minutes so that every member can use the "
        "buttons under its answer. Nobody's position is used there."
    )
    wanted = turn.t(
        "What nobody nearby sells is counted per product and month, so shops can see what the "
        "neighbourhood misses: never your words or your name, and only once five people asked."
    )
    return [SendText(f"{say(text)}\n\n{say(groups)}\n\n{say(wanted)}")]


async def forget_me(turn: Turn) -> list[Reply]:
    """The resident's state and flows (database and Redis), and anything the catalogue keeps naming
    them as an owner; tests/integration/test_forget.py walks every table and key afterwards."""
    await turn.store.forget(turn.event.user_id)
    async with unit_of_work(turn.app) as uow:  # the demand marks and the catalogue's rows, or neither
        await demand.forget(await uow.session.connection(), turn.event.user_id)
        await ownership.forget_person(uow.session, turn.event.user_id)
    text = turn.t("Done. I have deleted everything I kept about you: language, position and last question.")
    return [SendText(say(text), remove_keyboard=True)]


ROUTER = Router(
    "privacy",
    commands={"privacy": privacy, "forgetme": forget_me},
    steady=frozenset({"privacy", "forgetme"}),
)
