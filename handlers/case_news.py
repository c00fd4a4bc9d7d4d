"""Telling people what happened to a case: its reporters (in their language, never who did it
unless the deployment allows; one who blocked the bot is marked unreachable), a new owner, and
the staff a grade or an emergency concerns."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import Forbidden, TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from handlers import case_card
from handlers.case_card import GRADE_LABELS
from handlers.notify import locale_of, person_name, tell_each
from storage.models import Case, CaseReporter, CaseStatus

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: What a reporter is told when their case reaches a status (plain text).
REPORTER_TEXTS: dict[CaseStatus, Callable[[Case], str]] = {
    CaseStatus.ACCEPTED: lambda case: _("Your report {ref} has been accepted by the community police.").format(
        ref=case.ref),
    CaseStatus.IN_PROGRESS: lambda case: _("Someone is now handling your report {ref}.").format(ref=case.ref),
    CaseStatus.RESOLVED: lambda case: finished_text(case),
    CaseStatus.REJECTED: lambda case: _(
        "We could not take up your report {ref}.\nReason: {note}\nThank you for telling us.").format(
        ref=case.ref, note=case.outcome_note or ""),
    CaseStatus.REOPENED: lambda case: _("Your report {ref} has been reopened and is being looked at again.").format(
        ref=case.ref),
}

#: What a reporter is told when their case is closed with an outcome that did not solve it:
#: "resolved" would tell them something that is not so.
UNRESOLVED_TEXTS: dict[str, Callable[[Case], str]] = {
    "referred": lambda case: _("Your report {ref} has been passed on to the office responsible for it: "
                               "{note}").format(ref=case.ref, note=case.outcome_note or ""),
    "not_police": lambda case: _("Your report {ref} is not a matter for the police: {note}").format(
        ref=case.ref, note=case.outcome_note or ""),
    "mediation_failed": lambda case: _("The mediation of your report {ref} ended without an agreement: "
                                       "{note}").format(ref=case.ref, note=case.outcome_note or ""),
}


def finished_text(case: Case) -> str:
    """What the reporter hears when staff finish the case: resolved, or what happened instead."""
    if case.outcome in UNRESOLVED_TEXTS:
        return UNRESOLVED_TEXTS[case.outcome](case)
    return _("Your report {ref} has been resolved: {note}").format(ref=case.ref, note=case.outcome_note or "")


async def tell_reporters(context: PinganContext, case: Case, status: CaseStatus) -> int:
    """A short message to each reporter, in their language, with the reference. Staff names only
    where the deployment allows it (cases.show_staff_names). Returns how many it reached."""
    handler = None
    if (context.services.config.cases.show_staff_names and case.owner_id
            and status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)):
        handler = await person_name(context, case.owner_id)
    reached = 0
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            text = REPORTER_TEXTS[status](case)
            if handler:
                text += "\n" + _("Handled by: {name}").format(name=handler)
        if await reach_reporter(context, case, reporter, "news",
                                context.bot.send_message(reporter.user_id, html.escape(text))):
            reached += 1
    return reached


async def reach_reporter(context: PinganContext, case: Case, reporter: CaseReporter, during: str,
                         sending: Awaitable[T], *, passing_errors: bool = False) -> T | None:
    """Sends something to a reporter of the case (`sending`: the send, not yet awaited; `during`:
    news, question, followup …): a 403 (they blocked the bot) marks them unreachable, a message
    that gets through clears that. What the send returned, or None if nothing reached them; with
    `passing_errors`, a failure that is not the reporter's doing (a 5xx, a timeout) is raised, for
    the caller to try again later."""
    try:
        result = await sending
    except Forbidden:
        await reporter_unreachable(context, case, reporter.user_id, during)
        return None
    except TelegramError as exc:
        logger.info("could not reach reporter %s of %s (%s): %s", reporter.user_id, case.ref, during, exc)
        if passing_errors:
            raise
        return None
    await reporter_reached(context, case, reporter)
    return result


async def reporter_unreachable(context: PinganContext, case: Case, reporter_id: int, during: str) -> None:
    """Telegram refused a message to a reporter (403: they blocked the bot): recorded in the audit
    trail, and the card says so."""
    logger.info("reporter %s of %s cannot be reached (%s)", reporter_id, case.ref, during)
    if await context.services.conversation.reporter_unreachable(case.id, reporter_id, during):
        await case_card.refresh_card(context, await context.services.cases.case(case.id))


async def reporter_reached(context: PinganContext, case: Case, reporter: CaseReporter) -> None:
    """A message got through to a reporter the card showed unreachable: it no longer does."""
    if reporter.unreachable_since is not None and await context.services.conversation.reporter_reached(
            case.id, reporter.user_id):
        await case_card.refresh_card(context, await context.services.cases.case(case.id))


async def tell_new_owner(context: PinganContext, case: Case, actor: int) -> None:
    """The person a case was assigned to hears of it (unless they took it themselves)."""
    if case.owner_id is None or case.owner_id == actor:
        return
    await tell_each(context, [case.owner_id], lambda: _(
        "Case {ref} has been assigned to you. Send /case {ref} to open it.").format(ref=case.ref))


async def route_grade(context: PinganContext, case: Case) -> None:
    """Red goes to the area's supervisors at once; orange to the area's officers; yellow and green stay with
    the community team in the staff chat."""
    workflow = context.services.cases
    if case.grade == "red":
        recipients = await workflow.supervisors_for(case.area)
    elif case.grade == "orange":
        recipients = await workflow.officers_for(case.area)
    else:
        return
    await tell_each(context, recipients, lambda: _("Case {ref} was graded {grade}. Send /case {ref} to open it.")
                    .format(ref=case.ref, grade=GRADE_LABELS[case.grade].translated()))


async def alert_leadership(context: PinganContext, case: Case) -> None:
    """An emergency arrives red: the area's supervisors hear of it at once, not only the staff chat."""
    await tell_each(context, await context.services.cases.supervisors_for(case.area), lambda: _(
        "URGENT: {ref} is happening now and needs someone at once. /case {ref}").format(ref=case.ref))
