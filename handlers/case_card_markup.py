"""The case card's buttons: the callback data they carry (old cards in the staff chat keep
working) and the main view and pickers of the card (handlers/case_buttons.py takes the presses)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.config_chats import next_level
from bot.i18n import N_, _
from handlers.case_labels import (
    GRADE_BUTTON_WORDS,
    GRADE_ICONS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    RAISE_LABELS,
    REJECTION_LABELS,
    outcome_fits,
)
from handlers.case_supervision_view import supervise_row
from handlers.mediation_buttons import mediation_rows
from storage.models import OPEN_STATUSES, Case, CaseStatus


class CaseButton(CallbackData, prefix="case", legacy=True):
    """A case card's button: `action` on `case_id`, with the picker's choice or the inbox entry in
    `arg`. Legacy: cards stay in the staff chat for weeks, so the version-less
    `case:<action>:<case_id>:<arg>` they were posted with still works, field for field."""

    action: str
    case_id: int
    arg: str = ""


#: Said when a text must go to the presser privately and they have no private chat with the bot.
OPEN_PRIVATE_CHAT = N_("Please open a private chat with me first (tap my name, then Start), and press again.")


def card_button(text: str, action: str, case: Case, arg: object = "") -> InlineKeyboardButton:
    """A card button: `action` on the case, with `arg`."""
    return InlineKeyboardButton(text, callback_data=CaseButton(action, case.id, str(arg)).pack())


def card_markup(case: Case, view: str = "main", *, staff: list[tuple[int, str]] | None = None,
                overdue: bool = False) -> InlineKeyboardMarkup:
    """The card's buttons: the main view, or one of its pickers (assign, level, resolve, reject);
    an overdue case also has Supervise, and Raise to the next level when it has one."""
    back = [card_button(_("« Back"), "view", case, "main")]
    if view == "assign":
        rows = [[card_button(label, "assignto", case, user_id)] for user_id, label in (staff or [])]
        return InlineKeyboardMarkup([*rows, back])
    if view == "level":
        buttons = [card_button(LEVEL_LABELS[level].translated(), "levelto", case, level) for level in LEVEL_LABELS]
        return InlineKeyboardMarkup([buttons[:2], buttons[2:], back])
    if view == "resolve":
        rows = [[card_button(label.translated(), "resolveto", case, key)] for key, label in OUTCOME_LABELS.items()
                if outcome_fits(case, key)]
        return InlineKeyboardMarkup([*rows, back])
    if view == "reject":
        # A duplicate first asks which case it repeats (handlers/case_corrections.py).
        rows = [[card_button(label.translated(), "dup" if key == "duplicate" else "rejectto", case, key)]
                for key, label in REJECTION_LABELS.items()]
        return InlineKeyboardMarkup([*rows, back])
    rows = []
    if case.status in (CaseStatus.NEW, CaseStatus.REOPENED) and case.owner_id is None:
        rows.append([card_button(_("✋ Accept"), "accept", case)])
    open_case = case.status in OPEN_STATUSES
    if open_case:  # a finished case keeps its grade; reopening it makes it gradable again
        rows.append([card_button(("✓" if case.grade == g else "") + f"{icon} {GRADE_BUTTON_WORDS[g].translated()}",
                             "grade", case, g) for g, icon in GRADE_ICONS.items()])
    if open_case:
        rows.append([card_button(_("👤 Assign"), "view", case, "assign"),
                     card_button(_("🏛 Level"), "view", case, "level"), card_button(_("🏷 Category"), "cat", case)])
    full_report = card_button(_("📄 Full report"), "full", case)
    if open_case:
        rows.append([card_button(_("❓ Ask reporter"), "ask", case), card_button(_("📝 Note"), "note", case)])
        rows.append([card_button(_("📜 History"), "history", case), full_report])
    else:
        rows.append([card_button(_("📝 Note"), "note", case), card_button(_("📜 History"), "history", case)])
        rows.append([full_report])
    if open_case:
        rows.append([card_button(_("✅ Resolve"), "view", case, "resolve"),
                     card_button(_("🚫 Reject"), "view", case, "reject")])
    else:
        rows.append([card_button(_("↩ Reopen"), "reopen", case)])
    if open_case and overdue:
        rows.append(supervise_row(case))
        raised = next_level(case.level)
        if raised is not None:  # 四事分办: overdue at its level, it may go one level up
            rows.append([card_button(RAISE_LABELS[raised].translated(), "raise", case, raised)])
    rows += mediation_rows(case)
    rows.append([card_button(_("📞 Reporter's contact (staff only)"), "contact", case)])
    return InlineKeyboardMarkup(rows)
