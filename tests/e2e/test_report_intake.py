"""Report intake as a resident meets it: group → private → questions → a stored case."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import STAFF_CHAT_ID
from tests.harness import button_texts, button_urls

REF = re.compile(r"PA-\d{4}-\d{6}")


@pytest.fixture
def staff_chat(emulator):
    emulator.add_group("Staff", chat_id=STAFF_CHAT_ID, members=[], admins=[])
    emulator.add_bot_to_group(STAFF_CHAT_ID, by_user_id=1, status="administrator")
    return STAFF_CHAT_ID


def kb(message):
    """Every button text of a message (inline), flattened."""
    return button_texts(message)


async def walk_incident(resident, *, urgent=False, photos=0, anonymous=True):
    """Answers every incident question in English; returns the review message."""
    kind = await resident.ask("/report")
    assert kind["text"] == "What would you like to tell us about?"
    await resident.click(kind, text="An incident: theft, fraud, danger…")
    category = await resident.reply()
    await resident.click(category, text="Theft")
    urgency = await resident.reply()
    await resident.click(urgency, text="Yes, it is happening now" if urgent else "No")
    if urgent:
        numbers = await resident.reply()
        assert "110" in numbers["text"]
    describe = await resident.reply()
    assert describe["text"].startswith("What happened?")
    photos_q = await resident.ask("My e-bike battery was taken from the shed last night.")
    for n in range(photos):
        photos_q = await resident.ask(None, photo=f"photo-{n}".encode())
    await resident.click(photos_q, text="Done" if photos else "Skip: no photos")
    keyboard_part = await resident.reply()
    assert keyboard_part["_reply_markup"]["keyboard"][0][0]["request_location"] is True
    where = await resident.reply()
    ack = await resident.ask("Building 3, bike shed")
    assert ack["text"] == "Thank you, noted."
    when = await resident.reply()
    await resident.click(when, text="Yesterday")
    await resident.reply()  # reply keyboard: share phone
    contact = await resident.reply()
    if anonymous:
        await resident.click(contact, text="Stay anonymous")
    else:
        ack = await resident.ask("138 0013 8000")
        assert ack["text"] == "Thank you, noted."
        return await resident.reply()
    return await resident.reply()


async def test_incident_from_private_chat_to_stored_case(pingan, make_user, staff_chat, emulator):
    resident = make_user("Alice", language_code="en")
    review = await walk_incident(resident, photos=2, anonymous=False)
    assert review["text"].startswith("Please check your report")
    assert "Theft" in review["text"] and "Building 3, bike shed" in review["text"]
    assert "+8613800138000" in review["text"] and "Photos: 2" in review["text"]
    await resident.click(review, text="✅ Send the report")
    done = await resident.reply()
    ref = REF.search(done["text"]).group(0)
    assert "within 1 day" in done["text"]
    case = (await pingan.services.reports.cases_of(resident.user_id))[0]
    assert case.ref == ref and case.kind == "incident" and case.category == "theft"
    assert case.details["where"] == {"address": "Building 3, bike shed"}
    assert [m.media_type for m in await pingan.services.reports.media_of(case.id)] == ["photo", "photo"]
    card = await emulator.wait_for(lambda: [m for m in emulator.bot_messages(staff_chat) if ref in (m.get("text") or "")])
    assert "+8613800138000" not in card[0]["text"]  # contact only behind the button
    assert kb(card[0]) == ["📞 举报人联系方式（仅限工作人员）"]


async def test_report_in_group_moves_to_private_without_echo(pingan, make_user, emulator):
    resident = make_user("李华")
    group = emulator.add_group("阳光花园业主群", members=[resident.user_id])
    emulator.add_bot_to_group(group["id"], by_user_id=resident.user_id)
    in_group = resident.in_chat(group["id"])
    reply = await in_group.ask("/report@pingan_test_bot 我的电动车电瓶被偷了")
    assert "电瓶" not in reply["text"]
    (url,) = button_urls(reply)
    assert url.startswith("https://t.me/pingan_test_bot?start=rep_")
    payload = url.split("start=")[1]
    first = await resident.ask(f"/start {payload}")
    assert first["text"] == "您想告诉我们什么？"
    draft = await pingan.services.intake.draft(resident.user_id)
    group_record = await pingan.services.groups.by_chat_id(group["id"])
    assert draft.origin_group_id == group_record.id
    assert len(emulator.bot_messages(group["id"])) == 1


async def test_restart_mid_dialogue_loses_nothing(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    kind = await resident.ask("/report")
    await resident.click(kind, text="An incident: theft, fraud, danger…")
    category = await resident.reply()
    await resident.click(category, text="Fraud or attempted fraud")
    urgency = await resident.reply()
    await resident.click(urgency, text="No")
    await resident.reply()
    await pingan.restart()
    photos = await resident.ask("Someone called pretending to be from the police and asked for a transfer.")
    assert photos["text"].startswith("Do you have photos?")
    draft = await pingan.services.intake.draft(resident.user_id)
    assert draft.data["category"] == "fraud" and draft.data["description"].startswith("Someone called")


async def test_wrong_inputs_get_explained_and_the_question_repeated(pingan, make_user):
    resident = make_user("Alice", language_code="en")
    kind = await resident.ask("/report")
    reply = await resident.ask("incident please")
    assert reply["text"].startswith("Please answer with one of the buttons below.")
    assert "What would you like to tell us about?" in reply["text"]
    await resident.click(reply, text="An incident: theft, fraud, danger…")
    category = await resident.reply()
    await resident.click(category, text="Theft")
    urgency = await resident.reply()
    await resident.click(urgency, text="No")
    await resident.reply()
    reply = await resident.ask(sticker=True)
    assert reply["text"].startswith("Please write your answer, or send a voice message.")
    reply = await resident.ask("x" * 2001)
    assert "That is 2001 characters" in reply["text"]
    draft = await pingan.services.intake.draft(resident.user_id)
    assert draft.data["category"] == "theft"  # nothing earlier was lost
    assert kind["message_id"] < reply["message_id"]
