"""An update python-telegram-bot cannot read is skipped by its id: the bot answers the next
message, getUpdates moves past it (the webhook answers it 200), and nothing of what it held
reaches the log."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator

import aiohttp
from pydantic import SecretStr

from bot.emulator.webhook import SECRET_HEADER
from tests.e2e.test_process import free_port
from tests.e2e.test_webhook import webhook_config
from tests.harness import BotHarness

PHONE = "13800138000"
SECRET = "the-right-secret"


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


def _unread(bot: BotHarness) -> float:
    return bot.bot.application.metrics.registry.get_sample_value("pingan_unreadable_updates_total")


def _bare_updates_handled(bot: BotHarness) -> float | None:
    """Updates with no content the application handled: the unreadable ones passed on by their id."""
    return bot.bot.application.metrics.registry.get_sample_value("pingan_updates_total", {"kind": "other"})


def _nothing_of_it_logged(caplog) -> bool:
    return not [r for r in caplog.records if PHONE in r.getMessage() or PHONE in (r.exc_text or "")]


@contextlib.asynccontextmanager
async def _webhook_bot(config, clock) -> AsyncIterator[BotHarness]:
    bot = BotHarness(webhook_config(config, free_port(), secret_token=SecretStr(SECRET)), clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_by_webhook_an_unreadable_update_is_taken_by_its_id_and_the_next_message_answered(
        config, clock, emulator, make_user, caplog):
    """Telegram sends an update again until it gets a 2xx, and holds back every later one meanwhile."""
    caplog.set_level(logging.INFO)
    async with _webhook_bot(config, clock) as bot:
        resident = make_user("Alice", language_code="en")
        bad_id = emulator.inject_update(_unreadable_message(resident.chat_id))
        answer = await resident.ask("/help")
        assert "/report" in answer["text"]
        assert emulator.webhook_statuses(bad_id) == [200], "delivered once, never sent again"
        assert _unread(bot) == 1
        await emulator.wait_for(lambda: _bare_updates_handled(bot) == 1)  # in order, by its id
        assert emulator.pending_update_count == 0
    assert any(f"update {bad_id} could not be read" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
    assert _nothing_of_it_logged(caplog)


async def test_by_webhook_a_posted_unreadable_update_gets_200_and_the_good_one_after_it_is_handled(
        config, clock, emulator, make_user, caplog):
    caplog.set_level(logging.INFO)
    async with _webhook_bot(config, clock) as bot:
        alice = make_user("Alice", language_code="en")
        bad = {"update_id": 7, **_unreadable_message(alice.chat_id)}
        good = {"update_id": 8, "message": {"message_id": 2, "date": 0, "from": alice.user, "text": "/help",
                                            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                                            "chat": {"id": alice.chat_id, "type": "private"}}}
        url = emulator.webhook["url"]
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "a-wrong-secret"}):
                async with http.post(url, json=bad, headers=headers) as response:
                    assert response.status == 403
            assert _unread(bot) == 0, "refused before it was read"
            for update in (bad, good):
                async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 200
        assert "/report" in (await alice.reply())["text"]
        assert _unread(bot) == 1
        await emulator.wait_for(lambda: _bare_updates_handled(bot) == 1)
    assert _nothing_of_it_logged(caplog)


async def test_by_webhook_a_body_that_is_not_an_update_gets_200_and_is_counted(config, clock, emulator, make_user,
                                                                               caplog):
    """Without an update_id nothing can stand for it; sending it again could never help."""
    caplog.set_level(logging.INFO)
    async with _webhook_bot(config, clock) as bot:
        alice = make_user("Alice", language_code="en")
        url = emulator.webhook["url"]
        bodies = (f"My number is {PHONE}".encode(), b'{"update_id": 9, "message": ', json.dumps([PHONE]).encode())
        async with aiohttp.ClientSession() as http:
            for body in bodies:
                async with http.post(url, data=body, headers={SECRET_HEADER: SECRET,
                                                              "Content-Type": "application/json"}) as response:
                    assert response.status == 200
        assert _unread(bot) == len(bodies)
        assert "/report" in (await alice.ask("/help"))["text"]
        assert _bare_updates_handled(bot) is None, "nothing was passed on"
    assert _nothing_of_it_logged(caplog)
