"""A broadcast killed mid-way: only the rows whose request may have reached Telegram are uncertain;
rows still waiting for the rate limiter stay pending and go out after the restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.ext import ExtBot

from bot.clock import ManualClock
from bot.sender import PacedRateLimiter, TelegramSender
from bot.services.groups import GroupService
from bot.services.outbox import OutboxDispatcher
from storage.db import Database
from storage.migrate import apply_migrations
from storage.outbox import OutboxRepo
from tests.harness import TOKEN

GROUPS = 40


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "outbox.db")
    await apply_migrations(database)
    yield database
    await database.close()


async def _broadcast_rows(db: Database, emulator, clock: ManualClock) -> None:
    groups = GroupService(db, clock)
    outbox = OutboxRepo(db)
    now = clock.now()
    for n in range(GROUPS):
        chat = emulator.add_group(f"Group {n}")
        emulator.add_bot_to_group(chat["id"], by_user_id=1)
        await groups.bot_status_changed(chat["id"], chat["title"], "supergroup", "member", False, None)
        group = await groups.by_chat_id(chat["id"])
        await outbox.add(f"notice:tip:{n}", None, now, group.id, chat["id"], "zh", f"tip {n}", None, now, now)


async def test_a_crash_mid_broadcast_leaves_only_requests_in_flight_uncertain(db, emulator, clock):
    await _broadcast_rows(db, emulator, clock)
    # Five a second, so that at any moment most of the eight workers are waiting for a slot.
    bot = ExtBot(TOKEN, base_url=emulator.base_url + "/bot", rate_limiter=PacedRateLimiter(per_second=5))
    await bot.initialize()
    try:
        dispatcher = OutboxDispatcher(db, clock, grace=timedelta(hours=1), sender=TelegramSender(bot), workers=8)
        run = asyncio.create_task(dispatcher.deliver_due())
        await emulator.wait_for(lambda: len(emulator.calls_to("sendMessage")) >= 5, timeout=10)
        run.cancel()  # the kill: nothing after this point runs
        with pytest.raises(asyncio.CancelledError):
            await run
    finally:
        await bot.shutdown()
    sent_requests = len(emulator.calls_to("sendMessage"))
    counts = await OutboxRepo(db).counts()
    assert counts["sending"] <= 1  # at most the one request on its way
    assert counts["sent"] + counts["sending"] <= sent_requests + 1
    after_restart = OutboxDispatcher(db, clock, grace=timedelta(hours=1), workers=8)
    report = await after_restart.recover()
    assert report.uncertain == counts["sending"]
    assert (await OutboxRepo(db).counts())["pending"] >= GROUPS - sent_requests - 1
