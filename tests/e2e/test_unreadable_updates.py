"""An update python-telegram-bot cannot read is skipped by its id: the bot answers the next
message, getUpdates moves past it, and nothing of what it held reaches the log."""

from __future__ import annotations

import logging

from tests.e2e.test_process import free_port
from tests.e2e.test_webhook import webhook_config
from tests.harness import BotHarness

PHONE = "13800138000"


def _unreadable_message(chat_id: int) -> dict:
    """A message without its `date`: the library cannot build it."""
    return {"message": {"message_id": 1, "chat": {"id": chat_id, "type": "private"},
                        "text": f"My number is {PHONE}"}}


async def test_an_unreadable_update_is_skipped_and_the_next_message_answered(pingan, emulator, make_user, caplog):
    resident = make_user("Alice", language_code="en")
    caplog.set_level(logging.INFO)
    bad_id = emulator.inject_update(_unreadable_message(resident.chat_id))
    answer = await resident.ask("/help")
    assert "/report" in answer["text"]
    polls = lambda: emulator.calls_to("getUpdates")  # noqa: E731
    await emulator.wait_for(lambda: any((c.params.get("offset") or 0) > bad_id for c in polls()))
    metrics = pingan.bot.application.metrics
    assert metrics.registry.get_sample_value("pingan_unreadable_updates_total") == 1
    assert any(f"update {bad_id} could not be read" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
    assert not [r for r in caplog.records if PHONE in r.getMessage() or PHONE in (r.exc_text or "")]


async def test_an_unreadable_update_among_good_ones_skips_only_itself(pingan, emulator, make_user):
    alice, bob = make_user("Alice", language_code="en"), make_user("Bob", language_code="en")
    emulator.inject_update(_unreadable_message(alice.chat_id))
    await alice.send("/help")
    await bob.send("/help")
    assert "/report" in (await alice.reply())["text"]
    assert "/report" in (await bob.reply())["text"]
    assert pingan.bot.application.metrics.registry.get_sample_value("pingan_unreadable_updates_total") == 1


async def test_by_webhook_an_unreadable_update_is_refused_without_logging_it(config, clock, emulator, make_user,
                                                                              caplog):
    """python-telegram-bot's webhook server answers 400 to an update it cannot read (Telegram
    retries it); what it logs keeps the update out."""
    port = free_port()
    bot = BotHarness(webhook_config(config, port), clock)
    caplog.set_level(logging.INFO)
    await bot.start()
    try:
        resident = make_user("Alice", language_code="en")
        bad_id = emulator.inject_update(_unreadable_message(resident.chat_id))
        await emulator.wait_for(lambda: emulator.webhook_statuses(bad_id)[:2] == [400, 400], timeout=10)
    finally:
        await bot.stop()
    assert not [r for r in caplog.records if PHONE in r.getMessage() or PHONE in (r.exc_text or "")]
    assert any("the data is not logged" in r.getMessage() for r in caplog.records)
