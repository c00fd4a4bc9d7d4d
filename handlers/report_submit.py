"""The end of a report: sending the reviewed draft, the confirmation, and stopping one early."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable

from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.reports import CaseClosed, RateLimited
from handlers import case_delivery
from handlers.dialogue import strip_buttons
from storage.models import Draft


async def submit(context: PinganContext, chat_id: int, draft: Draft, answer_press: Callable[[], Awaitable[object]], *,
                 join_case_id: int | None = None, separate_from: int | None = None) -> None:
    """Stores the reviewed report as a case (or adds it to a possible duplicate), then posts its card
    and confirms it, side by side: each recorded as owed first, so neither is lost to a refusal or a
    crash. The press is answered as soon as the report is stored (`answer_press`)."""
    services = context.services
    try:
        result = await services.reports.submit(draft, context.locale, join_case_id=join_case_id,
                                               separate_from_case_id=separate_from)
    except RateLimited as limited:
        await answer_press()
        text = "\n\n".join([rate_limited_text(context, limited.limit),
                            _("Your report is kept: send /report later to send it.")])
        await context.bot.send_message(chat_id, html.escape(text))
        return
    except CaseClosed:
        # The case closed while they were deciding: theirs becomes a case of its own.
        result = await services.reports.submit(draft, context.locale, separate_from_case_id=join_case_id)
    # The review's buttons come off while the card and the confirmation go out, not before them;
    # the confirmation goes out at once, not when the run of deliveries gets to it.
    await asyncio.gather(answer_press(), strip_buttons(context, chat_id, draft.prompt_message_id),
                         case_delivery.deliver_in_hand(context, result.confirmation, result.case),
                         case_delivery.deliver_owed(context))


async def end_report(context: PinganContext, draft: Draft) -> str:
    """Drops the person's report and says what became of it (plain text). An urgent report whose
    case staff already have is not dropped: the case keeps what the person had told us."""
    closed = await context.services.reports.close_unfinished(draft)
    if closed is None:
        await context.services.intake.discard(draft.user_id)
        return _("Cancelled. Nothing was sent.")
    case = closed[0]
    await case_delivery.owe_card(context, case)
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
