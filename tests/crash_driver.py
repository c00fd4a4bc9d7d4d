"""A real `pingan run` process against the in-test emulator, killed with SIGKILL and started again,
and people who keep at what they were doing as people do: they answer the latest question, and
when the bot goes quiet they send /report (or /help) and pick up where it left off.

Used by tests/e2e/test_crash.py (kill -9 at seeded moments) and tests/e2e/test_telegram_faults.py
(Telegram misbehaving under a running bot). Waiting is on conditions (`emulator.wait_until`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from unittest import mock

from bot.clock import ManualClock
from bot.config import load_config
from bot.emulator import Emulator
from bot.runtime import open_services
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parents[1]
REF = re.compile(r"PA-\d{4}-\d{6}")
#: The marker each report's description carries, so that a case can be traced to the report it came from.
REPORT_TOKEN = re.compile(r"report (R\d+-\d+)")
#: How long a person waits for the bot before nudging it.
PATIENCE = 4.0


def bot_env(emulator: Emulator, db_path: Path, **extra: str) -> dict[str, str]:
    """`pingan run`'s environment: the checkout's code, the emulator as Telegram, this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(PINGAN_TELEGRAM__TOKEN=TOKEN, PINGAN_TELEGRAM__API_URL=emulator.base_url,
               PINGAN_STORAGE__PATH=str(db_path), **extra)
    return env


def proof_env(emulator: Emulator, db_path: Path, groups: list[int], *, admins: list[int], staff_chat_id: int,
              notice_id: str, fire: datetime, **extra: str) -> dict[str, str]:
    """The kill -9 and fault proofs' bot: these homeowners' groups, one scheduled notice to all of
    them at `fire` (UTC), no quiet hours, spot checks or briefing to muddy the counts."""
    return bot_env(
        emulator, db_path,
        PINGAN_ADMINS=json.dumps(admins),
        PINGAN_STAFF_CHAT_ID=str(staff_chat_id),
        PINGAN_GROUPS=json.dumps([{"chat_id": c, "kind": "homeowners", "area": "Riverside", "language": "en"}
                                  for c in groups]),
        PINGAN_NOTICES__QUIET_HOURS="null",
        PINGAN_NOTICES__SCHEDULES=json.dumps([{
            "id": notice_id, "cron": f"{fire.minute} {fire.hour} * * *", "timezone": "UTC",
            "targets": {"kinds": ["homeowners"]}, "content": {"theme_calendar": True}}]),
        PINGAN_CASES__SPOT_CHECK_FRACTION="0",
        PINGAN_BRIEFING__ENABLED="false",
        **extra,
    )


async def load_schedules_as_of(env: dict[str, str], moment: datetime) -> None:
    """Opens the database the process will use and reads its config schedules as if at `moment`, so
    that an occurrence between `moment` and now is due at the first start (a missed one, within
    the grace window): the scheduled notice then goes out under the kills, not a minute later."""
    with mock.patch.dict(os.environ, env, clear=True):
        config = load_config(ROOT / "config.yaml")
    services = await open_services(config, ManualClock(moment))
    try:
        await services.notices.load_config_schedules()
    finally:
        await services.db.close()


def press_if_there(emulator, user_id: int, message: dict, text: str) -> None:
    """Presses a button of the person's private chat by its text, if the message still has it (it
    may have changed under us: the next fresh message decides)."""
    with contextlib.suppress(LookupError):
        emulator.press_button(user_id, user_id, message["message_id"], text=text)


class BotProcess:
    """`pingan run` as its own process; its output goes to a log file (one per start)."""

    def __init__(self, emulator: Emulator, env: dict[str, str], workdir: Path) -> None:
        self.emulator = emulator
        self.env = env
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0
        self.logs: list[Path] = []
        #: Seconds from each start to its first getUpdates.
        self.start_seconds: list[float] = []

    async def start(self) -> None:
        """Starts the process and returns once it polls for updates."""
        self.starts += 1
        log = self.workdir / f"run-{self.starts:03d}.log"
        self.logs.append(log)
        polls_before = self.emulator.botapi.poll_requests
        started = time.monotonic()
        with log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", "--config", str(ROOT / "config.yaml"),
                env=self.env, cwd=self.workdir, stdout=out, stderr=asyncio.subprocess.STDOUT)
        await self.emulator.wait_for(
            lambda: self.emulator.botapi.poll_requests > polls_before or self.process.returncode is not None,
            timeout=60)
        self.start_seconds.append(time.monotonic() - started)
        if self.process.returncode is not None:
            raise AssertionError(f"pingan run exited with {self.process.returncode}:\n{log.read_text()[-3000:]}")

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or finished."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1
        self.process = None

    async def stop(self) -> int:
        """SIGTERM, as an operator stops it; the exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout=30)
        self.process = None
        return code

    def output(self) -> str:
        """Everything the process wrote, all starts."""
        return "\n".join(log.read_text(errors="replace") for log in self.logs if log.exists())


@dataclass
class Resident:
    """A resident who files `reports` incident reports one after another, in English."""

    emulator: Emulator
    user_id: int
    number: int
    reports: int
    categories: tuple[str, ...] = ("Theft", "Fraud or attempted fraud", "Suspicious person or vehicle")
    done: int = 0
    submitting: bool = False
    acted_on: dict[int, str] = field(default_factory=dict)  # message id -> the message's text when acted on
    nudges: int = 0
    #: The question at which this resident walks away (None: never).
    stop_at: str | None = None
    #: Called right before each press of "Send the report" (a test arms a fault for the confirmation).
    before_sending: Callable[[], None] | None = None

    def token(self) -> str:
        """The marker of the report being filed now."""
        return f"R{self.number}-{self.done + 1}"

    @property
    def finished(self) -> bool:
        return self.done >= self.reports

    def refs_shown(self) -> set[str]:
        """Every reference the bot confirmed to this resident."""
        return {ref for m in self.emulator.bot_messages(self.user_id) for ref in REF.findall(m.get("text") or "")
                if "Reference" in (m.get("text") or "")}

    def _latest(self) -> dict | None:
        """The bot's newest message in the private chat."""
        messages = self.emulator.bot_messages(self.user_id)
        return messages[-1] if messages else None

    def _fresh(self) -> dict | None:
        """The newest message, unless it was acted on as it reads now."""
        latest = self._latest()
        if latest is None or self.acted_on.get(latest["message_id"]) == (latest.get("text") or ""):
            return None
        return latest

    async def run(self, stop: asyncio.Event) -> None:
        """Files the reports, answering whatever the bot asks last; nudges it when it goes quiet."""
        self.emulator.user_sends(self.user_id, self.user_id, "/report")
        while not self.finished and not stop.is_set():
            message = await self.emulator.wait_until(self._fresh, timeout=PATIENCE)
            if stop.is_set():
                return
            if not message:
                self.nudges += 1
                self.emulator.user_sends(self.user_id, self.user_id, "/report")
                continue
            if self.stop_at and (message.get("text") or "").startswith(self.stop_at):
                return
            self.acted_on[message["message_id"]] = message.get("text") or ""
            self._answer(message)

    def _press(self, message: dict, text: str) -> None:
        press_if_there(self.emulator, self.user_id, message, text)

    def _answer(self, message: dict) -> None:
        """Does what the question asks (see the class docstring)."""
        text = message.get("text") or ""
        buttons = {b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}
        if "Reference" in text and REF.search(text):
            if self.submitting:
                self.submitting = False
                self.done += 1
                if not self.finished:
                    self.emulator.user_sends(self.user_id, self.user_id, "/report")
        elif text.startswith("What would you like to tell us about?"):
            if self.submitting:  # the case was made (no draft is left); its confirmation is owed
                self.submitting = False
                self.done += 1
                if self.finished:
                    return
            self._press(message, "An incident: theft, fraud, danger…")
        elif text.startswith("You have an unfinished report"):
            self._press(message, "Continue")
        elif text.startswith("What kind of incident is it?"):
            self._press(message, self.categories[self.done % len(self.categories)])
        elif text.startswith("Is it happening now"):
            self._press(message, "No")
        elif text.startswith("What happened?"):
            self.emulator.user_sends(self.user_id, self.user_id,
                                     f"This is report {self.token()}: something was taken from the shed.")
        elif "Skip: no photos" in buttons:
            self._press(message, "Skip: no photos")
        elif text.startswith(("Where did it happen?", "Or skip this question:", "Or choose your compound:")):
            self.emulator.user_sends(self.user_id, self.user_id, f"Building {self.number}, bike shed")
        elif text.startswith("When did it happen?"):
            self._press(message, "Yesterday")
        elif any(b.startswith("Stay anonymous") for b in buttons):
            self._press(message, next(b for b in buttons if b.startswith("Stay anonymous")))
        elif "No, report it separately" in buttons:
            self._press(message, "No, report it separately")
        elif "✅ Send the report" in buttons:
            self.submitting = True
            if self.before_sending is not None:
                self.before_sending()
            self._press(message, "✅ Send the report")
        # Anything else ("Thank you, noted.", a reply keyboard, a reminder) needs no answer.


def query(db_path: Path, sql: str, *params) -> list[tuple]:
    """Rows from the bot's database, read from outside (between runs, or while it runs: WAL)."""
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def cases_by_token(db_path: Path) -> dict[str, list[tuple[str, int]]]:
    """Each report token → the cases (ref, primary reporter) whose description carries it."""
    rows = query(db_path, "SELECT c.ref, r.user_id, c.description FROM cases c "
                          "JOIN case_reporters r ON r.case_id = c.id AND r.is_primary")
    found: dict[str, list[tuple[str, int]]] = {}
    for ref, reporter, description in rows:
        match = REPORT_TOKEN.search(description or "")
        if match:
            found.setdefault(match.group(1), []).append((ref, reporter))
    return found


def integrity(db_path: Path) -> str:
    """`PRAGMA integrity_check` of the bot's database ("ok")."""
    return query(db_path, "PRAGMA integrity_check")[0][0]


def buttons_of(message: dict) -> list[str]:
    """The texts of a message's inline buttons."""
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


@dataclass
class Officer:
    """Takes each new case in the staff chat and resolves it: ✋ 接单, ✅ 办结, 已解决, then writes
    what was done in private. Every step is decided from the card as it stands now."""

    emulator: Emulator
    user_id: int
    staff_chat_id: int
    nudges: int = 0

    def _cards(self) -> list[tuple[str, dict]]:
        """Each case's newest card (a card owed across a crash may have been posted twice)."""
        newest: dict[str, dict] = {}
        for message in self.emulator.bot_messages(self.staff_chat_id):
            match = REF.search(message.get("text") or "")
            if match and buttons_of(message):
                newest[match.group(0)] = message
        return list(newest.items())

    def open_card(self) -> tuple[str, dict] | None:
        """The first case whose card still offers a step towards resolving it."""
        for ref, card in self._cards():
            if {"✋ 接单", "✅ 办结", "已解决"} & set(buttons_of(card)):
                return ref, card
        return None

    def _prompt(self, ref: str) -> dict | None:
        messages = self.emulator.bot_messages(self.user_id)
        if messages and (messages[-1].get("text") or "").startswith(f"Write what was done for {ref}"):
            return messages[-1]
        return None

    async def run(self, stop: asyncio.Event) -> None:
        """Works through the open cards until `stop`."""
        answered: set[int] = set()
        while not stop.is_set():
            found = await self.emulator.wait_until(self.open_card, timeout=PATIENCE)
            if not found:
                continue
            ref, card = found
            prompt = self._prompt(ref)
            if prompt is not None and prompt["message_id"] not in answered:
                answered.add(prompt["message_id"])
                self.emulator.user_sends(self.user_id, self.user_id, f"Handled {ref}: battery returned.")
            else:
                buttons = buttons_of(card)
                label = next(b for b in ("✋ 接单", "已解决", "✅ 办结") if b in buttons)
                self.emulator.press_button(self.user_id, self.staff_chat_id, card["message_id"], text=label)
            if not await self.emulator.wait_until(partial(self._moved_on, found, prompt), timeout=PATIENCE):
                self.nudges += 1  # the press or the text was lost with a kill: the card decides again

    def _moved_on(self, found: tuple[str, dict], prompt: dict | None) -> bool:
        """The card changed, or a new private question came."""
        return self.open_card() != found or self._prompt(found[0]) not in (None, prompt)


@dataclass
class AlertSender:
    """An officer who sends one urgent alert to every active group through /alert."""

    emulator: Emulator
    user_id: int
    text: str
    sent: bool = False
    reported: bool = False
    acted_on: dict[int, str] = field(default_factory=dict)
    nudges: int = 0

    def _fresh(self) -> dict | None:
        """The delivery report once there is one, else the newest message not yet acted on."""
        messages = self.emulator.bot_messages(self.user_id)
        for message in reversed(messages):
            if (message.get("text") or "").startswith("🚨 Alert"):
                return message
        latest = messages[-1] if messages else None
        if latest is None or self.acted_on.get(latest["message_id"]) == (latest.get("text") or ""):
            return None
        return latest

    def _press(self, message: dict, text: str) -> None:
        press_if_there(self.emulator, self.user_id, message, text)

    async def run(self, stop: asyncio.Event) -> None:
        """Composes and sends the alert, until its delivery report comes."""
        self.emulator.user_sends(self.user_id, self.user_id, "/alert")
        while not self.reported and not stop.is_set():
            message = await self.emulator.wait_until(self._fresh, timeout=PATIENCE)
            if not message:
                # Unsent: /alert resumes the draft. Sent: the press may have been lost with a kill
                # (the draft then still waits at the confirmation), or the alert is out and its
                # report on the way (then /alert offers a new one, which is not taken up).
                self.nudges += 1
                self.emulator.user_sends(self.user_id, self.user_id, "/alert")
                continue
            self.acted_on[message["message_id"]] = message.get("text") or ""
            self._answer(message)

    def _answer(self, message: dict) -> None:
        """Does what the question asks (see the class docstring)."""
        text = message.get("text") or ""
        buttons = buttons_of(message)
        if text.startswith("🚨 Alert"):
            self.reported = True
        elif text.startswith("New urgent alert"):
            if not self.sent:
                self._press(message, "missing person")
        elif text.startswith("Type the alert"):
            self.emulator.user_sends(self.user_id, self.user_id, self.text)
        elif "Skip: no photos" in buttons:
            self._press(message, "Skip: no photos")
        elif any("All active groups" in b for b in buttons):
            self._press(message, next(b for b in buttons if b.startswith("Continue")))
        elif "📌 Yes, pin it" in buttons:
            self._press(message, "No")
        elif "24 h (usual)" in buttons:
            self._press(message, "24 h (usual)")
        elif "✅ Send now" in buttons:
            self.sent = True
            self._press(message, "✅ Send now")
        elif "Continue" in buttons:  # an unfinished alert offered again
            self._press(message, "Continue")
