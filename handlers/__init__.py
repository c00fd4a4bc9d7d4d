"""All update handlers, in order. Order matters: guards first, catch-alls last."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot import callbacks
from handlers import fallback, language, privacy, roles, start
from handlers import help as help_
from handlers.errors import on_error
from handlers.guards import identify_caller

GUARD_GROUP = -1


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, identify_caller), group=GUARD_GROUP)
    application.add_handlers([
        CommandHandler("start", start.start),
        CommandHandler("help", help_.show_help),
        CommandHandler("language", language.ask_language),
        CommandHandler("privacy", privacy.show_privacy),
        CommandHandler("invite", roles.invite),
        CommandHandler("staff", roles.list_staff),
        CommandHandler("revoke", roles.revoke),
        CallbackQueryHandler(language.choose_language, pattern=callbacks.pattern(language.FAMILY)),
        CallbackQueryHandler(privacy.request_erasure, pattern=callbacks.pattern(privacy.FAMILY)),
        CallbackQueryHandler(roles.invite_pressed, pattern=callbacks.pattern(roles.INVITE_FAMILY)),
        CallbackQueryHandler(roles.revoke_pressed, pattern=callbacks.pattern(roles.REVOKE_FAMILY)),
        # Catch-alls, last.
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, fallback.unknown_command),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       fallback.unexpected_message),
        CallbackQueryHandler(fallback.expired_button),
    ])
    application.add_error_handler(on_error)
