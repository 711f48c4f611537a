"""Typed callback data: every kind of button is a small frozen dataclass, packed and unpacked here only.

The wire format is ``<prefix>[<version>]:<field>:<field>…``: ``s:4f2a9c1e`` is a Story button,
``o:e:4f2a9c1e:contact`` an owner's "edit contact" button. Version 1 carries no number, so the data on
buttons people already have on their screens (written before this module) still decodes; a kind whose
fields change gets ``VERSION = 2`` and packs as ``<prefix>2:…``, and its old layout, if it is worth
keeping, stays registered as a kind of its own. Anything else (an unknown prefix, a retired version,
a field of the wrong type, forged data) decodes to None, which the conversation answers politely.

Telegram takes at most 64 bytes of callback data: :func:`pack` raises :class:`TooLong` rather than
let a button be sent that Telegram would refuse; :func:`fits` asks first where the data grows with
what a person did (the Swap buttons of a shopping round).

Fields are ``str`` (no ``:``), ``int`` (digits) or ``tuple[str, ...]`` (joined by ``.``).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import ClassVar, TypeVar

LIMIT = 64
"""Telegram's limit for callback data, in bytes."""
SEPARATOR = ":"
LIST_SEPARATOR = "."


class TooLong(ValueError):
    """Packed data longer than Telegram's 64 bytes."""


class CallbackData:
    """Base of every kind: ``PREFIX`` names the kind, ``VERSION`` its layout (1 is written bare)."""

    PREFIX: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def pack(self) -> str:
        return pack(self)


_KINDS: dict[tuple[str, int], type[CallbackData]] = {}
"""(wire prefix, number of fields) -> kind."""
_FIELD_TYPES: dict[type[CallbackData], tuple[object, ...]] = {}
"""Each kind's field types, in order, read once when it is registered."""


K = TypeVar("K", bound=type[CallbackData])


def kind(cls: K) -> K:
    """Registers a frozen dataclass as a kind of button; two kinds may share a prefix only with a
    different number of fields (``rep:<ref>`` and ``rep:<ref>:<reason>``). A prefix has at most two
    parts, and a one-part prefix is never the first part of another (``o`` next to ``o:e``), so that
    decoding is unambiguous."""
    prefix = wire_prefix(cls)
    key = (prefix, len(dataclasses.fields(cls)))  # type: ignore[arg-type]
    heads = {p.split(SEPARATOR)[0] for p, _ in _KINDS if SEPARATOR in p} | {
        prefix.split(SEPARATOR)[0] if SEPARATOR in prefix else ""
    }
    singles = {p for p, _ in _KINDS if SEPARATOR not in p} | ({prefix} if SEPARATOR not in prefix else set())
    if key in _KINDS or prefix.count(SEPARATOR) > 1 or heads & singles:
        raise ValueError(f"callback prefix {prefix!r} with {key[1]} fields is taken or ambiguous")
    hints = typing.get_type_hints(cls)
    _FIELD_TYPES[cls] = tuple(hints[f.name] for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    _KINDS[key] = cls
    return cls


def kinds() -> tuple[type[CallbackData], ...]:
    return tuple(_KINDS.values())


def wire_prefix(cls: type[CallbackData]) -> str:
    return cls.PREFIX if cls.VERSION == 1 else f"{cls.PREFIX}{cls.VERSION}"


def _field_text(value: object) -> str:
    if isinstance(value, tuple):
        parts = [_field_text(part) for part in value]
        if any(LIST_SEPARATOR in part for part in parts):
            raise ValueError(f"list items of callback data may not hold {LIST_SEPARATOR!r}: {value!r}")
        return LIST_SEPARATOR.join(parts)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"callback data fields are str, int or tuple[str, ...], not {type(value).__name__}")
    text = str(value)
    if SEPARATOR in text:
        raise ValueError(f"callback data fields may not hold {SEPARATOR!r}: {text!r}")
    return text


def packed(data: CallbackData) -> str:
    """The wire text, whatever its length."""
    values = [_field_text(getattr(data, f.name)) for f in dataclasses.fields(data)]  # type: ignore[arg-type]
    return SEPARATOR.join([wire_prefix(type(data)), *values])


def fits(data: CallbackData) -> bool:
    return len(packed(data).encode()) <= LIMIT


def pack(data: CallbackData) -> str:
    text = packed(data)
    if len(text.encode()) > LIMIT:
        raise TooLong(f"{len(text.encode())} bytes of callback data (Telegram takes {LIMIT}): {text!r}")
    return text


def _value(text: str, annotation: object) -> object:
    if annotation is int:
        if not text.isascii() or not text.isdigit():
            raise ValueError(text)
        return int(text)
    if annotation == tuple[str, ...]:
        return tuple(part for part in text.split(LIST_SEPARATOR) if part)
    return text


def unpack(text: str) -> CallbackData | None:
    """The button behind ``text``, or None for data no kind of button here makes."""
    if len(text.encode()) > LIMIT:
        return None
    parts = text.split(SEPARATOR)
    for size in (2, 1):
        if len(parts) < size:
            continue
        cls = _KINDS.get((SEPARATOR.join(parts[:size]), len(parts) - size))
        if cls is None:
            continue
        try:
            values = [_value(raw, hint) for hint, raw in zip(_FIELD_TYPES[cls], parts[size:], strict=True)]
        except ValueError:
            return None
        return cls(*values)
    return None


# -- residents ----------------------------------------------------------------------------------------


@kind
@dataclass(frozen=True, slots=True)
class Story(CallbackData):
    PREFIX = "s"
    ref: str


@kind
@dataclass(frozen=True, slots=True)
class MapView(CallbackData):
    PREFIX = "m"
    ref: str


@kind
@dataclass(frozen=True, slots=True)
class Language(CallbackData):
    PREFIX = "lang"
    code: str


@kind
@dataclass(frozen=True, slots=True)
class More(CallbackData):
    """More results for the question tagged ``token`` (``context.question_token``)."""

    PREFIX = "more"
    token: str


@kind
@dataclass(frozen=True, slots=True)
class NotWhatIMeant(CallbackData):
    PREFIX = "n"
    token: str


@kind
@dataclass(frozen=True, slots=True)
class PickType(CallbackData):
    """A clarifying choice after "Not what I meant": the ``index``-th kind of place."""

    PREFIX = "c"
    token: str
    index: int


@kind
@dataclass(frozen=True, slots=True)
class Swap(CallbackData):
    """A shopping round planned again without the shops ``gone`` (their ``short_ref``)."""

    PREFIX = "rs"
    token: str
    gone: tuple[str, ...]


# -- owners -------------------------------------------------------------------------------------------


@kind
@dataclass(frozen=True, slots=True)
class FlowChoice(CallbackData):
    """A choice in the listing flow, valid only in the step ``state`` it was offered in."""

    PREFIX = "o:f"
    state: str
    value: str


@kind
@dataclass(frozen=True, slots=True)
class Cancel(CallbackData):
    PREFIX = "o:cancel"


@kind
@dataclass(frozen=True, slots=True)
class OwnerHome(CallbackData):
    """The owner's overview (/mybusiness); also "I have a business here" under /start."""

    PREFIX = "o:home"


@kind
@dataclass(frozen=True, slots=True)
class NewListing(CallbackData):
    PREFIX = "o:new"


@kind
@dataclass(frozen=True, slots=True)
class InviteCode(CallbackData):
    PREFIX = "o:code"


@kind
@dataclass(frozen=True, slots=True)
class ClaimListing(CallbackData):
    """Claim an existing listing: the name is typed next."""

    PREFIX = "o:claim"


@kind
@dataclass(frozen=True, slots=True)
class ClaimThis(CallbackData):
    PREFIX = "o:cl"
    ref: str


@kind
@dataclass(frozen=True, slots=True)
class AnswerModerator(CallbackData):
    PREFIX = "o:ans"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class PartnerConfirm(CallbackData):
    """Pressed by an owner of ``partner``: show the link ``business`` asked for."""

    PREFIX = "o:pc"
    business: str
    partner: str


@kind
@dataclass(frozen=True, slots=True)
class PartnerDecline(CallbackData):
    PREFIX = "o:pd"
    business: str
    partner: str


@kind
@dataclass(frozen=True, slots=True)
class EditGroup(CallbackData):
    PREFIX = "o:e"
    ref: str
    group: str


@kind
@dataclass(frozen=True, slots=True)
class BusinessAction(CallbackData):
    """One of the actions on an owner's card (``closed``, ``special``, ``partners``, ``confirm``, …)."""

    PREFIX = "o:x"
    ref: str
    action: str


@kind
@dataclass(frozen=True, slots=True)
class DeleteConfirmed(CallbackData):
    PREFIX = "o:del"
    ref: str


@kind
@dataclass(frozen=True, slots=True)
class RemovePerson(CallbackData):
    PREFIX = "o:rm"
    ref: str
    user: int


@kind
@dataclass(frozen=True, slots=True)
class HandOver(CallbackData):
    PREFIX = "o:ho"
    ref: str
    user: int


@kind
@dataclass(frozen=True, slots=True)
class QuickDate(CallbackData):
    """A common closure answer offered after unreadable dates (``c1``, ``c2``, ``c7``, ``open``,
    ``s0``, ``s1``)."""

    PREFIX = "o:qd"
    ref: str
    code: str


@kind
@dataclass(frozen=True, slots=True)
class PartnerAsk(CallbackData):
    PREFIX = "o:pa"
    ref: str
    partner: str


# -- moderation ---------------------------------------------------------------------------------------


@kind
@dataclass(frozen=True, slots=True)
class Approve(CallbackData):
    """Approve an item; on a resident's report: suspend the listing."""

    PREFIX = "mod:a"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class Reject(CallbackData):
    """Reject an item (a reason is typed next); on a report: dismiss it."""

    PREFIX = "mod:r"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class AskOwner(CallbackData):
    PREFIX = "mod:q"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class RollBack(CallbackData):
    PREFIX = "mod:u"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class KeepChange(CallbackData):
    PREFIX = "mod:k"
    item: int


@kind
@dataclass(frozen=True, slots=True)
class QueuePage(CallbackData):
    PREFIX = "mod:p"
    page: int


@kind
@dataclass(frozen=True, slots=True)
class Report(CallbackData):
    """A resident's Report button under a Story: the reasons are offered next."""

    PREFIX = "rep"
    ref: str


@kind
@dataclass(frozen=True, slots=True)
class ReportReason(CallbackData):
    PREFIX = "rep"
    ref: str
    reason: str
