"""/help: the commands the caller may use, where they are."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ChatType

from bot.commands import commands_for
from bot.context import PinganContext
from bot.i18n import _


async def show_help(update: Update, context: PinganContext) -> None:
    """Lists the caller's commands for this kind of chat, in their language."""
    private = update.effective_chat.type == ChatType.PRIVATE
    lines = [_("What you can do with Pingan:"), ""]
    for command in commands_for(context.roles, private=private):
        lines.append(_("/{command} — {description}").format(command=command.name,
                                                           description=command.description.translated()))
    if not private:
        lines += ["", _("Reports and questions are taken in a private chat with me, never in the group.")]
    await update.effective_message.reply_text(html.escape("\n".join(lines)))
