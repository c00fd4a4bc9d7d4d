"""Sending what new cases owe (bot/services/case_deliveries.py): the card in the staff chat, the
reporter's confirmation with the reference, the notice of a report added to another case. The
confirmation goes out from the press that sent the report (`deliver_in_hand`), the rest in runs
made right after, at start and by a job; whatever Telegram refuses for now is tried
again later, never dropped (what of a card already went out — the card, each photo and voice note —
is recorded and not sent again: handlers/case_card.py), and a staff chat's cards go out in the
order their cases came. A copy sent after an attempt that may have reached Telegram (a timeout, a
connection lost after sending, a crash while it was out: bot/request_fate.py) says it is one; a
copy after a certain failure does not."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.context import PinganContext
from bot.i18n import _, gettext_in, ngettext, using_locale
from bot.request_fate import may_have_arrived
from bot.sender import retry_seconds
from bot.services.outbox import about_to_send
from handlers import case_additions, case_card
from handlers.notify import locale_of
from storage.case_deliveries import CARD, CONFIRMATION, JOINED, CaseDelivery
from storage.models import Case

logger = logging.getLogger(__name__)


async def owe_card(context: PinganContext, case: Case) -> None:
    """The case's card is to be posted (or updated once an urgent report is complete), then sends it."""
    await context.services.deliveries.owe_card(case.id)
    await deliver_owed(context)


async def deliver_owed(context: PinganContext, *, due_or_not: bool = False) -> None:
    """Sends everything owed that is due (with `due_or_not`, at start: all of it), oldest first; one
    run at a time. A call while a run is going on only asks that run for one more pass and returns:
    a burst of reports makes one more pass, not one each in turn, and the caller that started the
    run waits for its own pass only."""
    def spawn(passes: Coroutine[Any, Any, None]) -> object:
        return context.application.create_task(passes, name="cases:deliveries:passes")

    await context.services.deliveries.runs.run(functools.partial(_one_pass, context), due_or_not, spawn=spawn)


async def deliver_in_hand(context: PinganContext, delivery: CaseDelivery, case: Case) -> None:
    """Sends a delivery its owner holds (a report's confirmation: CaseDeliveries.owe_report) beside
    the run, then hands it back: refused, it is the run's to try again."""
    try:
        await _deliver(context, delivery, case)
    finally:
        context.services.deliveries.release(delivery)


async def _one_pass(context: PinganContext, due_or_not: bool) -> None:
    """One pass over what is owed, each chat's in its order and the chats side by side: a resident's
    confirmation does not wait behind a staff chat that is slow or at its flood limit. Where each
    goes is read with it; a case is loaded only to be sent."""
    deliveries = context.services.deliveries
    by_chat: dict[int | None, list[CaseDelivery]] = {}
    for delivery in await deliveries.pending():
        if not delivery.case_found:  # erased meanwhile: nothing left to show anyone
            await deliveries.delivered(delivery, "case_gone")
            continue
        chat_id = delivery.user_id if delivery.kind == CONFIRMATION else (
            case_card.staff_chat_of(context, delivery.card_chat_id, delivery.case_area))
        by_chat.setdefault(chat_id, []).append(delivery)
    outcomes = await asyncio.gather(*(_deliver_in_order(context, chat_id, queue, due_or_not)
                                      for chat_id, queue in by_chat.items()), return_exceptions=True)
    # Every chat's sends are over before the pass ends (the next pass must not overlap them).
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def _deliver_in_order(context: PinganContext, chat_id: int | None, queue: list[CaseDelivery],
                            due_or_not: bool) -> None:
    """One chat's deliveries, oldest first, until one must wait: a later card never overtakes an
    earlier one."""
    deliveries = context.services.deliveries
    for delivery in queue:
        if not (due_or_not or deliveries.is_due(delivery)):
            return
        if chat_id is None:
            logger.warning("case id %s has no staff chat to go to (staff_chat_id is not set)", delivery.case_id)
            await deliveries.delivered(delivery, "no_staff_chat")
            continue
        case = await context.services.reports.case(delivery.case_id)
        if case is None:
            await deliveries.delivered(delivery, "case_gone")
        elif not await _deliver(context, delivery, case):
            return


async def deliver_owed_job(context: PinganContext) -> None:
    """Job: what is owed and due now (a retry after a refusal)."""
    await deliver_owed(context)


async def deliver_left_by_stop(context: PinganContext) -> None:
    """Job, once at start: everything a stop or crash left owed, whatever wait it had been given
    (the refusals it waited out were the previous process's)."""
    await deliver_owed(context, due_or_not=True)


async def _deliver(context: PinganContext, delivery: CaseDelivery, case: Case) -> bool:
    """One delivery; False when it must wait (its chat then gets nothing more in this pass)."""
    deliveries = context.services.deliveries
    leaving: list[None] = []  # one entry per request of this delivery that left

    async def request_leaves() -> None:
        leaving.append(None)
        await deliveries.sending(delivery)

    def repeats_a_part() -> bool:
        """A joined report's notice is sent whole again: the parts that went before a failure repeat
        (a card's parts are recorded one by one and not sent again)."""
        return delivery.kind == JOINED and len(leaving) > 1

    # `sending` from the moment a request leaves: a crash while it is out leaves the delivery uncertain.
    token = about_to_send.set(request_leaves)
    try:
        await _send(context, delivery, case)
    except RetryAfter as exc:  # the staff chat's 20 a minute (our limiter's or Telegram's): wait it out
        seconds = retry_seconds(exc)
        await deliveries.retry_later(delivery, "flood limit", seconds, maybe_delivered=repeats_a_part())
        if context.job_queue is not None:  # as soon as the window allows, not at the job's next round
            context.job_queue.run_once(deliver_owed_job, seconds, name=f"cases:deliveries:{delivery.id}")
        return False
    except (Forbidden, BadRequest) as exc:
        if delivery.kind == CONFIRMATION:  # the resident blocked the bot: the reference is in /myreports
            logger.info("confirmation of %s not delivered to %s: %s", case.ref, delivery.user_id, exc)
            await deliveries.delivered(delivery, f"refused: {exc}"[:200])
            return True
        logger.error("case %s: the staff chat refused its %s (%s); trying again later", case.ref, delivery.kind, exc)
        await deliveries.retry_later(delivery, str(exc), maybe_delivered=repeats_a_part())
        return False
    except TelegramError as exc:  # 5xx, timeouts, connection failures
        await deliveries.retry_later(delivery, f"{type(exc).__name__}: {exc}",
                                     maybe_delivered=may_have_arrived(exc) or repeats_a_part())
        return False
    finally:
        about_to_send.reset(token)
    await deliveries.delivered(delivery)
    return True


async def _send(context: PinganContext, delivery: CaseDelivery, case: Case) -> None:
    """Sends what the delivery owes; its copy says so when an earlier attempt may have arrived."""
    staff_language = context.services.config.default_language
    if delivery.kind == CARD:
        await case_card.post_case_card(context, case, note=resent_note(delivery, staff_language))
    elif delivery.kind == CONFIRMATION:
        joined = not any(r.is_primary and r.user_id == delivery.user_id
                         for r in await context.services.reports.reporters(case.id))
        locale = await locale_of(context, delivery.user_id)
        with using_locale(locale):
            text = confirmation_text(context, case, joined=joined)
        note = resent_note(delivery, locale)
        await context.bot.send_message(delivery.user_id, html.escape("\n\n".join(filter(None, [text, note]))))
    else:
        text, media = await context.services.deliveries.joined_report(case.id, delivery.user_id)
        await case_additions.send_addition(context, case, media, text=text, joined=True,
                                           note=resent_note(delivery, staff_language))


def resent_note(delivery: CaseDelivery, locale: str) -> str:
    """The last line of a copy sent again after an attempt that may have arrived (plain text), or ""
    when no earlier attempt may have arrived."""
    if not delivery.maybe_delivered:
        return ""
    if delivery.kind == CARD:
        return gettext_in(locale, "Sent again: an earlier copy of this card may have arrived. Use this one: it is "
                                  "kept up to date.")
    if delivery.kind == CONFIRMATION:
        return gettext_in(locale, "Sent again: this message may have reached you twice. Your report was received "
                                  "once.")
    return gettext_in(locale, "Sent again: an earlier copy of this message may have arrived.")


def confirmation_text(context: PinganContext, case: Case, *, joined: bool) -> str:
    """What the reporter is told on sending (plain text): the reference and what happens next."""
    if joined:
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
