"""All update handlers, in order. Order matters: guards first, catch-alls last."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from handlers import (
    alert_compose,
    alert_manage,
    alert_tips,
    case_actions,
    case_card,
    fallback,
    language,
    myreports,
    privacy,
    private,
    report,
    roles,
    start,
    stats,
)
from handlers import groups as groups_
from handlers import help as help_
from handlers import library as library_
from handlers import notices as notices_
from handlers.errors import on_error
from handlers.guards import identify_caller

GUARD_GROUP = -1


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, identify_caller), group=GUARD_GROUP)
    application.add_handlers([
        ChatMemberHandler(groups_.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, groups_.group_migrated),
        CommandHandler("start", start.start),
        CommandHandler("help", help_.show_help),
        CommandHandler("language", language.ask_language),
        CommandHandler("privacy", privacy.show_privacy),
        CommandHandler("invite", roles.invite),
        CommandHandler("staff", roles.list_staff),
        CommandHandler("area", roles.set_area),
        CommandHandler("revoke", roles.revoke),
        CommandHandler("report", report.report_command),
        # /cancel stops what the next private message would answer (order in handlers/private.py).
        CommandHandler("cancel", private.cancel_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("myreports", myreports.my_reports, filters=filters.ChatType.PRIVATE),
        CommandHandler(["myreports", "cancel"], start.private_only, filters=filters.ChatType.GROUPS),
        CommandHandler("cases", case_actions.list_cases),
        CommandHandler("case", case_actions.open_case),
        MessageHandler(filters.Regex(r"^/case_PA_\d{4}_\d{6}(@\w+)?$"), case_actions.open_case),
        CommandHandler("stats", stats.stats_command),
        CallbackQueryHandler(stats.stats_pressed, pattern=callbacks.pattern(stats.FAMILY)),
        CallbackQueryHandler(language.choose_language, pattern=callbacks.pattern(language.FAMILY)),
        CallbackQueryHandler(privacy.request_erasure, pattern=callbacks.pattern(privacy.FAMILY)),
        CallbackQueryHandler(roles.invite_pressed, pattern=callbacks.pattern(roles.INVITE_FAMILY)),
        CallbackQueryHandler(roles.revoke_pressed, pattern=callbacks.pattern(roles.REVOKE_FAMILY)),
        CallbackQueryHandler(report.on_button, pattern=callbacks.pattern(report.FAMILY)),
        CallbackQueryHandler(myreports.on_button, pattern=callbacks.pattern(myreports.FAMILY)),
        CallbackQueryHandler(case_actions.on_button, pattern=callbacks.pattern(case_card.FAMILY)),
        CallbackQueryHandler(case_actions.followup_button, pattern=callbacks.pattern(case_actions.FOLLOWUP_FAMILY)),
        CommandHandler("setup", groups_.setup),
        CommandHandler("groups", groups_.list_groups),
        CommandHandler("schedules", notices_.list_schedules),
        CommandHandler("notice", notices_.notice),
        CommandHandler("alert", alert_compose.alert_command),
        CommandHandler("alerts", alert_manage.list_alerts),
        CallbackQueryHandler(alert_compose.on_button, pattern=alert_compose.AlertButton.pattern()),
        CallbackQueryHandler(alert_manage.on_manage_button, pattern=alert_manage.ManageButton.pattern()),
        CallbackQueryHandler(alert_tips.on_button, pattern=alert_tips.TipButton.pattern()),
        CommandHandler("library", library_.library),
        CallbackQueryHandler(library_.library_pressed, pattern=callbacks.pattern(library_.FAMILY)),
        CallbackQueryHandler(groups_.panel_pressed, pattern=callbacks.pattern(groups_.FAMILY)),
        CallbackQueryHandler(notices_.schedule_pressed, pattern=callbacks.pattern(notices_.FAMILY)),
        CallbackQueryHandler(notices_.dialogue_pressed, pattern=callbacks.pattern(notices_.NEW_FAMILY)),
        # Catch-alls, last.
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, fallback.unknown_command),
        # Any other private message: handlers/private.py decides who it answers.
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       private.private_message),
        CallbackQueryHandler(fallback.expired_button),
    ])
    application.add_error_handler(on_error)
