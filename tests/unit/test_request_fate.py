"""Which failed Bot API requests may all the same have reached Telegram (bot/request_fate.py),
met the way the bot meets them: through its transport (bot/transport.py) and the emulator."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.emulator import Emulator
from bot.request_fate import may_have_arrived
from bot.transport import AiohttpRequest
from tests.e2e.test_process import free_port


@pytest.fixture
async def world():
    emu = Emulator(token="123:FATE")
    await emu.start()
    user = emu.add_user("Ann")
    emu.add_private_chat(user["id"])
    bot = Bot(emu.token, base_url=emu.base_url + "/bot",
              request=AiohttpRequest(connection_pool_size=1, read_timeout=0.3))
    await bot.initialize()
    try:
        yield emu, bot, user["id"]
    finally:
        emu.stop_faults()
        await bot.shutdown()
        await emu.stop()


async def _failure(call) -> TelegramError:
    with pytest.raises(TelegramError) as raised:
        await call
    return raised.value


@pytest.mark.parametrize(("kind", "arrived"), [
    ("hang", True),  # written, no answer in time: Telegram may have sent it
    ("drop", True),  # the connection broke after the request was written
    ("server_error", False),  # an answer: nothing done
    ("flood", False),
])
async def test_a_fault_counts_as_maybe_arrived_only_when_the_request_may_have_been_carried_out(world, kind, arrived):
    emu, bot, chat = world
    emu.inject_faults(1.0, kinds=[kind], hang_seconds=0.6)
    assert may_have_arrived(await _failure(bot.send_message(chat, "hello"))) is arrived


async def test_a_request_stuck_behind_a_busy_pool_never_left(world):
    emu, bot, chat = world
    emu.inject_faults(1.0, kinds=["hang"], hang_seconds=0.6)
    holding = asyncio.create_task(bot.send_message(chat, "first"))
    await asyncio.sleep(0.05)  # the one pooled connection is taken
    error = await _failure(bot.send_message(chat, "second", connect_timeout=0.05, pool_timeout=0.05))
    assert isinstance(error, TimedOut) and not may_have_arrived(error)
    assert isinstance(await _failure(holding), TimedOut)
    emu.stop_faults()
    await asyncio.sleep(0.7)
    assert [m["text"] for m in emu.bot_messages(chat)] == ["first"]  # the hung one was carried out


async def test_a_refused_connection_never_left():
    port = free_port()  # nobody listens on it
    request = AiohttpRequest()
    await request.initialize()
    try:
        error = await _failure(request.post(f"http://127.0.0.1:{port}/bot1:x/getMe"))
    finally:
        await request.shutdown()
    assert isinstance(error, NetworkError) and not may_have_arrived(error)


@pytest.mark.parametrize("error", [
    NetworkError("Bad Gateway"),  # an answer: 502, nothing done
    NetworkError("Internal Server Error (500)"),
    RetryAfter(3),
    BadRequest("Bad Request: chat not found"),
    Forbidden("Forbidden: bot was blocked by the user"),
])
def test_an_error_answer_never_arrived(error):
    assert may_have_arrived(error) is False
