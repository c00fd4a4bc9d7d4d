"""The case card's text (HTML, every stored text escaped): the case at a glance for the staff
chat, with a sensitive case's details kept out of it."""

from __future__ import annotations

import html

from bot.context import PinganContext
from bot.i18n import _, ngettext
from handlers.case_labels import (
    ACTION_LABELS,
    GRADE_ICONS,
    LEVEL_LABELS,
    LEVEL_SENT,
    OUTCOME_LABELS,
    REJECTION_LABELS,
    grade_text,
)
from handlers.case_privacy import sensitive_card_line
from handlers.case_supervision_view import supervision_line
from handlers.moments import moment_words
from handlers.notify import person_name
from handlers.report_labels import KIND_NAMES, MAX_SUMMARY, category_label, shorten, status_label, when_text
from storage.models import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseMedia, CaseStatus


async def card_text(context: PinganContext, case: Case, *, snapshot: bool = False) -> str:
    """The card (HTML, every stored text escaped), in the staff chat's language (the deployment
    default). A `snapshot` (a /case copy, which no change edits) says when it was made."""
    services = context.services
    settings = services.config.reports
    group = await services.groups.by_id(case.origin_group_id) if case.origin_group_id else None
    reported = moment_words(context, case.created_at)
    if case.emergency and case.status == CaseStatus.NEW:
        header = _("🔴 URGENT: happening now · {ref}").format(ref=case.ref)
    elif case.status == CaseStatus.NEW:
        header = _("🆕 New report · {ref}").format(ref=case.ref)
    else:
        header = f"{GRADE_ICONS.get(case.grade or '', '⚪')} {case.ref}"
    # A sensitive category keeps its details (place, other party, description) out of the chat.
    sensitive = services.access.is_sensitive(case)
    details = {} if sensitive else case.details
    lines = [
        f"{KIND_NAMES[case.kind].translated()} · {category_label(settings, case.kind, case.category)}",
        _("Area: {area}").format(area=case.area or _("not known")),
        await workflow_line(context, case),
    ]
    supervised = await supervision_line(context, case)
    if supervised:
        lines.append(supervised)
    if services.config.cases.level_chat(case.level) is not None:
        lines.append(LEVEL_SENT[case.level].translated())
    if group is not None:
        lines.append(_("From group: {title}").format(title=group.title))
    lines.append(_("Reported: {time}").format(time=reported))
    if details.get("where"):
        lines.append(card_where_line(details["where"]))
    if case.kind == "incident" and details.get("when"):
        lines.append(_("When: {when}").format(when=when_text(details["when"])))
    if case.kind == "dispute":
        if details.get("other_party"):
            lines.append(_("Other party: {party}").format(party=details["other_party"]))
        mediation = details.get("mediation") or {}
        lines.append(_("Willing to meet a mediator: {answer}").format(
            answer=_("yes") if mediation.get("willing") else _("no")))
    if not case.complete:
        lines += ["", _("The reporter is still giving details; this card will be updated.")]
    elif details.get("unfinished"):
        lines += ["", "⚠️ " + _("The reporter stopped before finishing the report: this is everything they gave.")]
    reporters = await services.reports.reporters(case.id)
    lines += await _merge_lines(context, case, len(reporters))
    if any(r.unreachable_since is not None for r in reporters):
        lines += ["", "⚠️ " + _("The reporter cannot be reached: Telegram refuses our messages to them "
                               "(they may have blocked the bot).")]
    if not sensitive:
        lines += await _media_lines(context, case)
    lines += outcome_lines(case, with_text=not sensitive)
    if sensitive:
        lines += ["", sensitive_card_line()]
    elif case.complete and case.description:
        lines += ["", shorten(case.description)]
        length = len(" ".join(case.description.split()))
        if length > MAX_SUMMARY:
            lines.append(ngettext("(Shortened: {count} character in all. Press Full report to read everything.)",
                                  "(Shortened: {count} characters in all. Press Full report to read everything.)",
                                  length).format(count=length))
    if snapshot:
        lines += ["", _("Snapshot of {time}: changes since are not shown here. Press any button, or send "
                        "/case {ref} again, to see the case as it is now.").format(
            time=moment_words(context, services.clock.now()), ref=case.ref)]
    return "\n".join([f"<b>{html.escape(header)}</b>", *(html.escape(line) for line in lines)])


def card_where_line(where: dict) -> str:
    """Where it happened, as the staff chat may read it: the compound, never the exact address or
    map pin (those identify the reporter: the contact button and the Full report show them to
    those who may see identity)."""
    if where.get("area"):
        return _("Where: {where}").format(where=where["area"])
    return _("Where: an exact place was given (shown with the reporter's contact, to those who may see it)")


async def _media_lines(context: PinganContext, case: Case) -> list[str]:
    """How many photos and voice messages the report has (they follow the card, in reply to it)."""
    return media_counts([m for m in await context.services.reports.media_of(case.id) if m.addition_id is None])


def media_counts(media: list[CaseMedia]) -> list[str]:
    """"Photos: 2", "Voice messages: 1" (照片：2 张), for the kinds there are (plain text)."""
    photos = sum(m.media_type == "photo" for m in media)
    voices = len(media) - photos
    lines = []
    if photos:
        lines.append(ngettext("Photos: {count}", "Photos: {count}", photos).format(count=photos))
    if voices:
        lines.append(ngettext("Voice messages: {count}", "Voice messages: {count}", voices).format(count=voices))
    return lines


def outcome_lines(case: Case, *, with_text: bool) -> list[str]:
    """A finished case's outcome and (`with_text`: not for a sensitive case, whose details stay out
    of the chat) the text its reporter was given (plain text)."""
    if case.status not in CLOSED_STATUSES or not case.outcome:
        return []
    outcome = case.outcome.removeprefix("rejected_")
    if case.outcome in OUTCOME_LABELS:
        lines = ["", _("Outcome: {outcome}").format(outcome=OUTCOME_LABELS[case.outcome].translated())]
    elif case.outcome.startswith("rejected_") and outcome in REJECTION_LABELS:
        lines = ["", _("Not taken up: {reason}").format(reason=REJECTION_LABELS[outcome].translated())]
    else:
        return []
    if with_text and case.outcome_note:
        lines.append(_("Told to the reporter: {text}").format(text=shorten(case.outcome_note)))
    return lines


async def _merge_lines(context: PinganContext, case: Case, reporters: int) -> list[str]:
    """How many residents reported the same thing, and the original a duplicate was merged into."""
    lines = []
    if reporters > 1:
        lines.append(ngettext("{count} resident reported this.", "{count} residents reported this.",
                              reporters).format(count=reporters))
    if case.duplicate_of is not None:
        original = await context.services.cases.case(case.duplicate_of)
        lines.append(_("Duplicate of {ref}: its reporter was added there.").format(ref=original.ref))
    return lines


async def workflow_line(context: PinganContext, case: Case) -> str:
    """Status · grade · owner · level · deadline · last action, on one line (plain text)."""
    parts = [_("Status: {status}").format(status=status_label(case.status))]
    parts.append(_("Grade: {grade}").format(grade=grade_text(case.grade) if case.grade else _("not graded")))
    if case.owner_id is not None:
        parts.append(_("Owner: {name}").format(name=await person_name(context, case.owner_id)))
    if case.level:
        parts.append(_("Level: {level}").format(level=LEVEL_LABELS[case.level].translated()))
    due = case.accept_due if case.owner_id is None else case.resolve_due
    if due is not None and case.status in OPEN_STATUSES:
        parts.append(_("Due: {time}").format(time=moment_words(context, due)))
    if case.last_action in ACTION_LABELS:
        parts.append(_("Last: {action}").format(action=ACTION_LABELS[case.last_action].translated()))
    return " · ".join(parts)
