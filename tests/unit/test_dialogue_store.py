"""The dialogue kernel's storage: drafts in progress survive the upgrade that moved them into one
table, and each dialogue's timeout and reminder policy is applied from stored times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.services.dialogues import DialogueName, DialogueStore, TimeoutPolicy
from storage.db import Database
from storage.migrate import apply_migrations, available_migrations

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICIES = {
    DialogueName.REPORT: TimeoutPolicy(expires_after=timedelta(hours=24), remind_after=timedelta(minutes=30),
                                       closes_its_case=True),
    DialogueName.ADDITION: TimeoutPolicy(expires_after=timedelta(hours=24)),
    DialogueName.ALERT: TimeoutPolicy(expires_after=timedelta(hours=24)),
    DialogueName.TIP: TimeoutPolicy(expires_after=timedelta(hours=24)),
    DialogueName.SCHEDULE: TimeoutPolicy(expires_after=timedelta(minutes=15), tell_when_timed_out=True),
}


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "dialogues.db")
    yield database
    await database.close()


@pytest.fixture
async def store(db):
    await apply_migrations(db)
    await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, 'x', 'x')")
    clock = ManualClock(START)
    return DialogueStore(db, clock, POLICIES), clock


async def test_drafts_in_progress_survive_the_upgrade(db):
    before = [m for m in available_migrations() if m.version < 9]
    await apply_migrations(db, before)
    at = START.isoformat()
    await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, 'x', 'x')")
    await db.execute(
        """INSERT INTO drafts (user_id, purpose, step, history, data, editing, started_at, updated_at)
           VALUES (7, 'report', 'where', '["category","urgency"]', ?, 1, ?, ?)""",
        (json.dumps({"kind": "incident", "description": "自行车被偷"}, ensure_ascii=False), at, at))
    await db.execute("""INSERT INTO alert_drafts (user_id, purpose, step, data, prompt_message_id, started_at,
                        updated_at) VALUES (7, 'alert', 'text', '{"kind": "missing"}', 41, ?, ?)""", (at, at))
    await db.execute("""INSERT INTO schedule_drafts (user_id, step, data, updated_at)
                        VALUES (7, 'typing_cron', '{"content": {"theme": "loans"}}', ?)""", (at,))
    await db.execute("""INSERT INTO schedule_drafts (user_id, step, data, updated_at)
                        VALUES (99, 'typing_cron', '{}', ?)""", (at,))  # nobody we know: dropped
    await apply_migrations(db)
    store = DialogueStore(db, ManualClock(START + timedelta(minutes=1)), POLICIES)
    report = await store.get(7, DialogueName.REPORT)
    assert (report.state, report.history, report.editing) == ("where", ("category", "urgency"), True)
    assert report.data["description"] == "自行车被偷"
    alert = await store.get(7, DialogueName.ALERT)
    assert (alert.state, alert.data, alert.prompt_message_id) == ("text", {"kind": "missing"}, 41)
    schedule = await store.get(7, DialogueName.SCHEDULE)
    assert (schedule.state, schedule.data) == ("typing_cron", {"content": {"theme": "loans"}})
    assert await db.fetch_value("SELECT count(*) FROM dialogue_drafts") == 3
    for old in ("drafts", "alert_drafts", "schedule_drafts"):
        assert await db.fetch_value("SELECT count(*) FROM sqlite_master WHERE name = ?", (old,)) == 0


async def test_one_draft_per_dialogue_and_the_newest_first(store):
    store, clock = store
    await store.start(7, DialogueName.REPORT, "kind")
    clock.advance(timedelta(minutes=1))
    await store.start(7, DialogueName.ALERT, "kind")
    assert [d.dialogue for d in await store.open_drafts(7)] == ["alert", "report"]
    clock.advance(timedelta(minutes=1))
    report = await store.get(7, DialogueName.REPORT)
    await store.save(report, state="describe")
    assert [d.dialogue for d in await store.open_drafts(7)] == ["report", "alert"]


async def test_starting_one_of_an_exclusive_pair_drops_the_other(store):
    store, _clock = store
    await store.start(7, DialogueName.REPORT, "kind")
    await store.start(7, DialogueName.ADDITION, "addinfo")
    assert [d.dialogue for d in await store.open_drafts(7)] == ["addition"]


async def test_a_draft_past_its_time_is_gone_at_lookup(store):
    store, clock = store
    await store.start(7, DialogueName.REPORT, "kind")
    clock.advance(timedelta(hours=24))
    assert await store.get(7, DialogueName.REPORT) is None
    assert await store.open_drafts(7) == []


async def test_a_dialogue_that_tells_gets_its_timed_out_draft_once(store):
    store, clock = store
    await store.start(7, DialogueName.SCHEDULE, "choosing_content")
    clock.advance(timedelta(minutes=16))
    timed_out = await store.get(7, DialogueName.SCHEDULE)
    assert timed_out is not None and timed_out.timed_out
    assert await store.get(7, DialogueName.SCHEDULE) is None


async def test_an_urgent_reports_draft_is_kept_for_its_dialogue_to_close(store):
    store, clock = store
    draft = await store.start(7, DialogueName.REPORT, "describe")
    await store.save(draft, case_id=None)
    await store._db.execute("INSERT INTO cases (ref, kind, category, language, description, details, created_at, "
                            "updated_at) VALUES ('PA-2026-000001', 'incident', 'theft', 'zh', '', '{}', 'x', 'x')")
    draft = await store.save(await store.get(7, DialogueName.REPORT), case_id=1)
    clock.advance(timedelta(hours=25))
    assert (await store.get(7, DialogueName.REPORT)).case_id == 1  # not dropped at lookup
    expired = await store.expire()
    assert [(d.dialogue, d.case_id) for d in expired] == [("report", 1)]
    assert await store.get(7, DialogueName.REPORT) is not None  # kept until the dialogue closes it


async def test_the_sweep_reminds_once_and_expires_the_rest(store):
    store, clock = store
    await store.start(7, DialogueName.REPORT, "kind")
    await store.start(7, DialogueName.SCHEDULE, "choosing_content")
    clock.advance(timedelta(minutes=31))
    assert [d.dialogue for d in await store.expire()] == ["schedule"]
    assert [d.dialogue for d in await store.due_reminders()] == ["report"]
    assert await store.due_reminders() == []
    report = await store.get(7, DialogueName.REPORT)
    await store.save(report)  # an answer: the reminder may come again after another pause
    clock.advance(timedelta(minutes=31))
    assert [d.dialogue for d in await store.due_reminders()] == ["report"]
