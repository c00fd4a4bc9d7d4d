"""/privacy: what Pingan stores, who sees it, how long it is kept, and the person's rights
(/mydata, /erase), said from the settings that decide them, so it is what the code does."""

from __future__ import annotations

import html

from telegram import Update

from bot.config import Settings
from bot.context import PinganContext
from bot.i18n import N_, _, ngettext
from handlers.report_labels import category_label

#: `privacy.contact_roles` entries, as a resident reads them.
WHO_SEES = {
    "owner": N_("the officer or mediator handling your case"),
    "area_supervisor": N_("the supervisors of your area"),
    "area_admin": N_("the administrators of your area"),
    "supervisor": N_("all supervisors"),
    "admin": N_("all administrators"),
    "officer": N_("all officers"),
    "mediator": N_("all mediators"),
}


def _sensitive_names(config: Settings) -> str:
    """The sensitive categories that exist, by their names in the current language."""
    reports = config.reports
    names = []
    for category in config.privacy.sensitive_categories:
        if reports.incident_category(category):
            names.append(category_label(reports, "incident", category))
        elif reports.dispute_kind(category):
            names.append(category_label(reports, "dispute", category))
    return _(", ").join(names)


def privacy_text(config: Settings) -> str:
    """What Pingan stores and why, who sees it, how long, and what the person may do (HTML)."""
    privacy = config.privacy
    who = _(", ").join(WHO_SEES[r].translated() for r in privacy.contact_roles)
    paragraphs = [
        _("Your privacy in Pingan"),
        _("What we store: your Telegram id, name, username and language; what you tell us in a report "
          "(text, photos, voice notes, place and time), what you add later, your answers to questions from "
          "staff and to the follow-up visit, and tips you send about an alert; your phone number only if you "
          "give it; and a record of what staff did with your case."),
        _("Why: so that community police and mediators can handle your report, keep you informed and follow "
          "up with you afterwards."),
        _("Who sees your name, your phone number and the exact place you give (a typed address or a map "
          "pin): only {who}. Other staff, and the staff chat, see your report without them (of the place, only "
          "the compound or area), and every look at your contact is recorded.").format(who=who),
    ]
    sensitive = _sensitive_names(config)
    if sensitive:
        paragraphs.append(_("Reports about {categories} are not described in the staff chat at all: only the "
                            "people named above read them.").format(categories=sensitive))
    paragraphs.append(_("Nothing you send me in a private chat is posted in a residents' group, and our logs "
                        "hold only ids and references, never your name, phone number or words."))
    paragraphs.append(ngettext(
        "How long: once your case has been closed for {days} day, what you wrote, your photos and your "
        "contact are removed from it; the case stays only as a number in the statistics.",
        "How long: once your case has been closed for {days} days, what you wrote, your photos and your "
        "contact are removed from it; the case stays only as a number in the statistics.",
        privacy.retention_days).format(days=privacy.retention_days))
    days = config.scam_check.retention_days
    paragraphs.append(ngettext(
        "When you check a message with /check, the message and the numbers and links in it are kept for {days} "
        "day for the anti-fraud figures; after that only the fraud type, your area and the time stay. Who "
        "checked is kept at most two days, only to count how many residents received the same scam, and is "
        "never shown to anyone.",
        "When you check a message with /check, the message and the numbers and links in it are kept for {days} "
        "days for the anti-fraud figures; after that only the fraud type, your area and the time stay. Who "
        "checked is kept at most two days, only to count how many residents received the same scam, and is "
        "never shown to anyone.", days).format(days=days))
    paragraphs.append(_("Your rights: /mydata sends you everything we hold about you. /erase removes your "
                        "name, username, phone numbers, places, what you wrote and your photos from everything "
                        "we hold, after you confirm. Both work in a private chat with me."))
    if privacy.keep_open_cases:
        paragraphs.append(_("A report still being handled when you erase stays open until it is closed, and is "
                            "cleared then."))
    else:
        paragraphs.append(_("A report still being handled when you erase is closed as withdrawn by you, and "
                            "the officer is told."))
    return html.escape("\n\n".join(paragraphs))


async def show_privacy(update: Update, context: PinganContext) -> None:
    """Explains data handling and the commands that act on it."""
    await update.effective_message.reply_text(privacy_text(context.services.config))
