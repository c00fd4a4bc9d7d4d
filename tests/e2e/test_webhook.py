"""Webhook mode end to end: Telegram (the emulator) POSTs updates with the secret header."""

from __future__ import annotations

import aiohttp
from pydantic import SecretStr

from bot.config import Settings
from bot.emulator.webhook import SECRET_HEADER
from bot.webhook import SECRET_NAME
from storage.operations import OperationsRepo
from tests.e2e.test_health import healthz
from tests.e2e.test_process import free_port
from tests.harness import TOKEN, BotHarness


def webhook_config(config: Settings, port: int, **webhook: object) -> Settings:
    telegram = config.telegram.model_copy(update={"webhook": config.telegram.webhook.model_copy(update={
        "url": f"http://127.0.0.1:{port}", "port": port, **webhook})})
    return config.model_copy(update={"telegram": telegram})


async def test_updates_arrive_by_webhook_with_the_secret_and_survive_a_restart(config, clock, emulator, make_user):
    port = free_port()
    hooked = webhook_config(config, port)
    bot = BotHarness(hooked, clock)
    await bot.start()
    try:
        hook = emulator.webhook
        path = hooked.telegram.webhook.url_path(TOKEN)
        assert hook["url"] == f"http://127.0.0.1:{port}/{path}"
        assert TOKEN not in hook["url"] and TOKEN.split(":")[1] not in hook["url"]
        (set_call,) = emulator.calls_to("setWebhook")
        assert set_call.params["secret_token"] == "<secret>"
        assert set_call.params["drop_pending_updates"] is False
        assert "callback_query" in set_call.params["allowed_updates"]
        stored = await OperationsRepo(bot.services.db).secret(SECRET_NAME)
        assert hook["secret_token"] == stored and len(stored) >= 32

        alice = make_user("Alice", language_code="en")
        welcome = await alice.ask("/start")
        assert welcome["text"]
        assert not emulator.calls_to("getUpdates")

        await bot.stop()  # updates queue up while the bot is down; deliveries fail and are retried
        tried_before = len(emulator.webhook_attempts)
        await alice.send("/help")
        await emulator.wait_for(lambda: len(emulator.webhook_attempts) >= tried_before + 2, timeout=10)
        (queued,) = {a["update_id"] for a in emulator.webhook_attempts[tried_before:]}
        assert set(emulator.webhook_statuses(queued)) == {None}
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{emulator.base_url}/bot{TOKEN}/getWebhookInfo") as response:
                info = (await response.json())["result"]
            async with http.get(f"{emulator.base_url}/bot{TOKEN}/getUpdates") as response:
                assert response.status == 409  # Telegram refuses polling while a webhook is set
        assert info["url"] == hook["url"] and info["pending_update_count"] == 1
        assert info["last_error_message"].startswith("Connection failed")
        await bot.start()
        assert emulator.webhook["secret_token"] == stored  # the same secret after the restart
        answer = await alice.reply(timeout=10)
        assert "/report" in answer["text"]
        assert emulator.webhook_statuses(queued)[-1] == 200
        assert emulator.pending_update_count == 0
    finally:
        await bot.stop()


async def test_a_request_without_the_right_secret_gets_403_and_changes_nothing(config, clock, emulator, make_user):
    port = free_port()
    hooked = webhook_config(config, port, secret_token=SecretStr("the-right-secret"))
    bot = BotHarness(hooked, clock)
    await bot.start()
    try:
        alice = make_user("Alice", language_code="en")
        update = {"update_id": 999999, "message": {
            "message_id": 1, "date": 0, "chat": {"id": alice.user_id, "type": "private"},
            "from": alice.user, "text": "/start"}}
        url = emulator.webhook["url"]
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "a-wrong-secret"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            assert await bot.services.people.person(alice.user_id) is None
            async with http.post(url, json=update, headers={SECRET_HEADER: "the-right-secret"}) as response:
                assert response.status == 200
        reply = await alice.reply()
        assert reply["text"]
        assert len(emulator.bot_messages(alice.chat_id)) == 1, "only the request with the secret was handled"
        assert await bot.services.people.person(alice.user_id) is not None
    finally:
        await bot.stop()


async def test_switching_back_to_polling_deletes_the_webhook_first(config, clock, emulator, make_user):
    port = free_port()
    bot = BotHarness(webhook_config(config, port), clock)
    await bot.start()
    await bot.stop()
    assert emulator.webhook is not None
    polling = BotHarness(config, clock)
    await polling.start()
    try:
        assert emulator.webhook is None
        await emulator.wait_for(lambda: emulator.calls_to("getUpdates"))
        calls = [c.method for c in emulator.calls]
        assert calls.index("deleteWebhook", calls.index("setWebhook")) < calls.index("getUpdates")
        alice = make_user("Alice", language_code="en")
        assert (await alice.ask("/start"))["text"]
    finally:
        await polling.stop()


async def test_health_tells_whether_the_webhook_server_is_up(config, clock, emulator):
    hooked = webhook_config(config, free_port())
    bot = BotHarness(hooked.model_copy(update={"health": hooked.health.model_copy(update={"port": free_port()})}),
                     clock)
    await bot.start()
    try:
        status, body = await healthz(bot)
        assert status == 200 and (body["parts"]["updates"]["mode"], body["parts"]["updates"]["healthy"]) == (
            "webhook", True)
        await bot.bot.webhook.stop()  # as if the server had died under the running bot
        status, body = await healthz(bot)
        assert status == 503 and body["failing"] == ["updates"]
    finally:
        await bot.stop()
