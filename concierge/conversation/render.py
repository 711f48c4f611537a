"""Safe Telegram HTML for answers, story cards and inline results.

Every piece of user-supplied text (names, stories, products, questions) goes through :func:`clip`,
which escapes it and, when it is too long, cuts the *plain* text before escaping, so a cut never
lands inside an entity. Messages are built from self-contained blocks (each with balanced tags) and
:func:`join_blocks` drops whole blocks from the end rather than cutting one, so a tag is never cut
either. Lengths are counted in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import unicodedata
from collections.abc import Iterable, Sequence

from babel import Locale

from catalog import fields as registry
from catalog.views import BusinessView
from concierge import callbacks
from concierge.answers import Answer, Result, chain_label
from concierge.deeplinks import short_ref
from concierge.events import Button, Keyboard, Reply, SendPhoto, SendText
from concierge.hours_text import closure_note, describe
from concierge.i18n import Translate, format_distance, normalise_language

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = callbacks.LIMIT
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
    }
)
ELLIPSIS = "…"
NAME_CHARS = 200
STORY_LINE_CHARS = 200
STORY_PART_CHARS = 800
"""With the budgets of the other blocks this keeps a full story card under 4096 in the worst case."""
BUTTON_CHARS = 40


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """Drops control and format characters (keeping newlines when asked) and collapses blank runs.

    Text without any such character (``isprintable``, which also rejects a few harmless spaces) is
    most text and is left as it is without looking at each character.
    """
    printable = (text.replace("\n", "") if keep_newlines else text).isprintable()
    kept = (
        text
        if printable
        else "".join(
            ch
            for ch in text
            if (keep_newlines and ch == "\n")
            or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
        )
    )
    if keep_newlines:
        lines = (" ".join(line.split()) for line in kept.split("\n"))
        return "\n".join(line for line in lines if line)
    return " ".join(kept.split())


def clip(text: str, limit: int, *, keep_newlines: bool = False) -> str:
    """``text`` cleaned and escaped, at most ``limit`` UTF-16 units, cut before escaping with an ellipsis."""
    plain = clean(text, keep_newlines=keep_newlines)
    escaped = html.escape(plain, quote=False)
    if utf16_len(escaped) <= limit:
        return escaped
    budget = limit - utf16_len(ELLIPSIS)
    pieces: list[str] = []
    for ch in plain:
        piece = html.escape(ch, quote=False)
        size = utf16_len(piece)
        if size > budget:
            break
        pieces.append(piece)
        budget -= size
    return "".join(pieces).rstrip() + ELLIPSIS


def plain_clip(text: str, limit: int) -> str:
    """For text that is not HTML (button labels, venue titles, inline titles)."""
    plain = clean(text)
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + ELLIPSIS


def say(text: str) -> str:
    """A translated text of ours as HTML: escaped, never clipped (our texts are short)."""
    return html.escape(text, quote=False)


def text_html(text: str) -> str:
    """Plain text (e.g. the search's message) as safe HTML of at most one message."""
    return clip(text, TEXT_LIMIT, keep_newlines=True)


def join_blocks(blocks: Iterable[str], limit: int = TEXT_LIMIT, separator: str = "\n") -> str:
    """Joins balanced HTML blocks, leaving out whole blocks that would pass ``limit``."""
    out: list[str] = []
    size = 0
    for block in blocks:
        if not block:
            continue
        extra = utf16_len(block) + (utf16_len(separator) if out else 0)
        if size + extra > limit:
            continue
        out.append(block)
        size += extra
    return separator.join(out)


def opening_line(result: Result) -> str:
    """Open now, or when it opens next, as the search said it in the answer's language."""
    return result.opening


def result_head(result: Result, t: Translate, lang: str, prefix: str = "") -> str:
    """Name (bold), distance and opening state on one line."""
    name = f"<b>{prefix}{clip(result.name, NAME_CHARS)}</b>{say(chain_label(result, t))}"
    head = [name, format_distance(result.distance_m, lang)]
    opening = opening_line(result)
    if opening:
        head.append(say(opening))
    return " · ".join(head)


def result_block(number: int, result: Result, t: Translate, lang: str) -> str:
    lines = [result_head(result, t, lang, f"{number}. ")]
    if result.why:
        lines.append(clip(result.why, 300))
    if result.story:
        lines.append(f"<i>{clip(result.story, STORY_LINE_CHARS)}</i>")
    if result.outdated:
        lines.append(f"<i>{say(t('Not confirmed by the owner for a while.'))}</i>")
    return "\n".join(lines)


def result_buttons(number: int, result: Result, t: Translate) -> tuple[Button, ...]:
    ref = short_ref(result.id)
    return (
        Button(f"{number}. {t('Story')}", data=callbacks.Story(ref).pack()),
        Button(t("Map"), data=callbacks.MapView(ref).pack()),
        Button(t("Share"), switch_inline=plain_clip(result.name, 64)),
    )


def answer_message(
    answer: Answer,
    results: Sequence[Result],
    t: Translate,
    lang: str,
    *,
    first_number: int = 1,
    token: str | None = None,
    show_more: bool = False,
    area_name: str | None = None,
    lead: bool = True,
    shared_chat: bool = False,
    place: str | None = None,
) -> SendText:
    """The short list: one message, a block and a button row per result, then More / Not what I meant.

    ``lead`` adds the search's own lead-in and, when ``area_name`` is given (no position of the person's
    own), the note that the area's centre was used unless the question named a place itself. In a
    ``shared_chat`` (a group) that note says members' own positions are never used there. A ``place``
    of the area that the question named is where distances were measured from, and the note says so.
    """
    blocks = []
    if lead and answer.message:
        blocks.append(clip(answer.message, 500))
    if lead and place:
        blocks.append(f"<i>{clip(t('Distances are from {place}.', place=place), 400)}</i>")
    elif lead and area_name and not answer.understood.where:
        if shared_chat:
            hint = t(
                "In a group I measure distances from the centre of {area}, never from anyone's own position.",
                area=area_name,
            )
        else:
            hint = t(
                "Searching around the centre of {area}. Share your location for better results: /near",
                area=area_name,
            )
        blocks.append(f"<i>{clip(hint, 400)}</i>")
    rows: list[tuple[Button, ...]] = []
    for number, result in enumerate(results, start=first_number):
        blocks.append(result_block(number, result, t, lang))
        rows.append(result_buttons(number, result, t))
    if token is not None:
        last = []
        if show_more:
            last.append(Button(t("More"), data=callbacks.More(token).pack()))
        last.append(Button(t("Not what I meant"), data=callbacks.NotWhatIMeant(token).pack()))
        rows.append(tuple(last))
    return SendText(join_blocks(blocks, separator="\n\n"), buttons=tuple(rows))


def story_language_note(story_language: str, lang: str | None, t: Translate) -> str:
    """ "Written by the owner in Dutch" when the story is in another language than the reader's: it
    stays as the owner wrote it, and says so (Telegram's HTML has no ``lang`` attribute)."""
    if not lang or not story_language or story_language == normalise_language(lang):
        return ""
    names = Locale.parse(normalise_language(lang)).languages
    return t("Written by the owner in {language}", language=names.get(story_language, story_language))


def story_blocks(
    business: BusinessView,
    t: Translate,
    partner_names: Sequence[str],
    *,
    part_chars: int = STORY_PART_CHARS,
    lang: str | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """The story card. With ``lang`` (the reader's language) the hours are said in words of that
    language and a story written in another one says so; with ``today`` (the shop's local date) a
    temporary closure that covers or lies ahead of it is said first."""
    blocks = [f"<b>{clip(business.name, NAME_CHARS)}</b>"]
    closure = closure_note(business.closed_from, business.closed_until, today, lang or "en") if today else ""
    if closure:
        blocks.append(f"<b>{say(closure[:1].upper() + closure[1:])}</b>")
    parts = [
        (t("Who"), business.story_who),
        (t("How"), business.story_how),
        (t("Why"), business.story_why),
    ]
    story = [
        f"<b>{say(label)}</b>: {clip(text, part_chars, keep_newlines=True)}"
        for label, text in parts
        if clean(text)
    ]
    if story and (note := story_language_note(business.story_language, lang, t)):
        story.insert(0, f"<i>{say(note)}</i>")
    if story:
        blocks.append("<blockquote expandable>" + "\n".join(story) + "</blockquote>")
    if partner_names:
        names = ", ".join(clip(name, 100) for name in partner_names[:5])
        blocks.append(say(t("Pairs well with {names}", names="\x00")).replace("\x00", names))
    details = [
        (t("Opening hours"), describe(business.opening_hours, lang) if lang else business.opening_hours, 300),
        (t("Address"), business.address, 200),
        (t("Phone"), business.phone, 60),
        (t("Website"), business.website, 200),
    ]
    blocks.extend(
        f"<b>{say(label)}</b>: {clip(value, limit)}" for label, value, limit in details if clean(value)
    )
    blocks.extend(f"<b>{say(t(label))}</b>: {say(value)}" for label, value in field_lines(business, t))
    return blocks


def field_lines(business: BusinessView, t: Translate) -> list[tuple[str, str]]:
    """ "Pay: cash, card", "Wheelchair: accessible": the card's lines of :func:`catalog.fields.on_card`
    (label msgid, translated values), only for what is known."""
    lines = []
    for field in registry.on_card():
        value = getattr(business, field.name)
        values = value if isinstance(value, tuple) else (value,) if value else ()
        if values:
            lines.append((field.card, ", ".join(t(field.says(v)) for v in values)))
    return lines


def story_buttons(business: BusinessView, t: Translate) -> Keyboard:
    return (
        (
            Button(t("Map"), data=callbacks.MapView(short_ref(business.id)).pack()),
            Button(t("Share"), switch_inline=plain_clip(business.name, 64)),
        ),
    )


def story_replies(
    business: BusinessView,
    t: Translate,
    partner_names: Sequence[str],
    *,
    lang: str | None = None,
    today: dt.date | None = None,
    extra_rows: Keyboard = (),
) -> list[SendText | SendPhoto]:
    """The Story view: one photo with the card as caption when it fits, else a photo and the card.
    ``extra_rows`` are the rows other features add (the Report button), under the view's own."""
    buttons = (*story_buttons(business, t), *extra_rows)
    card = story_blocks(business, t, partner_names, lang=lang, today=today)
    if business.photo:
        short = story_blocks(business, t, partner_names, part_chars=250, lang=lang, today=today)
        caption = join_blocks(short, CAPTION_LIMIT)
        if caption == "\n".join(short):
            return [SendPhoto(business.photo, caption, buttons)]
        return [
            SendPhoto(business.photo, join_blocks(short[:1], CAPTION_LIMIT)),
            SendText(join_blocks(card), buttons=buttons),
        ]
    return [SendText(join_blocks(card), buttons=buttons)]


def inline_card(result: Result, t: Translate, lang: str, link: str | None, kind: str = "") -> str:
    """The message an inline result posts into another chat, with a link back to the bot.

    It is read by someone else, later: what held only for the sharer (the distance from where they
    are, open right now, how the place matched *their* question) stays in the sharer's own list
    (:func:`inline_description`, :func:`inline_status`). The friend reads the place's ``kind``, what it
    sells when that is what matched, its story line and its address.
    """
    blocks = [f"<b>{clip(result.name, NAME_CHARS)}</b>"]
    line = result.why if result.why and any(result.matched) and result.tier >= 2 else kind
    if line:
        blocks.append(clip(line, 300))
    if result.story:
        blocks.append(f"<i>{clip(result.story, STORY_LINE_CHARS)}</i>")
    if result.address:
        blocks.append(clip(result.address, 300))
    if link:
        blocks.append(f'<a href="{html.escape(link)}">{say(t("More about this place in the bot"))}</a>')
    return join_blocks(blocks)


def inline_title(result: Result, t: Translate) -> str:
    """The name an inline result is listed under, with the chain label."""
    label = chain_label(result, t)
    return plain_clip(result.name, 100 - len(label)) + label


def inline_status(result: Result, t: Translate, lang: str) -> str:
    """Distance and opening state, for the sharer's own list of inline results."""
    parts = [format_distance(result.distance_m, lang)]
    opening = opening_line(result)
    if opening:
        parts.append(opening)
    return " · ".join(parts)


def inline_description(result: Result, t: Translate, lang: str) -> str:
    parts = [plain_clip(result.why, 120)] if result.why else []
    parts.append(inline_status(result, t, lang))
    return " · ".join(parts)


def compact(replies: list[Reply]) -> list[Reply]:
    """Each plain text without buttons joined to the text after it, when both fit in one message.

    Fewer messages read better and cost less of Telegram's per-chat budget (about one a second).
    """
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if (
            isinstance(reply, SendText)
            and isinstance(previous, SendText)
            and not previous.buttons
            and previous.edit_message_id is None
            and reply.edit_message_id is None
            and utf16_len(previous.html) + utf16_len(reply.html) + 2 <= TEXT_LIMIT
        ):
            out[-1] = dataclasses.replace(
                reply,
                html=f"{previous.html}\n\n{reply.html}",
                remove_keyboard=reply.remove_keyboard or previous.remove_keyboard,
            )
        else:
            out.append(reply)
    return out
