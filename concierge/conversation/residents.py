"""The residents' router: questions, the short list's buttons, locations, inline queries, /start."""

from __future__ import annotations

from concierge import callbacks
from concierge.conversation import buttons, commands, inline, location, questions, rounds
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.conversation.routes import Router
from concierge.events import Reply, SendText


async def question(turn: Turn) -> list[Reply]:
    """A shopping list gets a round; anything else is one question."""
    return await rounds.answer(turn, turn.event.text) or await questions.ask(turn, turn.event.text)


async def unreadable(turn: Turn) -> list[Reply]:
    """A sticker, voice message or photo without words; in a group, silence."""
    if not turn.private:
        return []
    return [SendText(say(turn.t("I can only read text and locations. Type what you are looking for.")))]


ROUTER = Router(
    "residents",
    commands={
        "start": commands.start,
        "help": commands.help_text,
        "language": commands.language_menu,
        "near": location.ask_for_location,
        "cancel": commands.cancel,
    },
    steady=frozenset({"help", "language", "near"}),
    unknown_command=commands.unknown,
    buttons={
        callbacks.Story: buttons.story,
        callbacks.MapView: buttons.map_view,
        callbacks.Language: buttons.choose_language,
        callbacks.More: buttons.more,
        callbacks.NotWhatIMeant: buttons.not_what_i_meant,
        callbacks.PickType: buttons.pick_type,
        callbacks.Swap: buttons.swap,
    },
    questions=question,
    location=location.shared,
    inline=inline.answer,
    other=unreadable,
)
