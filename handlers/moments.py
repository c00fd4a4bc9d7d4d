"""A moment as the reader writes it (bot/datetext.py: 12月2日 21:35 / 2 Dec 21:35), in the
current language and the deployment's zone, the year shown when it is not this year."""

from __future__ import annotations

from datetime import datetime

from bot.context import PinganContext
from bot.datetext import moment_text
from bot.i18n import current_locale


def moment_words(context: PinganContext, moment: datetime) -> str:
    """`moment` for the person reading in the current locale."""
    services = context.services
    return moment_text(moment, current_locale.get(), services.config.timezone, services.clock.now())
