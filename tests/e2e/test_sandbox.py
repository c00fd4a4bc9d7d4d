"""The sandbox as a newcomer meets it: the real Pingan behind the web chat page."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import StorageSettings, load_config
from bot.sandbox import (
    HOMEOWNERS_GROUP_ID,
    PERSONAS,
    POLICE_RESIDENT_GROUP_ID,
    STAFF_CHAT_ID,
    Sandbox,
    start_sandbox,
)
from storage.models import Role
from tests.e2e.test_process import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    # The shipped config.yaml, as `pingan run` reads it in a fresh clone (its notice texts included).
    shipped = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    config = shipped.model_copy(update={"storage": StorageSettings(path=str(tmp_path / "real.db")),
                                        "sandbox": shipped.sandbox.model_copy(
                                            update={"storage_path": str(tmp_path / "sandbox.db")})})
    running = await start_sandbox(config, port=free_port())
    try:
        yield running
    finally:
        await running.stop()


async def control(sandbox: Sandbox, method: str, path: str, payload: dict | None = None):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, f"{sandbox.emulator.base_url}{path}", json=payload) as response:
            body = await response.json()
    assert body["ok"], body
    return body["result"]


async def test_sandbox_world_and_roles(sandbox):
    world = await control(sandbox, "GET", "/control/world")
    personas = {p["key"]: p for p in world["personas"]}
    assert set(personas) == {"resident", "neighbour", "steward", "mediator", "officer", "supervisor", "admin"}
    assert [c["chat_id"] for c in personas["resident"]["chats"]] == [1001, HOMEOWNERS_GROUP_ID]
    assert [c["chat_id"] for c in personas["neighbour"]["chats"]] == [1002, HOMEOWNERS_GROUP_ID,
                                                                     POLICE_RESIDENT_GROUP_ID]
    assert STAFF_CHAT_ID in [c["chat_id"] for c in personas["officer"]["chats"]]
    assert STAFF_CHAT_ID not in [c["chat_id"] for c in personas["steward"]["chats"]]
    people = sandbox.bot.services.people
    roles = {p.key: await people.roles_of(p.user_id) for p in PERSONAS}
    assert roles == {"resident": {Role.RESIDENT}, "neighbour": {Role.RESIDENT},
                     "steward": {Role.RESIDENT, Role.STEWARD}, "mediator": {Role.RESIDENT, Role.MEDIATOR},
                     "officer": {Role.RESIDENT, Role.OFFICER}, "supervisor": {Role.RESIDENT, Role.SUPERVISOR},
                     "admin": {Role.RESIDENT, Role.ADMIN}}
    assert sandbox.bot.services.config.staff_chat_id == STAFF_CHAT_ID
    homeowners = await sandbox.bot.services.groups.by_chat_id(HOMEOWNERS_GROUP_ID)
    assert homeowners.kind == "homeowners" and homeowners.area == "阳光花园"
    second = await sandbox.bot.services.groups.by_chat_id(POLICE_RESIDENT_GROUP_ID)
    assert second.kind == "police_resident" and second.area == "幸福里"
    assert await people.area_of(2001) == "阳光花园"


async def test_every_sandbox_chat_is_greeted_as_on_real_telegram(sandbox):
    emulator = sandbox.emulator
    for chat_id in (HOMEOWNERS_GROUP_ID, POLICE_RESIDENT_GROUP_ID, STAFF_CHAT_ID):
        greeting = await emulator.wait_for(lambda chat_id=chat_id: emulator.bot_messages(chat_id))
        assert greeting[0]["text"].startswith("大家好，我是平安")
    report_button = emulator.bot_messages(HOMEOWNERS_GROUP_ID)[0]["reply_markup"]["inline_keyboard"][0][0]
    assert report_button["text"] == "报告问题" and "start=rep_" in report_button["url"]


async def test_sandbox_http_api_talks_to_the_real_bot(sandbox):
    emulator = sandbox.emulator
    sent = await control(sandbox, "POST", "/control/send", {"user_id": 3001, "chat_id": 3001, "text": "/staff"})
    reply = await emulator.wait_for(
        lambda: [m for m in emulator.bot_messages(3001) if m["message_id"] > sent["message_id"]])
    assert "Officer" in reply[0]["text"] or "王警官" in reply[0]["text"]
    prompt_sent = await control(sandbox, "POST", "/control/send",
                                {"user_id": 1001, "chat_id": 1001, "text": "/language"})
    prompt = (await emulator.wait_for(
        lambda: [m for m in emulator.bot_messages(1001) if m["message_id"] > prompt_sent["message_id"]]))[0]
    pressed = await control(sandbox, "POST", "/control/press",
                            {"user_id": 1001, "chat_id": 1001, "message_id": prompt["message_id"], "text": "English"})
    await emulator.wait_for(lambda: emulator.callback_answer(pressed["callback_query_id"]))
    messages = await control(sandbox, "GET", "/control/chats/1001/messages")
    edited = next(m for m in messages if m["message_id"] == prompt["message_id"])
    assert edited["text"] == "Done: I will speak English with you from now on."


async def test_bad_control_requests_get_polite_errors(sandbox):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.emulator.base_url}/control/press",
                             json={"user_id": 1001, "chat_id": 1001, "message_id": 999999, "text": "Nope"}) as resp:
            body = await resp.json()
        assert resp.status == 400 and body["ok"] is False and "Traceback" not in body["description"]
        async with http.post(f"{sandbox.emulator.base_url}/control/send", data=b"not json") as resp:
            body = await resp.json()
        assert resp.status == 400 and body["ok"] is False


@pytest.mark.slow
async def test_page_in_chromium_presses_a_real_bot_button(sandbox):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PINGAN_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here but not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page()
            await page.goto(sandbox.url)
            await page.get_by_test_id("persona-resident").click()
            await page.get_by_test_id("chat-1001").click()
            await page.get_by_test_id("composer-input").fill("/language")
            await page.get_by_test_id("composer-send").click()
            english = page.get_by_test_id("messages").get_by_test_id("btn").filter(has_text="English")
            await expect(english).to_be_visible(timeout=10_000)
            await english.click()
            await expect(page.get_by_test_id("messages")).to_contain_text(
                "Done: I will speak English with you from now on.", timeout=10_000)
            # The officer sees the staff chat as well.
            await page.get_by_test_id("persona-officer").click()
            await expect(page.get_by_test_id(f"chat-{STAFF_CHAT_ID}")).to_be_visible()
        finally:
            await browser.close()
