"""Migration 0015: the cards posted before several chats existed are kept, and recorded in the
default staff chat at the next start."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.services.case_cards import CaseCards
from storage.db import Database
from storage.migrate import apply_migrations, available_migrations

STAFF_CHAT = -100


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "test.db")
    yield database
    await database.close()


async def test_cards_from_before_0015_are_kept_and_adopted_by_the_staff_chat(db):
    before = [m for m in available_migrations() if m.version < 15]
    await apply_migrations(db, before)
    for number, message_id in ((1, 77), (2, None)):
        await db.execute(
            """INSERT INTO cases (ref, kind, category, language, staff_message_id, created_at, updated_at)
               VALUES (?, 'incident', 'theft', 'zh', ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')""",
            (f"PA-2026-00000{number}", message_id))
    await apply_migrations(db)
    cards = CaseCards(db, ManualClock())
    assert await cards.posted(1) == []  # its chat is known only from the config
    await cards.adopt_unknown_chat(None)  # no staff chat configured: kept as it is
    await cards.adopt_unknown_chat(STAFF_CHAT)
    (card,) = await cards.posted(1)
    assert (card.chat_id, card.message_id, card.kind) == (STAFF_CHAT, 77, "staff")
    assert await cards.posted(2) == []
    await cards.adopt_unknown_chat(STAFF_CHAT)  # the next start changes nothing
    assert [c.message_id for c in await cards.posted(1)] == [77]
    await cards.record(1, -200, 5, "level")
    await cards.record(1, -200, 6, "level")  # posted again in that chat: the new message counts
    assert [(c.chat_id, c.message_id) for c in await cards.posted(1)] == [(STAFF_CHAT, 77), (-200, 6)]
    assert (await cards.staff_card(1)).message_id == 77
