"""Launching an alert's delivery, and the previews that show an alert exactly as residents will get it.

Sending runs in the background (a thousand groups take half a minute): the delivery service sends
the rows and keeps the officer's live report current (bot/services/alert_delivery.py, through
bot/alert_report.py). Rows Telegram asked to retry later are sent again when they are due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message
from telegram.ext import Application

from bot.context import PinganContext
from bot.deeplinks import alert_payload, start_link
from bot.services.outbox import alert_uses_caption

logger = logging.getLogger(__name__)

#: A retry is never run sooner than this after the last run (a row due "now" must not spin).
MIN_RETRY_SECONDS = 1.0


def tip_link_for(context: PinganContext) -> Callable[[str], str]:
    """The "I have information" deep link of an alert, by its reference."""
    username = context.bot.username
    return lambda ref: start_link(username, alert_payload(ref))


# --- delivery ---------------------------------------------------------------------------------------

async def launch_delivery(application: Application, alert_id: int) -> None:
    """Sends the alert in the background; the press that launched it is answered at once."""
    application.create_task(_deliver(application, alert_id), name=f"alert:{alert_id}:deliver")


async def resume_deliveries(application: Application) -> None:
    """At start: the deliveries a stop interrupted."""
    for alert_id in await application.bot_data["services"].alerts.delivery.resumable():
        logger.info("alert %s: resuming its delivery after a restart", alert_id)
        await launch_delivery(application, alert_id)


async def _deliver(application: Application, alert_id: int) -> None:
    services = application.bot_data["services"]
    try:
        retry_at = await services.alerts.delivery.deliver(alert_id)
    except Exception:  # noqa: BLE001 - logged; the rows stay queued and a restart resumes them
        logger.exception("alert %s: delivery run failed", alert_id)
        return
    if retry_at is not None and application.job_queue is not None:
        delay = max(MIN_RETRY_SECONDS, (retry_at - services.clock.now()).total_seconds())
        application.job_queue.run_once(retry_delivery, when=delay, data=alert_id, name=f"alert:{alert_id}:retry")


async def retry_delivery(context: PinganContext) -> None:
    """Job: the alert's rows that Telegram asked to retry, now that they are due."""
    await _deliver(context.application, context.job.data)


# --- previews ------------------------------------------------------------------------------

async def _send_alert_message(context: PinganContext, chat_id: int, text: str, photos: list[str], button: str,
                             link: str) -> Message:
    """One alert message as the groups get it: its photos, its HTML text and the tip button."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(button, url=link)]])
    if alert_uses_caption(photos, text):
        return await context.bot.send_photo(chat_id, photos[0], caption=text, reply_markup=markup)
    if photos:
        await context.bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos])
    return await context.bot.send_message(chat_id, text, reply_markup=markup, disable_web_page_preview=True)


async def send_previews(context: PinganContext, chat_id: int, *, kind: str, text: str, photos: list[str],
                        targets: dict, expires_at: datetime, ref: str = "preview") -> None:
    """The alert in each language its groups read, exactly as they will get it."""
    alerts = context.services.alerts
    groups = await alerts.target_groups(targets)
    link = tip_link_for(context)(ref)
    for locale in alerts.preview_locales(groups):
        await _send_alert_message(context, chat_id, alerts.render(kind, text, expires_at, locale), photos,
                                 alerts.button_text(locale), link)

