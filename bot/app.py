"""Builds the one python-telegram-bot Application used in production, the sandbox and tests."""

from __future__ import annotations

from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults

import handlers
from bot.config import Settings
from bot.context import PinganContext
from bot.logging_setup import name_handlers
from bot.metrics import MeteredApplication, MeteredRateLimiter, Metrics, WatchedPollRequest, hide_unread_updates
from bot.transport import AiohttpRequest
from bot.update_order import OrderedUpdateProcessor


def build_application(config: Settings, metrics: Metrics | None = None) -> Application:
    """The Application with every handler registered. Its services (`bot_data["services"]`) are
    attached by the runtime once storage is open: they need the Application's bot to send.
    `application.metrics` counts what it does (for GET /metrics and the health check)."""
    if config.telegram.token is None:
        raise ValueError("a bot token is needed to build the application")
    metrics = metrics or Metrics()
    hide_unread_updates()
    builder = (
        Application.builder()
        .application_class(MeteredApplication, kwargs={"metrics": metrics})
        .token(config.telegram.token.get_secret_value())
        .base_url(config.telegram.bot_base_url)
        .base_file_url(config.telegram.file_base_url)
        .context_types(ContextTypes(context=PinganContext))
        # One rendering policy: every text is HTML, and whatever a user typed is escaped once,
        # where it is put into a text (html.escape), never anywhere else.
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Telegram's flood limits, with retries on RetryAfter; broadcasts (rate_limit_args bulk)
        # are paced in their own lane and never delay people's replies (see bot/sender.py).
        .rate_limiter(MeteredRateLimiter(metrics, max_retries=3))
        # aiohttp, not the library's httpx: a fifth of the CPU per Bot API call (bot/transport.py).
        .request(AiohttpRequest())
        .get_updates_request(WatchedPollRequest(metrics, connection_pool_size=1))
        # Different chats and people side by side, each chat's and each person's updates in order.
        .concurrent_updates(OrderedUpdateProcessor(config.telegram.concurrent_updates))
    )
    if config.telegram.webhook.enabled:
        builder.updater(None)  # bot/webhook.py's own server fills the update queue (see there why)
    application = builder.build()
    handlers.register(application)
    name_handlers(application)
    return application
