"""The sandbox's demo clock: buttons on the chat page that move the bot's time forward and run
what fell due (reminders, escalations, follow-up visits, alert expiry prompts, the weekly
briefing, scheduled notices), so everything time-driven can be seen in a five-minute demo.

Only `pingan sandbox` arms it (bot/sandbox.py); a deployment against real Telegram has no
emulator and no way to move its clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger
from telegram.ext import Application

from bot.clock import ShiftedClock
from bot.emulator import Emulator
from bot.notice_jobs import arm as arm_notices

logger = logging.getLogger("pingan.sandbox")

#: The page's buttons, in order: key → (Chinese label, English label).
ACTIONS = {
    "hour": ("+1 小时", "+1 hour"),
    "day": ("+1 天", "+1 day"),
    "3days": ("+3 天", "+3 days"),
    "monday": ("下周一 09:00", "Next Monday 09:00"),
}
_STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "3days": timedelta(days=3)}


def step_for(key: str, now: datetime, timezone: str) -> timedelta:
    """How far an action moves the clock from `now` ("monday": to the next Monday 09:00 local)."""
    if key in _STEPS:
        return _STEPS[key]
    local = now.astimezone(ZoneInfo(timezone))
    monday = datetime.combine(local.date() + timedelta(days=-local.weekday() % 7), time(9, 0), tzinfo=local.tzinfo)
    if monday <= local:
        monday += timedelta(days=7)
    return monday - local


class DemoClock:
    """Moves the sandbox bot's clock and the emulator's message dates together, then runs every
    timed job at once instead of waiting for its next tick."""

    def __init__(self, clock: ShiftedClock, emulator: Emulator, application: Application, timezone: str) -> None:
        self._clock = clock
        self._emulator = emulator
        self._application = application
        self._timezone = timezone

    def status(self) -> dict:
        """The demo time as the page shows it."""
        local = self._clock.now().astimezone(ZoneInfo(self._timezone))
        weekdays_zh = "一二三四五六日"
        return {"now": local.isoformat(), "shifted": self._clock.shift > timedelta(0),
                "label": {"zh": f"{local.month}月{local.day}日 周{weekdays_zh[local.weekday()]} {local:%H:%M}",
                          "en": f"{local:%a} {local.day} {local:%b} {local:%H:%M}"}}

    def arm(self) -> None:
        """Puts the buttons on the emulator's chat page."""
        actions = [{"key": key, "label": {"zh": zh, "en": en}} for key, (zh, en) in ACTIONS.items()]
        self._emulator.set_demo_clock(actions, self.move, self.status())

    async def move(self, key: str) -> dict:
        """One button: the clock jumps, then what fell due runs."""
        await self._walk(step_for(key, self._clock.now(), self._timezone))
        self._emulator.date_shift = self._clock.shift.total_seconds()
        logger.info("demo clock moved (%s) to %s", key, self._clock.now().isoformat())
        await self.run_due()
        return self.status()

    async def _walk(self, step: timedelta) -> None:
        """Moves the clock an hour at a time, queueing the notices that fall due on the way: a
        jump of days past a 21:00 would otherwise leave that occurrence older than the grace
        window, skipped as after a long outage."""
        notices = self._application.bot_data["services"].notices
        while step > timedelta(0):
            hop = min(step, timedelta(hours=1))
            self._clock.advance(hop)
            step -= hop
            await notices.run_due()

    async def run_due(self) -> None:
        """Every repeating job now, then the notice timer re-armed for the new time."""
        for job in self._application.job_queue.jobs():
            # The repeating jobs look for what fell due; a one-off (a retry, the notice timer) is
            # armed for its own moment and re-armed below.
            if not isinstance(job.job.trigger, IntervalTrigger):
                continue
            try:
                await job.run(self._application)
            except Exception:  # noqa: BLE001 - one job failing must not stop the others in a demo
                logger.exception("demo clock: job %s failed", job.name)
        services = self._application.bot_data["services"]
        await services.notices.run_due()
        await arm_notices(self._application)
