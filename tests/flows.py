"""A resident's way through the report dialogue, step by step, for tests and benchmarks.

Each walker answers like a person (buttons pressed by their English text, answers typed) and
checks the questions it meets, so a test reads as the path it takes.
"""

from __future__ import annotations

import re

from tests.harness import STAFF_CHAT_ID, UserClient, button_texts

REF = re.compile(r"PA-\d{4}-\d{6}")
NOTED = "Thank you, noted."


async def start_incident(resident: UserClient, *, category: str = "Theft", urgent: bool = False) -> dict:
    """/report → incident → category → urgency; returns the "What happened?" question."""
    kind = await resident.ask("/report")
    assert kind["text"] == "What would you like to tell us about?"
    await resident.click(kind, text="An incident: theft, fraud, danger…")
    await resident.click(await resident.reply(), text=category)
    await resident.click(await resident.reply(), text="Yes, it is happening now" if urgent else "No")
    if urgent:
        assert "call now" in (await resident.reply())["text"]
    describe = await resident.reply()
    assert describe["text"].startswith("What happened?")
    return describe


async def walk_incident(resident: UserClient, *, category: str = "Theft", urgent: bool = False,
                        description: str | None = "My e-bike battery was taken from the shed last night.",
                        voice: bytes | None = None, photos: int = 0, where: str = "Building 3, bike shed",
                        where_button: str | None = None, location: tuple[float, float] | None = None,
                        when: str = "Yesterday", phone: str | None = None) -> dict:
    """Answers every incident question (in English); returns the review message.

    `where_button` presses a compound (or "Skip this question") instead of typing `where`;
    `phone` types a number instead of staying anonymous.
    """
    await start_incident(resident, category=category, urgent=urgent)
    photos_q = await resident.ask(None, voice=voice) if voice else await resident.ask(description)
    for n in range(photos):
        photos_q = await resident.ask(None, photo=f"photo-{n}".encode())
    await resident.click(photos_q, text="Done" if photos else "Skip: no photos")
    keyboard_part = await resident.reply()
    assert keyboard_part["_reply_markup"]["keyboard"][0][0]["request_location"] is True
    where_q = await resident.reply()
    assert "« Back" in button_texts(where_q) and "✖ Cancel" in button_texts(where_q)
    if location is not None:
        await resident.send(None, location=location)
    elif where_button is not None:
        await resident.click(where_q, text=where_button)
    else:
        await resident.send(where)
    assert (await resident.reply())["text"] == NOTED
    if not urgent:  # happening now answers "when?" itself
        await resident.click(await resident.reply(), text=when)
    await resident.reply()  # the reply keyboard with the share-phone button
    contact = await resident.reply()
    if phone is None:
        await resident.click(contact, text="Stay anonymous")
    else:
        await resident.send(phone)
    assert (await resident.reply())["text"] == NOTED
    review = await resident.reply()
    assert review["text"].startswith("Please check your report")
    return review


async def walk_dispute(resident: UserClient, *, willing: bool = True) -> dict:
    """Answers the dispute questions up to the contact step; returns that step's question."""
    kind = await resident.ask("/report")
    await resident.click(kind, text="A dispute: neighbours, fees, family…")
    await resident.click(await resident.reply(), text="Neighbours: noise")
    party = await resident.reply()
    assert party["text"].startswith("Who is the other party?")
    describe = await resident.ask("Upstairs neighbour in 3-502")
    assert describe["text"].startswith("What happened between you")
    photos = await resident.ask("Loud music every night after midnight.")
    await resident.click(photos, text="Skip: no photos")
    await resident.reply()  # the reply keyboard with the share-location button
    await resident.click(await resident.reply(), text="Skip this question")
    await resident.reply()  # "Thank you, noted.", taking the keyboard away
    history = await resident.reply()
    assert history["text"].startswith("How long has this been going on")
    outcome = await resident.ask("About three months. I talked to them twice and to the property office.")
    assert outcome["text"].startswith("What outcome would you like?")
    mediation = await resident.ask("Quiet after 22:00.")
    await resident.click(mediation, text="Yes, I am willing" if willing else "No")
    if willing:
        times = await resident.reply()
        await resident.click(times, text="Weekends")
        assert "✓ Weekends" in button_texts(resident.current(times))
        await resident.click(times, text="Weekday evenings")
        await resident.click(times, text="Done")
    await resident.reply()  # the reply keyboard with the share-phone button
    contact = await resident.reply()
    assert "Stay anonymous" not in button_texts(contact)
    return contact


async def submit(resident: UserClient, review: dict, *, card_in: int | None = STAFF_CHAT_ID) -> str:
    """Sends the reviewed report; returns its reference once the resident has the confirmation
    and, if the emulator has the staff chat `card_in` (a test with staff), the case's card is in
    it. The press is answered as soon as the report is stored, and the card and the confirmation
    then go out side by side."""
    await resident.click(review, text="✅ Send the report")
    ref = REF.search((await resident.reply())["text"]).group(0)
    if card_in is not None and card_in in resident.emulator.chats:
        await card_posted(resident.emulator, card_in, ref)
    return ref


async def card_posted(emulator, chat_id: int, ref: str) -> dict:
    """The case's card in that staff chat, once it is there."""
    return await emulator.wait_for(lambda: next(
        (m for m in emulator.bot_messages(chat_id) if ref in (m.get("text") or "")), None))


async def join_group(resident: UserClient, title: str = "阳光花园业主群") -> UserClient:
    """A new group with `resident` in it, the bot added by them and its greeting out; returns the
    resident as they speak in that group."""
    emulator = resident.emulator
    group = emulator.add_group(title, members=[resident.user_id])
    emulator.add_bot_to_group(group["id"], by_user_id=resident.user_id)
    await emulator.wait_for(lambda: emulator.bot_messages(group["id"]))  # the greeting: the join is recorded
    return resident.in_chat(group["id"])
