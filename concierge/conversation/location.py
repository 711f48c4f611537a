"""Shared positions: rounded, kept for a day, used for the next questions."""

from __future__ import annotations

import dataclasses
import math

from catalog.geo import great_circle_m
from catalog.views import AreaView
from concierge.conversation import questions
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import Button, Reply, SendText
from concierge.i18n import format_distance
from concierge.state import POSITION_TTL, Profile, round_position


def valid_position(lat: float | None, lon: float | None) -> bool:
    return (
        lat is not None
        and lon is not None
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def location_button(turn: Turn) -> Button:
    return Button(turn.t("Share my location"), request_location=True)


def outside(turn: Turn, lat: float, lon: float) -> tuple[AreaView, float] | None:
    """The nearest area and how far its centre is, when the position lies outside every area: from
    there nothing is within reach, so it is said rather than stored."""
    areas = turn.app.search.areas
    if not areas:
        return None
    distances = [(area, great_circle_m((lat, lon), area.center)) for area in areas]
    if any(metres <= area.radius_m for area, metres in distances):
        return None
    return min(distances, key=lambda item: item[1] - item[0].radius_m)


def out_of_area(turn: Turn, area: AreaView, metres: float) -> SendText:
    text = turn.t(
        "That spot is {distance} from the centre of {area}, outside the area I know. "
        "I will keep searching around the centre of {area}; share a spot inside it for results near you.",
        distance=format_distance(metres, turn.lang),
        area=area.name,
    )
    return SendText(say(text), remove_keyboard=True)


def in_group(turn: Turn) -> list[Reply]:
    text = turn.t(
        "In a group I never use anyone's own position: distances are measured from the centre of the "
        "area, or from a place named in the question. Send me your location in a private chat instead."
    )
    return [SendText(say(text))]


async def shared(turn: Turn) -> list[Reply]:
    """Stores the position; when a question was asked just before, answers it again from here.

    A live location keeps sending updates (as edits, or as further live locations, depending on the
    adapter): once a position is known, those are stored without a reply. A position shared in a
    group is not used (see :func:`questions.own_position`); one outside the area is not stored, and
    the reply says how far away it is.
    """
    lat, lon = turn.event.lat, turn.event.lon
    if lat is None or lon is None or not valid_position(lat, lon):
        return [SendText(say(turn.t("That location does not look right. Please share it again.")))]
    if turn.shared_chat:
        return [] if turn.event.edited or turn.event.live else in_group(turn)
    if (far := outside(turn, lat, lon)) is not None:
        if turn.event.edited or (turn.event.live and turn.profile.position is not None):
            return []
        return [out_of_area(turn, *far)]
    await turn.store.set_position(turn.event.user_id, lat, lon, turn.now + POSITION_TTL)
    if turn.event.edited or (turn.event.live and turn.profile.position is not None):
        return []
    thanks = SendText(
        say(turn.t("Thanks! I will search around this spot for the next 24 hours.")), remove_keyboard=True
    )
    if not turn.profile.question:
        return [thanks]
    here = Profile(turn.profile.language, round_position(lat, lon))
    again = dataclasses.replace(turn, profile=here)
    return [thanks, *await questions.ask(again, turn.profile.question)]


async def ask_for_location(turn: Turn) -> list[Reply]:
    if not turn.private:
        return [SendText(say(turn.t("Send me a private message with /near to share your location.")))]
    return [
        SendText(
            say(
                turn.t(
                    "Share your location and I will look for what is closest to you. "
                    "I keep it rounded to about 100 m, for 24 hours."
                )
            ),
            buttons=((location_button(turn),),),
        )
    ]
