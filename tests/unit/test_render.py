"""Property tests: whatever owners type (names, stories, products), the renderer yields valid Telegram HTML."""

from __future__ import annotations

import html
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.views import BusinessView
from concierge.answers import Answer, Result, Understood
from concierge.conversation.render import (
    ALLOWED_TAGS,
    CALLBACK_LIMIT,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    answer_message,
    clean,
    clip,
    inline_card,
    join_blocks,
    story_replies,
    utf16_len,
)
from concierge.events import Keyboard, SendPhoto, SendText
from concierge.i18n import translator


class _TelegramHTML(HTMLParser):
    """Checks what Telegram's parser would reject: unknown tags, unbalanced tags, bare ``<`` or ``&``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> not allowed")
        allowed_attrs = {"a": {"href"}, "blockquote": {"expandable"}, "code": {"class"}}.get(tag, set())
        for name, _ in attrs:
            if name not in allowed_attrs:
                self.problems.append(f"attribute {name} on <{tag}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"entity &{name};")

    def handle_charref(self, name: str) -> None:
        pass

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append("bare angle bracket in text")
        if "&" in data:
            self.problems.append("bare ampersand in text")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")


def telegram_html_problems(markup: str) -> list[str]:
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.rawdata:
        parser.problems.append(f"unparsed rest {parser.rawdata[:20]!r}")
    if parser.stack:
        parser.problems.append(f"unclosed {parser.stack}")
    return parser.problems


def assert_telegram_html(markup: str, limit: int = TEXT_LIMIT) -> None:
    assert telegram_html_problems(markup) == [], markup
    assert utf16_len(markup) <= limit


def assert_keyboard(keyboard: Keyboard) -> None:
    for row in keyboard:
        for button in row:
            assert button.text
            if button.data is not None:
                assert 0 < len(button.data.encode()) <= CALLBACK_LIMIT


def test_the_checker_catches_broken_markup() -> None:
    assert telegram_html_problems("<b>x</b> &amp; <i>y</i>") == []
    assert (
        telegram_html_problems(
            '<blockquote expandable><a href="https://e.org/?a=1&amp;b=2">x</a></blockquote>'
        )
        == []
    )
    for bad in [
        "<b>x",
        "x</b>",
        "<script>x</script>",
        "a < b",
        "a & b",
        "<b><i>x</b></i>",
        "<br/>",
        "&nbsp;",
    ]:
        assert telegram_html_problems(bad), bad


FRAGMENTS = [
    "<",
    ">",
    "&",
    '"',
    "'",
    "<b>",
    "</i>",
    "&amp;",
    "&#",
    "\n",
    "\x00",
    "\u200d",
    "👩‍👩‍👧",
    "€" * 40,
]
texts = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(FRAGMENTS)), max_size=250).map("".join)
short_texts = st.text(max_size=300)


def _result(name: str, story: str, why: str, n: int) -> Result:
    return Result(
        id=f"business-{n}-" + "x" * 100,
        name=name,
        categories=("shop=bakery",),
        lat=52.0,
        lon=5.0,
        distance_m=n * 777,
        open_now=(None, True, False)[n % 3],
        opens_at=datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam")) if n % 2 else None,
        opening=("", "open now", "opens tomorrow at 09:00")[n % 3],
        hours_raw="",
        matched=(),
        why=why,
        story=story,
        independent=True,
        tier=3,
        address=story[:50],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(texts, min_size=1, max_size=5),
    story=texts,
    why=short_texts,
    message=texts,
    lang=st.sampled_from(["nl", "en", "de", "fr"]),
)
def test_answer_message_is_valid_and_short(
    names: list[str], story: str, why: str, message: str, lang: str
) -> None:
    results = tuple(_result(name, story, why, n) for n, name in enumerate(names))
    answer = Answer("q", lang, Understood("q"), results[:3], message, more=results[3:])
    reply = answer_message(
        answer, results[:3], translator(lang), lang, token="0123456789", show_more=True, area_name=story[:80]
    )
    assert_telegram_html(reply.html)
    assert_keyboard(reply.buttons)
    for result in results[:3]:
        if result.name.strip() and "<" in result.name:
            assert "<" + result.name.strip() not in reply.html


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=texts,
    who=texts,
    how=texts,
    why=texts,
    hours=short_texts,
    website=short_texts,
    partners=st.lists(texts, max_size=6),
    photo=st.sampled_from(["", "AgACAgQAAxkBAAI", "https://example.org/p.jpg"]),
)
def test_story_card_is_valid_and_short(
    name: str, who: str, how: str, why: str, hours: str, website: str, partners: list[str], photo: str
) -> None:
    business = BusinessView(
        id="b" * 120,
        name=name,
        categories=("shop=bakery",),
        lat=52.0,
        lon=5.0,
        address=why[:300],
        opening_hours=hours,
        phone=hours[:60],
        website=website,
        story_who=who,
        story_how=how,
        story_why=why,
        photo=photo,
    )
    replies = story_replies(business, translator("fr"), partners)
    assert replies
    for reply in replies:
        if isinstance(reply, SendPhoto):
            assert reply.photo_ref == photo
            assert_telegram_html(reply.caption_html, CAPTION_LIMIT)
        else:
            assert isinstance(reply, SendText)
            assert_telegram_html(reply.html)
        assert_keyboard(reply.buttons)


@settings(max_examples=60, deadline=None)
@given(name=texts, story=texts, why=short_texts, link=short_texts)
def test_inline_card_is_valid(name: str, story: str, why: str, link: str) -> None:
    card = inline_card(_result(name, story, why, 1), translator("de"), "de", "https://t.me/bot?start=" + link)
    assert_telegram_html(card)


@given(text=texts, limit=st.integers(min_value=1, max_value=500))
def test_clip_never_cuts_an_entity_and_keeps_the_limit(text: str, limit: int) -> None:
    clipped = clip(text, limit)
    assert telegram_html_problems(clipped) == []
    assert utf16_len(clipped) <= limit
    assert clean(text).startswith(html.unescape(clipped).removesuffix("…"))


def test_clip_keeps_short_text_whole_and_escaped() -> None:
    assert clip("Bakker & <Zn>", 100) == "Bakker &amp; &lt;Zn&gt;"
    assert clip("a&b" * 10, 12) == "a&amp;ba…"
    assert clip("x\x00y\u202e z", 100) == "xy z"


def test_join_blocks_leaves_out_whole_blocks() -> None:
    blocks = ["<b>one</b>", "<i>" + "x" * 50 + "</i>", "<b>three</b>"]
    joined = join_blocks(blocks, limit=30)
    assert joined == "<b>one</b>\n<b>three</b>"


def test_huge_inputs_stay_within_limits() -> None:
    huge = "&<👩‍👩‍👧>" * 2000
    results = tuple(_result(huge, huge, huge, n) for n in range(5))
    answer = Answer("q", "nl", Understood("q"), results[:3], huge, more=results[3:])
    reply = answer_message(
        answer, results[:3], translator("nl"), "nl", token="t", show_more=True, area_name=huge
    )
    assert_telegram_html(reply.html)
    assert reply.html.count("<b>") >= 3, "every result still shows, with clipped texts"
    business = BusinessView(
        id="b",
        name=huge,
        categories=(),
        lat=0,
        lon=0,
        story_who=huge,
        story_how=huge,
        story_why=huge,
        address=huge,
        opening_hours=huge,
        phone=huge,
        website=huge,
        photo="p",
    )
    for reply_ in story_replies(business, translator("en"), [huge] * 10):
        markup = reply_.caption_html if isinstance(reply_, SendPhoto) else reply_.html
        assert_telegram_html(markup, CAPTION_LIMIT if isinstance(reply_, SendPhoto) else TEXT_LIMIT)
        assert "<blockquote expandable>" in markup or isinstance(reply_, SendPhoto)
    card = story_replies(business, translator("en"), [huge] * 10)[-1]
    assert isinstance(card, SendText)
    for label in ("Opening hours", "Address", "Phone", "Website", "Pairs well with"):
        assert label in card.html, f"even the longest card keeps {label}"
