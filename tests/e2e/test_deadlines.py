"""Deadlines on the working calendar, end to end with a controllable clock: a working-day limit
over a weekend and over National Day 2026 with its adjusted working Saturday; a wall-clock red
case unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import STAFF_CHAT_ID
from tests.harness import button_texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def config(config):
    """Yellow (the limits of an ungraded case) counts working days; red stays on the wall clock."""
    config.cases.limits["yellow"].calendar = "working"
    return config


def staff_chat_since(team, count):
    return [m["text"] for m in team.emulator.bot_messages(STAFF_CHAT_ID)[count:]]


async def test_a_working_day_deadline_waits_out_the_weekend(team, clock):
    clock.set(at(3, 6, 16))  # Friday 16:00: a day to accept means Monday 16:00
    ref = await team.report()
    assert "3月9日 16:00" in team.card(ref)["text"]
    before = len(team.emulator.bot_messages(STAFF_CHAT_ID))
    clock.set(at(3, 7, 16, 1))  # 24 wall-clock hours later: nothing, it is Saturday
    await team.run_alarms()
    clock.set(at(3, 8, 23))
    await team.run_alarms()
    assert staff_chat_since(team, before) == []
    assert team.supervisor.pending_replies() == []
    # 80 % of 9 working hours: 1.5 h on Friday, the rest from Monday 08:30 until 14:12.
    clock.set(at(3, 9, 14, 11))
    await team.run_alarms()
    assert staff_chat_since(team, before) == []
    clock.set(at(3, 9, 14, 12))
    await team.run_alarms()
    reminder = staff_chat_since(team, before)
    assert len(reminder) == 1 and ref in reminder[0] and "3月9日 16:00" in reminder[0]
    clock.set(at(3, 9, 16))
    await team.run_alarms()
    assert (await team.supervisor.reply())["text"].startswith(f"Overdue: {ref} was not accepted in time.")


async def test_a_working_day_deadline_skips_national_day_and_counts_the_adjusted_saturday(team, clock):
    clock.set(at(9, 30, 10))  # the day before 国庆: 1–7 October off, Saturday 10 October worked
    ref = await team.report()
    assert "10月8日 10:00" in team.card(ref)["text"]  # one working day to accept
    await team.press(team.officer, ref, text="✋ 接单")
    # Seven working days to resolve: 8, 9, 10 (Saturday), 12, 13, 14, 15 October.
    assert "10月15日 10:00" in team.card(ref)["text"]
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.resolve_due == at(10, 15, 10)
    # The owner's reminder at 80 % of 63 working hours: Tuesday 13 October, 15:24.
    clock.set(at(10, 13, 15, 23))
    await team.run_alarms()
    assert team.officer.pending_replies() == []
    clock.set(at(10, 13, 15, 24))
    await team.run_alarms()
    assert (await team.officer.reply())["text"] == f"Reminder: {ref} must be resolved by 15 Oct 10:00."


async def test_a_red_case_keeps_wall_clock_limits(team, clock):
    clock.set(at(3, 6, 16))  # Friday 16:00
    ref = await team.report()
    await team.press(team.officer, ref, text="🔴 红")
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.accept_due == at(3, 6, 16, 15)
    assert case.resolve_due == at(3, 7, 16)  # Saturday: red counts every hour
    clock.advance(timedelta(minutes=15))
    await team.run_alarms()
    texts = [m["text"] for m in team.emulator.bot_messages(team.supervisor.user_id)]
    assert any(t.startswith(f"Overdue: {ref} was not accepted in time.") for t in texts)


async def test_supervising_counts_the_new_deadline_in_working_hours(team, clock):
    clock.set(at(3, 6, 16))
    ref = await team.report()
    clock.set(at(3, 9, 16))  # Monday 16:00: not accepted in one working day
    await team.run_alarms()
    await team.press(team.supervisor, ref, text="⏰ 督办")
    assert button_texts(team.card(ref))[:3] == ["+4 个工作小时", "+1 个工作日", "+3 个工作日"]
    await team.press(team.supervisor, ref, text="+4 个工作小时")
    await team.supervisor.reply()
    await team.supervisor.ask("Please take this one first thing tomorrow.")
    case = await team.pingan.services.cases.by_ref(ref)
    assert case.accept_due == at(3, 10, 11)  # 1.5 h on Monday, 2.5 h on Tuesday from 08:30
