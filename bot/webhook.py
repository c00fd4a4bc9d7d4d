"""How updates arrive: long polling, or Telegram's webhook served by python-telegram-bot itself.

In webhook mode `setWebhook` is called with the secret token, the update kinds Pingan handles and
`drop_pending_updates` false (updates queued while the bot was down are delivered after it). PTB's
server answers 403 to a request without the right `X-Telegram-Bot-Api-Secret-Token`, before
reading it. Starting in polling mode deletes a webhook left from before (Telegram refuses
getUpdates while one is set).
"""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.ext import Application

from bot.clock import Clock
from bot.config import Settings
from storage.db import Database
from storage.operations import OperationsRepo

logger = logging.getLogger(__name__)

SECRET_NAME = "telegram.webhook.secret_token"


async def webhook_secret(config: Settings, db: Database, clock: Clock) -> str:
    """The configured secret token, else the one generated at the first start (stored, so that it
    stays the same across restarts and Telegram's queued deliveries still carry the right one)."""
    configured = config.telegram.webhook.secret_token
    if configured is not None:
        return configured.get_secret_value()
    return await OperationsRepo(db).store_secret_once(SECRET_NAME, secrets.token_urlsafe(32), clock.now())


async def start_receiving(application: Application, config: Settings, db: Database, clock: Clock, *,
                          poll_timeout: int) -> None:
    """Starts the webhook server (when `telegram.webhook.url` is set) or long polling."""
    webhook = config.telegram.webhook
    updater = application.updater
    if not webhook.enabled:
        await updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES,
                                    drop_pending_updates=False)
        return
    token = config.telegram.token.get_secret_value()
    await updater.start_webhook(
        listen=webhook.listen, port=webhook.port, url_path=webhook.url_path(token),
        webhook_url=webhook.public_url(token), secret_token=await webhook_secret(config, db, clock),
        allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
    )
    logger.info("webhook server listening on %s:%d", webhook.listen, webhook.port)
