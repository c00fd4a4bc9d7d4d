"""End-to-end checks of the sandbox web chat page (bot/emulator/static/).

1. Plain HTTP: the page and its assets are served, /control/world lists the personas.
2. Headless Chromium: the resident opens the private chat, sends /start, gets a reply
   with an inline button from a tiny python-telegram-bot Application, presses the button
   on the page and sees the bot's edit and its callback answer; then writes in the group,
   which shows up as unread for the officer.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.emulator import Emulator

TOKEN = "123456:SANDBOX-PAGE-TEST"
BOT_USERNAME = "pingan_test_bot"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Sandbox:
    emu: Emulator
    resident_id: int
    officer_id: int
    admin_id: int
    homeowners_id: int
    staff_id: int


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """An emulator with the three sandbox personas, like ``pingan sandbox`` sets it up."""
    emu = Emulator(token=TOKEN, bot_username=BOT_USERNAME, bot_name="平安 Pingan")
    await emu.start(host="127.0.0.1", port=0)
    try:
        rid = emu.add_user("李华", "lihua", "zh")["id"]
        oid = emu.add_user("王警官", "officer_wang", "zh")["id"]
        aid = emu.add_user("Admin", "pingan_admin", "en")["id"]
        hid = emu.add_group("幸福里业主群", type="supergroup", members=[rid, oid, aid], admins=[aid])["id"]
        sid = emu.add_group("平安工作群", type="supergroup", members=[oid, aid], admins=[aid])["id"]
        emu.add_bot_to_group(hid, by_user_id=aid, status="administrator")
        emu.add_bot_to_group(sid, by_user_id=aid, status="administrator")

        def private(uid: int) -> dict:
            return {"chat_id": uid, "title": {"zh": "与平安的私聊", "en": "Private chat with Pingan"}}

        group = {"chat_id": hid, "title": {"zh": "幸福里业主群", "en": "Homeowners' group"}}
        staff = {"chat_id": sid, "title": {"zh": "平安工作群", "en": "Staff chat"}}
        emu.set_personas(
            [
                {"key": "resident", "label": {"zh": "居民 李华", "en": "Resident Li Hua"},
                 "user_id": rid, "chats": [private(rid), group]},
                {"key": "officer", "label": {"zh": "民警 王警官", "en": "Officer Wang"},
                 "user_id": oid, "chats": [private(oid), group, staff]},
                {"key": "admin", "label": {"zh": "管理员", "en": "Admin"},
                 "user_id": aid, "chats": [private(aid), group, staff]},
            ]
        )
        yield Sandbox(emu, rid, oid, aid, hid, sid)
    finally:
        await emu.stop()


# --------------------------------------------------------------------- HTTP


async def test_page_and_assets_are_served(sandbox: Sandbox) -> None:
    emu = sandbox.emu
    async with aiohttp.ClientSession() as http:
        async with http.get(emu.base_url + "/") as r:
            assert r.status == 200
            assert r.content_type == "text/html"
            html = await r.text()
        assert "/static/app.js" in html and "/static/style.css" in html
        assert 'data-testid="composer-input"' in html

        async with http.get(emu.base_url + "/static/app.js") as r:
            assert r.status == 200
            assert r.content_type in ("application/javascript", "text/javascript")
            js = await r.text()
        assert "persona-" in js and "/control/events" in js

        async with http.get(emu.base_url + "/static/style.css") as r:
            assert r.status == 200
            assert r.content_type == "text/css"


async def test_world_lists_personas(sandbox: Sandbox) -> None:
    emu = sandbox.emu
    async with aiohttp.ClientSession() as http:
        async with http.get(emu.base_url + "/control/world") as r:
            assert r.status == 200
            payload = await r.json()
    assert payload["ok"] is True
    world = payload["result"]
    keys = [p["key"] for p in world["personas"]]
    assert keys == ["resident", "officer", "admin"]
    resident = world["personas"][0]
    assert resident["label"]["en"] == "Resident Li Hua"
    assert len(resident["chats"]) == 2
    assert world["bot"]["username"] == BOT_USERNAME


# ------------------------------------------------------------------ browser


def _tiny_bot(emu: Emulator):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            "Welcome to Pingan!",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Report a problem", callback_data="report")]]),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Got it")
        await query.edit_message_text(f"You chose: {query.data}")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(emu.base_url + "/bot")
        .base_file_url(emu.base_url + "/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}")
async def test_resident_talks_to_the_bot_in_the_browser(sandbox: Sandbox) -> None:
    from playwright.async_api import async_playwright, expect

    emu = sandbox.emu
    app = _tiny_bot(emu)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page(viewport={"width": 1100, "height": 760}, locale="en-US")
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                await page.goto(emu.base_url + "/")

                await page.get_by_test_id("lang-en").click()
                resident = page.get_by_test_id("persona-resident")
                await expect(resident).to_contain_text("Resident Li Hua")
                await resident.click()
                await expect(resident).to_have_attribute("aria-pressed", "true")

                chat_item = page.get_by_test_id(f"chat-{sandbox.resident_id}")
                await chat_item.click()
                await expect(chat_item).to_have_attribute("aria-current", "true")

                box = page.get_by_test_id("composer-input")
                await box.fill("/start")
                await box.press("Enter")
                await expect(box).to_have_value("")

                mine = page.locator('[data-testid^="msg-"][data-out="true"]').filter(has_text="/start")
                await expect(mine).to_have_count(1)
                bot_msgs = page.locator('[data-testid^="msg-"][data-from-bot="true"]')
                welcome = bot_msgs.filter(has_text="Welcome to Pingan!")
                await expect(welcome).to_have_count(1)
                # Follow the bubble by its message id: its text changes when the bot edits it.
                reply = page.get_by_test_id(f"msg-{await welcome.get_attribute('data-message-id')}")
                button = reply.get_by_test_id("btn")
                await expect(button).to_have_text("Report a problem")

                await button.click()
                await expect(reply).to_contain_text("You chose: report")
                await expect(reply.get_by_test_id("btn")).to_have_count(0)
                await expect(page.get_by_test_id("toast").filter(has_text="Got it")).to_be_visible()

                # A message in the homeowners' group shows up as unread for the officer.
                await page.get_by_test_id(f"chat-{sandbox.homeowners_id}").click()
                await box.fill("Hello neighbours")
                await page.get_by_test_id("composer-send").click()
                await expect(page.locator('[data-out="true"]').filter(has_text="Hello neighbours")).to_have_count(1)
                await expect(page.get_by_test_id("persona-unread-officer")).to_have_text("1")
                await page.get_by_test_id("persona-officer").click()
                await expect(page.get_by_test_id(f"unread-{sandbox.homeowners_id}")).to_have_text("1")
                await page.get_by_test_id(f"chat-{sandbox.homeowners_id}").click()
                incoming = page.locator('[data-out="false"]').filter(has_text="Hello neighbours")
                await expect(incoming).to_contain_text("李华")  # the sender's name in a group
                await expect(page.get_by_test_id(f"unread-{sandbox.homeowners_id}")).to_have_count(0)

                await expect(page.get_by_test_id("error-banner")).to_be_hidden()
                assert errors == []
            finally:
                await browser.close()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

