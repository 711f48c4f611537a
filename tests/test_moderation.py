"""Moderation on the core: only moderators moderate, questions go to the owner and answers come back,
rejections carry the reason in the owner's language, reports stay anonymous and can be dismissed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from catalog import ownership
from catalog.models import Business, ModerationItem
from concierge.app import App
from concierge.deeplinks import short_ref
from concierge.events import AnswerCallback, Notify, SendText
from concierge.routing import Conversation
from tests.test_owner_flow import STEPS_NL, run_steps
from tests.test_owner_support import MODERATOR, Chat

pytest_plugins = ["tests.test_owner_support"]

OWNER = 901
BAKERY = "bakkerij-de-gouden-korst"


async def submitted_listing(app: App, conversation: Conversation) -> Chat:
    owner = Chat(conversation, OWNER, "nl")
    await owner.cmd("mybusiness")
    await owner.press("Nieuwe vermelding maken")
    await run_steps(owner, STEPS_NL)
    await owner.press("Insturen")
    return owner


async def test_only_moderators_see_the_queue_and_press_its_buttons(app: App) -> None:
    conversation = Conversation(app)
    await submitted_listing(app, conversation)
    intruder = Chat(conversation, OWNER, "nl")
    await intruder.cmd("moderate")
    assert "moderators" in intruder.said()
    async with app.sessions() as session:
        item = await session.scalar(select(ModerationItem).where(ModerationItem.kind == "listing"))
        assert item is not None
    for action in ("a", "r", "q"):
        replies = await intruder.data(f"mod:{action}:{item.id}")
        assert any(isinstance(r, AnswerCallback) and r.alert for r in replies)
    async with app.sessions() as session:
        business = await session.get(Business, item.business_id)
        assert business is not None and business.status == "pending"


async def test_a_question_reaches_the_owner_and_the_answer_comes_back(app: App) -> None:
    conversation = Conversation(app)
    owner = await submitted_listing(app, conversation)
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Ask the owner")
    replies = await moderator.send("Do you <b>really</b> repair bikes?")
    [question] = [r.reply for r in replies if isinstance(r, Notify) and r.chat_id == OWNER]
    assert isinstance(question, SendText)
    assert "Een moderator vraagt" in question.html and "&lt;b&gt;really&lt;/b&gt;" in question.html
    await owner.data(question.buttons[0][0].data or "")
    replies = await owner.send("Ja, al twintig jaar.")
    assert "moderators" in owner.said()
    to_moderator = [r.reply for r in replies if isinstance(r, Notify) and r.chat_id == MODERATOR]
    assert any(isinstance(r, SendText) and "al twintig jaar" in r.html for r in to_moderator)
    replayed = await Chat(conversation, 999, "en").data(question.buttons[0][0].data or "")
    assert replayed
    stranger = Chat(conversation, 999, "en")
    await stranger.data(question.buttons[0][0].data or "")
    replies = await stranger.send("I am not the owner")
    assert not any(isinstance(r, Notify) for r in replies)


async def test_a_rejected_claim_is_told_to_the_claimer_in_their_language(app: App) -> None:
    conversation = Conversation(app)
    claimer = Chat(conversation, OWNER, "fr")
    await claimer.cmd("mybusiness")
    await claimer.press("Revendiquer une fiche existante")
    await claimer.send("Gouden Korst")
    await claimer.press(1)
    await claimer.send("Je suis la boulangère, mon numéro est sur la vitrine.")
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Reject")
    replies = await moderator.send("We could not verify you.")
    [told] = [r.reply for r in replies if isinstance(r, Notify) and r.chat_id == OWNER]
    assert isinstance(told, SendText) and "n'a pas été approuvée" in told.html
    async with app.sessions() as session:
        assert await ownership.role_of(session, BAKERY, OWNER) is None


async def test_reports_are_anonymous_and_can_be_dismissed(app: App) -> None:
    conversation = Conversation(app)
    resident = Chat(conversation, 4242, "en")
    await resident.data(f"rep:{short_ref(BAKERY)}:closed")
    replies = await resident.data(f"rep:{short_ref(BAKERY)}:nonsense")
    assert any(isinstance(r, AnswerCallback) and r.text for r in replies)
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    assert "Report by a resident: closed" in moderator.said()
    await moderator.press("Dismiss")
    async with app.sessions() as session:
        item = await session.scalar(select(ModerationItem).where(ModerationItem.kind == "report"))
        assert item is not None and item.status == "dismissed" and item.requested_by is None
    assert app.search.business(BAKERY) is not None
    await moderator.cmd("moderate")
    assert "The queue is empty" in moderator.said()


async def test_a_rejected_listing_can_be_corrected_and_submitted_again(app: App) -> None:
    conversation = Conversation(app)
    owner = await submitted_listing(app, conversation)
    moderator = Chat(conversation, MODERATOR, "en")
    await moderator.cmd("moderate")
    await moderator.press("Reject")
    await moderator.send("Add your opening hours on Monday.")
    await owner.cmd("mybusiness")
    assert "Concept: niet zichtbaar" in owner.said()
    replies = await owner.press("Ter controle insturen")
    assert any(isinstance(r, Notify) and r.chat_id == MODERATOR for r in replies)
    await moderator.cmd("moderate")
    await moderator.press("Approve")
    async with app.sessions() as session:
        business = await session.scalar(select(Business).where(Business.name == "Fietsmaker Spaak"))
        assert business is not None and business.status == "published"


async def test_a_report_counts_once_per_person_business_and_day(app: App) -> None:
    day = [dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)]
    conversation = Conversation(app, clock=lambda: day[0])
    resident, neighbour = Chat(conversation, 4343, "en"), Chat(conversation, 4344, "en")
    other = "delicatessen-bellini"

    async def notices(chat: Chat, business: str, reason: str) -> int:
        replies = await chat.data(f"rep:{short_ref(business)}:{reason}")
        assert any(isinstance(r, SendText) and "A moderator will look at it" in r.html for r in replies)
        return sum(isinstance(r, Notify) for r in replies)

    assert await notices(resident, BAKERY, "closed") == 1
    for _ in range(20):  # (more presses than the flood limit would get one "slow down" instead)
        assert await notices(resident, BAKERY, "closed") == 0
    assert await notices(resident, BAKERY, "spam") == 0, "another reason is still the same report"
    assert await notices(neighbour, BAKERY, "closed") == 1
    assert await notices(resident, other, "wrong") == 1
    day[0] += dt.timedelta(days=1)
    assert await notices(resident, BAKERY, "closed") == 1, "a new day, a new report"
    async with app.sessions() as session:
        reports = list(await session.scalars(select(ModerationItem).where(ModerationItem.kind == "report")))
    assert len(reports) == 4
    assert all(item.requested_by is None and str(4343) not in (item.reporter_key or "") for item in reports)
