"""The case card in the staff chat (its text, buttons, posting and refreshing), what is posted
under it (the report's photos and voice notes, new information), and the private notice of a
sensitive case. The contact button is handlers/case_contact.py."""

from __future__ import annotations

import html
import logging

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, TelegramError

from bot.callbacks import CallbackData
from bot.config_chats import next_level
from bot.context import PinganContext
from bot.i18n import N_, _, ngettext, using_locale
from bot.services.case_cards import LEVEL_CARD, STAFF_CARD
from bot.services.supervision import is_overdue
from handlers.case_labels import (
    ACTION_LABELS,
    GRADE_BUTTON_WORDS,
    GRADE_ICONS,
    LEVEL_LABELS,
    LEVEL_SENT,
    OUTCOME_LABELS,
    RAISE_LABELS,
    REJECTION_LABELS,
    grade_text,
    outcome_fits,
)

# Kept importable from here, where the card's other modules have always found it.
from handlers.case_labels import GRADE_LABELS as GRADE_LABELS
from handlers.case_privacy import sensitive_addition_line, sensitive_card_line, sensitive_notice
from handlers.case_supervision_view import supervise_row, supervision_line
from handlers.labels import role_label
from handlers.mediation_buttons import mediation_rows
from handlers.moments import moment_words
from handlers.notify import locale_of, person_name
from handlers.report_labels import (
    KIND_NAMES,
    MAX_SUMMARY,
    category_label,
    shorten,
    status_label,
    when_text,
)
from storage.models import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseMedia, CaseStatus

logger = logging.getLogger(__name__)


class CaseButton(CallbackData, prefix="case", legacy=True):
    """A case card's button: `action` on `case_id`, with the picker's choice or the inbox entry in
    `arg`. Legacy: cards stay in the staff chat for weeks, so the version-less
    `case:<action>:<case_id>:<arg>` they were posted with still works, field for field."""

    action: str
    case_id: int
    arg: str = ""


#: Telegram's largest album.
ALBUM_SIZE = 10
#: Said when a text must go to the presser privately and they have no private chat with the bot.
OPEN_PRIVATE_CHAT = N_("Please open a private chat with me first (tap my name, then Start), and press again.")


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
        rows = [[_button(label.translated(), "resolveto", case, key)] for key, label in OUTCOME_LABELS.items()
                if outcome_fits(case, key)]
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
        rows.append([_button(("✓" if case.grade == g else "") + f"{icon} {GRADE_BUTTON_WORDS[g].translated()}",
                             "grade", case, g) for g, icon in GRADE_ICONS.items()])
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


async def refresh_card(context: PinganContext, case: Case, *, also_message=None, view: str = "main") -> None:
    """Edits every posted copy of the card (staff chat, level chats) and the copy the button was
    pressed on (a /case snapshot: it becomes a snapshot of now) to the case's state."""
    services = context.services
    with using_locale(services.config.default_language):
        text = await card_text(context, case)
        markup = card_markup(case, view, staff=await _staff_choices(context, case) if view == "assign" else None,
                             overdue=is_overdue(case, services.clock.now()))
    targets = [(card.chat_id, card.message_id, text) for card in await services.cards.posted(case.id)]
    # A forged press can name any message: only one where a card may be shown becomes one (a snapshot).
    if also_message is not None and not any((also_message.chat_id, also_message.message_id) == target[:2]
                                            for target in targets) and await shows_cards(context, also_message.chat):
        with using_locale(services.config.default_language):
            snapshot = await card_text(context, case, snapshot=True)
        targets.append((also_message.chat_id, also_message.message_id, snapshot))
    for chat_id, message_id, text in targets:
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
    """A copy of the card with working buttons, anywhere (/case PA-…). It is a snapshot that says
    when it was made: only the recorded cards (staff chat, level chats) follow every change, so a
    change never fans out to every chat someone once opened the case in (nor to someone who has
    since lost their role); a press on the copy brings it up to date."""
    with using_locale(context.services.config.default_language):
        text, markup = await card_text(context, case, snapshot=True), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def post_case_card(context: PinganContext, case: Case, *, note: str = "") -> None:
    """Posts the card of a new case in its area's staff chat (or updates an urgent case's card once
    the report is complete), then its photos as an album and its voice notes, each in reply to the
    card. Each part is recorded once sent, so a retry sends only what is missing. `note` (plain
    text) ends the first message this posts: it says the message is sent again. Raises what
    Telegram raised: handlers/case_delivery.py keeps the card owed and tries again."""
    services = context.services
    staff_chat, card_id = await staff_card_of(context, case)
    case = await services.reports.case(case.id) or case
    sensitive = services.access.is_sensitive(case)
    with using_locale(services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    if card_id is not None:
        try:
            await context.bot.edit_message_text(text, staff_chat, card_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": it shows this already
            logger.debug("card of %s not edited: %s", case.ref, exc)
    else:
        text = "\n\n".join(filter(None, [text, html.escape(note)]))
        message = await context.bot.send_message(staff_chat, text, reply_markup=markup)
        card_id, note = message.message_id, ""
        await services.cards.record(case.id, staff_chat, card_id, STAFF_CARD)
        if sensitive:
            await tell_detail_readers(context, case)
    # A sensitive case's photos and voice notes go only to those who may read its details; no
    # case's map pin goes to the staff chat (an exact place identifies the reporter).
    if not sensitive:
        await _send_card_media(context, case, staff_chat, card_id, note)


async def _send_card_media(context: PinganContext, case: Case, chat_id: int, card_id: int, note: str) -> None:
    """The report's photos (albums of up to 10) and voice notes under its card, those not sent yet;
    the first of them captioned with `note` (plain text) if there is one."""
    cards = context.services.cards
    sent = await cards.sent_items(case.id, chat_id)
    media = [m for m in await context.services.reports.media_of(case.id)
             if m.addition_id is None and f"media:{m.id}" not in sent]
    photos = [m for m in media if m.media_type == "photo"]
    for start in range(0, len(photos), ALBUM_SIZE):
        album = photos[start:start + ALBUM_SIZE]
        caption, note = html.escape(note) or None, ""
        if len(album) == 1:
            await context.bot.send_photo(chat_id, album[0].file_id, caption=caption, reply_to_message_id=card_id)
        else:
            items = [InputMediaPhoto(m.file_id, caption=caption if n == 0 else None) for n, m in enumerate(album)]
            await context.bot.send_media_group(chat_id, items, reply_to_message_id=card_id)
        for photo in album:
            await cards.record_sent_item(case.id, chat_id, f"media:{photo.id}")
    for voice in (m for m in media if m.media_type == "voice"):
        caption, note = html.escape(note) or None, ""
        await context.bot.send_voice(chat_id, voice.file_id, caption=caption, reply_to_message_id=card_id)
        await cards.record_sent_item(case.id, chat_id, f"media:{voice.id}")


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
                        joined: bool, note: str = "") -> None:
    """`post_addition`, raising what Telegram raised (a joined report's notice is kept owed); `note`
    (plain text) ends it when it is sent again."""
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
    body = html.escape("\n\n".join(filter(None, [header, shorten(text), note])))
    await context.bot.send_message(staff_chat, body, reply_to_message_id=reply_to)
    for item in media:
        if item.media_type == "photo":
            await context.bot.send_photo(staff_chat, item.file_id, reply_to_message_id=reply_to)
        else:
            await context.bot.send_voice(staff_chat, item.file_id, reply_to_message_id=reply_to)


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
