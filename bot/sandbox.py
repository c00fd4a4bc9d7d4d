"""`pingan sandbox`: the bot, fully offline, against the project's own Telegram emulator.

A small demo world is seeded: a resident, an officer and an admin, each with a private chat,
a homeowners' group and the staff chat. The emulator also serves the web chat page where a
person plays any of them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings, StorageSettings, TelegramSettings
from bot.config_notices import GroupDeclaration
from bot.emulator import Emulator
from bot.runtime import Pingan
from storage.models import GroupKind, Role

logger = logging.getLogger("pingan.sandbox")

SANDBOX_TOKEN = "1000000001:sandbox-offline-token"
SANDBOX_BOT_USERNAME = "pingan_sandbox_bot"
HOMEOWNERS_GROUP_ID = -1001000000101
STAFF_CHAT_ID = -1001000000201
DEMO_AREA = "阳光花园"


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    first_name: str
    username: str
    language_code: str
    label_zh: str
    label_en: str
    phone: str
    role: Role
    in_staff_chat: bool


PERSONAS = (
    Persona("resident", 1001, "李华", "lihua", "zh", "居民 李华", "Resident Li Hua", "+8613800138000",
            Role.RESIDENT, False),
    Persona("officer", 2001, "王警官", "officer_wang", "zh", "社区民警 王警官", "Officer Wang", "+8613900139000",
            Role.OFFICER, True),
    Persona("admin", 3001, "Chen", "admin_chen", "en", "管理员 陈", "Admin Chen", "+8613700137000",
            Role.ADMIN, True),
)


@dataclass
class Sandbox:
    """A running sandbox: the emulator (with the page) and the bot polling it."""

    emulator: Emulator
    bot: Pingan

    @property
    def url(self) -> str:
        return f"{self.emulator.base_url}/"

    async def stop(self) -> None:
        await self.bot.stop()
        await self.emulator.stop()


def sandbox_config(config: Settings, api_url: str) -> Settings:
    """The operator's config, pointed at the emulator and its own database, with the demo groups
    declared (a homeowners' group of one compound, and the staff chat)."""
    declared = [d for d in config.groups if d.chat_id not in (HOMEOWNERS_GROUP_ID, STAFF_CHAT_ID)]
    declared += [
        GroupDeclaration(chat_id=HOMEOWNERS_GROUP_ID, kind=GroupKind.HOMEOWNERS, area=DEMO_AREA),
        GroupDeclaration(chat_id=STAFF_CHAT_ID, kind=GroupKind.STAFF),
    ]
    reports = config.reports.model_copy(update={"areas": [DEMO_AREA, *config.reports.areas]})
    return config.model_copy(update={
        "telegram": TelegramSettings(token=SANDBOX_TOKEN, api_url=api_url),
        "storage": StorageSettings(path=config.sandbox.storage_path),
        "staff_chat_id": STAFF_CHAT_ID,
        "admins": sorted({*config.admins, *(p.user_id for p in PERSONAS if p.role is Role.ADMIN)}),
        "groups": declared,
        "reports": reports,
    })


def seed_world(emulator: Emulator) -> None:
    for persona in PERSONAS:
        emulator.add_user(first_name=persona.first_name, username=persona.username,
                          language_code=persona.language_code, user_id=persona.user_id)
        emulator.add_private_chat(persona.user_id)
    everyone = [p.user_id for p in PERSONAS]
    staff = [p.user_id for p in PERSONAS if p.in_staff_chat]
    emulator.add_group("阳光花园业主群 · Sunshine Garden homeowners", members=everyone,
                       admins=[PERSONAS[2].user_id], chat_id=HOMEOWNERS_GROUP_ID)
    emulator.add_group("平安值班室 · Pingan staff", members=staff, admins=staff, chat_id=STAFF_CHAT_ID)
    for chat_id in (HOMEOWNERS_GROUP_ID, STAFF_CHAT_ID):
        emulator.add_bot_to_group(chat_id, by_user_id=PERSONAS[2].user_id, status="administrator",
                                  can_pin_messages=True)
    emulator.set_personas([_persona_card(p) for p in PERSONAS])


def _persona_card(persona: Persona) -> dict:
    chats = [
        {"chat_id": persona.user_id, "title": {"zh": "与平安的私聊", "en": "Private chat with Pingan"}},
        {"chat_id": HOMEOWNERS_GROUP_ID, "title": {"zh": "阳光花园业主群", "en": "Sunshine Garden homeowners"}},
    ]
    if persona.in_staff_chat:
        chats.append({"chat_id": STAFF_CHAT_ID, "title": {"zh": "平安值班室（工作群）", "en": "Pingan staff chat"}})
    return {
        "key": persona.key,
        "label": {"zh": persona.label_zh, "en": persona.label_en},
        "user_id": persona.user_id,
        "phone": persona.phone,
        "chats": chats,
    }


async def start_sandbox(config: Settings, *, port: int | None = None, clock: Clock | None = None) -> Sandbox:
    emulator = Emulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT_USERNAME, bot_name="平安 Pingan")
    await emulator.start(host="127.0.0.1", port=config.sandbox.port if port is None else port)
    try:
        seed_world(emulator)
        bot = Pingan(sandbox_config(config, emulator.base_url), clock, poll_timeout=10)
        await bot.start()
    except BaseException:
        await emulator.stop()
        raise
    people = bot.services.people
    for persona in PERSONAS:
        # Known by name from the start, so /staff reads well before anyone has spoken.
        await people.register_contact(persona.user_id, persona.first_name, persona.username, persona.language_code)
        if persona.role not in (Role.RESIDENT, Role.ADMIN):  # admins come from the config
            await people.grant_by_system(persona.user_id, persona.role, via="sandbox")
        if persona.role is Role.OFFICER:
            await people.set_own_area(persona.user_id, DEMO_AREA)  # the demo officer's beat
    return Sandbox(emulator=emulator, bot=bot)


async def run_sandbox(config: Settings, stop: asyncio.Event, *, port: int | None = None) -> None:
    sandbox = await start_sandbox(config, port=port)
    print(f"Pingan sandbox is running offline: open {sandbox.url} in your browser (Ctrl+C stops it).",
          flush=True)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()
