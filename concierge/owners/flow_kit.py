"""What every step of the listing flow works with: the running flow, an answer, a step's decision, and
the flow's buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concierge import callbacks
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import Button, Keyboard, SendText

NEXT = "->"
"""A step's target meaning "on to the usual next state", the first of the row's ``to``."""


@dataclass
class Input:
    text: str | None = None
    choice: str | None = None
    location: tuple[float, float] | None = None
    photo: str | None = None


@dataclass
class Step:
    """What a step decided: go to ``target``, or stay with ``notes`` (explanations) shown first."""

    target: str | None = None
    notes: list[str] = field(default_factory=list)
    understood: bool = True
    in_place: bool = False
    """Staying: the step's message is redrawn where the pressed button was (a multiple choice)."""


def onward() -> Step:
    return Step(NEXT)


def not_understood() -> Step:
    return Step(understood=False)


@dataclass
class Flow:
    turn: Turn
    data: dict[str, Any]
    clearable: str | None = None
    """The field the current step may empty in an edit; set from the table when the step is asked."""

    @property
    def state(self) -> str:
        return str(self.data["state"])

    @property
    def draft(self) -> dict[str, Any]:
        draft: dict[str, Any] = self.data["draft"]
        return draft

    @property
    def editing(self) -> bool:
        return self.data.get("mode") == "edit"

    def t(self, message: str, /, **values: object) -> str:
        return self.turn.t(message, **values)


def choice(flow: Flow, label: str, value: str) -> Button:
    """A button for this state only: a press in another state is recognised as stale."""
    return Button(label, data=callbacks.FlowChoice(flow.state, value).pack())


def nav_row(flow: Flow, *extra: Button) -> tuple[Button, ...]:
    row = list(extra)
    if flow.data["history"]:
        row.append(choice(flow, flow.t("« Back"), "back"))
    row.append(choice(flow, flow.t("Cancel"), "cancel"))
    return tuple(row)


def message(
    flow: Flow, text_html: str, rows: Keyboard = (), *, nav: bool = True, skip: bool = False
) -> SendText:
    extra: tuple[Button, ...] = (choice(flow, flow.t("Skip"), "skip"),) if skip else ()
    if flow.editing and flow.clearable and flow.draft.get(flow.clearable):
        extra = (*extra, choice(flow, flow.t("Remove"), "clear"))
    return SendText(text_html, buttons=(*rows, nav_row(flow, *extra)) if nav else rows)


def example(flow: Flow, text: str) -> str:
    return f"\n<i>{say(flow.t('For example: {example}', example=text))}</i>"


def builder_week(stored: dict[str, Any]) -> dict[int, list[tuple[str, str]]]:
    """The hours builder's week as kept in the flow (JSON: string keys, lists), for
    :func:`catalog.typed_hours.compose`."""
    return {int(day): [(start, end) for start, end in spans] for day, spans in stored.items()}
