"""The baseline bot for bench/cpu.py: a bare python-telegram-bot echo bot with the library's
defaults, polling the way Pingan polls. Reads PINGAN_TELEGRAM__TOKEN and PINGAN_TELEGRAM__API_URL
(as Pingan does). `--aiohttp` makes its Bot API calls through Pingan's client (bot/transport.py)
instead of the library's httpx, to show what Pingan's handling adds apart from the client. Run by
the benchmark, not by hand."""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the text back."""
    await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    """Polls until SIGTERM."""
    builder = (Application.builder().token(os.environ["PINGAN_TELEGRAM__TOKEN"])
               .base_url(os.environ["PINGAN_TELEGRAM__API_URL"].rstrip("/") + "/bot"))
    if "--aiohttp" in sys.argv:
        from bot.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connection_pool_size=1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
