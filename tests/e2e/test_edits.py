"""Edited and split messages in the report dialogue (issue 12): an edit corrects the answer it had
given (never the question now asked), an edit after sending reaches the case, a text Telegram
split in two is checked as one, and a photo's caption counts where text is asked."""

from __future__ import annotations

import pytest

from bot.services.dialogues import DialogueName
from tests.conftest import STAFF_CHAT_ID
from tests.flows import start_incident, submit, walk_incident
from tests.harness import button_texts

DESCRIPTION = "My e-bike battery was taken from the shed last night."


async def _draft(pingan, resident):
    return await pingan.services.dialogues.get(resident.user_id, DialogueName.REPORT)


async def test_an_edit_of_an_earlier_answer_corrects_it_and_leaves_the_question(pingan, make_user, emulator):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    described = await resident.send("My bike was stolen")
    photos_q = await resident.reply()
    assert photos_q["text"].startswith("Do you have photos?")
    emulator.user_edits(resident.user_id, resident.chat_id, described["message_id"],
                        "My red bike was stolen from the shed <b>at night</b> & the lock cut")
    told = await resident.reply()
    assert told["text"] == ("Thank you: your answer to “What happened” is updated. You can go on with the "
                            "question below.")
    draft = await _draft(pingan, resident)
    assert draft.state == "photos"
    assert draft.data["description"] == "My red bike was stolen from the shed <b>at night</b> & the lock cut"
    assert resident.pending_replies() == []  # the photos question is not asked again


async def test_an_edit_is_never_the_answer_to_the_question_now_asked(pingan, make_user, emulator):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    refused = await resident.send("x" * 2500)
    assert (await resident.reply())["text"] == "Your text, to copy and shorten:"
    assert (await resident.reply())["text"] == "x" * 2500
    assert "2500 characters" in (await resident.reply())["text"]
    emulator.user_edits(resident.user_id, resident.chat_id, refused["message_id"], "A short description")
    told = await resident.reply()
    assert "An edit is not taken as an answer" in told["text"]
    draft = await _draft(pingan, resident)
    assert draft.state == "describe" and "description" not in draft.data


async def test_an_edit_after_sending_is_added_to_the_case(pingan, make_user, emulator, staff_chat):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    described = await resident.send(DESCRIPTION)
    await resident.reply()
    await pingan.services.dialogues.drop(resident.user_id, DialogueName.REPORT)  # walk again from the start
    review = await walk_incident(resident)
    ref = await submit(resident, review)
    # The first walk's message led nowhere (that report was dropped): its edit changes nothing.
    emulator.user_edits(resident.user_id, resident.chat_id, described["message_id"], "Changed")
    description_msg = next(m for m in emulator.chat_messages(resident.chat_id)
                           if not m["_from_bot"] and m.get("text") == DESCRIPTION and m["message_id"] !=
                           described["message_id"])
    emulator.user_edits(resident.user_id, resident.chat_id, description_msg["message_id"],
                        "The battery AND the charger were taken")
    told = await resident.reply()
    assert told["text"].startswith("Thank you: your correction to “What happened” is added to report " + ref)
    case = await pingan.services.cases.by_ref(ref)
    assert "case.info_added" in [entry.action for entry in await pingan.services.reports.audit_of(case.id)]
    posted = [m for m in emulator.bot_messages(STAFF_CHAT_ID) if "The battery AND the charger" in (m.get("text") or "")]
    assert posted and "corrected “What happened”" in posted[-1]["text"]
    assert resident.pending_replies() == []  # the first walk's edit got no answer


@pytest.mark.slow
async def test_a_text_telegram_split_in_two_is_checked_as_one(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    await resident.send("a" * 4096)
    await resident.send("b" * 900)
    assert (await resident.reply())["text"] == "Your text, to copy and shorten:"
    given_back = [await resident.reply(), await resident.reply()]
    assert "".join(m["text"] for m in given_back) == "a" * 4096 + "b" * 900
    assert "4996 characters" in (await resident.reply())["text"]
    draft = await _draft(pingan, resident)
    assert draft.state == "describe" and draft.held_text is None


@pytest.mark.slow
async def test_one_long_text_alone_is_answered_once_the_moment_passes(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    await resident.send("c" * 4050)
    assert (await resident.reply(timeout=8))["text"] == "Your text, to copy and shorten:"
    assert (await resident.reply())["text"] == "c" * 4000
    assert (await resident.reply())["text"] == "c" * 50
    assert "4050 characters" in (await resident.reply())["text"]


async def test_a_photo_with_its_caption_answers_what_happened(pingan, make_user):
    resident = make_user("Li Hua", language_code="en")
    await start_incident(resident)
    photos_q = await resident.ask(None, photo=b"window", caption="The ground-floor window was smashed")
    assert photos_q["text"].startswith("Photo received (1 of at most 5)")
    draft = await _draft(pingan, resident)
    assert draft.data["description"] == "The ground-floor window was smashed"
    assert len(draft.data["photos"]) == 1


@pytest.mark.slow
async def test_an_alert_text_telegram_split_is_refused_once_and_given_back_whole(pingan, admin):
    kinds = await admin.ask("/alert")
    await admin.click(kinds, text="missing person")
    await admin.reply()  # "Type the alert as residents should read it …"
    await admin.send("a" * 4096)
    await admin.send("b" * 100)
    refused = await admin.reply()
    assert "700 characters" in refused["text"]
    given_back = [await admin.reply(), await admin.reply()]
    assert "".join(m["text"] for m in given_back) == "a" * 4096 + "b" * 100
    draft = await pingan.services.dialogues.get(admin.user_id, DialogueName.ALERT)
    assert draft.state == "text" and "text" not in draft.data


async def test_an_edit_of_added_information_reaches_the_case(pingan, make_user, emulator, staff_chat):
    resident = make_user("Li Hua", language_code="en")
    ref = await submit(resident, await walk_incident(resident))
    listing = await resident.ask("/myreports")
    await resident.click(listing, text=button_texts(listing)[0])
    await resident.click(resident.current(listing), text="➕ Add information")
    await resident.reply()  # "send what you want to add"
    added = await resident.send("The thief wore a red cap")
    await resident.reply()  # "Added to …"
    emulator.user_edits(resident.user_id, resident.chat_id, added["message_id"], "The thief wore a blue cap")
    told = await resident.reply()
    assert told["text"].startswith("Thank you: your correction to “the information you added” is added to report "
                                   + ref)


async def test_an_edited_command_does_not_run_again(pingan, make_user, emulator):
    resident = make_user("Li Hua", language_code="en")
    command = await resident.send("/report")
    await resident.reply()
    emulator.user_edits(resident.user_id, resident.chat_id, command["message_id"], "/report now")
    listing = (await resident.ask("/myreports"))["text"]  # the report started is in progress, nothing more
    assert listing.startswith("You have a report you have not sent yet")
    assert "You have not sent any reports yet" in listing
    assert resident.pending_replies() == []
