"""Scheduled notices end to end: the real bot on the emulator with a ManualClock. Schedules fire
for the right groups only, exactly once, in each group's language; crashes, 429, 5xx, 403 and
migration are handled as the delivery policy says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config_notices import NoticeSettings
from bot.services.notices import outbox_key
from storage.models import GroupKind, OutboxState, Role
from storage.outbox import OutboxRepo

ADMIN = frozenset({Role.ADMIN})
#: The clock fixture starts at 2026-03-02 01:00 UTC (09:00 in Shanghai); the schedule fires at 10:00.
FIRE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def config(config):
    notices = NoticeSettings.model_validate({
        "duty_phone": "0851-110",
        "themes": {"loans": {"title": {"zh": "网贷诈骗", "en": "Loan scams"},
                             "tips": [{"zh": f"提示{i}", "en": f"Tip {i} <script>"} for i in range(3)]}},
        "patrol_templates": {"night": {"zh": "{area}今晚{patrol_time}巡逻，值班电话{duty_phone}",
                                       "en": "{area}: patrol tonight {patrol_time}, duty phone {duty_phone}"}},
        "theme_calendar": {3: "loans"},
        "schedules": [{"id": "morning-tips", "cron": "0 10 * * *",
                       "targets": {"kinds": ["homeowners"], "areas": ["Riverside"]},
                       "content": {"theme": "loans"}}],
    })
    return config.model_copy(update={"notices": notices})


async def _group(emulator, pingan, title, kind, area, language="zh", type="supergroup"):
    chat = emulator.add_group(title, type=type)
    emulator.add_bot_to_group(chat["id"], by_user_id=777001)
    await emulator.wait_for(lambda: emulator.bot_messages(chat["id"]))  # the greeting: the join is recorded
    group = await pingan.services.groups.by_chat_id(chat["id"])
    await pingan.services.groups.change(group.id, 1, ADMIN, kind=kind, area=area, language=language)
    return chat["id"]


def _notices(emulator, chat_id):
    return [m for m in emulator.bot_messages(chat_id) if "Hello" not in m["text"] and "大家好" not in m["text"]]


@pytest.fixture
async def groups(emulator, pingan):
    return {
        "zh": await _group(emulator, pingan, "Riverside 1", GroupKind.HOMEOWNERS, "Riverside"),
        "en": await _group(emulator, pingan, "Riverside 2", GroupKind.HOMEOWNERS, "Riverside", "en"),
        "other_area": await _group(emulator, pingan, "Hillside", GroupKind.HOMEOWNERS, "Hillside"),
        "shop": await _group(emulator, pingan, "Market", GroupKind.SHOP, "Riverside"),
    }


async def test_schedule_fires_for_the_right_groups_once_in_their_language(pingan, emulator, clock, groups):
    clock.set(FIRE)
    report = await pingan.services.notices.run_due()
    assert report.delivery.sent == 2
    zh, en = _notices(emulator, groups["zh"]), _notices(emulator, groups["en"])
    assert [m["text"] for m in zh] == ["反诈提醒：网贷诈骗\n\n提示0"]
    assert [m["text"] for m in en] == ["Anti-fraud reminder: Loan scams\n\nTip 0 <script>"]
    assert en[0]["entities"][0]["type"] == "bold"
    assert _notices(emulator, groups["other_area"]) == [] and _notices(emulator, groups["shop"]) == []
    clock.advance(timedelta(minutes=1))
    await pingan.services.notices.run_due()
    assert len(_notices(emulator, groups["zh"])) == 1
    clock.set(FIRE + timedelta(days=1))
    await pingan.services.notices.run_due()
    assert [m["text"].split("\n\n")[1] for m in _notices(emulator, groups["zh"])] == ["提示0", "提示1"]


async def test_crash_after_outbox_write_sends_once_after_restart(pingan, emulator, clock, groups):
    clock.set(FIRE)
    await pingan.services.notices.expand_due(clock.now())  # written, not sent … and the bot stops
    await pingan.restart()
    # On start the timer is re-armed from the database and delivers at once, without our help.
    await emulator.wait_for(lambda: _notices(emulator, groups["zh"]) and _notices(emulator, groups["en"]))
    await pingan.services.notices.run_due()
    assert len(_notices(emulator, groups["zh"])) == 1 and len(_notices(emulator, groups["en"])) == 1


class Crash(Exception):
    pass


async def test_crash_between_send_and_mark_never_duplicates(pingan, emulator, clock, groups, monkeypatch):
    original = OutboxRepo.finish

    async def crash_on_sent(self, entry_id, state, now, outcome=None, message_id=None):
        if state is OutboxState.SENT:
            raise Crash()
        return await original(self, entry_id, state, now, outcome, message_id)

    monkeypatch.setattr(OutboxRepo, "finish", crash_on_sent)
    clock.set(FIRE)
    with pytest.raises(Crash):
        await pingan.services.notices.run_due()
    monkeypatch.setattr(OutboxRepo, "finish", original)
    await pingan.restart()
    await pingan.services.notices.run_due()
    counts = await pingan.services.notices.outbox_counts()
    # Each group got the notice at most once; rows in flight at the crash are uncertain and not resent.
    delivered = [len(_notices(emulator, groups[name])) for name in ("zh", "en")]
    assert max(delivered) == 1
    assert counts["uncertain"] >= 1 and counts["uncertain"] + counts["sent"] == 2
    assert counts["sent"] <= sum(delivered)
    assert pingan.services.notices.dispatcher.uncertain_total == counts["uncertain"]


async def test_retry_after_from_telegram_is_honoured(pingan, emulator, clock, groups):
    emulator.fail_next("sendMessage", 429, retry_after=1, chat_id=groups["zh"])
    clock.set(FIRE)
    report = await pingan.services.notices.run_due()
    assert report.delivery.sent == 2
    assert len(_notices(emulator, groups["zh"])) == 1
    assert [c.error_code for c in emulator.calls_to("sendMessage") if not c.ok] == [429]


async def test_server_errors_are_retried_with_backoff(pingan, emulator, clock, groups):
    emulator.fail_next("sendMessage", 500, chat_id=groups["en"])
    clock.set(FIRE)
    report = await pingan.services.notices.run_due()
    assert (report.delivery.sent, report.delivery.retried) == (1, 1)
    assert _notices(emulator, groups["en"]) == []
    group = await pingan.services.groups.by_chat_id(groups["en"])
    row = await OutboxRepo(pingan.services.db).get(outbox_key("morning-tips", FIRE, group.id))
    assert row.state is OutboxState.PENDING and row.attempts == 1
    assert await pingan.services.notices.next_wake() == row.not_before
    clock.set(row.not_before)
    await pingan.services.notices.run_due()
    assert len(_notices(emulator, groups["en"])) == 1


async def test_forbidden_marks_the_group_inactive(pingan, emulator, clock, groups):
    emulator.fail_next("sendMessage", 403, description="Forbidden: bot was kicked from the supergroup chat",
                       chat_id=groups["zh"])
    clock.set(FIRE)
    report = await pingan.services.notices.run_due()
    assert report.delivery.forbidden == 1
    assert not (await pingan.services.groups.by_chat_id(groups["zh"])).active
    clock.set(FIRE + timedelta(days=1))
    await pingan.services.notices.run_due()
    assert not [c for c in emulator.calls_to("sendMessage")
                if c.params.get("chat_id") == groups["zh"] and c.ok and "网贷" in c.params["text"]]


async def test_migrated_group_gets_the_notice_at_its_new_id(pingan, emulator, clock, groups):
    old_id = await _group(emulator, pingan, "Riverside old", GroupKind.HOMEOWNERS, "Riverside", type="group")
    clock.set(FIRE)
    await pingan.services.notices.expand_due(clock.now())  # queued for the old id
    new_id = emulator.migrate_group(old_id)
    await pingan.services.notices.run_due()
    assert len(_notices(emulator, new_id)) == 1
    group = await pingan.services.groups.by_chat_id(new_id)
    assert group is not None and group.area == "Riverside"


async def test_a_group_in_its_own_time_zone_gets_the_notice_at_its_local_time(pingan, emulator, clock, groups):
    services = pingan.services
    en = await services.groups.by_chat_id(groups["en"])
    # Urumqi is two hours behind Shanghai; its own quiet hours 09:30-10:30 are in its clock too.
    await services.groups.change(en.id, 1, ADMIN, timezone="Asia/Urumqi", quiet_start="09:30", quiet_end="10:30")
    clock.set(FIRE)  # 10:00 in Shanghai
    await services.notices.run_due()
    assert len(_notices(emulator, groups["zh"])) == 1 and _notices(emulator, groups["en"]) == []
    assert await services.notices.next_wake() == FIRE + timedelta(hours=2)  # 10:00 in Urumqi
    clock.set(FIRE + timedelta(hours=2))
    await services.notices.run_due()
    assert _notices(emulator, groups["en"]) == []  # quiet until 10:30 Urumqi time
    clock.set(FIRE + timedelta(hours=2, minutes=30))
    await services.notices.run_due()
    await services.notices.run_due()
    assert len(_notices(emulator, groups["en"])) == 1 and len(_notices(emulator, groups["zh"])) == 1
    keys = [r["key"] for r in await services.db.fetch_all("SELECT key FROM notice_outbox ORDER BY id")]
    assert keys == [outbox_key("morning-tips", FIRE, (await services.groups.by_chat_id(groups["zh"])).id),
                    outbox_key("morning-tips", FIRE + timedelta(hours=2), en.id)]


async def test_a_schedule_for_any_group_leaves_out_the_staff_chat(pingan, emulator, clock, groups, staff_chat):
    staff_greeting = (await emulator.wait_for(lambda: emulator.bot_messages(staff_chat)))[0]
    assert "/cases" in staff_greeting["text"] and "reply_markup" not in staff_greeting  # no Report button
    staff = await pingan.services.groups.by_chat_id(staff_chat)
    assert staff.kind is GroupKind.STAFF
    reaching = await pingan.services.groups.targets([], [])
    assert staff_chat not in [g.chat_id for g in reaching] and len(reaching) == len(groups)
    assert staff_chat in [g.chat_id for g in await pingan.services.groups.targets([GroupKind.STAFF], [])]
