"""/scamrules (staff, in private): the fraud types of the rules in use with their signals, what
officers added, and buttons to add (the dialogue in handlers/scam_rule_dialogue.py) or remove an
addition. Every press is re-authorised by bot/services/scam_rules.py from the stored roles."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import is_staff
from bot.services.errors import NotAllowed
from bot.services.scam_rules import ADDED_SIGNAL, RuleProblem, may_edit_rules
from handlers.scam_rule_dialogue import problem_text, start_add
from storage.scam_checks import RuleEdit

#: Buttons of the removal list show at most this much of a phrase.
_BUTTON_PHRASE_CHARS = 24


class ScamRulesButton(CallbackData, prefix="srules"):
    """`add`: start the dialogue; `list`: the additions with a remove button each; `rm`: remove
    addition `edit_id`."""

    action: str
    edit_id: int = 0


async def scamrules_command(update: Update, context: PinganContext) -> None:
    """The types and signals in use, and what officers added."""
    message = update.effective_message
    if not is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can see the scam rules.")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please open the scam rules in a private chat with me.")))
        return
    added = await context.services.scam_rules.added()
    await message.reply_text(overview_text(context, added), reply_markup=_overview_buttons(context, added))


def overview_text(context: PinganContext, added: list[RuleEdit]) -> str:
    """Each type with its signals, then the additions (HTML)."""
    checker = context.services.scam_rules.checker
    title = _("The scam rules in use")
    lines = [f"<b>{html.escape(title)}</b>", ""]
    for type_id, fraud in checker.library.types.items():
        signals = "、".join(checker.signal_text(sid, context.locale) for sid in fraud.signals)
        lines.append(f"<b>{html.escape(fraud.name(context.locale))}</b> (<code>{type_id}</code>)")
        lines.append(html.escape(signals))
    lines.append("")
    if added:
        lines.append(html.escape(ngettext("Added by officers ({count}):", "Added by officers ({count}):",
                                          len(added)).format(count=len(added))))
        lines += [html.escape(addition_line(context, edit)) for edit in added]
    else:
        lines.append(html.escape(_("Nothing has been added by officers yet.")))
    return "\n".join(lines)


def addition_line(context: PinganContext, edit: RuleEdit) -> str:
    """One addition (plain text): its number, type, signal and phrase."""
    library = context.services.scam_rules.library
    fraud = library.types.get(edit.type_id)
    kind = fraud.name(context.locale) if fraud is not None else edit.type_id
    signal_id = ADDED_SIGNAL.format(id=edit.id) if edit.new_signal else edit.signal_id
    signal = library.signals[signal_id].say.in_locale(context.locale) if signal_id in library.signals else signal_id
    if edit.new_signal:
        return _("#{id} {kind}: new signal “{signal}” (weight {weight}), phrase “{phrase}”").format(
            id=edit.id, kind=kind, signal=signal, weight=edit.weight, phrase=edit.phrase)
    return _("#{id} {kind}: “{phrase}” for “{signal}”").format(id=edit.id, kind=kind, phrase=edit.phrase,
                                                                signal=signal)


def _overview_buttons(context: PinganContext, added: list[RuleEdit]) -> InlineKeyboardMarkup | None:
    if not may_edit_rules(context.roles):
        return None
    rows = [[InlineKeyboardButton(_("➕ Add a phrase or signal"), callback_data=ScamRulesButton("add").pack())]]
    if added:
        rows.append([InlineKeyboardButton(_("🗑 Remove an addition"), callback_data=ScamRulesButton("list").pack())])
    return InlineKeyboardMarkup(rows)


def _removal_list(added: list[RuleEdit]) -> InlineKeyboardMarkup:
    rows = []
    for edit in added:
        phrase = edit.phrase
        if len(phrase) > _BUTTON_PHRASE_CHARS:
            phrase = phrase[:_BUTTON_PHRASE_CHARS - 1] + "…"
        rows.append([InlineKeyboardButton(f"🗑 #{edit.id} {phrase}",
                                          callback_data=ScamRulesButton("rm", edit.id).pack())])
    return InlineKeyboardMarkup(rows)


async def on_button(update: Update, context: PinganContext) -> None:
    """Add (starts the dialogue), the removal list, or a removal."""
    query = update.callback_query
    pressed = ScamRulesButton.parse(query.data)
    if pressed is None or pressed.action not in ("add", "list", "rm"):
        await query.answer(_("This button has expired. Please send /scamrules again."), show_alert=True)
        return
    if not may_edit_rules(context.roles) or update.effective_chat.type != ChatType.PRIVATE:
        await query.answer(_("Sorry, only officers, supervisors and administrators can change the scam rules."),
                           show_alert=True)
        return
    rules = context.services.scam_rules
    if pressed.action == "add":
        await query.answer()
        await start_add(update, context)
        return
    if pressed.action == "list":
        await query.answer()
        added = await rules.added()
        text = _("Which addition should be removed?") if added else _("Nothing has been added by officers yet.")
        await context.bot.send_message(update.effective_chat.id, html.escape(text),
                                       reply_markup=_removal_list(added) if added else None)
        return
    try:
        edit = await rules.remove(update.effective_user.id, context.roles, pressed.edit_id)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    except RuleProblem as problem:
        await query.answer(problem_text(problem.code), show_alert=True)
        return
    added = await rules.added()
    text = _("Removed #{id} “{phrase}”. It is no longer used from the next check on.").format(
        id=edit.id, phrase=edit.phrase)
    try:
        await query.edit_message_text(html.escape(text), reply_markup=_removal_list(added) if added else None)
    except BadRequest:  # the list is old or unchanged: the popup says it
        pass
    await query.answer(_("Removed."))
