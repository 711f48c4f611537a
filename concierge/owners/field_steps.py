"""A listing-flow step built from a field's registry entry (:mod:`catalog.fields`).

A ``choice`` field (one of its choices, or "don't know") and a ``choices`` field (any of them, pressed
one by one, then Done) are asked with the registry's ``question`` and ``choice_labels``, as buttons or
typed in any of the four languages ("pin en contant", "card only", "teilweise"). A new field of either
kind needs a registry entry, a row ``field_steps.step(...)`` in the flow table and translations of its
question and labels: no prompt or accept code of its own.

Typed answers are read against the option labels in all four languages: a label may hold alternatives
split by "/" ("Pin / kaart"), and a label word of three letters or more also matches words it starts
("pin" in "pinnen", "card" in "cards").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterator

from catalog import fields
from concierge.conversation.render import clip, say
from concierge.events import Reply
from concierge.i18n import LANGUAGES, translator
from concierge.owners import checks
from concierge.owners.flow_kit import Flow, Input, Step, choice, message, not_understood, onward
from concierge.owners.machine import State

UNKNOWN = "unknown"
"""The "don't know" button of a one-choice field; it leaves the field empty."""
UNKNOWN_LABEL = "Don't know"
CHECKED = "✓ "


def labels(field: fields.Field, t: Callable[[str], str]) -> dict[str, str]:
    """Each choice's label in the reader's language."""
    return {value: t(label) for value, label in zip(field.choices, field.choice_labels, strict=True)}


def shown(field: fields.Field, value: object, t: Callable[[str], str]) -> str:
    """A value as people read it ("Cash, Card"); "" when unknown."""
    names = labels(field, t)
    values = value if isinstance(value, list | tuple) else [value]
    return ", ".join(names[item] for item in values if item in names)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", plain)


def _phrases(label: str) -> Iterator[list[str]]:
    for lang in LANGUAGES:
        for part in translator(lang)(label).split("/"):
            if words := _words(part):
                yield words


def _word_matches(said: str, label_word: str) -> bool:
    return said == label_word or (len(label_word) >= 3 and said.startswith(label_word))


def _length_said(words: list[str], phrase: list[str]) -> int:
    """The phrase's length in letters when the words hold it, else 0."""
    for start in range(len(words) - len(phrase) + 1):
        if all(_word_matches(words[start + i], part) for i, part in enumerate(phrase)):
            return sum(len(part) for part in phrase)
    return 0


def named(field: fields.Field, text: str) -> dict[str, int]:
    """The options a typed answer names, each with the length of its longest label found."""
    words = _words(text)
    options = dict(zip(field.choices, field.choice_labels, strict=True))
    if field.kind == "choice":
        options[UNKNOWN] = UNKNOWN_LABEL
    found: dict[str, int] = {}
    for value, label in options.items():
        length = max((_length_said(words, phrase) for phrase in _phrases(label)), default=0)
        if length:
            found[value] = length
    return found


def read_one(field: fields.Field, text: str) -> str | None:
    """One choice (or :data:`UNKNOWN`) for a typed answer: the option named at most length; a plain
    yes or no ("jazeker", "nope") for a field with those choices; None when it names none."""
    found = named(field, text)
    if found:
        return max(found, key=lambda value: found[value])
    answer = checks.yes_no(text)
    return answer if answer in field.choices else None


def read_many(field: fields.Field, text: str) -> list[str]:
    """The choices a typed answer names, in the registry's order."""
    found = named(field, text)
    return [value for value in field.choices if value in found]


def prompt_for(field: fields.Field) -> Callable[[Flow], list[Reply]]:
    def prompt(flow: Flow) -> list[Reply]:
        names = labels(field, flow.t)
        text = say(flow.t(field.question))
        current = flow.draft.get(field.name) or []
        if field.kind == "choices":
            buttons = [
                choice(flow, (CHECKED if value in current else "") + names[value], value)
                for value in field.choices
            ]
            rows = (tuple(buttons), (choice(flow, flow.t("Done"), "done"),))
        else:
            buttons = [choice(flow, names[value], value) for value in field.choices]
            rows = (tuple(buttons), (choice(flow, flow.t(UNKNOWN_LABEL), UNKNOWN),))
            if current:
                text += "\n\n" + say(flow.t("Now:")) + " " + say(clip(shown(field, current, flow.t), 100))
        return [message(flow, text, rows, skip=True)]

    return prompt


def accept_for(field: fields.Field) -> Callable[[Flow, Input], Awaitable[Step]]:
    async def accept(flow: Flow, given: Input) -> Step:
        if given.choice in {"skip", "done"}:
            return onward()
        if field.kind == "choices":
            return _accept_many(flow, field, given)
        answer = given.choice or (read_one(field, given.text) if given.text is not None else None)
        if answer == UNKNOWN:
            flow.draft[field.name] = ""
            return onward()
        if answer not in field.choices:
            return not_understood()
        flow.draft[field.name] = answer
        return onward()

    return accept


def _accept_many(flow: Flow, field: fields.Field, given: Input) -> Step:
    if given.choice in field.choices:  # pressed: on or off, and the buttons redrawn
        current = set(flow.draft.get(field.name) or []) ^ {given.choice}
        flow.draft[field.name] = [value for value in field.choices if value in current]
        return Step(in_place=True)
    found = read_many(field, given.text) if given.text is not None else []
    if not found:
        return not_understood()
    flow.draft[field.name] = found
    return onward()


def step(name: str, *, to: tuple[str, ...]) -> State:
    """The flow table's row for registry field ``name``: its state is named after it, in its group."""
    field = fields.BY_NAME[name]
    if field.kind not in {"choice", "choices"} or not field.question or not field.choice_labels:
        raise ValueError(f"{name}: a generic step needs a choice field with a question and labels")
    return State(name, prompt_for(field), accept_for(field), to=to, group=field.group, fields=(name,))


def asked(states: tuple[State, ...]) -> tuple[fields.Field, ...]:
    """The registry fields the generic steps of a table ask, for the preview."""
    return tuple(
        fields.BY_NAME[name] for state in states for name in state.fields if fields.BY_NAME[name].question
    )
