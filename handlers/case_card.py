"""The case card in the staff chat (its text, buttons, posting and refreshing), new information
posted under it, and the staff-only button that shows a reporter's contact."""

from __future__ import annotations

import html
import logging

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest, TelegramError

from bot.callbacks import CallbackData
from bot.config_chats import next_level
from bot.context import PinganContext
from bot.i18n import N_, _, ngettext, using_locale
from bot.services.case_cards import LEVEL_CARD, STAFF_CARD
from bot.services.errors import NotAllowed
from bot.services.supervision import is_overdue
from handlers.case_privacy import contact_refusal, sensitive_addition_line, sensitive_card_line, sensitive_notice
from handlers.case_supervision_view import supervise_row, supervision_line
from handlers.labels import role_label
from handlers.mediation_buttons import mediation_rows
from handlers.notify import locale_of, person_name
from handlers.report_labels import (
    KIND_NAMES,
    MAX_SUMMARY,
    category_label,
    shorten,
    status_label,
    when_text,
    where_text,
)
from storage.models import OPEN_STATUSES, Case, CaseMedia, CaseStatus

logger = logging.getLogger(__name__)


class CaseButton(CallbackData, prefix="case", legacy=True):
    """A case card's button: `action` on `case_id`, with the picker's choice or the inbox entry in
    `arg`. Legacy: cards stay in the staff chat for weeks, so the version-less
    `case:<action>:<case_id>:<arg>` they were posted with still works, field for field."""

    action: str
    case_id: int
    arg: str = ""


#: Said when a text must go to the presser privately and they have no private chat with the bot.
OPEN_PRIVATE_CHAT = N_("Please open a private chat with me first (tap my name, then Start), and press again.")
GRADE_ICONS = {"red": "🔴", "orange": "🟠", "yellow": "🟡", "green": "🟢"}
GRADE_LABELS = {"red": N_("red"), "orange": N_("orange"), "yellow": N_("yellow"), "green": N_("green")}
LEVEL_LABELS = {"grid": N_("grid"), "community": N_("community"), "township": N_("township"),
                "county": N_("county")}
#: The card's line saying which level's chat the case was sent to (四事分办).
LEVEL_SENT = {"grid": N_("🏛 Sent to the grid chat."), "community": N_("🏛 Sent to the community chat."),
              "township": N_("🏛 Sent to the township chat."), "county": N_("🏛 Sent to the county chat.")}
#: The button raising an overdue case to the next level.
RAISE_LABELS = {"community": N_("⬆ Raise to community"), "township": N_("⬆ Raise to township"),
                "county": N_("⬆ Raise to county")}
OUTCOME_LABELS = {
    "resolved": N_("Resolved"),
    "mediated": N_("Mediated, with an agreement"),
    "mediation_failed": N_("Mediation failed"),
    "referred": N_("Referred elsewhere"),
    "not_police": N_("Not a police matter"),
}
REJECTION_LABELS = {"duplicate": N_("Duplicate"), "invalid": N_("Invalid")}
ACTION_LABELS = {
    "case.accepted": N_("accepted"),
    "case.graded": N_("graded"),
    "case.assigned": N_("assigned"),
    "case.level_set": N_("level set"),
    "case.level_raised": N_("raised a level (overdue)"),
    "case.note_added": N_("note added"),
    "case.reporter_asked": N_("reporter asked"),
    "case.reporter_answered": N_("reporter answered"),
    "case.resolved": N_("resolved"),
    "case.rejected": N_("rejected"),
    "case.reopened": N_("reopened"),
    "case.followed_up": N_("followed up"),
    "case.closed": N_("closed after the follow-up visit"),
    "case.followup_no_response": N_("closed: no answer to the follow-up visit"),
    "case.reported": N_("reported"),
    "case.emergency_opened": N_("opened at once: happening now"),
    "case.report_unfinished": N_("the reporter stopped before finishing"),
    "case.joined": N_("another resident added their report"),
    "case.info_added": N_("the reporter added information"),
    "case.contact_viewed": N_("contact viewed"),
    "case.full_report_viewed": N_("full report read"),
    "case.reporter_unreachable": N_("the reporter could not be reached"),
    "case.reporter_reachable": N_("the reporter can be reached again"),
    "case.followup_asked": N_("follow-up visit: questions sent"),
    "case.followup_answered": N_("follow-up visit: answered whether it is solved"),
    "case.followup_rated": N_("follow-up visit: rated"),
    "case.followup_commented": N_("follow-up visit: comment"),
    "case.supervised": N_("supervised (new deadline)"),
    "case.duplicate_merged": N_("a duplicate was merged into it"),
    "case.recategorised": N_("category changed"),
    "case.handed_over": N_("handed over"),
    "case.withdrawn": N_("withdrawn by the reporter"),
    "case.contact_refused": N_("contact refused (not handling the case)"),
    # Mediation with both parties (handlers/mediation_*).
    "mediation.taken": N_("mediation: a mediator took the case"),
    "mediation.invited": N_("mediation: invitation link made for the other party"),
    "mediation.joined": N_("mediation: the other party joined"),
    "mediation.declined": N_("mediation: the other party declined"),
    "mediation.decline_reason": N_("mediation: the other party gave a reason"),
    "mediation.account_added": N_("mediation: a party added to their account"),
    "mediation.times_proposed": N_("mediation: meeting times proposed"),
    "mediation.time_picked": N_("mediation: a party picked a time"),
    "mediation.time_refused": N_("mediation: a party asked for other times"),
    "mediation.meeting_agreed": N_("mediation: meeting time agreed"),
    "mediation.meeting_held": N_("mediation: meeting held"),
    "mediation.no_show": N_("mediation: a party did not come"),
    "mediation.agreement_recorded": N_("mediation: agreement recorded"),
    "mediation.agreement_confirmed": N_("mediation: a party confirmed the agreement"),
    "mediation.agreement_disputed": N_("mediation: a party disputed the agreement"),
    "mediation.agreed": N_("mediation: both parties confirmed the agreement"),
    "mediation.no_agreement": N_("mediation: no agreement (referred)"),
    "mediation.term_kept": N_("mediation: a term was kept"),
    "mediation.term_broken": N_("mediation: a term was not kept"),
    "mediation.reopened": N_("mediation: reopened"),
    "mediation.kept": N_("mediation: every term kept"),
    "mediation.followup_asked": N_("mediation: follow-up visit sent to both parties"),
    "mediation.followup_answered": N_("mediation: a party answered the follow-up visit"),
}


def _button(text: str, action: str, case: Case, arg: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=CaseButton(action, case.id, str(arg)).pack())


def card_markup(case: Case, view: str = "main", *, staff: list[tuple[int, str]] | None = None,
                overdue: bool = False) -> InlineKeyboardMarkup:
    """The card's buttons: the main view, or one of its pickers (assign, level, resolve, reject);
    an overdue case also has Supervise, and Raise to the next level when it has one."""
    back = [_button(_("« Back"), "view", case, "main")]
    if view == "assign":
        rows = [[_button(label, "assignto", case, user_id)] for user_id, label in (staff or [])]
        return InlineKeyboardMarkup([*rows, back])
    if view == "level":
        buttons = [_button(LEVEL_LABELS[level].translated(), "levelto", case, level) for level in LEVEL_LABELS]
        return InlineKeyboardMarkup([buttons[:2], buttons[2:], back])
    if view == "resolve":
        rows = [[_button(label.translated(), "resolveto", case, key)] for key, label in OUTCOME_LABELS.items()]
        return InlineKeyboardMarkup([*rows, back])
    if view == "reject":
        # A duplicate first asks which case it repeats (handlers/case_corrections.py).
        rows = [[_button(label.translated(), "dup" if key == "duplicate" else "rejectto", case, key)]
                for key, label in REJECTION_LABELS.items()]
        return InlineKeyboardMarkup([*rows, back])
    rows = []
    if case.status in (CaseStatus.NEW, CaseStatus.REOPENED) and case.owner_id is None:
        rows.append([_button(_("✋ Accept"), "accept", case)])
    open_case = case.status in OPEN_STATUSES
    if open_case:  # a finished case keeps its grade; reopening it makes it gradable again
        rows.append([_button(("✓" if case.grade == g else "") + icon, "grade", case, g)
                     for g, icon in GRADE_ICONS.items()])
    if open_case:
        rows.append([_button(_("👤 Assign"), "view", case, "assign"), _button(_("🏛 Level"), "view", case, "level"),
                     _button(_("🏷 Category"), "cat", case)])
    full_report = _button(_("📄 Full report"), "full", case)
    if open_case:
        rows.append([_button(_("❓ Ask reporter"), "ask", case), _button(_("📝 Note"), "note", case)])
        rows.append([_button(_("📜 History"), "history", case), full_report])
    else:
        rows.append([_button(_("📝 Note"), "note", case), _button(_("📜 History"), "history", case)])
        rows.append([full_report])
    if open_case:
        rows.append([_button(_("✅ Resolve"), "view", case, "resolve"),
                     _button(_("🚫 Reject"), "view", case, "reject")])
    else:
        rows.append([_button(_("↩ Reopen"), "reopen", case)])
    if open_case and overdue:
        rows.append(supervise_row(case))
        raised = next_level(case.level)
        if raised is not None:  # 四事分办: overdue at its level, it may go one level up
            rows.append([_button(RAISE_LABELS[raised].translated(), "raise", case, raised)])
    rows += mediation_rows(case)
    rows.append([_button(_("📞 Reporter's contact (staff only)"), "contact", case)])
    return InlineKeyboardMarkup(rows)


async def card_text(context: PinganContext, case: Case) -> str:
    """The card (HTML, every stored text escaped), in the staff chat's language (the deployment
    default)."""
    services = context.services
    settings = services.config.reports
    group = await services.groups.by_id(case.origin_group_id) if case.origin_group_id else None
    reported = case.created_at.astimezone(services.config.tzinfo).strftime("%Y-%m-%d %H:%M")
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
    if case.kind == "incident" and details.get("where"):
        lines.append(_("Where: {where}").format(where=where_text(details["where"])))
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
    if sensitive:
        lines += ["", sensitive_card_line()]
    elif case.complete and case.description:
        lines += ["", shorten(case.description)]
        length = len(" ".join(case.description.split()))
        if length > MAX_SUMMARY:
            lines.append(ngettext("(Shortened: {count} character in all. Press Full report to read everything.)",
                                  "(Shortened: {count} characters in all. Press Full report to read everything.)",
                                  length).format(count=length))
    return "\n".join([f"<b>{html.escape(header)}</b>", *(html.escape(line) for line in lines)])


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
    tz = context.services.config.tzinfo
    parts = [_("Status: {status}").format(status=status_label(case.status))]
    parts.append(_("Grade: {grade}").format(
        grade=GRADE_LABELS[case.grade].translated() if case.grade else _("not graded")))
    if case.owner_id is not None:
        parts.append(_("Owner: {name}").format(name=await person_name(context, case.owner_id)))
    if case.level:
        parts.append(_("Level: {level}").format(level=LEVEL_LABELS[case.level].translated()))
    due = case.accept_due if case.owner_id is None else case.resolve_due
    if due is not None and case.status in OPEN_STATUSES:
        parts.append(_("Due: {time}").format(time=due.astimezone(tz).strftime("%m-%d %H:%M")))
    if case.last_action in ACTION_LABELS:
        parts.append(_("Last: {action}").format(action=ACTION_LABELS[case.last_action].translated()))
    return " · ".join(parts)


async def refresh_card(context: PinganContext, case: Case, *, also_message=None, view: str = "main") -> None:
    """Edits every posted copy of the card (staff chat, level chats) and the copy the button was
    pressed on (e.g. one opened with /case in private) to the case's state."""
    services = context.services
    with using_locale(services.config.default_language):
        text = await card_text(context, case)
        markup = card_markup(case, view, staff=await _staff_choices(context, case) if view == "assign" else None,
                             overdue=is_overdue(case, services.clock.now()))
    targets = [(card.chat_id, card.message_id) for card in await services.cards.posted(case.id)]
    # A forged press can name any message: only one where a card may be shown becomes one.
    if also_message is not None and (also_message.chat_id, also_message.message_id) not in targets \
            and await shows_cards(context, also_message.chat):
        targets.append((also_message.chat_id, also_message.message_id))
    for chat_id, message_id in targets:
        try:
            await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified" when nothing visible changed
            logger.debug("card of %s not edited in %s: %s", case.ref, chat_id, exc)
        except TelegramError:
            logger.exception("could not update the card of %s in chat %s", case.ref, chat_id)


async def shows_cards(context: PinganContext, chat: Chat) -> bool:
    """Case cards go to private chats and staff chats only, never to a residents' group."""
    if chat.type == Chat.PRIVATE:
        return True
    groups = context.services.groups
    group = await groups.by_chat_id(chat.id)
    return chat.id in context.services.config.staff_chat_ids or (group is not None and groups.is_staff_group(group))


async def staff_card_of(context: PinganContext, case: Case) -> tuple[int | None, int | None]:
    """The case's staff chat and its card there: where the card was posted, else where the case's
    area goes (no card yet). (None, None) when no staff chat is configured."""
    card = await context.services.cards.staff_card(case.id)
    if card is not None:
        return card.chat_id, card.message_id
    return context.services.config.staff_chat_for(case.area), None


async def _staff_choices(context: PinganContext, case: Case) -> list[tuple[int, str]]:
    """Assign buttons: name · role · beat, those of the case's area first."""
    staff = await context.services.cases.assignable_staff(case)
    return [(user_id, " · ".join(filter(None, [name, role_label(role), area])))
            for user_id, name, role, area in staff[:20]]


async def send_card(context: PinganContext, chat_id: int, case: Case) -> None:
    """A copy of the card with working buttons, anywhere (/case PA-…)."""
    with using_locale(context.services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def post_case_card(context: PinganContext, case: Case) -> None:
    """Posts the card of a new case in its area's staff chat, with the report's photos, voice notes
    and location (or updates an urgent case's card, with its media, once the report is complete).
    Raises what Telegram raised: handlers/case_delivery.py keeps the card owed and tries again."""
    services = context.services
    staff_chat, card_id = await staff_card_of(context, case)
    case = await services.reports.case(case.id) or case
    sensitive = services.access.is_sensitive(case)
    # A sensitive case's photos, voice notes and map pin go only to those who may read its details.
    media = [] if sensitive else [m for m in await services.reports.media_of(case.id) if m.addition_id is None]
    with using_locale(services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    photos = [m.file_id for m in media if m.media_type == "photo"]
    if len(photos) > 1:
        await context.bot.send_media_group(staff_chat, [InputMediaPhoto(p) for p in photos[:10]])
    elif photos:
        await context.bot.send_photo(staff_chat, photos[0])
    if card_id is not None:
        try:
            await context.bot.edit_message_text(text, staff_chat, card_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": it shows this already
            logger.debug("card of %s not edited: %s", case.ref, exc)
    else:
        message = await context.bot.send_message(staff_chat, text, reply_markup=markup)
        card_id = message.message_id
        await services.cards.record(case.id, staff_chat, card_id, STAFF_CARD)
        if sensitive:
            await tell_detail_readers(context, case)
    for item in media:
        if item.media_type == "voice":
            await context.bot.send_voice(staff_chat, item.file_id, reply_to_message_id=card_id)
    where = {} if sensitive else case.details.get("where") or {}
    if "latitude" in where:
        await context.bot.send_location(staff_chat, where["latitude"], where["longitude"],
                                        reply_to_message_id=card_id)


async def post_level_card(context: PinganContext, case: Case) -> None:
    """Posts the card in the chat of the case's level (四事分办), once per chat."""
    services = context.services
    chat_id = services.config.cases.level_chat(case.level)
    if chat_id is None or await services.cards.in_chat(case.id, chat_id) is not None:
        return
    with using_locale(services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, services.clock.now()))
    try:
        message = await context.bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError:
        logger.exception("could not post the card of %s to the %s chat", case.ref, case.level)
        return
    await services.cards.record(case.id, chat_id, message.message_id, LEVEL_CARD)


async def post_addition(context: PinganContext, case: Case, user_id: int, media: list[CaseMedia], *,
                        text: str, joined: bool) -> None:
    """New information from a reporter, as a reply to the case's card in its staff chat."""
    try:
        await send_addition(context, case, media, text=text, joined=joined)
    except TelegramError:
        logger.exception("could not post new information on case %s to the staff chat", case.ref)


async def send_addition(context: PinganContext, case: Case, media: list[CaseMedia], *, text: str,
                        joined: bool) -> None:
    """`post_addition`, raising what Telegram raised (a joined report's notice is kept owed)."""
    services = context.services
    staff_chat, reply_to = await staff_card_of(context, case)
    if staff_chat is None:
        return
    with using_locale(services.config.default_language):
        header = (_("Another resident reported the same thing: {ref}") if joined
                  else _("New information from the reporter: {ref}")).format(ref=case.ref)
    if services.access.is_sensitive(case):
        with using_locale(services.config.default_language):
            text, media = sensitive_addition_line(), []
    body = html.escape("\n\n".join(filter(None, [header, shorten(text)])))
    await context.bot.send_message(staff_chat, body, reply_to_message_id=reply_to)
    for item in media:
        if item.media_type == "photo":
            await context.bot.send_photo(staff_chat, item.file_id, reply_to_message_id=reply_to)
        else:
            await context.bot.send_voice(staff_chat, item.file_id, reply_to_message_id=reply_to)


async def show_contact(update: Update, context: PinganContext) -> None:
    """Staff only: the reporters' contact in a private pop-up; every look is audited."""
    # The pop-up is read by the presser alone: their language, not the staff chat's.
    with using_locale(await locale_of(context, update.effective_user.id)):
        await _show_contact(update, context)


async def _show_contact(update: Update, context: PinganContext) -> None:
    query = update.callback_query
    pressed = CaseButton.parse(query.data)
    if pressed is None or pressed.action != "contact":
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        cards = await context.services.reports.view_contact(pressed.case_id, update.effective_user.id)
    except NotAllowed:
        await query.answer(contact_refusal(context.services.access.relations)[:200], show_alert=True)
        return
    lines = []
    for card in cards:
        who = card.first_name + (f" @{card.username}" if card.username else "")
        role = _("reporter") if card.is_primary else _("also reported")
        if card.anonymous:
            lines.append(_("{role}: chose to stay anonymous").format(role=role))
        else:
            phone = card.phone or _("no phone given")
            lines.append(f"{role}: {who}, {phone}")
    await query.answer("\n".join(lines)[:200] or _("No reporter on record."), show_alert=True)


async def tell_detail_readers(context: PinganContext, case: Case) -> None:
    """A sensitive case's details stay out of the staff chat: its area's supervisors (and owner) are
    told privately, with a Full report button that only they can use (each read is audited)."""
    services = context.services
    settings = services.config.reports
    for reader in await services.access.detail_readers(case):
        with using_locale(await locale_of(context, reader)):
            text = sensitive_notice(case.ref, category_label(settings, case.kind, case.category),
                                    case.area or _("not known"))
            markup = InlineKeyboardMarkup([[_button(_("📄 Full report"), "full", case)]])
        try:
            await context.bot.send_message(reader, html.escape(text), reply_markup=markup)
        except TelegramError as exc:
            logger.info("could not tell user %s of the sensitive case %s: %s", reader, case.ref, exc)
