"""The callback-data codec: every kind round-trips, today's strings stay readable, Telegram's 64 bytes
are enforced, and anything else decodes to nothing; every kind has exactly one router."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from concierge import callbacks
from concierge.callbacks import CallbackData
from concierge.routing import ROUTERS

EXAMPLES: dict[str, CallbackData] = {
    "s:4f2a9c1e": callbacks.Story("4f2a9c1e"),
    "m:4f2a9c1e": callbacks.MapView("4f2a9c1e"),
    "lang:de": callbacks.Language("de"),
    "more:0a1b2c3d4e": callbacks.More("0a1b2c3d4e"),
    "n:0a1b2c3d4e": callbacks.NotWhatIMeant("0a1b2c3d4e"),
    "c:0a1b2c3d4e:2": callbacks.PickType("0a1b2c3d4e", 2),
    "rs:0a1b2c3d4e:aa11.bb22": callbacks.Swap("0a1b2c3d4e", ("aa11", "bb22")),
    "rs:0a1b2c3d4e:": callbacks.Swap("0a1b2c3d4e", ()),
    "o:f:hours:skip": callbacks.FlowChoice("hours", "skip"),
    "o:cancel": callbacks.Cancel(),
    "o:home": callbacks.OwnerHome(),
    "o:new": callbacks.NewListing(),
    "o:code": callbacks.InviteCode(),
    "o:claim": callbacks.ClaimListing(),
    "o:cl:4f2a9c1e": callbacks.ClaimThis("4f2a9c1e"),
    "o:ans:17": callbacks.AnswerModerator(17),
    "o:pc:4f2a9c1e:77aa88bb": callbacks.PartnerConfirm("4f2a9c1e", "77aa88bb"),
    "o:pd:4f2a9c1e:77aa88bb": callbacks.PartnerDecline("4f2a9c1e", "77aa88bb"),
    "o:e:4f2a9c1e:contact": callbacks.EditGroup("4f2a9c1e", "contact"),
    "o:x:4f2a9c1e:closed": callbacks.BusinessAction("4f2a9c1e", "closed"),
    "o:del:4f2a9c1e": callbacks.DeleteConfirmed("4f2a9c1e"),
    "o:rm:4f2a9c1e:613": callbacks.RemovePerson("4f2a9c1e", 613),
    "o:ho:4f2a9c1e:613": callbacks.HandOver("4f2a9c1e", 613),
    "o:qd:4f2a9c1e:c7": callbacks.QuickDate("4f2a9c1e", "c7"),
    "o:pa:4f2a9c1e:77aa88bb": callbacks.PartnerAsk("4f2a9c1e", "77aa88bb"),
    "mod:a:5": callbacks.Approve(5),
    "mod:r:5": callbacks.Reject(5),
    "mod:q:5": callbacks.AskOwner(5),
    "mod:u:5": callbacks.RollBack(5),
    "mod:k:5": callbacks.KeepChange(5),
    "mod:p:2": callbacks.QueuePage(2),
    "rep:4f2a9c1e": callbacks.Report("4f2a9c1e"),
    "rep:4f2a9c1e:closed": callbacks.ReportReason("4f2a9c1e", "closed"),
}
"""The strings are the layouts buttons had before the codec (version 1), written out by hand: buttons
already on people's screens must keep working."""


def test_the_examples_cover_every_kind() -> None:
    assert {type(data) for data in EXAMPLES.values()} == set(callbacks.kinds())


@pytest.mark.parametrize(("wire", "data"), EXAMPLES.items())
def test_every_kind_packs_to_its_layout_and_back(wire: str, data: CallbackData) -> None:
    assert data.pack() == wire
    assert callbacks.unpack(wire) == data


@pytest.mark.parametrize(
    "wire",
    [
        "",
        "x",
        "s",
        "zz:abc",  # no such kind
        "s2:abc",  # a version of Story that does not exist
        "o:zz:abc",
        "mod:a:one",  # an item is a number
        "mod:a:-1",
        "c:0a1b2c3d4e:x",
        "s:abc:extra",  # one field too many
        "o:e:abc",  # one too few
        "mod:p:٣",  # digits, but not ASCII ones
        "s:" + "a" * 63,  # more than Telegram sends
    ],
)
def test_data_no_kind_makes_decodes_to_nothing(wire: str) -> None:
    assert callbacks.unpack(wire) is None


def test_packing_more_than_64_bytes_raises() -> None:
    fits = callbacks.Story("a" * 62)
    assert len(fits.pack()) == 64
    with pytest.raises(callbacks.TooLong):
        callbacks.Story("a" * 63).pack()
    with pytest.raises(callbacks.TooLong):
        callbacks.Story("é" * 32).pack()  # 2 bytes each: the limit is in bytes, not characters
    assert not callbacks.fits(callbacks.Swap("0a1b2c3d4e", ("abcdefgh",) * 6))
    assert callbacks.fits(callbacks.Swap("0a1b2c3d4e", ("abcdefgh",) * 5))


def test_fields_that_would_break_the_layout_are_refused() -> None:
    with pytest.raises(ValueError):
        callbacks.FlowChoice("hours", "a:b").pack()
    with pytest.raises(ValueError):
        callbacks.Swap("t", ("a.b",)).pack()


def test_a_new_version_packs_with_its_number_and_the_old_layout_stays_apart() -> None:
    """How a layout change is done: the new kind gets VERSION 2, the old one keeps decoding."""
    saved = dict(callbacks._KINDS)
    try:

        @callbacks.kind
        @dataclass(frozen=True, slots=True)
        class StoryV2(CallbackData):
            PREFIX = "s"
            VERSION = 2
            ref: str
            lang: str

        assert StoryV2("abc", "de").pack() == "s2:abc:de"
        assert callbacks.unpack("s2:abc:de") == StoryV2("abc", "de")
        assert callbacks.unpack("s:abc") == callbacks.Story("abc")
        with pytest.raises(ValueError):
            callbacks.kind(StoryV2)  # a prefix is taken once
    finally:
        callbacks._KINDS.clear()
        callbacks._KINDS.update(saved)


def test_every_kind_has_exactly_one_router() -> None:
    assert set(ROUTERS.buttons) == set(callbacks.kinds())
    names = {kind.__name__: ROUTERS.buttons[kind].name for kind in callbacks.kinds()}
    assert names["Story"] == "residents"
    assert names["EditGroup"] == "owners"
    assert names["Approve"] == "moderation"
    assert names["ReportReason"] == "moderation"
