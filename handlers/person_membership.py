"""Someone blocking the bot in their private chat, or coming back (Telegram's my_chat_member):
their open reports show them unreachable from that moment, not only when a message to them fails,
and reachable again when they return."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import PinganContext
from handlers.case_news import reporter_reached, reporter_unreachable
from storage.models import CLOSED_STATUSES


async def private_chat_changed(update: Update, context: PinganContext) -> None:
    """The person blocked the bot (kicked) or restarted it."""
    change = update.my_chat_member
    user_id = change.chat.id
    blocked = change.new_chat_member.status == ChatMember.BANNED
    reports = context.services.reports
    for case in await reports.cases_of(user_id):
        if case.status in CLOSED_STATUSES:
            continue
        if blocked:
            await reporter_unreachable(context, case, user_id, "blocked")
            continue
        reporter = next((r for r in await reports.reporters(case.id) if r.user_id == user_id), None)
        if reporter is not None:
            await reporter_reached(context, case, reporter)
