"""Test tools: the real bot on the emulator, and users who talk to it as people do.

Waiting is always on a condition (`emulator.wait_for`), never a fixed sleep.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.emulator import Emulator
from bot.runtime import Pingan
from bot.services import Services

TOKEN = "123456:TEST-token-for-the-emulator"
BOT_USERNAME = "pingan_test_bot"
REPLY_TIMEOUT = 5.0
#: The staff chat of the tests' config (the emulator has it when a test has staff).
STAFF_CHAT_ID = -1009000000001
_forged_ids = itertools.count(1)


class BotHarness:
    """The real Pingan (build_application, storage, services) polling the emulator."""

    def __init__(self, config: Settings, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.bot: Pingan | None = None

    async def start(self) -> None:
        # A short long-poll keeps stop() quick; behaviour is otherwise as in production.
        self.bot = Pingan(self.config, self.clock, poll_timeout=1)
        await self.bot.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def services(self) -> Services:
        assert self.bot is not None and self.bot.services is not None
        return self.bot.services


class UserClient:
    """One person in one chat: sends, presses buttons, and waits for the bot's answers."""

    def __init__(self, emulator: Emulator, user: dict[str, Any], chat_id: int) -> None:
        self.emulator = emulator
        self.user = user
        self.chat_id = chat_id
        self._seen_up_to = self._latest_message_id()

    @property
    def user_id(self) -> int:
        return self.user["id"]

    def in_chat(self, chat_id: int) -> UserClient:
        """The same person, in another chat (e.g. a group)."""
        return UserClient(self.emulator, self.user, chat_id)

    def _latest_message_id(self) -> int:
        """The id of the chat's newest message, deleted or not (0: no chat or no message yet)."""
        try:
            return self.emulator.chat(self.chat_id).next_message_id - 1
        except LookupError:
            return 0

    async def send(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Sends a message as this person; replies are counted from here."""
        message = self.emulator.user_sends(self.user_id, self.chat_id, text, **kwargs)
        self._seen_up_to = max(self._seen_up_to, message["message_id"])
        return message

    def _new_bot_messages(self) -> list[dict[str, Any]]:
        return self.emulator.bot_messages(self.chat_id, after=self._seen_up_to)

    async def reply(self, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """The next message the bot sends in this chat."""
        fresh = await self.emulator.wait_for(lambda: self._new_bot_messages(), timeout=timeout)
        message = fresh[0]
        self._seen_up_to = message["message_id"]
        return message

    async def ask(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Send, then return the bot's single reply."""
        await self.send(text, **kwargs)
        return await self.reply()

    def pending_replies(self) -> list[dict[str, Any]]:
        """Bot messages not yet consumed by reply()."""
        return self._new_bot_messages()

    async def click(self, message: dict[str, Any], text: str | None = None, data: str | None = None,
                    timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """Presses a button under `message` and waits until the bot answered the press."""
        query_id = self.emulator.press_button(self.user_id, self.chat_id, message["message_id"], text=text, data=data)
        return await self.emulator.wait_for(lambda: self.emulator.callback_answer(query_id), timeout=timeout)

    async def forge_press(self, message: dict[str, Any], data: str, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """A press with callback data no button carries (as a modified client could send)."""
        query_id = f"forged-{next(_forged_ids)}"
        self.emulator.inject_update({"callback_query": {
            "id": query_id,
            "from": self.user,
            "chat_instance": f"forged-{self.chat_id}",
            "message": self.current(message),
            "data": data,
        }})
        return await self.emulator.wait_for(lambda: self.emulator.callback_answer(query_id), timeout=timeout)

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """The message's present state (after edits)."""
        return self.emulator.message(self.chat_id, message["message_id"], include_deleted=True).view()


def button_texts(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def button_urls(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["url"] for row in markup.get("inline_keyboard", []) for b in row if "url" in b]
