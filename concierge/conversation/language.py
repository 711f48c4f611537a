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
switched by the language of the product lines they type.
"""

from __future__ import annotations

from concierge.events import Event
from concierge.i18n import normalise_language
from concierge.lexicon import Lexicon
from concierge.state import Profile
from concierge.understanding import clear_language

QUESTION_KINDS = frozenset({"text", "photo", "inline_query"})
"""Events whose own text is a question (a photo's is its caption)."""


def question_of(event: Event, last_question: str | None) -> str:
    if event.kind in QUESTION_KINDS and event.text.strip():
        return event.text
    if event.kind in {"text", "photo"}:
        return ""
    return last_question or ""


def reply_language(
    event: Event, profile: Profile, last_question: str | None, lexicon: Lexicon, default: str
) -> str:
    """``last_question`` is the one the event's buttons belong to: the person's own, or the group's."""
    if profile.language:
        return profile.language
    platform = normalise_language(event.language_code, "")
    question = question_of(event, last_question) if profile.flow is None else ""
    if question and (written := clear_language(question, lexicon, terms_suffice=not platform)):
        return written
    return platform or default
