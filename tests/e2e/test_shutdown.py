"""SIGTERM in the middle of a broadcast: the process stops taking updates, finishes the sends in
flight, leaves the rest queued, exits 0; the next start sends the rest, and nobody gets one twice."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from bot.clock import SystemClock
from bot.config import Settings
from bot.runtime import open_services
from storage.models import GroupKind, Role
from storage.outbox import OutboxRepo
from tests.e2e.test_process import ROOT, clean_env, spawn
from tests.harness import TOKEN

pytestmark = pytest.mark.slow  # a process, signalled mid-broadcast

GROUPS = 150


async def queue_a_broadcast(config: Settings, chat_ids: list[int]) -> None:
    """The groups as the bot knows them, and one notice for each, due now (as a schedule writes it)."""
    services = await open_services(config, SystemClock())
    now = datetime.now(UTC)
    try:
        outbox = OutboxRepo(services.db)
        for n, chat_id in enumerate(chat_ids):
            membership = await services.groups.bot_status_changed(chat_id, f"Compound {n}", "supergroup", "member",
                                                                  False, None)
            await services.groups.change(membership.group.id, 1, frozenset({Role.ADMIN}), kind=GroupKind.HOMEOWNERS)
            await outbox.add(f"notice:test:{n}", None, now, membership.group.id, chat_id, "en",
                             f"Tip number {n}", None, now, now)
    finally:
        await services.db.close()


def outbox_states(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT state, count(*) FROM notice_outbox GROUP BY state").fetchall())
    finally:
        conn.close()


async def test_sigterm_mid_broadcast_finishes_in_flight_sends_and_leaves_the_rest_for_the_next_start(
        emulator, config, tmp_path):
    chat_ids = []
    for n in range(GROUPS):
        chat = emulator.add_group(f"Compound {n}", type="supergroup")
        emulator.set_bot_rights(chat["id"], status="member")
        chat_ids.append(chat["id"])
    await queue_a_broadcast(config, chat_ids)
    env = clean_env(PINGAN_TELEGRAM__TOKEN=TOKEN, PINGAN_TELEGRAM__API_URL=emulator.base_url,
                    PINGAN_STORAGE__PATH=str(config.storage.path))

    def delivered() -> int:
        return sum(1 for chat_id in chat_ids if emulator.bot_messages(chat_id))

    first = await spawn("run", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    await emulator.wait_for(lambda: delivered() >= 10, timeout=30)
    started = time.monotonic()
    first.send_signal(signal.SIGTERM)
    _stdout, stderr = await asyncio.wait_for(first.communicate(), timeout=20)
    assert first.returncode == 0, stderr.decode()[-2000:]
    assert time.monotonic() - started < 12
    states = outbox_states(config.storage.path)
    assert "sending" not in states, "every send in flight was finished and recorded"
    assert states["sent"] == delivered() < GROUPS
    assert states["pending"] == GROUPS - states["sent"]

    second = await spawn("run", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    await emulator.wait_for(lambda: delivered() == GROUPS, timeout=30)
    second.send_signal(signal.SIGTERM)
    _stdout, stderr = await asyncio.wait_for(second.communicate(), timeout=20)
    assert second.returncode == 0, stderr.decode()[-2000:]
    assert [len(emulator.bot_messages(chat_id)) for chat_id in chat_ids] == [1] * GROUPS
    assert outbox_states(config.storage.path) == {"sent": GROUPS}
