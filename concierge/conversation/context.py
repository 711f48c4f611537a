"""What every conversation step gets: the app, the state store, the event and who is talking."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from catalog.taxonomy import Taxonomy
from concierge.app import App
from concierge.conversation.counts import Counts
from concierge.events import Button, Event
from concierge.i18n import Translate
from concierge.state import Profile, StateStore


@dataclass(frozen=True, slots=True)
class Turn:
    app: App
    store: StateStore
    taxonomy: Taxonomy
    counts: Counts
    event: Event
    profile: Profile
    lang: str
    t: Translate
    now: dt.datetime
    extras: Mapping[str, tuple[Callable[[Turn, str], tuple[Button, ...] | None], ...]] = field(
        default_factory=dict
    )
    """Rows of buttons features add to other features' views (``routes.extra_rows``)."""

    @property
    def private(self) -> bool:
        return self.event.chat_type in {"private", "terminal"}

    @property
    def shared_chat(self) -> bool:
        """A chat others read too: a member's own position and last question stay out of it."""
        return self.event.chat_type in {"group", "supergroup", "channel"}

    @property
    def area_name(self) -> str | None:
        area = self.app.search.area
        return area.name if area else None


def question_token(question: str) -> str:
    """An opaque tag of the last question for "More" buttons: stale or foreign presses do not match it."""
    return hashlib.sha256(question.encode()).hexdigest()[:10]
