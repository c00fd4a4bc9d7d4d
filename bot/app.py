"""Builds the one python-telegram-bot Application used in production, the sandbox and tests."""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

import handlers
from bot.context import PinganContext
from bot.sender import PacedRateLimiter
from bot.services import Services


def build_application(services: Services) -> Application:
    config = services.config
    if config.telegram.token is None:
        raise ValueError("a bot token is needed to build the application")
    application = (
        Application.builder()
        .token(config.telegram.token.get_secret_value())
        .base_url(config.telegram.bot_base_url)
        .base_file_url(config.telegram.file_base_url)
        .context_types(ContextTypes(context=PinganContext))
        # Telegram's flood limits, with retries on RetryAfter; broadcasts (rate_limit_args bulk)
        # are paced in their own lane and never delay people's replies (see bot/sender.py).
        .rate_limiter(PacedRateLimiter(max_retries=3))
        .build()
    )
    application.bot_data["services"] = services
    handlers.register(application)
    return application
