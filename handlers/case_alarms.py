"""The case alarms job (bot/jobs.py arms it): reminders before a time limit, escalation after it,
unread reporters' messages, and the follow-up visit's questions when they are due."""

from __future__ import annotations

import html
import logging

from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.cases import AlarmDue
from handlers import case_card
from handlers.case_card import OUTCOME_LABELS
from handlers.followup import ask_followup
from handlers.moments import moment_words
from handlers.notify import tell_each
from storage.models import Case, Role

logger = logging.getLogger(__name__)


async def process_alarms(context: PinganContext) -> None:
    """Job: sends each due reminder, escalation and follow-up question once."""
    for due in await context.services.cases.due_alarms():
        try:
            await _deliver(context, due)
        except TelegramError:
            logger.exception("could not deliver %s/%s for case %s", due.alarm.kind, due.alarm.stage, due.case.ref)


async def _deliver(context: PinganContext, due: AlarmDue) -> None:
    case, kind, stage = due.case, due.alarm.kind, due.alarm.stage
    if kind == "followup_ask":
        await _start_followup(context, due)
    elif kind == "followup_expire":
        await case_card.refresh_card(context, case)
    elif kind == "unread":
        await tell_each(context, await _present(context, [due.reader_id]), lambda: _(
            "Still unread: the reporter of {ref} wrote to you. Please read it and tap Seen. /case {ref}").format(
            ref=case.ref))
    elif stage == "remind":
        await _remind(context, case, kind)
    else:
        await _escalate(context, case, kind, stage)


async def _start_followup(context: PinganContext, due: AlarmDue) -> None:
    """The reporters get the follow-up questions (again later if Telegram let none through); a
    sampled case also goes to its area's supervisors."""
    workflow, case = context.services.cases, due.case
    if not await ask_followup(context, case):
        if await workflow.followup_undelivered(due.alarm):
            return
        logger.warning("follow-up of %s reached no reporter after every try", case.ref)
    followup = await context.services.followups.followup(case.id)
    if followup is not None and followup.spot_check:
        await tell_each(context, await workflow.supervisors_for(case.area), lambda: _(
            "Spot check: {ref} was resolved ({outcome}). Please check the conflict has not come back. "
            "/case {ref}").format(ref=case.ref, outcome=_outcome_label(case)))


def _outcome_label(case: Case) -> str:
    return OUTCOME_LABELS[case.outcome].translated() if case.outcome in OUTCOME_LABELS else (case.outcome or "")


async def _remind(context: PinganContext, case: Case, kind: str) -> None:
    """Before the limit: the owner (resolving), or the case's staff chat (nobody has accepted yet)."""

    def render() -> str:
        due = case.accept_due if kind == "accept" else case.resolve_due
        time = moment_words(context, due) if due else "?"
        if kind == "accept":
            return _("Reminder: {ref} must be accepted by {time}.").format(ref=case.ref, time=time)
        return _("Reminder: {ref} must be resolved by {time}.").format(ref=case.ref, time=time)

    if kind == "resolve" and case.owner_id is not None:
        await tell_each(context, await _present(context, [case.owner_id]), render)
        return
    staff_chat, _card = await case_card.staff_card_of(context, case)
    if staff_chat is not None:
        with using_locale(context.services.config.default_language):
            await context.bot.send_message(staff_chat, html.escape(render()))


async def _escalate(context: PinganContext, case: Case, kind: str, stage: str) -> None:
    """Past the limit the case's area supervisors hear of it (and whoever supervised it last);
    another limit later, the admins."""
    recipients = await _escalated_to(context, case, stage)

    def render() -> str:
        if kind == "accept":
            return _("Overdue: {ref} was not accepted in time. /case {ref}").format(ref=case.ref)
        return _("Overdue: {ref} was not resolved in time. /case {ref}").format(ref=case.ref)

    await tell_each(context, await _present(context, recipients), render)
    await case_card.refresh_card(context, case)


async def _escalated_to(context: PinganContext, case: Case, stage: str) -> list[int]:
    """Who hears of a missed deadline at this stage."""
    if stage != "overdue":
        return await context.services.cases.holders_of(Role.ADMIN)
    recipients = await context.services.cases.supervisors_for(case.area)
    supervised = await context.services.supervision.latest(case.id)
    if supervised is not None and supervised.supervisor_id not in recipients:
        recipients.append(supervised.supervisor_id)
    return recipients


async def _present(context: PinganContext, user_ids: list[int]) -> list[int]:
    """Who hears what these people would: someone away (/away) is stood in for by the supervisors."""
    return await context.services.handover.present(user_ids)
