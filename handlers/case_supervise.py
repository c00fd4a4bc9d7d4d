"""Supervise (督办) on an overdue case's card: a supervisor or admin picks a new deadline, writes a
short note in private, and the owner is told privately (the staff chat, while nobody owns it).
The note is taken from the supervisor's next private message (handlers/case_text.py hands it here)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.error import BadRequest, Forbidden

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.cases import CaseNotFound
from bot.services.errors import NotAllowed
from bot.services.supervision import EXTENSIONS, NotOverdue
from handlers import case_card
from handlers.case_card import OPEN_PRIVATE_CHAT
from handlers.case_supervision_view import SuperviseButton, extension_label, picker_markup
from handlers.moments import moment_words
from handlers.notify import locale_of, person_name, tell_each
from storage.models import Case


async def on_press(update: Update, context: PinganContext) -> None:
    """Supervise, a new deadline, or Back. The data names the case: the stored roles decide."""
    query = update.callback_query
    actor = update.effective_user.id
    with using_locale(await locale_of(context, actor)):  # the pop-up is the presser's alone
        pressed = SuperviseButton.parse(query.data)
        answer = _("This button has expired.") if pressed is None else await _act_politely(context, query, pressed,
                                                                                           actor)
    if answer is not None:
        await query.answer(answer, show_alert=True)
        return
    await query.answer()


async def _act_politely(context: PinganContext, query, pressed: SuperviseButton, actor: int) -> str | None:
    """`_act`, with refusals turned into the pop-up text that explains them."""
    try:
        return await _act(context, query, pressed, actor)
    except NotAllowed:
        return _("Sorry, only supervisors and admins can supervise a case.")
    except NotOverdue:
        return _("This case is not overdue now, so there is nothing to supervise.")
    except (CaseNotFound, ValueError):
        return _("This button has expired.")


async def _act(context: PinganContext, query, pressed: SuperviseButton, actor: int) -> str | None:
    supervision = context.services.supervision
    if pressed.action == "back":
        await case_card.refresh_card(context, await context.services.cases.case(pressed.case_id),
                                     also_message=query.message)
        return None
    if pressed.action == "open":
        case = await supervision.supervisable(pressed.case_id, actor)
        with using_locale(context.services.config.default_language):  # the card's language
            markup = picker_markup(case, supervision.on_working_calendar(case))
        try:
            await query.edit_message_reply_markup(markup)
        except BadRequest:  # pressed twice: the picker is already shown
            pass
        return None
    if pressed.action == "ext" and pressed.arg in EXTENSIONS:
        case = await supervision.await_note(pressed.case_id, actor, pressed.arg)
        if not await _ask_for_note(context, actor, case, pressed.arg):
            await context.services.cases.drop_pending_text(actor)
            return OPEN_PRIVATE_CHAT.translated()
        await case_card.refresh_card(context, case, also_message=query.message)
        return _("I have sent you a private message: write it there.")
    return _("This button has expired.")


async def _ask_for_note(context: PinganContext, actor: int, case: Case, extension: str) -> bool:
    supervision = context.services.supervision
    with using_locale(await locale_of(context, actor)):
        text = _("Write a short note for the one handling {ref}: what must be done by the new deadline "
                 "({extension}). They will be told privately. /cancel to stop.").format(
            ref=case.ref, extension=extension_label(extension, supervision.on_working_calendar(case)))
    try:
        await context.bot.send_message(actor, html.escape(text))
    except Forbidden:
        return False
    return True


async def take_note(update: Update, context: PinganContext, note: str) -> None:
    """The supervisor's note: the case gets its new deadline, the owner hears of it, the card shows it."""
    message = update.effective_message
    try:
        supervised = await context.services.supervision.take_note(update.effective_user.id, note)
    except (NotAllowed, NotOverdue, CaseNotFound):
        await message.reply_text(html.escape(_("That is no longer possible: the case has changed meanwhile.")))
        return
    if supervised is None:
        return
    case, until = supervised.case, _local(context, supervised.supervision.due_at)
    await case_card.refresh_card(context, case)
    await _tell_owner(context, case, update.effective_user.id, until, note)
    done = (_("{ref} is supervised: the new deadline is {time}. The one handling it has been told.")
            if case.owner_id is not None
            else _("{ref} is supervised: the new deadline is {time}. Nobody owns it yet, so the staff chat "
                   "has been told."))
    await message.reply_text(html.escape(done.format(ref=case.ref, time=until)))


async def _tell_owner(context: PinganContext, case: Case, supervisor_id: int, until: str, note: str) -> None:
    """The owner privately; the staff chat while nobody owns the case."""
    name = await person_name(context, supervisor_id)

    def render() -> str:
        return _("Supervision: {name} set {ref} a new deadline, {time}.\nNote: {note}\n/case {ref}").format(
            ref=case.ref, name=name, time=until, note=note)

    if case.owner_id is not None:
        await tell_each(context, [case.owner_id], render)
        return
    staff_chat, card_id = await case_card.staff_card_of(context, case)
    if staff_chat is not None:
        with using_locale(context.services.config.default_language):
            await context.bot.send_message(staff_chat, html.escape(render()), reply_to_message_id=card_id)


def _local(context: PinganContext, moment) -> str:
    return moment_words(context, moment)
