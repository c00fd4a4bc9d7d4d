from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from itertools import count
from unittest import mock

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.emulator import Emulator
from bot.services.scam_check import RuleLibrary
from tests.harness import BOT_USERNAME, STAFF_CHAT_ID, TOKEN, BotHarness, UserClient

ADMIN_ID = 900001


@pytest.fixture(autouse=True, scope="session")
def shipped_scam_rules_read_once() -> Iterator[None]:
    """Every bot a test starts takes the shipped scam rules, read and validated here once instead
    of at each start (15 ms a start, with libyaml). They are only read: /scamrules edits make new libraries."""
    shipped = RuleLibrary.shipped()
    with mock.patch.object(RuleLibrary, "shipped", classmethod(lambda cls: shipped)):
        yield


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Pingan")
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


@pytest.fixture
def config(tmp_path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The operator's environment must not leak into tests.
    for name in list(os.environ):
        if name.startswith("PINGAN_"):
            monkeypatch.delenv(name)
    return Settings(
        telegram={"token": TOKEN, "api_url": emulator.base_url},
        storage={"path": str(tmp_path / "pingan.db")},
        admins=[ADMIN_ID],
        staff_chat_id=STAFF_CHAT_ID,
        # Spot checks are random in production; tests that want one ask for it.
        cases={"spot_check_fraction": 0.0},
        # The weekly briefing's job would post into the staff chat mid-test; its tests turn it on.
        briefing={"enabled": False},
    )


@pytest.fixture
async def pingan(config: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(config, clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
def make_user(emulator: Emulator) -> Callable[..., UserClient]:
    """A new person with a private chat with the bot: make_user("李华", language_code="zh")."""
    ids = count(500001)

    def make(first_name: str = "Li Hua", *, language_code: str | None = "zh", user_id: int | None = None,
             username: str | None = None) -> UserClient:
        user = emulator.add_user(first_name=first_name, username=username, language_code=language_code,
                                 user_id=user_id if user_id is not None else next(ids))
        emulator.add_private_chat(user["id"])
        return UserClient(emulator, user, user["id"])

    return make


@pytest.fixture
def admin(make_user: Callable[..., UserClient], pingan: BotHarness) -> UserClient:
    """The admin named in the config, speaking English."""
    return make_user("Admin Chen", language_code="en", user_id=ADMIN_ID, username="admin_chen")


@pytest.fixture
def staff_chat(emulator: Emulator) -> int:
    """The configured staff chat, with the bot in it as an administrator."""
    emulator.add_group("Staff", chat_id=STAFF_CHAT_ID, members=[], admins=[])
    emulator.add_bot_to_group(STAFF_CHAT_ID, by_user_id=1, status="administrator")
    return STAFF_CHAT_ID
