"""The emulated Telegram world: users, chats, messages, files and the bot's update queue.

Everything lives in memory. This module knows nothing about HTTP: the Bot API routes
(``botapi.py``) and the control routes (``control.py``) both act on a :class:`World`, and tests
drive it directly in-process. Every change is recorded in a change feed (``events_since``) and
wakes the coroutines waiting in :meth:`World.wait_for`, so nobody has to poll with sleeps.

Messages are stored as the exact Telegram JSON a bot would receive. They are never mutated in
place: an edit replaces the dict, so an update already queued keeps the message as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.emulator.faults import Delays, FaultKind, Outage, RandomFaults, take_matching
from bot.emulator.flood import FloodLimiter
from bot.emulator.formatting import detect_entities

logger = logging.getLogger("pingan.emulator")

T = TypeVar("T")

#: Update kinds a bot gets when it asks for "all" (an empty allowed_updates list or none at all).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
#: Keys of a message that carry its content (what copyMessage copies).
CONTENT_KEYS = ("text", "entities", "photo", "document", "voice", "video", "audio", "animation",
                "sticker", "location", "contact", "venue", "caption", "caption_entities")
MEDIA_KEYS = ("photo", "document", "voice", "video", "audio", "animation", "sticker")

_FILE_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "video": "BAAC", "audio": "CQAC",
                "animation": "CgAC", "sticker": "CAAC"}
_FILE_FOLDER = {"photo": "photos", "document": "documents", "voice": "voice", "video": "videos",
                "audio": "music", "animation": "animations", "sticker": "stickers"}
_DEFAULT_EXT = {"photo": "jpg", "document": "bin", "voice": "oga", "video": "mp4", "audio": "mp3",
                "animation": "mp4", "sticker": "webp"}


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters or None

    def to_json(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, **parameters: Any) -> ApiError:
    """A 400 with Telegram's "Bad Request: ..." wording."""
    return ApiError(400, f"Bad Request: {detail}", parameters or None)


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request (to the Bot API or the control API)."""

    filename: str | None
    content_type: str | None
    data: bytes

    def to_json(self) -> dict:
        # How an upload appears in the call log: never the bytes themselves.
        return {"_upload": self.filename, "size": len(self.data)}


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made, as recorded in the call log."""

    method: str
    params: dict
    ok: bool
    error_code: int | None
    at: float
    description: str | None = None
    result: Any = None

    def to_json(self) -> dict:
        return {"method": self.method, "params": self.params, "ok": self.ok, "error_code": self.error_code,
                "description": self.description, "at": self.at, "result": self.result}


@dataclass
class StoredFile:
    """A file known to the world; ``obj`` is its Telegram JSON (PhotoSize, Document, Voice...)."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    obj: dict = field(default_factory=dict)
    #: For photos: the whole PhotoSize array this size belongs to (re-sent as one).
    photo: list[dict] | None = None


@dataclass
class MessageRecord:
    """A message in a chat plus what the emulator knows beyond its Telegram JSON."""

    message: dict
    from_bot: bool
    deleted: bool = False
    pinned: bool = False
    #: The reply_markup as the bot sent it, any kind (Telegram only echoes inline keyboards).
    reply_markup: dict | None = None
    #: Service messages (migration, new members) carry no content.
    service: bool = False
    #: When the message was last pinned (unix time), for "the latest pinned message".
    pinned_at: float | None = None

    @property
    def message_id(self) -> int:
        return self.message["message_id"]

    def view(self) -> dict:
        """The message JSON plus the emulator's ``_from_bot`` / ``_deleted`` / ``_pinned`` keys."""
        view = {**self.message, "_from_bot": self.from_bot, "_deleted": self.deleted, "_pinned": self.pinned}
        if self.reply_markup is not None:
            view["_reply_markup"] = self.reply_markup
        if self.pinned:
            view["_pinned_at"] = self.pinned_at
        return view


@dataclass
class Chat:
    """A private chat (``id`` == the user's id), a basic group or a supergroup."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    members: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    creator: int | None = None
    banned: set[int] = field(default_factory=set)
    #: The bot's status here: member, administrator, left or kicked (a private chat: member or
    #: kicked, the latter meaning the user blocked the bot).
    bot_status: str = "left"
    bot_can_pin: bool = False
    bot_can_delete: bool = False
    migrated_to: int | None = None
    migrated_from: int | None = None
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    #: Pinned message ids, oldest pin first (unpinChatMessage without an id unpins the last).
    pinned: list[int] = field(default_factory=list)
    #: The reply keyboard the bot last showed here (None once removed).
    reply_keyboard: dict | None = None
    menu_button: dict | None = None

    @property
    def is_private(self) -> bool:
        return self.type == "private"


@dataclass
class FailRule:
    """An injected failure for the next ``remaining`` matching calls."""

    method: str
    error: ApiError
    chat_id: int | str | None
    remaining: int


@dataclass
class CallbackRecord:
    """A callback query a user made by pressing a button, and the bot's answer to it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False
    answer: dict | None = None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image (cheap header parsing, no Pillow)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            # SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def canonical_scope(scope: dict | None) -> str:
    """A BotCommandScope as a stable key (no scope == the default scope)."""
    scope = dict(scope or {"type": "default"})
    if isinstance(scope.get("chat_id"), str) and scope["chat_id"].lstrip("-").isdigit():
        scope["chat_id"] = int(scope["chat_id"])
    return json.dumps(scope, sort_keys=True)


class World:
    """All emulator state and the user-side actions (the in-process control API)."""

    def __init__(self, token: str = "123456:TEST", bot_username: str = "pingan_bot", bot_name: str = "Pingan",
                 bot_id: int | None = None) -> None:
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1000000001)
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username}
        self.closing = False
        self._long_polls: dict[str, int] = {}
        self._waiters: set[asyncio.Future] = set()
        self.personas: list[dict] = []
        #: Seconds added to every message's date: a demo clock moved forward (set_demo_clock).
        self.date_shift = 0.0
        #: The IANA zone the chat page shows times in (the deployment's), or None for the browser's.
        self.display_timezone: str | None = None
        self._demo_clock: tuple[list[dict], Callable[[str], Awaitable[dict]]] | None = None
        self._demo_status: dict | None = None
        self.flood = FloodLimiter()
        # These survive reset(): feed readers keep their place, a polling bot's offset stays
        # valid, and ids are never reused.
        self._events: deque[dict] = deque(maxlen=20000)
        self._seq = 0
        self._next_update_id = 1
        self._counter = 0
        #: Every Bot API call answered so far (the call log keeps only the latest 20,000).
        self.call_count = 0
        # The bot's webhook ({url, secret_token}) is the bot's, not the world's: reset() keeps it.
        self.webhook: dict | None = None
        self.webhook_attempts: list[dict] = []
        self._init_state()

    def _init_state(self) -> None:
        self.users: dict[int, dict] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._updates: list[dict] = []
        self.allowed_updates: frozenset[str] | None = None
        self._calls: deque[Call] = deque(maxlen=20000)
        self._fail_rules: list[FailRule] = []
        self.delays = Delays()
        self.random_faults: RandomFaults | None = None
        self.outage = Outage()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.command_lists: dict[tuple[str, str], list[dict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.default_menu_button: dict = {"type": "commands"}
        self.flood.configure(False)

    def reset(self) -> None:
        """Forget every user, chat, message, file, update, call and failure (the bot stays)."""
        self._init_state()
        self.emit("reset", None)

    def close(self) -> None:
        """Mark the world as shutting down: long polls return at once."""
        self.closing = True
        self._changed()

    # ------------------------------------------------------------------ change feed and waiting

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _changed(self) -> None:
        # Wake every waiter; each re-evaluates its own predicate.
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)

    def emit(self, type_: str, chat_id: int | None, **data: Any) -> None:
        """Append an event to the change feed and wake the waiters."""
        self._seq += 1
        self._events.append({"seq": self._seq, "type": type_, "chat_id": chat_id, "at": time.time(), **data})
        self._changed()

    @property
    def last_seq(self) -> int:
        return self._seq

    def events_since(self, seq: int) -> tuple[int, list[dict]]:
        """(last sequence number, the events after ``seq``) from the change feed."""
        return self._seq, [e for e in self._events if e["seq"] > seq]

    async def wait_until(self, predicate: Callable[[], T], timeout: float) -> T | None:
        """The first truthy value of ``predicate`` within ``timeout`` seconds, else that falsy value.

        ``predicate`` is re-evaluated after every change to the world (never on a timer).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            remaining = deadline - loop.time()
            if value or remaining <= 0:
                return value
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Like :meth:`wait_until` but raises ``asyncio.TimeoutError`` describing the state."""
        value = await self.wait_until(predicate, timeout)
        if value:
            return value
        recent = ", ".join(f"{c.method}:{'ok' if c.ok else c.error_code}" for c in list(self._calls)[-8:])
        raise TimeoutError(
            f"wait_for({_describe(predicate)}) got no truthy value within {timeout}s "
            f"(last value {value!r}); recent bot calls: [{recent}]; "
            f"updates waiting for the bot: {len(self._updates)}")

    # ------------------------------------------------------------------ users and chats

    def add_user(self, first_name: str, username: str | None = None, language_code: str | None = None,
                 user_id: int | None = None, last_name: str | None = None) -> dict:
        """Create a (human) user; returns its Telegram User JSON."""
        if user_id is None:
            user_id = 700000000 + self._next()
            while user_id in self.users:
                user_id += 1
        if user_id in self.users or user_id == self.bot_id:
            raise ValueError(f"user id {user_id} is already taken")
        if not first_name:
            raise ValueError("first_name is required")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        self.emit("user", None, user=dict(user))
        return dict(user)

    def user(self, user_id: int) -> dict:
        """The User JSON of a user (or of the bot)."""
        if user_id == self.bot_id:
            return dict(self.bot_user)
        try:
            return dict(self.users[int(user_id)])
        except (KeyError, ValueError):
            raise LookupError(f"no user {user_id}") from None

    def add_private_chat(self, user_id: int) -> dict:
        """The user's private chat with the bot, created if needed (as if they pressed Start)."""
        return self.chat_json(self._private_chat(user_id))

    def _private_chat(self, user_id: int) -> Chat:
        self.user(user_id)
        chat = self.chats.get(user_id)
        if chat is None:
            chat = Chat(id=user_id, type="private", members=[user_id], bot_status="member")
            self.chats[user_id] = chat
            self.emit("chat", chat.id, chat=self.chat_view(chat))
        return chat

    def add_group(self, title: str, type: str = "supergroup", members: Iterable[int] = (),  # noqa: A002
                  admins: Iterable[int] = (), chat_id: int | None = None, username: str | None = None) -> dict:
        """Create a group; the first admin is its creator. Returns the Chat JSON."""
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        admins = [int(a) for a in admins]
        members = list(dict.fromkeys([*(int(m) for m in members), *admins]))
        for uid in members:
            self.user(uid)
        if chat_id is None:
            chat_id = self._new_group_id(type)
        if chat_id >= 0 or chat_id in self.chats:
            raise ValueError(f"group id {chat_id} must be negative and unused")
        chat = Chat(id=chat_id, type=type, title=title, username=username, members=members, admins=admins,
                    creator=admins[0] if admins else None)
        self.chats[chat_id] = chat
        self.emit("chat", chat_id, chat=self.chat_view(chat))
        return self.chat_json(chat)

    def add_member(self, chat_id: int, user_id: int, *, admin: bool = False) -> None:
        """A user joins a group (no update is sent: the bot sees members only through their messages)."""
        chat = self.chat(chat_id)
        self.user(user_id)
        if user_id not in chat.members:
            chat.members.append(user_id)
        if admin and user_id not in chat.admins:
            chat.admins.append(user_id)
        self.emit("chat", chat_id, chat=self.chat_view(chat))

    def _new_group_id(self, type_: str) -> int:
        base = -1002000000000 if type_ == "supergroup" else -4000000000
        chat_id = base - self._next()
        while chat_id in self.chats:
            chat_id -= 1
        return chat_id

    def chat(self, chat_id: int) -> Chat:
        """The Chat record (LookupError if unknown)."""
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError):
            raise LookupError(f"no chat {chat_id}") from None

    def find_chat(self, chat_id: int | str) -> Chat | None:
        """A chat by id or by ``@username`` (as the Bot API accepts it)."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next((c for c in self.chats.values() if c.username and c.username.lower() == name), None)
        try:
            return self.chats.get(int(chat_id))
        except (TypeError, ValueError):
            return None

    def chat_json(self, chat: Chat) -> dict:
        """The Telegram Chat JSON of a chat."""
        if chat.is_private:
            user = self.users[chat.id]
            data = {"id": chat.id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    data[key] = user[key]
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            data["username"] = chat.username
        return data

    def chat_view(self, chat: Chat) -> dict:
        """Chat JSON plus the emulator's view of membership and the bot's rights."""
        return {**self.chat_json(chat), "_members": list(chat.members), "_admins": list(chat.admins),
                "_creator": chat.creator, "_bot_status": chat.bot_status, "_bot_can_pin_messages": chat.bot_can_pin,
                "_migrated_to": chat.migrated_to, "_migrated_from": chat.migrated_from,
                "_reply_keyboard": chat.reply_keyboard, "_menu_button": chat.menu_button}

    def bot_receives(self, chat: Chat) -> bool:
        """Whether messages in ``chat`` reach the bot as updates."""
        if chat.migrated_to is not None:
            return False
        if chat.is_private:
            return chat.bot_status != "kicked"
        return chat.bot_status in ("member", "administrator")

    # ------------------------------------------------------------------ chat members

    def member_json(self, chat: Chat, user_id: int) -> dict:
        """The ChatMember JSON of a user (or the bot) in a chat."""
        user = self.user(user_id)
        if user_id == self.bot_id:
            status = chat.bot_status
            if status == "administrator":
                return _admin_json(user, can_pin=chat.bot_can_pin, can_delete=chat.bot_can_delete)
            if status == "kicked":
                return {"status": "kicked", "user": user, "until_date": 0}
            return {"status": status, "user": user}
        if chat.is_private:
            return {"status": "member" if user_id == chat.id else "left", "user": user}
        if user_id == chat.creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            return _admin_json(user, can_pin=True, can_delete=True)
        if user_id in chat.banned:
            return {"status": "kicked", "user": user, "until_date": 0}
        if user_id in chat.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _actor(self, user_id: int) -> dict:
        """Who did something to a chat: a known user, or a placeholder for an unknown id (tests
        often do not bother creating the admin who added the bot)."""
        try:
            return self.user(user_id)
        except LookupError:
            return {"id": int(user_id), "is_bot": False, "first_name": f"User {user_id}"}

    def _my_chat_member(self, chat: Chat, by_user_id: int, old: dict) -> dict:
        update = {"my_chat_member": {"chat": self.chat_json(chat), "from": self._actor(by_user_id),
                                     "date": self.message_date(), "old_chat_member": old,
                                     "new_chat_member": self.member_json(chat, self.bot_id)}}
        self.emit("chat", chat.id, chat=self.chat_view(chat))
        return self.queue_update(update)

    def _group(self, chat_id: int) -> Chat:
        chat = self.chat(chat_id)
        if chat.is_private:
            raise ValueError(f"chat {chat_id} is a private chat, not a group")
        return chat

    def add_bot_to_group(self, chat_id: int, by_user_id: int, status: str = "member",
                         can_pin_messages: bool = False) -> dict:
        """``by_user_id`` adds the bot; queues my_chat_member (and, in a basic group, the
        new_chat_members service message). Returns the my_chat_member update."""
        chat = self._group(chat_id)
        if status not in ("member", "administrator"):
            raise ValueError("status must be 'member' or 'administrator'")
        old = self.member_json(chat, self.bot_id)
        self._set_rights(chat, status, can_pin_messages, True)
        update = self._my_chat_member(chat, by_user_id, old)
        if chat.type == "group":
            record = self._append_message(chat, self._actor(by_user_id), False,
                                          {"new_chat_members": [self.user(self.bot_id)]}, service=True)
            self.queue_update({"message": record.message})
        return update

    def _set_rights(self, chat: Chat, status: str, can_pin: bool, can_delete: bool) -> None:
        chat.bot_status = status
        chat.bot_can_pin = bool(can_pin) and status == "administrator"
        chat.bot_can_delete = bool(can_delete) and status == "administrator"

    def set_bot_rights(self, chat_id: int, status: str = "administrator", can_pin_messages: bool = False,
                       can_delete_messages: bool = True) -> None:
        """Change the bot's status/rights in a group without queuing an update."""
        if status not in ("member", "administrator", "left", "kicked"):
            raise ValueError(f"unknown status {status!r}")
        chat = self._group(chat_id)
        self._set_rights(chat, status, can_pin_messages, can_delete_messages)
        self.emit("chat", chat.id, chat=self.chat_view(chat))

    def remove_bot_from_group(self, chat_id: int, by_user_id: int, status: str = "kicked") -> dict:
        """A member removes the bot (kicked) or it is made to leave (left); later sends get 403."""
        if status not in ("kicked", "left"):
            raise ValueError("status must be 'kicked' or 'left'")
        chat = self._group(chat_id)
        old = self.member_json(chat, self.bot_id)
        self._set_rights(chat, status, False, False)
        return self._my_chat_member(chat, by_user_id, old)

    def bot_leaves(self, chat: Chat) -> None:
        """The bot left a group by itself (leaveChat)."""
        old = self.member_json(chat, self.bot_id)
        self._set_rights(chat, "left", False, False)
        self._my_chat_member(chat, self.bot_id, old)

    def block_bot(self, user_id: int) -> dict:
        """The user blocks the bot: my_chat_member (kicked); later sends to them get 403."""
        chat = self._private_chat(user_id)
        old = self.member_json(chat, self.bot_id)
        chat.bot_status = "kicked"
        return self._my_chat_member(chat, user_id, old)

    def unblock_bot(self, user_id: int) -> dict:
        """The user unblocks (restarts) the bot: my_chat_member (member)."""
        chat = self._private_chat(user_id)
        old = self.member_json(chat, self.bot_id)
        chat.bot_status = "member"
        return self._my_chat_member(chat, user_id, old)

    def migrate_group(self, chat_id: int) -> int:
        """Upgrade a basic group to a supergroup; returns the new chat id.

        Queues the two service messages Telegram sends (migrate_to_chat_id in the old chat,
        migrate_from_chat_id in the new one); later Bot API calls on the old id fail with
        ``migrate_to_chat_id``.
        """
        old = self._group(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a basic group that can be upgraded")
        new = Chat(id=self._new_group_id("supergroup"), type="supergroup", title=old.title,
                   members=list(old.members), admins=list(old.admins), creator=old.creator,
                   bot_status=old.bot_status, bot_can_pin=old.bot_can_pin, bot_can_delete=old.bot_can_delete,
                   migrated_from=old.id)
        self.chats[new.id] = new
        actor = self.user(old.creator or (old.members[0] if old.members else self.bot_id))
        deliver = self.bot_receives(old)
        to_msg = self._append_message(old, actor, False, {"migrate_to_chat_id": new.id}, service=True)
        from_msg = self._append_message(new, actor, False, {"migrate_from_chat_id": old.id}, service=True)
        old.migrated_to = new.id
        if deliver:
            self.queue_update({"message": to_msg.message})
            self.queue_update({"message": from_msg.message})
        self.emit("chat", old.id, chat=self.chat_view(old))
        self.emit("chat", new.id, chat=self.chat_view(new))
        return new.id

    # ------------------------------------------------------------------ messages

    def _append_message(self, chat: Chat, sender: dict, from_bot: bool, content: dict, *,
                        reply_to: MessageRecord | None = None, reply_markup: dict | None = None,
                        service: bool = False) -> MessageRecord:
        message: dict[str, Any] = {"message_id": chat.next_message_id, "from": dict(sender),
                                   "chat": self.chat_json(chat), "date": self.message_date()}
        chat.next_message_id += 1
        if reply_to is not None:
            # Telegram nests one level only: the replied-to message without its own reply.
            message["reply_to_message"] = {k: v for k, v in reply_to.message.items() if k != "reply_to_message"}
        message.update(content)
        if reply_markup and "inline_keyboard" in reply_markup:
            message["reply_markup"] = reply_markup
        record = MessageRecord(message=message, from_bot=from_bot, reply_markup=reply_markup, service=service)
        chat.messages[message["message_id"]] = record
        self.emit("message", chat.id, message=record.view())
        return record

    def post_bot_message(self, chat: Chat, content: dict, *, reply_to: MessageRecord | None = None,
                         reply_markup: dict | None = None) -> MessageRecord:
        """Store a message the bot sent (bots get no updates about their own messages)."""
        if reply_markup is not None:
            if "keyboard" in reply_markup:
                chat.reply_keyboard = reply_markup
            elif "remove_keyboard" in reply_markup:
                chat.reply_keyboard = None
        return self._append_message(chat, self.bot_user, True, content, reply_to=reply_to,
                                    reply_markup=reply_markup)

    def edit_message(self, chat: Chat, record: MessageRecord, changes: dict[str, Any],
                     inline_markup: dict | None) -> dict:
        """Replace content keys (``None`` removes a key) and the inline keyboard; returns the JSON."""
        message = {k: v for k, v in record.message.items() if k != "reply_markup"}
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if inline_markup:
            message["reply_markup"] = inline_markup
        message["edit_date"] = self.message_date()
        record.message = message
        record.reply_markup = inline_markup
        self.emit("edit", chat.id, message=record.view())
        return message

    def delete_message(self, chat: Chat, record: MessageRecord) -> None:
        record.deleted = True
        if record.pinned:
            self.set_pinned(chat, record, False)
        self.emit("delete", chat.id, message_id=record.message_id)

    def set_pinned(self, chat: Chat, record: MessageRecord, pinned: bool) -> None:
        record.pinned = pinned
        record.pinned_at = time.time() if pinned else None
        if record.message_id in chat.pinned:
            chat.pinned.remove(record.message_id)
        if pinned:
            chat.pinned.append(record.message_id)
        self.emit("pin", chat.id, message_id=record.message_id, pinned=pinned)

    def ban_member(self, chat: Chat, user_id: int) -> None:
        """The bot bans a user from a group."""
        chat.members = [m for m in chat.members if m != user_id]
        chat.admins = [a for a in chat.admins if a != user_id]
        chat.banned.add(user_id)
        self.emit("chat", chat.id, chat=self.chat_view(chat))

    def unban_member(self, chat: Chat, user_id: int) -> None:
        chat.banned.discard(user_id)
        self.emit("chat", chat.id, chat=self.chat_view(chat))

    def new_media_group_id(self) -> str:
        return str(13000000000000000 + self._next())

    def chat_action(self, chat: Chat, action: str) -> None:
        self.emit("action", chat.id, action=action)

    def message(self, chat_id: int, message_id: int, include_deleted: bool = False) -> MessageRecord:
        """A message record (LookupError if unknown or deleted)."""
        record = self.chat(chat_id).messages.get(int(message_id))
        if record is None or (record.deleted and not include_deleted):
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return record

    def chat_messages(self, chat_id: int, include_deleted: bool = False) -> list[dict]:
        """Every message in the chat, oldest first, with the ``_from_bot``/``_deleted``/``_pinned`` keys."""
        return [r.view() for r in self.chat(chat_id).messages.values() if include_deleted or not r.deleted]

    def bot_messages(self, chat_id: int, after: int = 0) -> list[dict]:
        """The bot's (undeleted) messages in the chat with an id above ``after``, oldest first."""
        # Newest first, stopping at `after`: a waiter re-reads a long chat after every change.
        newer = []
        for record in reversed(self.chat(chat_id).messages.values()):
            if record.message_id <= after:
                break
            if record.from_bot and not record.deleted:
                newer.append(record.view())
        newer.reverse()
        return newer

    def last_bot_message(self, chat_id: int) -> dict | None:
        """The bot's latest undeleted message in the chat, or None."""
        for record in reversed(self.chat(chat_id).messages.values()):
            if record.from_bot and not record.deleted:
                return record.view()
        return None

    def user_sends(self, user_id: int, chat_id: int, text: str | None = None, *, photo: bytes | None = None,
                   caption: str | None = None, document: tuple[str, bytes, str] | None = None,
                   voice: bytes | None = None, contact: dict | None = None,
                   location: tuple[float, float] | None = None, media_group_id: str | None = None,
                   reply_to_message_id: int | None = None, sticker: bool = False,
                   voice_duration: int = 1, forwarded_from: str | None = None) -> dict:
        """A user sends a message; queues the ``message`` update and returns the message JSON.

        Sending to one's own private chat creates it (and unblocks the bot, as the app's
        "Restart" button does). A shared ``contact`` gets the sender's ``user_id`` unless the
        dict says otherwise (``"user_id": None`` shares someone else's contact). ``forwarded_from``
        makes it a forward of a message by that (hidden) sender, as when someone forwards a text
        message they received.
        """
        user = self.user(user_id)
        chat = self._chat_for_user(user_id, chat_id)
        content = self._user_content(user_id, text, photo, caption, document, voice, contact, location,
                                     sticker, voice_duration)
        if media_group_id is not None:
            content["media_group_id"] = str(media_group_id)
        if forwarded_from is not None:
            content["forward_origin"] = {"type": "hidden_user", "sender_user_name": forwarded_from,
                                         "date": self.message_date()}
        reply_to = self.message(chat.id, reply_to_message_id) if reply_to_message_id is not None else None
        record = self._append_message(chat, user, False, content, reply_to=reply_to)
        if self.bot_receives(chat):
            self.queue_update({"message": record.message})
        return dict(record.message)

    def user_edits(self, user_id: int, chat_id: int, message_id: int, text: str) -> dict:
        """The user edits the text (or a media message's caption) of one of their own messages;
        queues the ``edited_message`` update and returns the message JSON."""
        chat = self.chat(chat_id)
        record = self.message(chat.id, message_id)
        if record.from_bot or record.message.get("from", {}).get("id") != user_id:
            raise ValueError("a user can edit only their own messages")
        key = "text" if "text" in record.message else "caption"
        message = self.edit_message(chat, record, {key: text, "entities": None, "caption_entities": None},
                                    record.reply_markup if record.reply_markup and "inline_keyboard" in
                                    record.reply_markup else None)
        if self.bot_receives(chat):
            self.queue_update({"edited_message": message})
        return dict(message)

    def _chat_for_user(self, user_id: int, chat_id: int) -> Chat:
        if chat_id == user_id:
            chat = self._private_chat(user_id)
            if chat.bot_status == "kicked":
                self.unblock_bot(user_id)
            return chat
        chat = self.chat(chat_id)
        if chat.is_private:
            raise ValueError(f"user {user_id} cannot write in the private chat of user {chat_id}")
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} was upgraded to supergroup {chat.migrated_to}")
        if user_id not in chat.members:
            raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        return chat

    def _user_content(self, user_id: int, text: str | None, photo: bytes | None, caption: str | None,
                      document: tuple[str, bytes, str] | None, voice: bytes | None, contact: dict | None,
                      location: tuple[float, float] | None, sticker: bool, voice_duration: int) -> dict:
        content: dict[str, Any] = {}
        if photo is not None:
            content["photo"] = self.store_photo(photo)
        if document is not None:
            name, data, mime = document
            content["document"] = self.store_file("document", data, file_name=name, mime_type=mime).obj
        if voice is not None:
            content["voice"] = self.store_file("voice", voice, mime_type="audio/ogg",
                                               extra={"duration": voice_duration}).obj
        if sticker:
            content["sticker"] = self.store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", mime_type="image/webp",
                                                 extra={"type": "regular", "width": 512, "height": 512,
                                                        "is_animated": False, "is_video": False,
                                                        "emoji": "🙂"}).obj
        if contact is not None:
            if not contact.get("phone_number") or not contact.get("first_name"):
                raise ValueError("a contact needs phone_number and first_name")
            shared = {"user_id": user_id, **contact}
            content["contact"] = {k: v for k, v in shared.items() if v is not None}
        if location is not None:
            latitude, longitude = location
            content["location"] = {"latitude": float(latitude), "longitude": float(longitude)}
        if text is not None:
            if content:
                raise ValueError("text cannot be combined with media; use caption")
            if not text.strip():
                raise ValueError("message text is empty")
            content["text"] = text
            if entities := detect_entities(text):
                content["entities"] = entities
        elif not content:
            raise ValueError("nothing to send: give text, photo, document, voice, contact, location or sticker")
        if caption is not None:
            if not any(k in content for k in MEDIA_KEYS):
                raise ValueError("a caption needs a photo, document or voice")
            content["caption"] = caption
            if entities := detect_entities(caption):
                content["caption_entities"] = entities
        return content

    # ------------------------------------------------------------------ buttons and callbacks

    def find_button(self, chat_id: int, message_id: int, text: str | None = None, *, data: str | None = None,
                    row: int | None = None, col: int | None = None) -> dict:
        """An inline button of a bot message, by exact text, callback_data or position."""
        record = self.message(chat_id, message_id)
        if not record.from_bot:
            raise LookupError(f"message {message_id} in chat {chat_id} was not sent by the bot")
        rows = record.message.get("reply_markup", {}).get("inline_keyboard", [])
        if row is not None or col is not None:
            try:
                return dict(rows[row or 0][col or 0])
            except IndexError:
                raise LookupError(f"no button at row {row}, col {col} of message {message_id}") from None
        if text is None and data is None:
            raise ValueError("give the button's text, data, or row/col")
        for button in (b for r in rows for b in r):
            if (text is None or button.get("text") == text) and (data is None or button.get("callback_data") == data):
                return dict(button)
        labels = [b.get("text") for r in rows for b in r]
        raise LookupError(f"no button text={text!r} data={data!r} in message {message_id} (buttons: {labels})")

    def press_button(self, user_id: int, chat_id: int, message_id: int, *, text: str | None = None,
                     data: str | None = None, row: int | None = None, col: int | None = None) -> str:
        """A user presses an inline callback button; queues callback_query, returns its id."""
        user = self.user(user_id)
        chat = self.chat(chat_id)
        if user_id not in chat.members:
            raise ValueError(f"user {user_id} is not in chat {chat_id}")
        button = self.find_button(chat_id, message_id, text, data=data, row=row, col=col)
        if "url" in button:
            raise ValueError(f"button {button.get('text')!r} is a URL button opening {button['url']}")
        if "callback_data" not in button:
            kinds = sorted(k for k in button if k != "text")
            raise ValueError(f"button {button.get('text')!r} is not a callback button ({', '.join(kinds)})")
        record = self.message(chat_id, message_id)
        query_id = str(4000000000000000000 + self._next())
        self.callbacks[query_id] = CallbackRecord(query_id, user_id, chat.id, message_id, button["callback_data"])
        self.queue_update({"callback_query": {
            "id": query_id, "from": user, "message": dict(record.message),
            # chat_instance identifies the chat, stable across presses, as in Telegram.
            "chat_instance": str(abs(chat.id) * 1000003 % 2**62), "data": button["callback_data"]}})
        return query_id

    def answer_callback(self, query_id: str, answer: dict) -> None:
        record = self.callbacks[query_id]
        record.answered = True
        record.answer = answer
        self.emit("callback_answer", record.chat_id, callback_query_id=query_id, message_id=record.message_id,
                    answer=answer)

    def callback_answer(self, query_id: str) -> dict | None:
        """The bot's answer to a callback query: ``{"text", "show_alert", "url"?}`` or None."""
        record = self.callbacks.get(query_id)
        return dict(record.answer) if record and record.answer is not None else None

    # ------------------------------------------------------------------ the bot's update queue

    def queue_update(self, payload: dict) -> dict:
        """Give ``payload`` an update_id and queue it, unless the bot's allowed_updates exclude it."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self.flood.heard_from(_chat_written_in(payload))
        kind = next(k for k in payload if k != "update_id")
        excluded = (self.allowed_updates is not None and kind not in self.allowed_updates) or \
                   (self.allowed_updates is None and kind in DEFAULT_EXCLUDED_UPDATES)
        if excluded:
            logger.debug("update %s (%s) dropped by allowed_updates", update["update_id"], kind)
        else:
            self._updates.append(update)
            self._changed()
        return update

    def inject_update(self, update: dict) -> int:
        """Queue a raw update (any update_id in it is replaced); returns its update_id."""
        payload = {k: v for k, v in update.items() if k != "update_id"}
        if len(payload) != 1:
            raise ValueError("an update has exactly one field besides update_id")
        new = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        query = payload.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            # An injected press is one Telegram knows about: the bot may answer it once.
            message = query.get("message") or {}
            self.callbacks[str(query["id"])] = CallbackRecord(
                str(query["id"]), (query.get("from") or {}).get("id", 0), (message.get("chat") or {}).get("id", 0),
                message.get("message_id", 0), query.get("data"))
        self._updates.append(new)  # injected updates bypass allowed_updates on purpose
        self._changed()
        return new["update_id"]

    def set_allowed_updates(self, allowed: list[str]) -> None:
        self.allowed_updates = (frozenset(allowed) if allowed else None)

    def confirm_updates(self, offset: int | None) -> None:
        """Telegram's confirm-by-offset: drop updates below ``offset``; a negative offset keeps
        only the last ``-offset`` updates."""
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def pending_updates(self, offset: int | None, limit: int) -> list[dict]:
        updates = self._updates
        if offset is not None and offset > 0:
            updates = [u for u in updates if u["update_id"] >= offset]
        return updates[:limit]

    @property
    def polling(self) -> bool:
        """Whether the bot's getUpdates long poll is waiting right now (tests wait for this)."""
        return self.long_polls("getUpdates") > 0

    def long_polls(self, kind: str) -> int:
        """How many long polls of ``kind`` ("getUpdates" or "events") are waiting."""
        return self._long_polls.get(kind, 0)

    def long_poll_waiting(self, kind: str, waiting: bool) -> None:
        self._long_polls[kind] = self.long_polls(kind) + (1 if waiting else -1)
        self._changed()

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    @property
    def pending_update_count(self) -> int:
        return len(self._updates)

    # ------------------------------------------------------------------ the webhook

    def set_webhook(self, url: str, secret_token: str | None) -> None:
        self.webhook = {"url": url, "secret_token": secret_token, "last_error_date": None,
                        "last_error_message": None}
        self._changed()

    def delete_webhook(self) -> None:
        self.webhook = None
        self._changed()

    def next_webhook_update(self) -> dict | None:
        """The oldest queued update, while a webhook is set (delivered one at a time, in order)."""
        return self._updates[0] if self.webhook is not None and self._updates else None

    def webhook_attempted(self, update_id: int, status: int | None, error: str | None) -> None:
        """Records one delivery; a 2xx one takes the update off the queue."""
        self.webhook_attempts.append({"update_id": update_id, "status": status, "at": time.time()})
        if error is None:
            self._updates = [u for u in self._updates if u["update_id"] != update_id]
        elif self.webhook is not None:
            self.webhook.update(last_error_date=int(time.time()), last_error_message=error)
        self._changed()

    def webhook_statuses(self, update_id: int) -> list[int | None]:
        """The HTTP status of each delivery of one update (None: no answer), in order."""
        return [a["status"] for a in self.webhook_attempts if a["update_id"] == update_id]

    # ------------------------------------------------------------------ files

    def store_file(self, kind: str, data: bytes, *, file_name: str | None = None, mime_type: str | None = None,
                   extra: dict | None = None) -> StoredFile:
        """Keep ``data`` as a new file of ``kind`` (photo, document, voice, video, audio, ...)."""
        n = self._next()
        digest = hashlib.sha1(data).hexdigest()[:12]
        file_id = f"{_FILE_PREFIX.get(kind, 'BQAC')}{n:07d}_{digest}"
        unique = f"AQAD{n:07d}"
        ext = (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else None) or \
            ("png" if data[:4] == b"\x89PNG" else _DEFAULT_EXT.get(kind, "bin"))
        path = f"{_FILE_FOLDER.get(kind, 'documents')}/file_{n}.{ext}"
        obj: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
        if kind != "photo":
            if file_name and kind in ("document", "video", "audio", "animation"):
                obj["file_name"] = file_name
            if mime_type and kind != "sticker":
                obj["mime_type"] = mime_type
        obj.update(extra or {})
        obj["file_size"] = len(data)
        stored = StoredFile(file_id, unique, kind, data, path, mime_type, obj)
        self.files[file_id] = stored
        self._files_by_path[path] = stored
        return stored

    def store_photo(self, data: bytes) -> list[dict]:
        """Keep a photo; returns its PhotoSize array (thumbnails share the original's bytes)."""
        width, height = image_size(data) or (512, 512)  # unknown formats still make a photo
        dims = [_scaled(width, height, edge) for edge in (90, 320) if max(width, height) > edge]
        dims.append((width, height))
        stored = [self.store_file("photo", data, mime_type="image/jpeg", extra={"width": w, "height": h})
                  for w, h in dims]
        sizes = [s.obj for s in stored]
        for s in stored:
            s.photo = sizes
        return sizes

    def file(self, file_id: str) -> StoredFile:
        try:
            return self.files[file_id]
        except KeyError:
            raise LookupError(f"no file {file_id}") from None

    def file_by_path(self, path: str) -> StoredFile | None:
        return self._files_by_path.get(path)

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot or a user sent."""
        return self.file(file_id).data

    # ------------------------------------------------------------------ calls, failures, flood

    def record_call(self, method: str, params: dict, ok: bool, error_code: int | None = None,
                    description: str | None = None, result: Any = None) -> Call:
        call = Call(method, params, ok, error_code, time.time(), description, result)
        self._calls.append(call)
        self.call_count += 1
        self._changed()
        return call

    @property
    def calls(self) -> list[Call]:
        """Every Bot API call the bot made, oldest first."""
        return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method (case-insensitive)."""
        return [c for c in self._calls if c.method.lower() == method.lower()]

    def fail_next(self, method: str, error_code: int = 500, description: str | None = None,
                  retry_after: int | None = None, chat_id: int | str | None = None, times: int = 1,
                  migrate_to_chat_id: int | None = None) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail like this."""
        if not 0 < int(error_code) < 1000:
            raise ValueError("error_code must be a positive HTTP-like status")
        if times < 1:
            raise ValueError("times must be at least 1")
        error_code = int(error_code)
        if error_code == 429 and retry_after is None:
            retry_after = 1  # Telegram always says how long to wait
        parameters: dict[str, int] = {}
        if retry_after is not None:
            parameters["retry_after"] = int(retry_after)
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = int(migrate_to_chat_id)
        if description is None:
            description = _default_description(error_code, retry_after)
        self._fail_rules.append(FailRule(method.lower(), ApiError(error_code, description, parameters),
                                         chat_id, int(times)))

    def take_failure(self, method: str, params: dict) -> ApiError | None:
        """The injected failure for this call, if any (consuming one use of it)."""
        rule = take_matching(self._fail_rules, method, params)
        return rule.error if rule is not None else None

    def inject_faults(self, share: float, *, seed: int = 0, kinds: Iterable[str] | None = None,
                      methods: Iterable[str] | None = None, spared: Iterable[str] = ("getMe",),
                      hang_seconds: float = 6.0, retry_after: int = 1,
                      weights: dict[str, float] | None = None) -> RandomFaults:
        """From now on `share` of the calls (seeded) meet one of Telegram's failures; returns the
        plan, whose `counts` say how many met each kind. `share=0` or `stop_faults()` ends it."""
        self.random_faults = RandomFaults(
            share, seed=seed, kinds=frozenset(FaultKind(k) for k in kinds) if kinds is not None else None,
            methods=frozenset(methods) if methods is not None else None, spared=frozenset(spared),
            hang_seconds=hang_seconds, retry_after=retry_after,
            weights={FaultKind(k): w for k, w in (weights or {}).items()})
        return self.random_faults

    def stop_faults(self) -> None:
        """No more random faults, and the outage (if any) is over."""
        self.random_faults = None
        self.outage.end()
        self._changed()

    def start_outage(self, seconds: float) -> None:
        """The whole Bot API answers 502 for `seconds` (getUpdates included)."""
        self.outage.start(seconds)
        self._changed()

    def set_flood_limits(self, enabled: bool, per_chat_per_minute: int = 20, global_per_second: int = 30,
                         private_per_second: int = 1) -> None:
        """Enforce Telegram's send limits (sliding windows); beyond them sends get 429."""
        self.flood.configure(enabled, per_chat_per_minute, global_per_second, private_per_second)

    # ------------------------------------------------------------------ commands and personas

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The bot's command list for exactly this scope and language (as getMyCommands)."""
        return [dict(c) for c in self.command_lists.get((canonical_scope(scope), language_code or ""), [])]

    def set_personas(self, personas: list[dict]) -> None:
        """Sandbox metadata shown by the chat page (``GET /control/world``)."""
        self.personas = [dict(p) for p in personas]
        self.emit("personas", None)

    def message_date(self) -> int:
        """A new message's date: now, on the demo clock when one moved it."""
        return int(time.time() + self.date_shift)

    # ------------------------------------------------------------------ a demo clock (the sandbox's)

    def set_demo_clock(self, actions: list[dict], move: Callable[[str], Awaitable[dict]], status: dict) -> None:
        """Buttons the chat page shows to move a demo's time: `actions` are ``{key, label: {zh, en}}``;
        ``move(key)`` moves the clock (and runs what fell due) and returns the new `status`
        (``{now: ISO time, label: {zh, en}}``). Only the sandbox sets one; tests and a real
        deployment never have it."""
        self._demo_clock = ([dict(a) for a in actions], move)
        self._demo_status = dict(status)
        self.emit("demo_clock", None, status=self._demo_status)

    async def move_demo_clock(self, key: str) -> dict:
        """Runs one demo clock action; KeyError if there is no such action (or no demo clock)."""
        if self._demo_clock is None or key not in {a["key"] for a in self._demo_clock[0]}:
            raise KeyError(key)
        self._demo_status = dict(await self._demo_clock[1](key))
        self.emit("demo_clock", None, status=self._demo_status)
        return self._demo_status

    def world_json(self) -> dict:
        """The whole world as the control API shows it."""
        demo = None if self._demo_clock is None else {"actions": self._demo_clock[0], "status": self._demo_status}
        return {"bot": dict(self.bot_user), "users": [dict(u) for u in self.users.values()],
                "chats": [self.chat_view(c) for c in self.chats.values()], "personas": list(self.personas),
                "timezone": self.display_timezone, "demo_clock": demo, "last_seq": self._seq}


def _admin_json(user: dict, *, can_pin: bool, can_delete: bool) -> dict:
    return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
            "can_manage_chat": True, "can_delete_messages": can_delete, "can_manage_video_chats": True,
            "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
            "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
            "can_delete_stories": False, "can_pin_messages": can_pin, "can_manage_topics": False}


def _scaled(width: int, height: int, edge: int) -> tuple[int, int]:
    factor = edge / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))




def _default_description(error_code: int, retry_after: int | None) -> str:
    return {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            429: f"Too Many Requests: retry after {retry_after}", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}.get(error_code, f"Error {error_code}")


def _describe(predicate: Callable) -> str:
    """The predicate's source, trimmed to the lambda itself when it is one."""
    try:
        source = inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return getattr(predicate, "__qualname__", repr(predicate))
    if "lambda" in source:
        source = source[source.index("lambda"):]
        depth = 0
        for i, char in enumerate(source):  # cut at the bracket that closes the enclosing call
            depth += char in "([{"
            depth -= char in ")]}"
            if depth < 0 or (depth == 0 and char == ","):
                source = source[:i]
                break
    source = " ".join(source.split())
    return source if len(source) <= 160 else source[:157] + "..."


def _chat_written_in(payload: dict) -> int | None:
    """The chat a person wrote or pressed a button in, for an update that is one (flood.REPLY_WINDOW)."""
    message = payload.get("message") or (payload.get("callback_query") or {}).get("message")
    return (message or {}).get("chat", {}).get("id")
