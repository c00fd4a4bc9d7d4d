"""`pingan sandbox`: the bot, fully offline, against the project's own Telegram emulator.

A small demo world is seeded: a person for every role (two residents, a safety steward, a
mediator, an officer, a supervisor, an admin), each with a private chat; two residents' groups
of two compounds (a homeowners' group and a police–resident group) and the staff chat, each
greeted by the bot as on real Telegram. The emulator also serves the web chat page where a
person plays any of them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.clock import Clock, ShiftedClock
from bot.config import Settings, StorageSettings, TelegramSettings
from bot.config_notices import GroupDeclaration, ScheduleContent, ScheduleDeclaration, ScheduleTargets
from bot.demo_clock import DemoClock
from bot.emulator import Emulator
from bot.runtime import Pingan
from storage.models import GroupKind, Role

logger = logging.getLogger("pingan.sandbox")

SANDBOX_TOKEN = "1000000001:sandbox-offline-token"
SANDBOX_BOT_USERNAME = "pingan_sandbox_bot"
HOMEOWNERS_GROUP_ID = -1001000000101
POLICE_RESIDENT_GROUP_ID = -1001000000102
STAFF_CHAT_ID = -1001000000201
DEMO_AREA = "阳光花园"
SECOND_AREA = "幸福里"


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
    #: The residents' groups the person is in.
    groups: tuple[int, ...] = (HOMEOWNERS_GROUP_ID,)


BOTH_GROUPS = (HOMEOWNERS_GROUP_ID, POLICE_RESIDENT_GROUP_ID)

#: The residents' groups: (Chinese title, English title).
GROUP_TITLES = {
    HOMEOWNERS_GROUP_ID: ("阳光花园业主群", "Sunshine Garden homeowners"),
    POLICE_RESIDENT_GROUP_ID: ("幸福里警民联系群", "Happiness Lane police–residents"),
}

PERSONAS = (
    Persona("resident", 1001, "李华", "lihua", "zh", "居民 李华", "Resident Li Hua", "+8613800138000",
            Role.RESIDENT, False),
    Persona("officer", 2001, "王警官", "officer_wang", "zh", "社区民警 王警官", "Officer Wang", "+8613900139000",
            Role.OFFICER, True, BOTH_GROUPS),
    Persona("admin", 3001, "Chen", "admin_chen", "en", "管理员 陈", "Admin Chen", "+8613700137000",
            Role.ADMIN, True, BOTH_GROUPS),
    Persona("neighbour", 1002, "张阿姨", "zhang_ayi", "zh", "居民 张阿姨", "Resident Auntie Zhang",
            "+8613800138001", Role.RESIDENT, False, BOTH_GROUPS),
    Persona("steward", 1501, "刘师傅", "steward_liu", "zh", "平安志愿者 刘师傅", "Safety steward Liu",
            "+8613600136000", Role.STEWARD, False, BOTH_GROUPS),
    Persona("mediator", 2501, "赵调解员", "mediator_zhao", "zh", "人民调解员 赵老师", "Mediator Zhao",
            "+8613500135000", Role.MEDIATOR, True),
    Persona("supervisor", 2801, "孙所长", "chief_sun", "zh", "派出所所长 孙所长", "Station chief Sun",
            "+8613300133000", Role.SUPERVISOR, True),
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
        GroupDeclaration(chat_id=POLICE_RESIDENT_GROUP_ID, kind=GroupKind.POLICE_RESIDENT, area=SECOND_AREA),
        GroupDeclaration(chat_id=STAFF_CHAT_ID, kind=GroupKind.STAFF),
    ]
    areas = [DEMO_AREA, SECOND_AREA, *(a for a in config.reports.areas if a not in (DEMO_AREA, SECOND_AREA))]
    reports = config.reports.model_copy(update={"areas": areas})
    notices = config.notices
    if not notices.schedules:
        notices = notices.model_copy(update={"schedules": demo_schedules(config)})
    return config.model_copy(update={
        "telegram": TelegramSettings(token=SANDBOX_TOKEN, api_url=api_url),
        "storage": StorageSettings(path=config.sandbox.storage_path),
        "staff_chat_id": STAFF_CHAT_ID,
        "admins": sorted({*config.admins, *(p.user_id for p in PERSONAS if p.role is Role.ADMIN)}),
        "groups": declared,
        "reports": reports,
        "notices": notices,
        # A demo's database needs no nightly copies (and the demo clock would take them daily).
        "backup": config.backup.model_copy(update={"cron": None}),
    })


def demo_schedules(config: Settings) -> list[ScheduleDeclaration]:
    """A nightly patrol notice and the month's anti-fraud tip on Mondays, so that the demo clock's
    "+1 day" and "next Monday 09:00" show scheduled notices arriving (those the operator's config
    has the texts for)."""
    residents = ScheduleTargets(kinds=[GroupKind.HOMEOWNERS, GroupKind.POLICE_RESIDENT])
    schedules = []
    if "night" in config.notices.patrol_templates:
        schedules.append(ScheduleDeclaration(
            id="demo-nightly-patrol", cron="0 21 * * *", targets=residents,
            content=ScheduleContent(patrol_template="night", params={"patrol_time": "21:00-02:00"})))
    if config.notices.themes:
        schedules.append(ScheduleDeclaration(
            id="demo-anti-fraud", cron="0 9 * * 1", targets=residents,
            content=ScheduleContent(theme_calendar=True) if config.notices.theme_calendar
            else ScheduleContent(theme=next(iter(config.notices.themes)))))
    return schedules


def seed_world(emulator: Emulator) -> None:
    for persona in PERSONAS:
        emulator.add_user(first_name=persona.first_name, username=persona.username,
                          language_code=persona.language_code, user_id=persona.user_id)
        emulator.add_private_chat(persona.user_id)
    staff = [p.user_id for p in PERSONAS if p.in_staff_chat]
    admin = next(p.user_id for p in PERSONAS if p.role is Role.ADMIN)
    for chat_id, (zh, en) in GROUP_TITLES.items():
        members = [p.user_id for p in PERSONAS if chat_id in p.groups]
        emulator.add_group(f"{zh} · {en}", members=members, admins=[admin], chat_id=chat_id)
    emulator.add_group("平安值班室 · Pingan staff", members=staff, admins=staff, chat_id=STAFF_CHAT_ID)
    for chat_id in (*GROUP_TITLES, STAFF_CHAT_ID):
        emulator.add_bot_to_group(chat_id, by_user_id=admin, status="administrator", can_pin_messages=True)
    emulator.set_personas([_persona_card(p) for p in PERSONAS])


def _persona_card(persona: Persona) -> dict:
    chats = [{"chat_id": persona.user_id, "title": {"zh": "与平安的私聊", "en": "Private chat with Pingan"}}]
    chats += [{"chat_id": chat_id, "title": {"zh": GROUP_TITLES[chat_id][0], "en": GROUP_TITLES[chat_id][1]}}
              for chat_id in persona.groups]
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
    """The sandbox running: with the demo clock's buttons on the page, unless a test brings its own clock."""
    emulator = Emulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT_USERNAME, bot_name="平安 Pingan")
    await emulator.start(host="127.0.0.1", port=config.sandbox.port if port is None else port)
    emulator.display_timezone = config.timezone
    demo_clock = ShiftedClock() if clock is None else None
    try:
        seed_world(emulator)
        bot = Pingan(sandbox_config(config, emulator.base_url), clock or demo_clock, poll_timeout=10)
        await bot.start()
    except BaseException:
        await emulator.stop()
        raise
    if demo_clock is not None:
        DemoClock(demo_clock, emulator, bot.application, config.timezone).arm()
    people = bot.services.people
    for persona in PERSONAS:
        # Known by name from the start, so /staff reads well before anyone has spoken.
        await people.register_contact(persona.user_id, persona.first_name, persona.username, persona.language_code)
        if persona.role not in (Role.RESIDENT, Role.ADMIN):  # admins come from the config
            await people.grant_by_system(persona.user_id, persona.role, via="sandbox")
        if persona.role in (Role.OFFICER, Role.MEDIATOR):
            await people.set_own_area(persona.user_id, DEMO_AREA)  # the demo beat
    return Sandbox(emulator=emulator, bot=bot)


async def run_sandbox(config: Settings, stop: asyncio.Event, *, port: int | None = None) -> None:
    sandbox = await start_sandbox(config, port=port)
    print(f"Pingan sandbox is running offline: open {sandbox.url} in your browser (Ctrl+C stops it).",
          flush=True)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()
