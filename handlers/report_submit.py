"""The end of a report: sending the reviewed draft, the confirmation, and stopping one early."""

from __future__ import annotations

import html

from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.reports import CaseClosed, RateLimited, SubmittedReport
from handlers import case_card
from handlers.dialogue import strip_buttons
from storage.models import Draft


async def submit(context: PinganContext, chat_id: int, draft: Draft, *, join_case_id: int | None = None,
                 separate_from: int | None = None) -> None:
    """Stores the reviewed report as a case (or adds it to a possible duplicate) and confirms it."""
    services = context.services
    try:
        result = await services.reports.submit(draft, context.locale, join_case_id=join_case_id,
                                               separate_from_case_id=separate_from)
    except RateLimited as limited:
        text = "\n\n".join([rate_limited_text(context, limited.limit),
                            _("Your report is kept: send /report later to send it.")])
        await context.bot.send_message(chat_id, html.escape(text))
        return
    except CaseClosed:
        # The case closed while they were deciding: theirs becomes a case of its own.
        result = await services.reports.submit(draft, context.locale, separate_from_case_id=join_case_id)
    await strip_buttons(context, chat_id, draft.prompt_message_id)
    await context.bot.send_message(chat_id, html.escape(confirmation_text(context, result)))
    if result.joined_existing:
        await case_card.post_addition(context, result.case, draft.user_id, result.media,
                                      text=draft.data.get("description", ""), joined=True)
    else:
        await case_card.post_case_card(context, result.case, result.media)


async def end_report(context: PinganContext, draft: Draft) -> str:
    """Drops the person's report and says what became of it (plain text). An urgent report whose
    case staff already have is not dropped: the case keeps what the person had told us."""
    closed = await context.services.reports.close_unfinished(draft)
    if closed is None:
        await context.services.intake.discard(draft.user_id)
        return _("Cancelled. Nothing was sent.")
    case, media = closed
    await case_card.post_case_card(context, case, media)
    return _("Stopped. Your urgent report {ref} had already reached the duty officers, so it stays with them "
             "with what you told us. Send /myreports to follow it or to add to it.").format(ref=case.ref)


def rate_limited_text(context: PinganContext, limit: int) -> str:
    police = context.services.config.emergency.numbers.get("police", "110")
    return ngettext(
        "You have already sent {limit} report in the last hour. Please wait a little before sending another. "
        "If something dangerous is happening, call {police} now.",
        "You have already sent {limit} reports in the last hour. Please wait a little before sending another. "
        "If something dangerous is happening, call {police} now.",
        limit,
    ).format(limit=limit, police=police)


def confirmation_text(context: PinganContext, result: SubmittedReport) -> str:
    """What the reporter is told on sending (plain text): the reference and what happens next."""
    case = result.case
    if result.joined_existing:
        return _("Thank you. Your information has been added to report {ref}, which staff are already "
                 "handling. You can follow it with /myreports.").format(ref=case.ref)
    first = context.services.config.reports.first_response
    minutes = (first.emergency_minutes if case.emergency else
               first.dispute_minutes if case.kind == "dispute" else first.incident_minutes)
    who = _("a mediator") if case.kind == "dispute" else _("a community officer")
    return "\n\n".join([
        _("Thank you. Your report has been received.\nReference: {ref}").format(ref=case.ref),
        _("What happens next: {who} will look at it within {time} and may contact you. You will get a "
          "message here when something changes.").format(who=who, time=duration_text(minutes)),
        _("Send /myreports to see your reports or to add information."),
    ])


def duration_text(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("{n} day", "{n} days", days).format(n=days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
