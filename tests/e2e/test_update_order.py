"""Updates of different residents are handled side by side: one resident's slow Telegram call holds
no one else up, and each chat's updates still come in the order they were sent."""

from __future__ import annotations

import pytest

#: A send Telegram answers only after this long (within the client's 5-second read timeout).
SLOW_SEND_SECONDS = 3.0


@pytest.mark.slow
async def test_a_hanging_reply_to_one_resident_does_not_hold_another(pingan, emulator, make_user):
    alice, bob = make_user("Alice", language_code="en"), make_user("Bob", language_code="en")
    emulator.delays.delay_next("sendMessage", SLOW_SEND_SECONDS, chat_id=alice.chat_id)
    await alice.send("/help")
    await alice.send("/privacy")  # her next message waits for the first to be answered
    answer = await bob.ask("/help")
    assert "/report" in answer["text"]
    # Bob was answered while Alice's first reply was still held by Telegram.
    assert alice.pending_replies() == []
    first = await alice.reply(timeout=SLOW_SEND_SECONDS + 5)
    second = await alice.reply()
    assert first["text"] == answer["text"]  # /help's answer, then /privacy's, as she sent them
    assert second["text"] != answer["text"] and "privacy" in second["text"].lower()
