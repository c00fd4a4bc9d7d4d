"""What a private message offers as an answer, and why an answer is asked again: shared by the
report and the addition dialogues (neither imports the other)."""

from __future__ import annotations

from telegram import Message

from bot.config_reports import ReportSettings
from bot.i18n import N_, LazyText, _, ngettext
from bot.services.intake import Answer, AnswerType, Problem


def answer_from(message: Message) -> Answer:
    """What a message offers as an answer, whatever the state."""
    if message.text:
        return Answer.text(message.text)
    if message.voice:
        return Answer(AnswerType.VOICE, message.voice.file_id)
    if message.photo:
        return Answer(AnswerType.PHOTO, message.photo[-1].file_id, media_group_id=message.media_group_id,
                      caption=message.caption or "")
    if message.location:
        return Answer(AnswerType.LOCATION, latitude=message.location.latitude,
                      longitude=message.location.longitude)
    if message.contact:
        return Answer(AnswerType.CONTACT, message.contact.phone_number, contact_user_id=message.contact.user_id)
    return Answer(AnswerType.OTHER)


def problem_text(problem: Problem, settings: ReportSettings, extra: dict) -> str:
    """Why the same question comes again (plain text: the kernel escapes a note)."""
    limit = extra.get("limit", settings.max_text_chars)
    if problem is Problem.TEXT_TOO_LONG:
        return _("That is {length} characters; please keep it to {limit} or fewer. Your earlier answers are "
                 "kept.").format(length=extra.get("length", 0), limit=limit)
    if problem is Problem.TOO_MANY_PHOTOS:
        return ngettext("You can send at most {limit} photo; the extra ones were not added.",
                        "You can send at most {limit} photos; the extra ones were not added.",
                        settings.max_photos).format(limit=settings.max_photos)
    return PROBLEM_TEXTS[problem].translated()


PROBLEM_TEXTS: dict[Problem, LazyText] = {
    Problem.USE_BUTTONS: N_("Please answer with one of the buttons below."),
    Problem.TEXT_OR_VOICE: N_("Please write your answer, or send a voice message."),
    Problem.TEXT_ONLY: N_("Please write your answer as text."),
    Problem.TEXT_EMPTY: N_("That message was empty. Please write your answer."),
    Problem.ADDED_TO_DESCRIPTION: N_("Added to what you wrote about it."),
    Problem.PHOTOS_ONLY: N_("Please send photos, or tap one of the buttons below."),
    Problem.LOCATION_EXPECTED: N_("Please share a location, choose a button, or type the address."),
    Problem.NOT_A_PHONE: N_("That does not look like a phone number. Please type a mobile number such as "
                            "138 0013 8000 or a landline with its area code, such as 0851-12345678."),
    Problem.NOT_OWN_CONTACT: N_("Please share your own number with the button below, or type it."),
    Problem.CONTACT_REQUIRED: N_("For a dispute we need a phone number, so a mediator can reach you."),
    Problem.DATE_UNREADABLE: N_("I could not read that date. Please write it like 2026-03-01 or March 1."),
    Problem.DATE_IN_FUTURE: N_("That date is in the future. Please give the day it happened."),
    Problem.DATE_TOO_OLD: N_("That date is more than a year ago. Please check it, or describe it in the report."),
    Problem.FIRST_STEP: N_("This is the first question."),
}
