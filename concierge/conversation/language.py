"""Which language the bot answers in.

The rule, in order: the person's explicit /language choice; then the language their question is
clearly written in, when it is one of ours (someone with a Spanish phone who asks in English reads
English); then Telegram's ``language_code``; then the area's language (``CONCIERGE_DEFAULT_LANGUAGE``).
A question is clear by its grammar (phrasing, stop words); when Telegram's language is not one of
ours, clearly leaning terms suffice ("oat milk" from a Spanish phone is English), since the
alternative is the area's language, not the person's.

"Their question" is the text of this event when it is one (a message, an edit, a photo's caption, an
inline query), else the last question they asked while it is kept (a button pressed on that answer, a
command typed after it), so a conversation stays in one language. An owner in a guided flow is not
switched by the language of the product lines they type, in a flow or as quick commands ("+ brood"):
such lines are told apart by ``own_line``, which the routers declare (``Router.own_line``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from concierge.events import Event
from concierge.i18n import normalise_language
from concierge.lexicon import Lexicon
from concierge.state import Profile
from concierge.understanding import clear_language

QUESTION_KINDS = frozenset({"text", "photo", "inline_query"})
"""Events whose own text is a question (a photo's is its caption)."""


def never(_text: str) -> bool:
    return False


def question_of(event: Event, last_question: str | None, own_line: Callable[[str], bool] = never) -> str:
    if event.kind in QUESTION_KINDS and event.text.strip():
        return "" if own_line(event.text) else event.text
    if event.kind in {"text", "photo"}:
        return ""
    return last_question or ""


class QuestionLanguages:
    """:func:`clear_language` with the latest answers kept: it is asked on every question and every
    button press (some 0.1 ms each), and the same questions come back."""

    SIZE = 4096

    def __init__(self) -> None:
        self._lexicon: Lexicon | None = None
        self._known: OrderedDict[tuple[str, bool], str | None] = OrderedDict()

    def of(self, question: str, lexicon: Lexicon, *, terms_suffice: bool) -> str | None:
        if lexicon is not self._lexicon:
            self._lexicon, self._known = lexicon, OrderedDict()
        key = (question, terms_suffice)
        if key in self._known:
            self._known.move_to_end(key)
            return self._known[key]
        found = self._known[key] = clear_language(question, lexicon, terms_suffice=terms_suffice)
        if len(self._known) > self.SIZE:
            self._known.popitem(last=False)
        return found


def reply_language(
    event: Event,
    profile: Profile,
    last_question: str | None,
    lexicon: Lexicon,
    default: str,
    languages: QuestionLanguages | None = None,
    own_line: Callable[[str], bool] = never,
) -> str:
    """``last_question`` is the one the event's buttons belong to: the person's own, or the group's;
    ``own_line`` tells a feature's typed command ("+ brood") from a question."""
    if profile.language:
        return profile.language
    platform = normalise_language(event.language_code, "")
    question = question_of(event, last_question, own_line) if profile.flow is None else ""
    if not question:
        return platform or default
    languages = languages or QuestionLanguages()
    return languages.of(question, lexicon, terms_suffice=not platform) or platform or default
