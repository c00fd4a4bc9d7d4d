"""The authorisation matrix (issue 19): every role — resident, steward, mediator, officer,
supervisor, admin, a Telegram group administrator who is not Pingan staff, and an officer whose role
was revoked — against every registered command (in a private chat and in the residents' group) and
every button on the real messages the bot made (the case card, panels, lists, pickers), pressed where
it is or forged into the presser's own chat, so it names another person's case, group or schedule.
The table is tests/authz_table.py; commands, families and actions without an entry fail.

Judged by effect: the stored state (every table but the presser's own profile, drafts and the audit
log), what reached the group and staff chats, and what the presser was shown (no case data, no
panel). Allowed cells are counted, not pressed: their effects are the features' own tests."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from bot.config_notices import NoticeSettings
from bot.sender import PacedRateLimiter
from storage.models import Role
from tests.authz_table import BUTTONS, COMMANDS, EVERYONE, GROUP_PANELS, ROLES, may_press
from tests.outsiders import build_world, drop_world, product_families

#: Per-person state a press or command may change for the presser alone (their profile and
#: language, their unfinished dialogues), and the audit log, which records refusals too.
OWN_STATE = {"users", "dialogue_drafts", "dialogue_answers", "drafts", "audit_log", "audit_views", "health_probe",
             "schedule_drafts", "alert_drafts", "case_searches", "staff_inputs", "staff_inputs_new", "scam_checks",
             "group_area_prompts",
             # Written by the daily jobs, which run whenever they fall due, not by any press.
             "retention_runs", "scheduled_backups", "briefings"}
#: What only staff may read: the report's words, place and phone (tests/team.py's report).
CASE_WORDS = ("e-bike battery", "Building 3", "0013 8000", "13800138000")
REVOKED = "revoked_officer"


@pytest.fixture
def config(config):
    notices = NoticeSettings.model_validate({
        "themes": {"loans": {"title": {"zh": "网贷诈骗", "en": "Loan scams"}, "tips": [{"zh": "提示", "en": "Tip"}]}},
        "schedules": [{"id": "morning-tips", "cron": "0 10 * * *", "targets": {"kinds": ["homeowners"]},
                       "content": {"theme": "loans"}}],
    })
    return config.model_copy(update={"notices": notices})


@pytest.fixture
async def world(team, emulator, make_user, monkeypatch):
    # Hundreds of commands go into one group within seconds: the bot's own 20-a-minute group window
    # would drop most of the answers, and an answer dropped proves nothing either way.
    monkeypatch.setattr(PacedRateLimiter, "_group_window", lambda self, chat_id: None)
    built = await build_world(team, emulator, make_user)
    built.people[REVOKED] = team.officer2
    # The judge reads what is stored from outside, on a connection of its own (WAL: it sees every
    # committed change), every table in one go rather than a trip to the bot's database thread each.
    reader = sqlite3.connect(f"file:{team.pingan.config.storage.path}?mode=ro", uri=True)
    built.extra["reader"] = reader
    yield built
    reader.close()
    drop_world(built)


def _state(world) -> dict[str, list[tuple]]:
    """Every stored row outside the presser's own state, by table."""
    reader = world.extra["reader"]
    tables = [r[0] for r in reader.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    state = {}
    for table in tables:
        if table in OWN_STATE or table.startswith("sqlite_"):
            continue
        state[table] = sorted(reader.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
    return state


def _diff(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after[table]]


def _buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


def _rights(role: str) -> str:
    """The role whose rights a person has: a revoked officer is a resident again."""
    return "resident" if role == REVOKED else role


class Watch:
    """What the bot sends while one cell of the matrix runs."""

    def __init__(self, world, chats: list[int]) -> None:
        self.world, self.chats = world, chats
        # Message ids grow in a chat: a message sent from now on has a higher id than any there now.
        self.seen_up_to = {chat: world.emulator.chat(chat).next_message_id - 1 for chat in chats}

    def new(self, chat: int) -> list[dict]:
        return self.world.emulator.bot_messages(chat, after=self.seen_up_to[chat])


def _problems_shown(messages: list[dict], *, own_panels: bool = False) -> list[str]:
    """Case data, panels or files shown to someone who may not have them (`own_panels`: buttons of
    the presser's own report, language or check are theirs to see)."""
    problems = []
    for message in messages:
        shown = message.get("text") or message.get("caption") or ""
        problems += [f"case data {word!r} shown" for word in CASE_WORDS if word in shown]
        if _buttons(message) and not own_panels:
            problems.append(f"buttons shown: {_buttons(message)[:3]}")
        if message.get("document") or message.get("photo"):
            problems.append("a file or chart sent")
    return problems


def _forged(family, world) -> list[str]:
    """Data of `family` for each action its module puts on buttons, naming the world's case (and
    group: ids 1 and 2 are both taken)."""
    source = Path(sys.modules[family.__module__].__file__).read_text()
    words = sorted(set(re.findall(rf'{family.__name__}\("([a-z_]+)"', source))) or ["x"]
    forged = []
    for word in words:
        values = []
        for index, field in enumerate(family._fields):
            kind = family._types[field.name]
            values.append(word if kind is str and index == 0 else world.case_id if kind is int else
                          True if kind is bool else "")
        forged.append(family(*values).pack())
    return forged


def registered_commands(world) -> set[str]:
    application = world.team.pingan.bot.application
    return {command for handlers in application.handlers.values() for handler in handlers
            if isinstance(handler, CommandHandler) for command in handler.commands}


async def _real_messages(world) -> list[tuple[str, int, dict]]:
    """The bot's real messages with buttons: (who it was made for, its chat, the message)."""
    p, team = world.people, world.team
    found = [("staff", world.staff_chat_id, world.card())]
    asks = [("admin", "/schedules"), ("admin", "/library"), ("admin", "/invite"),
            ("admin", f"/revoke {p['steward'].user_id}"), ("admin", "/export"), ("admin", "/audit"),
            ("admin", "/groups"), ("supervisor", "/stats"),
            ("officer", "/find bike"), ("officer", "/scamrules"), ("officer", "/alert"), ("officer", "/cases"),
            (REVOKED, "/schedules"), (REVOKED, "/groups"), (REVOKED, "/alert"),
            ("resident", "/language"), ("resident", "/erase"), ("resident", "/report")]
    for role, text in asks:
        client = p[role]
        await client.ask(text)
        found += [(role, client.chat_id, m) for m in client.pending_replies() + [client.current(
            world.emulator.last_bot_message(client.chat_id))] if _buttons(m)]
        await client.ask("/cancel")
    owner = team.resident  # the case's reporter: her own list names her case
    listing = await owner.ask("/myreports")
    found.append(("owner", owner.chat_id, listing))
    panel = await p["group_admin"].in_chat(world.group_chat_id).ask("/setup")
    found.append(("group_admin", world.group_chat_id, panel))
    unique = {}
    for made_for, chat_id, message in found:
        unique[(chat_id, message["message_id"])] = (made_for, chat_id, message)
    return list(unique.values())


async def _press_cell(world, role: str, made_for: str, chat_id: int, message: dict, data: str, *,
                      chats_only: bool = False) -> list[str]:
    """One unauthorised press: where the button is, or forged into the presser's own chat
    (`chats_only`: a press the role may make, judged only by what the group chats show)."""
    person = world.people[role]
    private = chat_id > 0
    client = person if private else person.in_chat(chat_id)
    # A stale button in one's own chat is pressed where it is; anyone else's is forged onto a
    # message of one's own.
    in_place = not private or (message and chat_id == person.user_id)
    own = world.extra.setdefault("own_message", {})
    if not in_place and role not in own:
        own[role] = await person.ask("/help")
    target = client.current(message if in_place else own[role])
    watch = Watch(world, [world.group_chat_id, world.staff_chat_id, person.user_id])
    before = None if chats_only else _state(world)
    shown_before = client.current(target)
    await client.forge_press(target, data)
    await world.settled()
    problems = [] if chats_only else [f"stored: {table}" for table in _diff(before, _state(world))]
    after = client.current(target)
    if not private and (after.get("text"), after.get("reply_markup")) != (shown_before.get("text"),
                                                                          shown_before.get("reply_markup")):
        problems.append("the pressed message changed")
    for chat in (world.group_chat_id, world.staff_chat_id):
        problems += [f"sent to {chat}" for _ in watch.new(chat)]
    if not chats_only:
        problems += _problems_shown(watch.new(person.user_id),
                                    own_panels=BUTTONS[data.split(":")[0]].get("*") == EVERYONE)
    return [f"{role} pressed {data} ({made_for}'s, {'in place' if in_place else 'forged'}): {p}" for p in problems]


async def _command_cell(world, role: str, command: str, args: str, where: str) -> list[str]:
    person = world.people[role]
    chat_id = person.user_id if where == "private" else world.group_chat_id
    client = person.in_chat(chat_id)
    text = f"/{command}{'@pingan_test_bot' if where == 'group' else ''} {args}".rstrip()
    watch = Watch(world, [world.group_chat_id, world.staff_chat_id, person.user_id])
    before = _state(world)
    await client.send(text)
    await world.settled()
    problems = [f"stored: {table}" for table in _diff(before, _state(world))]
    problems += [f"sent to the staff chat: {m.get('text', '')[:60]!r}" for m in watch.new(world.staff_chat_id)]
    for chat in {chat_id, person.user_id}:
        problems += _problems_shown(watch.new(chat))
    await person.ask("/cancel")  # whatever it started, for the next cell
    return [f"{role}: {text} in {where}: {p}" for p in problems]


async def test_the_table_names_every_command_and_family(world):
    assert registered_commands(world) == set(COMMANDS), "a command without an entry in tests/authz_table.py"
    assert set(product_families()) == set(BUTTONS), "a callback family without an entry in tests/authz_table.py"


@pytest.mark.slow  # about a minute: every role × every command and button
async def test_no_role_does_what_the_table_does_not_allow(world):
    people = world.people
    args = {"ref": world.case_ref, "steward": people["steward"].user_id, "officer": people["officer"].user_id,
            "officer2": people[REVOKED].user_id}
    messages = await _real_messages(world)
    # The second officer's buttons are real ones on real messages; now his role is taken away.
    await world.team.pingan.services.people.revoke_role(people["admin"].user_id, people[REVOKED].user_id,
                                                        Role.OFFICER)
    failures, checked, allowed = [], 0, 0
    for command, (template, in_private, in_group) in COMMANDS.items():
        for role in [*ROLES, REVOKED]:
            for where, may in (("private", in_private), ("group", in_group)):
                if _rights(role) in may:
                    allowed += 1
                    continue
                checked += 1
                failures += await _command_cell(world, role, command, template.format(**args), where)
    actions = set()
    for made_for, chat_id, message in messages:
        for data in _buttons(message):
            prefix, _version, action = (data.split(":") + ["", ""])[:3]
            assert prefix in BUTTONS and (action in BUTTONS[prefix] or "*" in BUTTONS[prefix]), data
            actions.add((prefix, action))
            for role in [*ROLES, REVOKED]:
                if role == made_for != REVOKED or may_press(prefix, action, _rights(role)) and BUTTONS[prefix].get(
                        action, BUTTONS[prefix].get("*")) != EVERYONE:
                    allowed += 1
                    continue
                checked += 1
                failures += await _press_cell(world, role, made_for, chat_id, message, data)
    # Forged presses of every family, naming the world's case and group (ids 1 and 2): by every role
    # the table does not allow, in the presser's own chat and on the case card; and by anyone on the
    # residents' group's message, which no button that is not on it may change or answer in.
    greeting = world.emulator.bot_messages(world.group_chat_id)[0]
    for prefix, family in sorted(product_families().items()):
        for data in _forged(family, world):
            action = data.split(":")[2]
            actions.add((prefix, action))
            for role in [*ROLES, REVOKED]:
                if role in ("officer", "admin") and prefix not in GROUP_PANELS:
                    checked += 1
                    failures += await _press_cell(world, role, "nobody", world.group_chat_id, greeting, data,
                                                  chats_only=True)
                if may_press(prefix, action, _rights(role)) and BUTTONS[prefix].get(
                        action, BUTTONS[prefix].get("*")) != EVERYONE:
                    allowed += 1
                    continue
                for chat_id, message in ((people[role].user_id, {}), (world.staff_chat_id, world.card()),
                                         (world.group_chat_id, greeting)):
                    checked += 1
                    failures += await _press_cell(world, role, "nobody", chat_id, message, data)
    # The judge is not blind: the same press by the case's officer is seen to change the case.
    accept = next(d for d in _buttons(world.card()) if d.startswith("case:1:accept"))
    effect = await _press_cell(world, "officer", "staff", world.staff_chat_id, world.card(), accept)
    assert any("stored: cases" in line for line in effect), effect
    print(f"authorisation matrix: {len([*ROLES, REVOKED])} roles × {len(COMMANDS)} commands × 2 chats and "
          f"{len(actions)} button actions of {len({a[0] for a in actions})} families on {len(messages)} real "
          f"messages: {checked} cells checked, {allowed} allowed, {len(failures)} unauthorised successes")
    assert not failures, "\n".join(failures)
