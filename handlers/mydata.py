"""/mydata (private): everything Pingan holds about the person, as a JSON file and a short summary."""

from __future__ import annotations

import html
import json

from telegram import InputFile, Update

from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.personal_data import PersonalData
from handlers.labels import role_labels
from storage.models import Role


def summary_text(data: PersonalData) -> str:
    """The readable summary (plain text): who we know you as, and how much of each we hold."""
    profile = data.document["profile"]
    roles = [Role(r["role"]) for r in data.document["roles"]]
    lines = [
        _("Everything Pingan holds about you is in the file below (JSON). In short:"),
        _("Name: {name} · username: {username}").format(
            name=profile.get("first_name") or _("none"),
            username=f"@{profile['username']}" if profile.get("username") else _("none")),
        _("Roles: {roles}").format(roles=role_labels(roles) if roles else _("resident")),
        ngettext("{count} report, with what you wrote in it", "{count} reports, with what you wrote in them",
                 data.count("reports")).format(count=data.count("reports")),
        ngettext("{count} addition to a report", "{count} additions to reports",
                 data.additions).format(count=data.additions),
        ngettext("{count} answer to a question from staff", "{count} answers to questions from staff",
                 data.count("answers_to_staff_questions")).format(count=data.count("answers_to_staff_questions")),
        ngettext("{count} follow-up visit answered", "{count} follow-up visits answered",
                 data.count("follow_up_answers")).format(count=data.count("follow_up_answers")),
        ngettext("{count} tip sent about an alert", "{count} tips sent about alerts",
                 data.count("alert_tips")).format(count=data.count("alert_tips")),
        ngettext("{count} unfinished report or message", "{count} unfinished reports or messages",
                 data.count("unfinished")).format(count=data.count("unfinished")),
        ngettext("{count} erasure request", "{count} erasure requests",
                 data.count("erasure_requests")).format(count=data.count("erasure_requests")),
        _("Staff notes about cases are not personal data of yours and are not included. To have your data "
          "erased, send /erase."),
    ]
    return "\n".join(lines)


async def my_data(update: Update, context: PinganContext) -> None:
    """Sends the person their data: the summary, then the file."""
    user_id = update.effective_user.id
    data = await context.services.personal_data.export(user_id)
    message = update.effective_message
    await message.reply_text(html.escape(summary_text(data)))
    payload = json.dumps(data.document, ensure_ascii=False, indent=2).encode("utf-8")
    await message.reply_document(InputFile(payload, filename=f"pingan-mydata-{user_id}.json"))
