"""The card's corrections of what a case is (bot/services/case_corrections.py): Reject → Duplicate
asks which case it repeats (recent ones of the same category and area as buttons, or a typed
PA-… reference) and merges it there; Category moves it to another category of its kind."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.case_corrections import Merge, NotAnOriginal
from bot.services.cases import CaseNotFound
from handlers import case_card
from handlers.case_card import OPEN_PRIVATE_CHAT, CaseButton
from handlers.case_news import reporter_reached, reporter_unreachable
from handlers.moments import moment_words
from handlers.notify import locale_of
from handlers.report_labels import category_label
from storage.models import Case, StaffInput

#: The card buttons this module answers (handlers/case_buttons.py hands them here).
ACTIONS = frozenset({"dup", "dupof", "dupref", "cat", "catto"})
REF = re.compile(r"PA-\d{4}-\d{6}", re.IGNORECASE)
#: The staff input (purpose, detail) that waits for the original's reference: a rejection whose
#: "reason" is the case it repeats (staff_inputs only knows the card's purposes).
AWAITS_REFERENCE = ("reject", "original")


def _button(text: str, action: str, case: Case, arg: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=CaseButton(action, case.id, str(arg)).pack())


async def act(context: PinganContext, query, pressed: CaseButton, actor: int) -> str | None:
    """A correction button; returns the presser's pop-up text, if any."""
    corrections = context.services.corrections
    case = await context.services.cases.case(pressed.case_id)
    if pressed.action == "dup":
        candidates = await corrections.candidates(case.id, actor)
        await query.edit_message_reply_markup(_duplicate_markup(context, case, candidates))
        return None
    if pressed.action == "dupof" and pressed.arg.isdigit():
        return (await _merge(context, query, case.id, actor, int(pressed.arg)))[0]
    if pressed.action == "dupref":
        return await _ask_for_reference(context, case, actor)
    if pressed.action == "cat":
        await context.services.cases.managed_case(case.id, actor)
        await query.edit_message_reply_markup(_category_markup(context, case))
        return None
    if pressed.action == "catto":
        changed_case, changed = await corrections.recategorise(case.id, actor, pressed.arg)
        await case_card.refresh_card(context, changed_case, also_message=query.message)
        return None if changed else _("It already has that category.")
    return _("This button has expired.")


def _duplicate_markup(context: PinganContext, case: Case, candidates: list[Case]) -> InlineKeyboardMarkup:
    """The cases this one may repeat, a way to type another's reference, and Back."""
    settings = context.services.config.reports
    with using_locale(context.services.config.default_language):
        rows = [[_button(_("Same as {ref} · {category} · {time}").format(
            ref=other.ref, category=category_label(settings, other.kind, other.category),
            time=moment_words(context, other.created_at)), "dupof", case, other.id)]
            for other in candidates]
        rows.append([_button(_("✏️ Type the reference of the original"), "dupref", case)])
        rows.append([_button(_("« Back"), "view", case, "reject")])
    return InlineKeyboardMarkup(rows)


def _category_markup(context: PinganContext, case: Case) -> InlineKeyboardMarkup:
    """Every category of the case's kind (the current one ticked), and Back."""
    settings = context.services.config.reports
    with using_locale(context.services.config.default_language):
        buttons = [_button(("✓ " if key == case.category else "") + category_label(settings, case.kind, key),
                           "catto", case, key)
                   for key in context.services.corrections.categories_of_kind(case.kind)]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
        rows.append([_button(_("« Back"), "view", case, "main")])
    return InlineKeyboardMarkup(rows)


async def _ask_for_reference(context: PinganContext, case: Case, actor: int) -> str:
    """The presser's next private message is the original's reference."""
    workflow = context.services.cases
    await workflow.await_text(case.id, actor, *AWAITS_REFERENCE)
    with using_locale(await locale_of(context, actor)):
        text = _("Which case does {ref} repeat? Send its reference (PA-…). /cancel to stop.").format(ref=case.ref)
    try:
        await context.bot.send_message(actor, html.escape(text))
    except Forbidden:
        await workflow.drop_pending_text(actor)
        return OPEN_PRIVATE_CHAT.translated()
    return _("I have sent you a private message: write it there.")


async def take_reference(update: Update, context: PinganContext, pending: StaffInput) -> None:
    """A typed reference of the original (the card's Reject → Duplicate → Type the reference)."""
    message = update.effective_message
    actor = update.effective_user.id
    found = REF.search(message.text or "")
    original = await context.services.corrections.original_by_ref(found[0]) if found else None
    if original is None:
        await message.reply_text(html.escape(_("I could not find that case. Please send a reference like "
                                               "PA-2026-000123, or /cancel.")))
        return
    answer, merged = await _merge(context, None, pending.case_id, actor, original.id)
    if merged:
        await context.services.cases.drop_pending_text(actor)
    await message.reply_text(html.escape(answer))


async def _merge(context: PinganContext, query, case_id: int, actor: int, original_id: int) -> tuple[str, bool]:
    """Merges, updates both cards and tells the reporters; returns what the presser is told, and
    whether the question is settled (merged, or no longer possible)."""
    try:
        merge = await context.services.corrections.merge(case_id, actor, original_id)
    except (NotAnOriginal, CaseNotFound):
        return _("That case cannot be the original: it is this case, closed, or a duplicate itself."), False
    if not merge.changed:
        return _("That is no longer possible: the case has changed meanwhile."), True
    await case_card.refresh_card(context, merge.duplicate, also_message=query.message if query else None)
    await case_card.refresh_card(context, merge.original)
    reached = await _tell_merged(context, merge)
    done = _("{ref} is closed as a duplicate of {original}; its reporter now hears the news of {original}.")
    if not reached:
        done = _("{ref} is closed as a duplicate of {original}, but the reporter could not be reached to be told.")
    return done.format(ref=merge.duplicate.ref, original=merge.original.ref), True


async def _tell_merged(context: PinganContext, merge: Merge) -> int:
    """Each reporter of the duplicate hears the original's reference; returns how many it reached."""
    reached = 0
    for reporter in await context.services.reports.reporters(merge.duplicate.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            text = _("Your report {ref} is about the same thing as report {original}, which the community police "
                     "are already handling. We have added you to {original}, so you will hear its news. Thank you "
                     "for telling us.").format(ref=merge.duplicate.ref, original=merge.original.ref)
        try:
            await context.bot.send_message(reporter.user_id, html.escape(text))
        except Forbidden:
            await reporter_unreachable(context, merge.duplicate, reporter.user_id, "news")
            continue
        except TelegramError:
            continue
        reached += 1
        await reporter_reached(context, merge.duplicate, reporter)
    return reached
