"""The sandbox's demo clock, as a station chief sees it in a demo: a report is resolved, "+3 days"
brings the reporter's follow-up visit, "next Monday 09:00" the weekly briefing — in a browser."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.demo_clock import step_for
from bot.sandbox import HOMEOWNERS_GROUP_ID, POLICE_RESIDENT_GROUP_ID, STAFF_CHAT_ID
from tests.e2e.test_sandbox import CHROMIUM, CHROMIUM_ARGS, control, sandbox  # noqa: F401 - shared fixture
from tests.flows import card_posted, submit, walk_incident
from tests.harness import UserClient


def test_next_monday_is_the_coming_one_at_nine_local():
    tuesday = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    assert tuesday + step_for("monday", tuesday, "Asia/Shanghai") == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    monday_early = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # Monday 07:00 in Shanghai: at 09:00 today
    assert monday_early + step_for("monday", monday_early, "Asia/Shanghai") == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    monday_late = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 itself: a week on
    assert monday_late + step_for("monday", monday_late, "Asia/Shanghai") == datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
    assert step_for("3days", tuesday, "Asia/Shanghai") == timedelta(days=3)


async def test_the_control_api_moves_the_clock_and_refuses_unknown_steps(sandbox):  # noqa: F811
    world = await control(sandbox, "GET", "/control/world")
    assert [a["key"] for a in world["demo_clock"]["actions"]] == ["hour", "day", "3days", "monday"]
    assert world["timezone"] == "Asia/Shanghai"
    before = sandbox.bot.services.clock.now()
    status = await control(sandbox, "POST", "/control/demo_clock/day")
    assert sandbox.bot.services.clock.now() - before >= timedelta(days=1)
    assert status["shifted"] and "月" in status["label"]["zh"]
    # A day holds a 21:00: the demo's nightly patrol notice reaches both residents' groups, not the staff chat.
    def patrol_notices(chat_id: int) -> list[dict]:
        return [m for m in sandbox.emulator.bot_messages(chat_id) if "21:00-02:00" in (m.get("text") or "")]

    for group in (HOMEOWNERS_GROUP_ID, POLICE_RESIDENT_GROUP_ID):
        notice = await sandbox.emulator.wait_for(lambda group=group: patrol_notices(group))
        assert "巡逻" in notice[0]["text"] and len(notice) == 1
    assert patrol_notices(STAFF_CHAT_ID) == []
    sent = await control(sandbox, "POST", "/control/send", {"user_id": 1001, "chat_id": 1001, "text": "/help"})
    assert sent["date"] >= int(before.timestamp()) + 86400  # the chat's dates moved with the bot's clock
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.emulator.base_url}/control/demo_clock/year") as response:
            body = await response.json()
    assert response.status == 400 and body["ok"] is False


async def _resolved_report(sandbox) -> str:  # noqa: F811
    """The resident (in English) reports a theft; officer Wang accepts and resolves it in the staff chat."""
    emulator = sandbox.emulator
    resident = UserClient(emulator, emulator.users[1001], 1001)
    language = await resident.ask("/language")
    await resident.click(language, text="English")
    ref = await submit(resident, await walk_incident(resident), card_in=STAFF_CHAT_ID)
    private = UserClient(emulator, emulator.users[2001], 2001)
    officer = private.in_chat(STAFF_CHAT_ID)
    card = await card_posted(emulator, STAFF_CHAT_ID, ref)
    await officer.click(card, text="✋ 接单")
    await officer.click(card, text="✅ 办结")
    await officer.click(card, text="已解决")
    await private.reply()  # what was done?
    await private.ask("电瓶已找回，已归还失主。")
    return ref


@pytest.mark.slow
async def test_the_demo_clock_in_a_browser_brings_the_follow_up_and_the_briefing(sandbox):  # noqa: F811
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PINGAN_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here but not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    ref = await _resolved_report(sandbox)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(sandbox.url)
            await page.get_by_test_id("lang-en").click()
            await expect(page.get_by_test_id("demo-clock")).to_be_visible()
            await page.get_by_test_id("persona-resident").click()
            await page.get_by_test_id("chat-1001").click()
            await page.get_by_test_id("demo-clock-3days").click()
            await expect(page.get_by_test_id("messages")).to_contain_text(ref, timeout=10_000)
            await expect(page.get_by_test_id("messages")).to_contain_text("How satisfied", timeout=10_000)
            await page.get_by_test_id("persona-supervisor").click()
            await page.get_by_test_id(f"chat-{STAFF_CHAT_ID}").click()
            await page.get_by_test_id("demo-clock-monday").click()
            await expect(page.get_by_test_id("demo-clock-now")).to_contain_text("Mon", timeout=10_000)
            await expect(page.get_by_test_id("messages")).to_contain_text("每周简报", timeout=10_000)
        finally:
            await browser.close()
