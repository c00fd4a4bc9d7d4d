"""A case's History (a card's button): every step of its audit trail with what it was — which
grade, to whom it went, what was asked and answered, which outcome and the text the reporter was
given — and the internal notes, sent privately to the staff member who asked."""

from __future__ import annotations

import html

from telegram.error import Forbidden

from bot.context import PinganContext
from bot.i18n import _
from handlers.case_card import OPEN_PRIVATE_CHAT
from handlers.case_labels import ACTION_LABELS, GRADE_ICONS, LEVEL_LABELS, OUTCOME_LABELS, REJECTION_LABELS, grade_text
from handlers.moments import moment_words
from handlers.notify import person_name
from handlers.report_labels import category_label, shorten
from storage.models import AuditEntry, Case

#: How much of a question, answer or resolution text one History line shows.
STEP_TEXT_LIMIT = 300
#: The steps whose text (a question, an answer, what the reporter was told, why) History shows.
TEXT_STEPS = ("case.reporter_asked", "case.reporter_answered", "case.resolved", "case.rejected", "case.reopened")


async def send_history(context: PinganContext, case_id: int, actor: int) -> str:
    """The whole timeline, as a private message to the presser (a pop-up holds 200 characters)."""
    workflow = context.services.cases
    entries = await workflow.history(case_id, actor)
    case = await workflow.case(case_id)
    lines = [_("History of {ref}:").format(ref=case.ref)]
    # A reporter who chose anonymity is never named to staff, here as on the contact button.
    anonymous = {r.user_id for r in await context.services.reports.reporters(case_id) if r.anonymous}
    for entry in entries:
        if entry.actor_id in anonymous:
            who = _("anonymous reporter")
        else:
            who = await person_name(context, entry.actor_id) if entry.actor_id else _("system")
        what = ACTION_LABELS[entry.action].translated() if entry.action in ACTION_LABELS else entry.action
        details = await step_details(context, case, entry)
        if details:
            what += _(": ") + details
        lines.append(f"{moment_words(context, entry.at)} · {who} · {what}")
    for note in await workflow.notes(case_id):
        lines.append(_("Note by {name}, {time}: {text}").format(
            name=await person_name(context, note.author_id), time=moment_words(context, note.created_at),
            text=note.text))
    try:
        await context.bot.send_message(actor, escaped_within("\n".join(lines)))
    except Forbidden:
        return OPEN_PRIVATE_CHAT.translated()
    return _("I have sent you the history privately.")


async def step_details(context: PinganContext, case: Case, entry: AuditEntry) -> str:
    """What a step was, in words (plain text): empty for steps that are all in their name."""
    detail, action = entry.detail, entry.action
    target = detail.get("to")
    if action == "case.graded" and target in GRADE_ICONS:
        return grade_text(target)
    if action in ("case.assigned", "case.handed_over"):
        return (_("to {name}").format(name=await person_name(context, target)) if target
                else _("back to the staff chat"))
    if action in ("case.level_set", "case.level_raised") and target in LEVEL_LABELS:
        return LEVEL_LABELS[target].translated()
    if action == "case.recategorised" and target:
        return category_label(context.services.config.reports, case.kind, target)
    parts = []
    if action == "case.resolved" and detail.get("outcome") in OUTCOME_LABELS:
        parts.append(OUTCOME_LABELS[detail["outcome"]].translated())
    if action == "case.rejected" and detail.get("reason") in REJECTION_LABELS:
        parts.append(REJECTION_LABELS[detail["reason"]].translated())
    if action in TEXT_STEPS and detail.get("text"):
        parts.append(f"“{shorten(detail['text'], STEP_TEXT_LIMIT)}”")
    return " — ".join(parts)


def escaped_within(plain: str, limit: int = 4000) -> str:
    """`plain` escaped for HTML, cut before escaping (so no entity is split) to fit one message."""
    text = html.escape(plain)
    while len(text) > limit:
        plain = plain[: len(plain) - (len(text) - limit)]
        text = html.escape(plain)
    return text
