"""Telegram's side of the officer's alert delivery report: the `ReportBoard` that
bot/services/alert_delivery.py writes to. The report is one private message edited in place at
most once a second while the alert goes out (Telegram limits edits too), and once more at the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

logger = logging.getLogger(__name__)

#: The report is edited at most this often while sending (and once more at the end).
REPORT_EDIT_SECONDS = 1.0


@dataclass
class _Pace:
    last_edit: float = 0.0
    later_scheduled: bool = False


class TelegramReportBoard:
    """One per running application, so a restart starts with no stale pacing."""

    def __init__(self, application: Application) -> None:
        self._application = application
        self._paces: dict[tuple[int, int], _Pace] = {}

    async def post(self, chat_id: int, html_text: str) -> int | None:
        try:
            message = await self._application.bot.send_message(chat_id, html_text)
        except TelegramError as exc:
            logger.warning("delivery report to %s not posted: %s", chat_id, exc)
            return None
        return message.message_id

    async def show(self, chat_id: int, message_id: int, render: Callable[[], Awaitable[str]], *,
                   final: bool) -> None:
        pace = self._paces.setdefault((chat_id, message_id), _Pace())
        # Decide before rendering anything: this runs after every delivered row.
        if not final and time.monotonic() - pace.last_edit < REPORT_EDIT_SECONDS:
            self._show_later(chat_id, message_id, render, pace)
            return
        pace.last_edit = time.monotonic()
        try:
            await self._application.bot.edit_message_text(await render(), chat_id, message_id)
        except BadRequest as exc:  # "message is not modified": nothing new
            logger.debug("delivery report %s not edited: %s", message_id, exc)
        except TelegramError as exc:
            logger.info("delivery report %s not edited: %s", message_id, exc)

    def _show_later(self, chat_id: int, message_id: int, render: Callable[[], Awaitable[str]], pace: _Pace) -> None:
        """The skipped update, once the second is over. Not while stopping: the delivery resumed
        after the restart brings the report up to date."""
        if pace.later_scheduled or not self._application.running:
            return
        pace.later_scheduled = True

        async def later() -> None:
            try:
                await asyncio.sleep(REPORT_EDIT_SECONDS - (time.monotonic() - pace.last_edit))
            finally:
                pace.later_scheduled = False
            await self.show(chat_id, message_id, render, final=False)

        self._application.create_task(later(), name=f"alert-report:{message_id}")
