"""Calls that only tidy up (taking the buttons off an answered question) never hold a resident up:
a 5xx there, or a request that hangs, and the next question still comes."""

from __future__ import annotations

import time

import pytest

from tests.flows import start_incident

PHOTOS_QUESTION = "Do you have photos?"


async def test_a_5xx_while_removing_the_previous_buttons_does_not_strand_the_resident(pingan, make_user, emulator):
    resident = make_user("Alice", language_code="en")
    await start_incident(resident)
    emulator.fail_next("editMessageReplyMarkup", 500, chat_id=resident.chat_id)
    photos = await resident.ask("My e-bike battery was taken from the shed last night.")
    assert photos["text"].startswith(PHOTOS_QUESTION)
    assert [c for c in emulator.calls_to("editMessageReplyMarkup") if c.error_code == 500]
    draft = await pingan.services.intake.draft(resident.user_id)
    assert draft.data["description"].startswith("My e-bike battery")
    await resident.click(photos, text="Skip: no photos")  # and the dialogue goes on
    assert (await resident.reply())["_reply_markup"]["keyboard"][0][0]["request_location"] is True


@pytest.mark.slow
async def test_a_hanging_button_removal_does_not_hold_the_next_question(pingan, make_user, emulator):
    resident = make_user("Alice", language_code="en")
    await start_incident(resident)
    emulator.delays.delay_next("editMessageReplyMarkup", 6.0, chat_id=resident.chat_id)
    started = time.monotonic()
    photos = await resident.ask("My e-bike battery was taken from the shed last night.")
    assert photos["text"].startswith(PHOTOS_QUESTION)
    assert time.monotonic() - started < 2.0  # not the read timeout's 5 seconds, nor the 6 of the hang
