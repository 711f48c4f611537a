"""Shared positions: rounded, kept for a day, used for the next questions."""

from __future__ import annotations

import dataclasses
import math

from concierge.conversation import questions
from concierge.conversation.context import Turn
from concierge.conversation.render import say
from concierge.events import Button, Reply, SendText
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


async def shared(turn: Turn) -> list[Reply]:
    """Stores the position; when a question was asked just before, answers it again from here.

    A live location keeps sending updates (as edits, or as further live locations, depending on the
    adapter): once a position is known, those are stored without a reply.
    """
    lat, lon = turn.event.lat, turn.event.lon
    if lat is None or lon is None or not valid_position(lat, lon):
        return [SendText(say(turn.t("That location does not look right. Please share it again.")))]
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


def ask_for_location(turn: Turn) -> list[Reply]:
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
