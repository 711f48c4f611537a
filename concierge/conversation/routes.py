"""Per-feature routers: what each feature of the conversation handles, declared as data.

A feature (residents, owners, moderation, privacy) declares one :class:`Router`: its slash commands,
the kinds of buttons it owns (:mod:`concierge.callbacks`), an open step that takes a person's next
messages, typed text it may recognise, and the rows of buttons it adds to other features' views
(:data:`Router.extras`: the Report button under a Story, "I have a business here" under /start), so
no feature wraps another's replies. :func:`dispatch` goes through the routers in the order
``concierge.routing`` lists them; the order of the steps is fixed here:

1. a button goes to the one router that declares its kind; data no kind decodes is answered politely;
2. commands that work whatever step is open (``steady``: /help, /privacy, /moderate, …);
3. an open step (the owners' flow and typed answers) takes the event, or lets it go with a note;
4. other commands: the first router that declares the command, else ``unknown_command``;
5. text: ``text`` handlers that recognise their own (owners' quick commands), then ``questions``
   (rate-limited by the engine), for text and for photos whose caption has words;
6. locations, inline queries, and anything else.

In groups (and channels) only routers with ``groups`` take commands, steps and text, and only those
with ``group_buttons`` take button presses. A router with ``compact`` has its replies joined where a
plain text runs into the next (:func:`render.compact`), as are the replies after a step let go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from concierge import callbacks
from concierge.conversation.context import Turn
from concierge.conversation.questions import has_words
from concierge.conversation.render import compact
from concierge.events import AnswerCallback, Button, Keyboard, Reply

Handler = Callable[[Turn], Awaitable[list[Reply]]]
Maybe = Callable[[Turn], Awaitable[list[Reply] | None]]
"""A handler that returns None when the event is not its feature's after all."""
Pressed = Callable[[Turn, Any], Awaitable[list[Reply]]]
"""Called with the decoded :class:`callbacks.CallbackData` of the kind it is declared for."""
Extra = Callable[[Turn, str], tuple[Button, ...] | None]
"""A row of buttons for another feature's view, given the view's subject (a business ref, or "")."""


@dataclass(frozen=True, slots=True)
class LetGo:
    """An open step let the event go: ``before`` (a note, possibly none) comes first, then the event
    is handled as if no step were open."""

    before: Sequence[Reply] = ()


Step = Callable[[Turn], Awaitable[list[Reply] | LetGo | None]]
"""An open step of a feature: its replies, :class:`LetGo`, or None when no step of it is open."""


@dataclass(frozen=True, slots=True)
class Router:
    name: str
    commands: Mapping[str, Handler] = field(default_factory=dict)
    steady: frozenset[str] = frozenset()
    """Of ``commands``, those answered even while a step is open (the step stays open)."""
    unknown_command: Handler | None = None
    """Any command no router declares (one router has it: the residents')."""
    buttons: Mapping[type[callbacks.CallbackData], Pressed] = field(default_factory=dict)
    step: Step | None = None
    text: Maybe | None = None
    """Typed text this feature may recognise as its own (None: not ours, go on)."""
    questions: Handler | None = None
    """Free text and captions with words, after the engine's question limit."""
    location: Handler | None = None
    inline: Handler | None = None
    other: Handler | None = None
    """Anything else: stickers, voice messages, photos without words."""
    extras: Mapping[str, Extra] = field(default_factory=dict)
    """View name (``story``, ``welcome``) -> a row this feature adds to that view."""
    own_line: Callable[[str], bool] | None = None
    """Typed lines this feature reads as its own commands, never as a question (for the language rule)."""
    groups: bool = True
    group_buttons: bool = True
    compact: bool = False


@dataclass(frozen=True, slots=True)
class Routes:
    """The routers in their order, checked once at wiring time."""

    routers: tuple[Router, ...]
    buttons: Mapping[type[callbacks.CallbackData], Router]
    extras: Mapping[str, tuple[Extra, ...]]
    own_lines: tuple[Callable[[str], bool], ...] = ()

    def own_line(self, text: str) -> bool:
        """Whether some feature reads ``text`` as its own typed command rather than a question."""
        return any(own(text) for own in self.own_lines)


def wire(routers: Iterable[Router]) -> Routes:
    """Checks that every kind of button is declared by exactly one router and every command once."""
    ordered = tuple(routers)
    owners: dict[type[callbacks.CallbackData], Router] = {}
    commands: dict[str, str] = {}
    extras: dict[str, list[Extra]] = {}
    for router in ordered:
        for kind in router.buttons:
            if kind in owners:
                raise ValueError(f"{kind.__name__} is declared by {owners[kind].name} and {router.name}")
            owners[kind] = router
        for command in router.commands:
            if command in commands:
                raise ValueError(f"/{command} is declared by {commands[command]} and {router.name}")
            commands[command] = router.name
        if not router.steady <= router.commands.keys():
            raise ValueError(f"{router.name}: steady commands it does not declare")
        for view, extra in router.extras.items():
            extras.setdefault(view, []).append(extra)
    own_lines = tuple(router.own_line for router in ordered if router.own_line is not None)
    return Routes(ordered, owners, {view: tuple(found) for view, found in extras.items()}, own_lines)


def extra_rows(turn: Turn, view: str, subject: str = "") -> Keyboard:
    """The rows other features add to ``view`` for this turn."""
    rows = (extra(turn, subject) for extra in turn.extras.get(view, ()))
    return tuple(row for row in rows if row)


def expired(turn: Turn) -> list[Reply]:
    """The answer to button data that no kind decodes (forged, or from a retired layout)."""
    return [AnswerCallback(turn.t("Sorry, this button no longer works. Please ask again."))]


def with_extras(routes: Routes, turn: Turn) -> Turn:
    return dataclasses.replace(turn, extras=routes.extras)


Limit = Callable[[Turn], Awaitable[list[Reply] | None]]
"""The engine's question limiter: None lets a question through, else the replies instead of it."""


async def dispatch(routes: Routes, turn: Turn, limit: Limit) -> list[Reply]:
    """The replies to one event through the routers (see the module's docstring for the order)."""
    turn = with_extras(routes, turn)
    event = turn.event
    if event.kind == "button":
        data = callbacks.unpack(event.text)
        router = routes.buttons.get(type(data)) if data is not None else None
        if data is None or router is None or not (turn.private or router.group_buttons):
            return expired(turn)
        return _finished(router, await router.buttons[type(data)](turn, data))
    usable = [router for router in routes.routers if turn.private or router.groups]
    command = event.command.lower() if event.kind == "command" else ""
    for router in usable:
        if command in router.steady:
            return _finished(router, await router.commands[command](turn))
    for router in usable:
        if router.step is None:
            continue
        outcome = await router.step(turn)
        if isinstance(outcome, LetGo):
            _, replies = await _as_usual(usable, turn, command, limit)
            return compact([*outcome.before, *replies])
        if outcome is not None:
            return _finished(router, outcome)
    handler, replies = await _as_usual(usable, turn, command, limit)
    return _finished(handler, replies) if handler else replies


def _finished(router: Router, replies: list[Reply]) -> list[Reply]:
    return compact(replies) if router.compact else replies


async def _as_usual(
    usable: Sequence[Router], turn: Turn, command: str, limit: Limit
) -> tuple[Router | None, list[Reply]]:
    """Steps 4 to 6 of the order: the replies and the router that gave them."""
    event = turn.event
    if event.kind == "command":
        for router in usable:
            if command in router.commands:
                return router, await router.commands[command](turn)
        for router in usable:
            if router.unknown_command is not None:
                return router, await router.unknown_command(turn)
        return None, []
    if event.kind == "text":
        for router in usable:
            if router.text is not None and (replies := await router.text(turn)) is not None:
                return router, replies
    if event.kind == "text" or (event.kind == "photo" and has_words(event.text)):
        for router in usable:
            if router.questions is not None:
                slowed = await limit(turn)
                return router, slowed if slowed is not None else await router.questions(turn)
    for router in usable:
        handler = {"location": router.location, "inline_query": router.inline}.get(event.kind, router.other)
        if handler is not None:
            return router, await handler(turn)
    return None, []
