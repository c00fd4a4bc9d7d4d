"""Scheduled notices on a temporary database with a ManualClock and a fake Sender: occurrences,
rotation, quiet hours, pause, the grace window, the outbox's crash cases and send outcomes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.config_notices import NoticeSettings, ScheduleContent, ScheduleTargets
from bot.services.groups import GroupService
from bot.services.notice_texts import NoticeTexts
from bot.services.notices import NoticeService, end_of_quiet, next_fire_times, outbox_key
from bot.services.outbox import SendResult, SendStatus
from storage.db import Database
from storage.migrate import apply_migrations
from storage.models import GroupKind, OutboxState, Role
from storage.outbox import OutboxRepo

ADMIN = frozenset({Role.ADMIN})
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def library(**overrides) -> NoticeSettings:
    data = {
        "grace_minutes": 60,
        "duty_phone": "0851-110",
        "themes": {
            "loans": {"title": {"zh": "网贷诈骗", "en": "Loan scams"},
                      "tips": [{"zh": f"贷款提示{i}", "en": f"Loan tip {i} <b>&"} for i in range(4)]},
            "refunds": {"title": {"zh": "退款诈骗", "en": "Refund scams"},
                        "tips": [{"zh": f"退款提示{i}", "en": f"Refund tip {i}"} for i in range(3)]},
        },
        "patrol_templates": {"night": {"zh": "{area}今晚{patrol_time}巡逻，电话{duty_phone}",
                                       "en": "{area}: patrol tonight {patrol_time}, call {duty_phone}"}},
        "theme_calendar": {3: "refunds", 4: "loans"},
    }
    data.update(overrides)
    return NoticeSettings.model_validate(data)


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.script: dict[int, list[SendResult]] = {}  # chat id -> results to give first

    async def send_notice(self, chat_id: int, html_text: str, image: str | None) -> SendResult:
        queued = self.script.get(chat_id)
        if queued:
            result = queued.pop(0)
            if result.status is SendStatus.SENT:
                self.sent.append((chat_id, html_text))
            return result
        self.sent.append((chat_id, html_text))
        return SendResult(SendStatus.SENT, message_id=len(self.sent))

    def texts_to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


class World:
    def __init__(self, db: Database, clock: ManualClock, settings: NoticeSettings) -> None:
        self.db, self.clock = db, clock
        self.groups = GroupService(db, clock)
        self.sender = FakeSender()
        self.settings = settings
        self.notices = self._service()

    def _service(self) -> NoticeService:
        texts = NoticeTexts(self.settings, self.clock, timezone="Asia/Shanghai")
        return NoticeService(self.db, self.clock, texts, timezone="Asia/Shanghai",
                             default_language="zh", groups=self.groups, sender=self.sender)

    def restart(self) -> NoticeService:
        self.notices = self._service()
        return self.notices

    async def group(self, chat_id: int, kind: GroupKind, area: str, language: str = "zh", **settings):
        await self.groups.bot_status_changed(chat_id, f"Group {chat_id}", "supergroup", "member", False, None)
        group = await self.groups.by_chat_id(chat_id)
        return await self.groups.change(group.id, 1, ADMIN, kind=kind, area=area, language=language, **settings)

    async def at(self, moment: datetime):
        self.clock.set(moment)
        return await self.notices.run_due(moment)


@pytest.fixture
async def world(tmp_path):
    db = await Database.open(tmp_path / "notices.db")
    await apply_migrations(db)
    yield World(db, ManualClock(START), library())
    await db.close()


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A March 2026 time in Shanghai (UTC+8), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def add(world, cron, *, theme=None, template=None, params=None, kinds=(), areas=(), calendar=False):
    content = ScheduleContent(theme=theme, patrol_template=template, params=params or {}, theme_calendar=calendar)
    return await world.notices.add_schedule(1, ADMIN, cron, ScheduleTargets(kinds=list(kinds), areas=list(areas)),
                                            content)


# --- occurrences ---------------------------------------------------------------------------------

def test_next_fire_times_use_the_schedules_time_zone():
    times = next_fire_times("0 21 * * *", "Asia/Shanghai", START, 3)
    assert times == [shanghai(2, 21), shanghai(3, 21), shanghai(4, 21)]
    assert next_fire_times("0 21 * * *", "Asia/Shanghai", shanghai(2, 21), 1) == [shanghai(3, 21)]


def test_quiet_hours_wrap_midnight():
    from datetime import time
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    assert end_of_quiet(shanghai(2, 23), time(22), time(7), tz) == shanghai(3, 7)
    assert end_of_quiet(shanghai(3, 5), time(22), time(7), tz) == shanghai(3, 7)
    assert end_of_quiet(shanghai(3, 8), time(22), time(7), tz) == shanghai(3, 8)
    assert end_of_quiet(shanghai(3, 13), time(12), time(14), tz) == shanghai(3, 14)


async def test_a_schedule_fires_for_its_target_groups_only_in_their_language(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "Riverside")
    await world.group(-102, GroupKind.HOMEOWNERS, "Riverside", language="en")
    await world.group(-103, GroupKind.HOMEOWNERS, "Hillside")
    await world.group(-104, GroupKind.SHOP, "Riverside")
    await add(world, "0 21 * * *", template="night", params={"patrol_time": "21:00-02:00"},
              kinds=[GroupKind.HOMEOWNERS], areas=["Riverside"])
    report = await world.at(shanghai(2, 20, 59))
    assert report.queued == 0 and world.sender.sent == []
    report = await world.at(shanghai(2, 21, 0))
    assert report.queued == 2 and report.delivery.sent == 2
    assert world.sender.texts_to(-101) == ["<b>巡逻通知</b>\n\nRiverside今晚21:00-02:00巡逻，电话0851-110"]
    assert world.sender.texts_to(-102)[0].startswith("<b>Patrol notice</b>\n\nRiverside: patrol tonight")
    assert world.sender.texts_to(-103) == [] and world.sender.texts_to(-104) == []
    # Running again at the same moment (or a second timer) sends nothing twice.
    await world.at(shanghai(2, 21, 1))
    assert len(world.sender.sent) == 2


async def test_first_occurrence_is_after_creation_no_catch_up(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A")
    world.clock.set(shanghai(2, 21, 30))  # created after today's 21:00
    await add(world, "0 21 * * *", theme="loans")
    await world.at(shanghai(2, 22, 0))
    assert world.sender.sent == []
    await world.at(shanghai(3, 21, 0))
    assert len(world.sender.sent) == 1


async def test_rotation_gives_every_tip_before_any_repeat(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A", language="en")
    await world.group(-102, GroupKind.VILLAGE, "B")
    await add(world, "0 10 * * *", theme="loans")
    for day in range(3, 12):  # nine runs over four tips
        await world.at(shanghai(day, 10))
    for chat_id in (-101, -102):
        tips = [text.split("\n\n")[1] for text in world.sender.texts_to(chat_id)]
        assert len(tips) == 9
        assert len(set(tips[:4])) == 4 and len(set(tips[4:8])) == 4, tips
    # Escaped, so a tip with markup never breaks a send.
    assert "Loan tip 0 &lt;b&gt;&amp;" in world.sender.texts_to(-101)[0]


async def test_theme_calendar_follows_the_month(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A", language="en")
    await add(world, "0 10 * * *", calendar=True)
    await world.at(shanghai(3, 10))
    world.clock.set(datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    await world.notices.run_due(world.clock.now())
    texts = world.sender.texts_to(-101)
    assert "Refund scams" in texts[0] and "Loan scams" in texts[-1]


async def test_quiet_hours_defer_to_their_end(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A", quiet_start="22:00", quiet_end="07:00")
    await world.group(-102, GroupKind.HOMEOWNERS, "B")
    await add(world, "30 22 * * *", theme="loans")
    await world.at(shanghai(2, 22, 30))
    assert world.sender.texts_to(-101) == [] and len(world.sender.texts_to(-102)) == 1
    assert await world.notices.next_wake() == shanghai(3, 7)
    await world.at(shanghai(3, 6, 59))
    assert world.sender.texts_to(-101) == []
    await world.at(shanghai(3, 7, 0))
    assert len(world.sender.texts_to(-101)) == 1


async def test_deployment_quiet_hours_apply_when_the_group_has_none(world):
    world.settings = library(quiet_hours={"start": "21:00", "end": "08:00"})
    world.restart()
    await world.group(-101, GroupKind.HOMEOWNERS, "A")
    await add(world, "0 23 * * *", theme="loans")
    await world.at(shanghai(2, 23))
    assert world.sender.sent == []
    await world.at(shanghai(3, 8))
    assert len(world.sender.sent) == 1


async def test_paused_group_and_paused_schedule_get_nothing(world):
    paused = await world.group(-101, GroupKind.HOMEOWNERS, "A")
    await world.groups.change(paused.id, 1, ADMIN, notices_paused=True)
    await world.group(-102, GroupKind.HOMEOWNERS, "A")
    schedule = await add(world, "0 10 * * *", theme="loans")
    await world.at(shanghai(3, 10))
    assert world.sender.texts_to(-101) == [] and len(world.sender.texts_to(-102)) == 1
    await world.notices.set_paused(ADMIN, schedule.id, True)
    await world.at(shanghai(4, 10))
    assert len(world.sender.texts_to(-102)) == 1
    world.clock.set(shanghai(5, 12))
    await world.notices.set_paused(ADMIN, schedule.id, False)  # resuming does not catch up
    await world.at(shanghai(5, 12, 1))
    assert len(world.sender.texts_to(-102)) == 1
    await world.at(shanghai(6, 10))
    assert len(world.sender.texts_to(-102)) == 2


async def test_missed_occurrences_within_grace_are_sent_once_older_ones_skipped(world, caplog):
    await world.group(-101, GroupKind.HOMEOWNERS, "A")
    await add(world, "0 * * * *", theme="loans")  # hourly
    # The bot was "down" from 10:00 to 12:30: 10:00 and 11:00 are older than 60 minutes, 12:00 is not.
    report = await world.at(shanghai(2, 12, 30))
    assert report.skipped_occurrences == 2 and report.occurrences == 1
    assert len(world.sender.sent) == 1
    assert "skipped 2 occurrence(s)" in caplog.text
    await world.at(shanghai(2, 12, 40))
    assert len(world.sender.sent) == 1


async def test_crash_between_outbox_write_and_send_sends_after_restart(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A")
    await add(world, "0 10 * * *", theme="loans")
    world.clock.set(shanghai(3, 10))
    await world.notices.expand_due(world.clock.now())  # rows written … and the process dies
    notices = world.restart()
    assert (await notices.start()).uncertain == 0
    world.clock.set(shanghai(3, 10, 5))
    await notices.run_due(world.clock.now())
    await notices.run_due(world.clock.now())
    assert len(world.sender.sent) == 1


class Crash(Exception):
    pass


async def test_crash_between_send_and_mark_is_uncertain_never_a_duplicate(world, monkeypatch):
    group = await world.group(-101, GroupKind.HOMEOWNERS, "A")
    schedule = await add(world, "0 10 * * *", theme="loans")
    original = OutboxRepo.finish

    async def crash_on_sent(self, entry_id, state, now, outcome=None, message_id=None):
        if state is OutboxState.SENT:
            raise Crash()
        return await original(self, entry_id, state, now, outcome, message_id)

    monkeypatch.setattr(OutboxRepo, "finish", crash_on_sent)
    with pytest.raises(Crash):
        await world.at(shanghai(3, 10))
    monkeypatch.setattr(OutboxRepo, "finish", original)
    assert len(world.sender.sent) == 1  # Telegram has it; our mark was lost
    notices = world.restart()
    report = await notices.start()
    assert report.uncertain == 1
    await notices.run_due(shanghai(3, 10, 1))
    assert len(world.sender.sent) == 1  # at most once: never sent again
    key = outbox_key(schedule.id, shanghai(3, 10), group.id)
    entry = await OutboxRepo(world.db).get(key)
    assert entry.state is OutboxState.UNCERTAIN and entry.outcome == "crash_between_send_and_mark"


async def test_urgent_rows_in_flight_at_a_crash_are_sent_again(world):
    group = await world.group(-101, GroupKind.HOMEOWNERS, "A")
    outbox = OutboxRepo(world.db)
    now = world.clock.now()
    await outbox.add("alert:lost-child:1", None, now, group.id, group.chat_id, "zh", "走失儿童", None, now, now,
                     urgent=True)
    entry = await outbox.get("alert:lost-child:1")
    assert await outbox.claim(entry.id, now)  # … sent, and the process dies before the mark
    notices = world.restart()
    assert (await notices.start()).uncertain == 0
    await notices.run_due(now)
    # At least once, and the copy says it may be a repeat.
    assert world.sender.texts_to(-101) == ["走失儿童\n\n重发：这条紧急通报您可能已收到过一次，内容相同。"]
    assert (await outbox.get("alert:lost-child:1")).state is OutboxState.SENT


async def test_send_outcomes_retry_forbidden_migrated_uncertain(world):
    retried = await world.group(-101, GroupKind.HOMEOWNERS, "A")
    gone = await world.group(-102, GroupKind.HOMEOWNERS, "A")
    moved = await world.group(-103, GroupKind.HOMEOWNERS, "A")
    unsure = await world.group(-104, GroupKind.HOMEOWNERS, "A")
    world.sender.script = {
        -101: [SendResult(SendStatus.RETRY, detail="Internal Server Error")],
        -102: [SendResult(SendStatus.FORBIDDEN, detail="Forbidden: bot was kicked")],
        -103: [SendResult(SendStatus.MIGRATED, new_chat_id=-1003)],
        -104: [SendResult(SendStatus.UNCERTAIN, detail="timed out")],
    }
    schedule = await add(world, "0 10 * * *", theme="loans")
    report = await world.at(shanghai(3, 10))
    delivery = report.delivery
    outcome = (delivery.sent, delivery.retried, delivery.forbidden, delivery.uncertain, delivery.migrated)
    assert outcome == (1, 1, 1, 1, 1)
    assert world.sender.texts_to(-1003) and not world.sender.texts_to(-103)
    assert (await world.groups.by_id(moved.id)).chat_id == -1003
    assert not (await world.groups.by_id(gone.id)).active
    outbox = OutboxRepo(world.db)

    def key(group):
        return outbox_key(schedule.id, shanghai(3, 10), group.id)

    assert (await outbox.get(key(gone))).outcome == "forbidden"
    assert (await outbox.get(key(unsure))).state is OutboxState.UNCERTAIN
    row = await outbox.get(key(retried))
    assert row.state is OutboxState.PENDING and row.attempts == 1 and row.outcome.startswith("retry")
    await world.at(shanghai(3, 10) + timedelta(seconds=2))
    assert (await outbox.get(key(retried))).state is OutboxState.SENT
    assert len(world.sender.texts_to(-101)) == 1 and world.sender.texts_to(-104) == []


async def test_retries_give_up_after_max_attempts(world):
    await world.group(-101, GroupKind.HOMEOWNERS, "A")
    world.sender.script = {-101: [SendResult(SendStatus.RETRY, detail="502")] * 10}
    await add(world, "0 10 * * *", theme="loans")
    moment = shanghai(3, 10)
    for _ in range(6):
        await world.at(moment)
        moment += timedelta(minutes=5)
    counts = await world.notices.outbox_counts()
    assert counts["failed"] == 1 and world.sender.sent == []


async def test_schedules_from_config_are_reread_and_checked(world):
    world.settings = library(schedules=[
        {"id": "nightly", "cron": "0 21 * * *", "targets": {"kinds": ["homeowners"]},
         "content": {"patrol_template": "night", "params": {"patrol_time": "21:00-02:00"}}}])
    notices = world.restart()
    await notices.start()
    assert [s.id for s in await notices.schedules()] == ["nightly"]
    world.settings = library()
    notices = world.restart()
    await notices.start()
    assert await notices.schedules() == []


async def test_add_schedule_refuses_residents_and_bad_content(world):
    from bot.services.errors import NotAllowed
    from bot.services.notice_texts import ScheduleProblem

    with pytest.raises(NotAllowed):
        await world.notices.add_schedule(2, frozenset({Role.RESIDENT}), "0 10 * * *", ScheduleTargets(),
                                         ScheduleContent(theme="loans"))
    with pytest.raises(ScheduleProblem) as problem:
        await world.notices.add_schedule(1, ADMIN, "0 25 * * *", ScheduleTargets(), ScheduleContent(theme="nope"))
    keys = [key for key, _message in problem.value.problems]
    assert keys == ["cron", "content.theme"]
    with pytest.raises(ScheduleProblem):
        await world.notices.add_schedule(1, ADMIN, "0 10 * * *", ScheduleTargets(),
                                         ScheduleContent(patrol_template="night"))  # {patrol_time} has no value


async def test_stopping_never_waits_for_the_whole_broadcast(world):
    """Shutdown (SIGTERM) must not wait for a broadcast: sends in flight finish, no new one starts,
    and the rest is still pending for after the restart."""
    for n in range(30):
        await world.group(-300 - n, GroupKind.HOMEOWNERS, "Riverside")
    await add(world, "0 21 * * *", theme="loans", kinds=[GroupKind.HOMEOWNERS])
    gate = asyncio.Event()
    sends = 0
    original = world.sender.send_notice

    async def slow_send(chat_id, html_text, image):
        nonlocal sends
        sends += 1
        if sends == 5:
            gate.set()
        await asyncio.sleep(0)  # a send takes a moment, as on the network
        return await original(chat_id, html_text, image)

    world.sender.send_notice = slow_send
    world.clock.set(shanghai(2, 21, 0))
    running = asyncio.create_task(world.notices.run_due(shanghai(2, 21, 0)))
    await gate.wait()
    world.notices.dispatcher.stop()
    await asyncio.wait_for(running, timeout=5)
    assert 5 <= len(world.sender.sent) < 30
    counts = await OutboxRepo(world.db).counts()
    assert counts["pending"] == 30 - len(world.sender.sent)
