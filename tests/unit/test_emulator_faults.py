"""The emulator's injected Telegram faults, as python-telegram-bot meets them."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.emulator import Emulator
from bot.emulator.faults import FaultKind, RandomFaults
from bot.transport import AiohttpRequest


@pytest.fixture
async def world():
    emu = Emulator(token="123:FAULTS")
    await emu.start()
    bot = Bot(emu.token, base_url=emu.base_url + "/bot", request=AiohttpRequest(read_timeout=0.5))
    await bot.initialize()
    try:
        yield emu, bot
    finally:
        await bot.shutdown()
        await emu.stop()


@pytest.mark.parametrize(("kind", "error", "wording"), [
    ("server_error", NetworkError, ("Internal Server Error", "Bad Gateway")),
    ("flood", RetryAfter, ("Flood control exceeded",)),
    ("hang", TimedOut, ("Timed out",)),
    ("drop", NetworkError, ("Server disconnected",)),
    ("forbidden", Forbidden, ("bot was kicked from the group chat",)),
    ("chat_not_found", BadRequest, ("Chat not found",)),
    ("migrate", ChatMigrated, ("Group migrated to supergroup",)),
])
async def test_each_fault_reaches_the_bot_as_telegram_would_send_it(world, kind, error, wording):
    emu, bot = world
    group = emu.add_group("Basic", type="group")
    emu.set_bot_rights(group["id"], status="member")
    emu.inject_faults(1.0, kinds=[kind], hang_seconds=1.0)
    with pytest.raises(error) as raised:
        await bot.send_message(group["id"], "hello")
    assert any(w in str(raised.value) for w in wording)
    emu.stop_faults()
    if kind == "migrate":
        assert emu.chats[group["id"]].migrated_to == raised.value.new_chat_id
    elif kind == "hang":  # held past the client's timeout, then done all the same
        await emu.wait_for(lambda: emu.bot_messages(group["id"]), timeout=3)
    else:
        assert emu.bot_messages(group["id"]) == []


async def test_an_outage_refuses_every_call_until_it_is_over(world):
    emu, bot = world
    user = emu.add_user("Ann")
    emu.add_private_chat(user["id"])
    emu.start_outage(30)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(user["id"], "hello")
    assert emu.outage.refused == 2
    emu.stop_faults()
    assert (await bot.send_message(user["id"], "hello")).text == "hello"


def test_the_share_is_seeded_and_faults_fit_the_call():
    first, second = RandomFaults(0.3, seed=7), RandomFaults(0.3, seed=7)
    picks = [first.pick("sendMessage", "supergroup") for _ in range(200)]
    assert picks == [second.pick("sendMessage", "supergroup") for _ in range(200)]
    faulted = [p for p in picks if p is not None]
    assert 30 < len(faulted) < 90
    assert FaultKind.MIGRATE not in {p.kind for p in faulted}  # a supergroup cannot be upgraded
    no_chat = RandomFaults(1.0, seed=1)
    kinds = {no_chat.pick("answerCallbackQuery", None).kind for _ in range(100)}
    assert kinds == {FaultKind.SERVER_ERROR, FaultKind.FLOOD, FaultKind.HANG, FaultKind.DROP}
    assert RandomFaults(1.0).pick("getMe", None) is None  # spared by default


async def test_faults_and_an_outage_are_set_over_http(world):
    emu, _bot = world
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.post(emu.base_url + "/control/faults",
                             json={"share": 0.5, "seed": 3, "kinds": ["flood"]}) as response:
            assert (await response.json())["result"] == {"share": 0.5, "kinds": ["flood"]}
        async with http.post(emu.base_url + "/control/faults", json={"share": 2}) as response:
            assert response.status == 400
        async with http.post(emu.base_url + "/control/outage", json={"seconds": 5}) as response:
            assert response.status == 200
    assert emu.outage.active and emu.random_faults.share == 0.5
