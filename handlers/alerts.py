"""/alert (an officer's guided urgent alert), its live delivery report, residents' tips through the
"I have information" deep link, /alerts (list, close, extend), approval and expiry.

The dialogue's draft lives in SQLite (bot/services/alerts.py), so a restart loses nothing; the
steps are drawn in alerts.mmd beside this file. Every press is re-authorised from stored roles.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from datetime import timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot import callbacks
from bot.context import PinganContext
from bot.deeplinks import alert_payload, start_link
from bot.i18n import _, gettext_in, ngettext, using_locale
from bot.sender import TelegramSender
from bot.services.alerts import (
    KIND_LABELS,
    REASONS,
    AlertClosed,
    AlertStep,
    DeliverySummary,
    Problem,
    may_issue,
)
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from handlers.labels import kind_label
from handlers.notify import locale_of
from storage.models import Alert, Draft, GroupKind

logger = logging.getLogger(__name__)

FAMILY = "alr"  # the composing dialogue
MANAGE_FAMILY = "alrm"  # close / extend / approve / reject, and the tip's Done
#: The delivery report is edited at most this often while sending (and once more at the end).
REPORT_EDIT_SECONDS = 1.0
MAX_NAMES = 10

# The dialogue's states (stored in the draft; see alerts.mmd).
CHOOSING_KIND = AlertStep.CHOOSING_KIND
TYPING_TEXT = AlertStep.TYPING_TEXT
ADDING_PHOTOS = AlertStep.ADDING_PHOTOS
CHOOSING_TARGETS = AlertStep.CHOOSING_TARGETS
CHOOSING_PIN = AlertStep.CHOOSING_PIN
CHOOSING_DURATION = AlertStep.CHOOSING_DURATION
CONFIRMING = AlertStep.CONFIRMING
SENDING_TIP = AlertStep.SENDING_TIP


def kind_name(kind: str, locale: str | None = None) -> str:
    label = KIND_LABELS.get(kind, KIND_LABELS["other"])
    return label.in_locale(locale) if locale else _(str(label))


def _cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(_("✖ Cancel"), callback_data=callbacks.pack(FAMILY, "cancel"))


def _link_for(context: PinganContext):
    username = context.bot.username
    return lambda ref: start_link(username, alert_payload(ref))


# --- starting -------------------------------------------------------------------------------------

async def alert_command(update: Update, context: PinganContext) -> None:
    """/alert: officers, supervisors and admins only, in private; resumes a draft in progress."""
    if not may_issue(context.roles):
        await update.effective_message.reply_text(
            _("Sorry, only community officers, supervisors and administrators can send urgent alerts. "
              "If you know something urgent, send /report, or call {police} in an emergency.").format(
                police=context.services.config.emergency.numbers.get("police", "110")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(_("Please send /alert in a private chat with me."))
        return
    user_id = update.effective_user.id
    draft = await context.services.alerts.draft(user_id)
    if draft is not None and draft.dialogue == DialogueName.ALERT:
        await update.effective_message.reply_text(_("You have an alert in progress. Here is where you were."))
    else:
        draft = await context.services.alerts.start(user_id, context.roles)
    await ask(context, user_id, draft)


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: the alert being written, or the tip session."""
    await context.services.alerts.cancel(draft.user_id)
    await _strip(context, draft.user_id, draft.prompt_message_id)
    text = _("Alert cancelled. Nothing was sent.") if draft.dialogue == DialogueName.ALERT else \
        _("Thank you. You can tap the button under the alert again at any time.")
    await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())


# --- asking -----------------------------------------------------------------------------------------

async def ask(context: PinganContext, chat_id: int, draft: Draft, *, note: str | None = None) -> Draft:
    """Sends the question of the draft's step (its buttons replace the previous question's)."""
    await _strip(context, chat_id, draft.prompt_message_id)
    alerts = context.services.alerts
    if draft.state == CONFIRMING:
        await _send_previews(context, chat_id, draft)
    text, markup = await _question(context, draft)
    if note:
        text = f"{html.escape(note)}\n\n{text}"
    message = await context.bot.send_message(chat_id, text, reply_markup=markup, parse_mode=ParseMode.HTML)
    return await alerts.remember_prompt(draft, message.message_id)


async def _question(context: PinganContext, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    alerts = context.services.alerts
    settings = alerts.settings
    data = draft.data
    step = draft.state
    pack = callbacks.pack
    if step == CHOOSING_KIND:
        buttons = [InlineKeyboardButton(kind_name(k), callback_data=pack(FAMILY, "kind", k)) for k in KIND_LABELS]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [[_cancel_button()]]
        return html.escape(_("New urgent alert. What is it about?")), InlineKeyboardMarkup(rows)
    if step == TYPING_TEXT:
        text = _("Type the alert as residents should read it: who or what, where, when, and what to do. "
                 "At most {limit} characters.").format(limit=settings.max_text_chars)
        return html.escape(text), InlineKeyboardMarkup([[_cancel_button()]])
    if step == ADDING_PHOTOS:
        count = len(data.get("photos", []))
        if count:
            text = _("Send up to {max} photos if they help (optional), then tap Done. Photos so far: {count}.")
        else:
            text = _("Send up to {max} photos if they help, or tap “Skip: no photos”.")
        text = text.format(max=settings.max_photos, count=count)
        done = _("Done") if count else _("Skip: no photos")
        return html.escape(text), InlineKeyboardMarkup([
            [InlineKeyboardButton(done, callback_data=pack(FAMILY, "photos_done"))], [_cancel_button()]])
    if step == CHOOSING_TARGETS:
        counts = await alerts.target_counts(data)
        kinds, areas = data.get("kinds", []), data.get("areas", [])
        rows = [[InlineKeyboardButton(
            ("✓ " if not kinds and not areas else "") + _("All active groups"), callback_data=pack(FAMILY, "tall"))]]
        for kind in GroupKind:
            n = counts.by_kind.get(kind.value, 0)
            if n or kind.value in kinds:
                mark = "✓ " if kind.value in kinds else ""
                rows.append([InlineKeyboardButton(f"{mark}{kind_label(kind)} ({n})",
                                                  callback_data=pack(FAMILY, "tk", kind.value))])
        for index, (area, n) in enumerate(counts.by_area.items()):
            mark = "✓ " if area in areas else ""
            rows.append([InlineKeyboardButton(f"{mark}📍 {area} ({n})", callback_data=pack(FAMILY, "ta", index))])
        rows.append([InlineKeyboardButton(
            ngettext("Continue: {count} group", "Continue: {count} groups", counts.total).format(count=counts.total),
            callback_data=pack(FAMILY, "tdone"))])
        rows.append([_cancel_button()])
        text = _("Which groups should get it? Tap group kinds and areas to narrow it down; with none chosen it "
                 "goes to every active group. The number beside each choice is how many groups it reaches.")
        reach = ngettext("Now it reaches {count} group.", "Now it reaches {count} groups.", counts.total).format(
            count=counts.total)
        return f"{html.escape(text)}\n\n<b>{html.escape(reach)}</b>", InlineKeyboardMarkup(rows)
    if step == CHOOSING_PIN:
        counts = await alerts.target_counts(data)
        text = _("Pin it in the groups? I may pin in {pinnable} of the {total} groups (where I am an "
                 "administrator allowed to pin).").format(pinnable=counts.pinnable, total=counts.total)
        return html.escape(text), InlineKeyboardMarkup([
            [InlineKeyboardButton(_("📌 Yes, pin it"), callback_data=pack(FAMILY, "pin", 1)),
             InlineKeyboardButton(_("No"), callback_data=pack(FAMILY, "pin", 0))],
            [_cancel_button()]])
    if step == CHOOSING_DURATION:
        buttons = []
        for hours in settings.duration_choices:
            label = _("{hours} h").format(hours=hours)
            if hours == settings.default_hours:
                label = _("{hours} h (usual)").format(hours=hours)
            buttons.append(InlineKeyboardButton(label, callback_data=pack(FAMILY, "hours", hours)))
        text = _("How long does it stay current? Before it expires I will ask you to extend or close it.")
        return html.escape(text), InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)]
                                                       + [[_cancel_button()]])
    # CONFIRMING
    counts = await alerts.target_counts(data)
    hours = int(data.get("hours", settings.default_hours))
    approval = settings.require_approval and not any(r.value in ("supervisor", "admin") for r in context.roles)
    lines = [
        _("Above is exactly what residents will see."),
        (ngettext("It goes to {count} group, pinned, and stays current for {hours} h.",
                  "It goes to {count} groups, pinned, and stays current for {hours} h.", counts.total)
         if data.get("pin") else
         ngettext("It goes to {count} group and stays current for {hours} h.",
                  "It goes to {count} groups and stays current for {hours} h.", counts.total)
         ).format(count=counts.total, hours=hours),
    ]
    if approval:
        lines.append(_("A supervisor must approve it before it goes out."))
    send = _("✅ Send for approval") if approval else _("✅ Send now")
    return html.escape("\n".join(lines)), InlineKeyboardMarkup([
        [InlineKeyboardButton(send, callback_data=pack(FAMILY, "confirm"))], [_cancel_button()]])


async def _send_previews(context: PinganContext, chat_id: int, draft: Draft) -> None:
    """The alert in each language its groups read, as they will get it (photos, text, button)."""
    alerts = context.services.alerts
    data = draft.data
    groups = await alerts.target_groups(data)
    hours = int(data.get("hours", alerts.settings.default_hours))
    expires = context.services.clock.now() + timedelta(hours=hours)
    link = start_link(context.bot.username, alert_payload("preview"))
    for locale in alerts.preview_locales(groups):
        text = alerts.render(data["kind"], data["text"], expires, locale)
        await send_alert_message(context, chat_id, text, list(data.get("photos", [])),
                                 alerts.button_text(locale), link)


async def send_alert_message(context: PinganContext, chat_id: int, text: str, photos: list[str], button: str,
                             link: str) -> Message:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(button, url=link)]])
    if len(photos) == 1 and len(text) <= 1024:
        return await context.bot.send_photo(chat_id, photos[0], caption=text, parse_mode=ParseMode.HTML,
                                            reply_markup=markup)
    if photos:
        await context.bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos])
    return await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                          disable_web_page_preview=True)


async def _strip(context: PinganContext, chat_id: int, message_id: int | None) -> None:
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest:  # already without buttons
        pass


def problem_text(problem: Problem, context: PinganContext) -> str:
    settings = context.services.alerts.settings
    return {
        Problem.EMPTY_TEXT: _("The alert text is empty. Please type it."),
        Problem.TEXT_TOO_LONG: _("That is too long: please keep it to {limit} characters. Your text is kept "
                                 "below so you can shorten it.").format(limit=settings.max_text_chars),
        Problem.NOT_TEXT: _("Please type the alert as text."),
        Problem.TOO_MANY_PHOTOS: _("That is more than {max} photos; the extra one was not added.").format(
            max=settings.max_photos),
        Problem.NOT_A_PHOTO: _("Please send a photo, or tap the button below."),
        Problem.NO_GROUPS: _("No active group matches that choice. Please choose other kinds or areas."),
        Problem.UNKNOWN_CHOICE: _("Please use the buttons."),
    }[problem]


# --- answers by message -------------------------------------------------------------------------------

async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """A private message for the alert being written or the tip session (always taken)."""
    user_id = update.effective_user.id
    message = update.effective_message
    if draft.dialogue == DialogueName.TIP:
        await take_tip(update, context, draft)
        return True
    alerts = context.services.alerts
    if draft.state == TYPING_TEXT:
        outcome = await alerts.give_text(draft, message.text)
        if outcome.problem is Problem.TEXT_TOO_LONG:
            await ask(context, user_id, outcome.draft, note=problem_text(outcome.problem, context))
            await context.bot.send_message(user_id, outcome.draft.data.get("too_long_text", ""))
            return True
    elif draft.state == ADDING_PHOTOS:
        if not message.photo:
            outcome_draft, problem = draft, Problem.NOT_A_PHOTO
            await ask(context, user_id, outcome_draft, note=problem_text(problem, context))
            return True
        outcome = await alerts.add_photo(draft, message.photo[-1].file_id)
    else:
        await ask(context, user_id, draft, note=_("Please use the buttons."))
        return True
    note = problem_text(outcome.problem, context) if outcome.problem else None
    await ask(context, user_id, outcome.draft, note=note)
    return True


# --- answers by button -------------------------------------------------------------------------------

async def on_button(update: Update, context: PinganContext) -> None:
    """Every button of the /alert dialogue; re-authorised from stored roles on each press."""
    query = update.callback_query
    pressed = callbacks.parse(query.data, FAMILY)
    user_id = update.effective_user.id
    alerts = context.services.alerts
    if pressed is None:
        await query.answer(_("This button has expired. Please send /alert again."), show_alert=True)
        return
    if not may_issue(context.roles):
        await query.answer(_("Sorry, only community officers, supervisors and administrators can send urgent "
                             "alerts."), show_alert=True)
        return
    draft = await alerts.draft(user_id)
    if draft is None or draft.dialogue != DialogueName.ALERT:
        await _strip(context, user_id, query.message.message_id if query.message else None)
        await query.answer(_("This alert is no longer being written. Send /alert to start one."), show_alert=True)
        return
    if pressed.action == "cancel":
        await alerts.cancel(user_id)
        await _strip(context, user_id, draft.prompt_message_id)
        await context.bot.send_message(user_id, _("Alert cancelled. Nothing was sent."))
        await query.answer()
        return
    if query.message is None or query.message.message_id != draft.prompt_message_id:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    action, args = pressed.action, pressed.args
    arg = args[0] if args else ""
    step = draft.state
    outcome = None
    if action == "kind" and step == CHOOSING_KIND:
        outcome = await alerts.choose_kind(draft, arg)
    elif action == "photos_done" and step == ADDING_PHOTOS:
        outcome = await alerts.photos_done(draft)
    elif action in ("tk", "ta", "tall") and step == CHOOSING_TARGETS:
        if action == "tall":
            outcome = await alerts.target_everyone(draft)
        elif action == "tk":
            outcome = await alerts.toggle_target(draft, "kind", arg)
        else:
            areas = list((await alerts.target_counts(draft.data)).by_area)
            if not arg.isdigit() or int(arg) >= len(areas):
                await query.answer(_("Please use the buttons."), show_alert=True)
                return
            outcome = await alerts.toggle_target(draft, "area", areas[int(arg)])
        await _refresh(context, user_id, outcome.draft)
        await query.answer()
        return
    elif action == "tdone" and step == CHOOSING_TARGETS:
        outcome = await alerts.targets_done(draft)
        if outcome.problem:
            await query.answer(problem_text(outcome.problem, context), show_alert=True)
            return
    elif action == "pin" and step == CHOOSING_PIN:
        outcome = await alerts.choose_pin(draft, arg == "1")
    elif action == "hours" and step == CHOOSING_DURATION and arg.isdigit():
        outcome = await alerts.choose_hours(draft, int(arg))
    elif action == "confirm" and step == CONFIRMING:
        await query.answer()
        await _strip(context, user_id, draft.prompt_message_id)
        await confirm(context, user_id, draft)
        return
    if outcome is None:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    await query.answer()
    note = problem_text(outcome.problem, context) if outcome.problem else None
    await ask(context, user_id, outcome.draft, note=note)


async def _refresh(context: PinganContext, chat_id: int, draft: Draft) -> None:
    text, markup = await _question(context, draft)
    try:
        await context.bot.edit_message_text(text, chat_id, draft.prompt_message_id, reply_markup=markup,
                                            parse_mode=ParseMode.HTML)
    except BadRequest as exc:  # nothing visible changed
        logger.debug("alert targets not refreshed: %s", exc)


async def confirm(context: PinganContext, user_id: int, draft: Draft) -> None:
    alerts = context.services.alerts
    try:
        alert = await alerts.confirm(draft, context.roles, _link_for(context))
    except NotAllowed:
        await context.bot.send_message(user_id, _("Sorry, only community officers, supervisors and administrators "
                                                  "can send urgent alerts."))
        return
    except AlertClosed:
        await ask(context, user_id, draft, note=problem_text(Problem.NO_GROUPS, context))
        return
    if alert.status == "awaiting_approval":
        await context.bot.send_message(user_id, _("Sent to a supervisor for approval. You will hear as soon as "
                                                  "they decide."))
        await ask_approval(context, alert)
        return
    await launch_delivery(context.application, alert.id)


# --- delivery and its live report -----------------------------------------------------------------------

async def launch_delivery(application: Application, alert_id: int) -> None:
    """Posts the officer's delivery report (unless resuming one) and sends the alert in the background."""
    services = application.bot_data["services"]
    alert = await services.alerts.alert(alert_id)
    if alert.report_message_id is None:
        locale = await _locale_of_user(application, alert.officer_id)
        summary = await services.alerts.summary(alert_id)
        try:
            message = await application.bot.send_message(alert.officer_id, report_text(services, summary, locale))
            await services.alerts.set_report_message(alert_id, message.message_id)
        except TelegramError as exc:
            logger.warning("alert %s: the delivery report could not be sent: %s", alert_id, exc)
    application.create_task(_deliver(application, alert_id), name=f"alert:{alert_id}:deliver")


async def _deliver(application: Application, alert_id: int) -> None:
    services = application.bot_data["services"]
    try:
        await services.alerts.deliver(alert_id)
    except Exception:  # noqa: BLE001 - the timer retries what is left; the report says where it stands
        logger.exception("alert %s: delivery run failed", alert_id)
        return
    await refresh_report(application, alert_id, final=True)
    # Rows waiting for a retry are sent by the outbox timer; arm it for them.
    from bot.notice_jobs import arm  # noqa: PLC0415 - avoids an import cycle at start-up

    await arm(application, min_delay=1.0)


async def refresh_report(application: Application, alert_id: int, *, final: bool = False) -> None:
    """Edits the officer's report in place: at most once a second while sending, and at the end."""
    # Per running application (a restart starts afresh; a module-level dict keyed by id() could
    # hand a new application the stale state of an old one).
    reports = application.bot_data.setdefault("alert_reports", {})
    state = reports.setdefault(alert_id, {"last": 0.0, "scheduled": False})
    services = application.bot_data["services"]
    now = time.monotonic()
    # Throttle before reading anything: this runs after every delivered row, and the summary reads
    # all of the alert's rows (per row, that would be quadratic in the number of groups).
    if not final and now - state["last"] < REPORT_EDIT_SECONDS:
        # While stopping, no later edit: the resumed sending refreshes the report after a restart.
        if not state["scheduled"] and application.running:
            state["scheduled"] = True

            async def later() -> None:
                try:
                    await asyncio.sleep(REPORT_EDIT_SECONDS - (time.monotonic() - state["last"]))
                finally:
                    state["scheduled"] = False
                await refresh_report(application, alert_id)

            application.create_task(later(), name=f"alert:{alert_id}:report")
        return
    state["last"] = now
    summary = await services.alerts.summary(alert_id)
    alert = summary.alert
    if alert.report_message_id is None:
        return
    locale = await _locale_of_user(application, alert.officer_id)
    try:
        await application.bot.edit_message_text(report_text(services, summary, locale), alert.officer_id,
                                                alert.report_message_id)
    except BadRequest as exc:  # "message is not modified": nothing new
        logger.debug("alert %s report not edited: %s", alert_id, exc)
    except TelegramError as exc:
        logger.info("alert %s report not edited: %s", alert_id, exc)


def _reason_label(reason: str, locale: str) -> str:
    labels = {
        "removed": gettext_in(locale, "The bot was removed from the group:"),
        "no_pin": gettext_in(locale, "Sent but not pinned (no right to pin):"),
        "migrated": gettext_in(locale, "The group became a supergroup; followed and sent:"),
        "rate_limited": gettext_in(locale, "Telegram asked to slow down; retried:"),
        "other": gettext_in(locale, "Other failures:"),
    }
    return labels[reason]


def report_text(services, summary: DeliverySummary, locale: str) -> str:
    alert = summary.alert
    lines = [gettext_in(locale, "🚨 Alert {ref} ({kind}): delivery").format(ref=alert.ref,
                                                                           kind=kind_name(alert.kind, locale)),
             gettext_in(locale, "sent {sent} / {total}").format(sent=summary.sent, total=summary.total)]
    if summary.pending:
        lines.append(gettext_in(locale, "Still sending: {count}.").format(count=summary.pending))
    else:
        lines.append(gettext_in(locale, "Delivery finished."))
    for reason in REASONS:
        names = summary.reasons.get(reason)
        if not names:
            continue
        shown = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            shown += gettext_in(locale, " and {count} more").format(count=len(names) - MAX_NAMES)
        lines.append(f"• {_reason_label(reason, locale)} {shown}")
    if alert.status in ("sending", "active"):
        lines.append(gettext_in(locale, "Send /alerts to see the tips and to close the alert."))
    return "\n".join(lines)


async def _locale_of_user(application: Application, user_id: int) -> str:
    services = application.bot_data["services"]
    from bot.i18n import choose_locale  # noqa: PLC0415

    person = await services.people.person(user_id)
    return choose_locale(person.language if person else None, person.telegram_language if person else None,
                         services.config.default_language)


async def start_alerts(application: Application) -> None:
    """At start: the report hook, and the deliveries a stop interrupted."""
    services = application.bot_data["services"]
    services.alerts.on_progress = lambda alert_id: refresh_report(application, alert_id)
    for alert_id in await services.alerts.resumable():
        logger.info("alert %s: resuming its delivery after a restart", alert_id)
        await launch_delivery(application, alert_id)


# --- approval ---------------------------------------------------------------------------------------------

async def ask_approval(context: PinganContext, alert: Alert) -> None:
    alerts = context.services.alerts
    officer = await context.services.people.person(alert.officer_id)
    groups = await alerts.target_groups(alert.targets)
    link = start_link(context.bot.username, alert_payload(alert.ref))
    for approver in await alerts.approvers():
        with using_locale(await locale_of(context, approver)):
            try:
                for locale in alerts.preview_locales(groups):
                    await send_alert_message(context, approver, alerts.render(alert.kind, alert.text,
                                                                              alert.expires_at, locale),
                                             list(alert.photos), alerts.button_text(locale), link)
                text = ngettext("{name} asks to send this alert to {count} group. Approve it?",
                                "{name} asks to send this alert to {count} groups. Approve it?",
                                len(groups)).format(name=officer.first_name if officer else alert.officer_id,
                                                    count=len(groups))
                await context.bot.send_message(approver, text, reply_markup=InlineKeyboardMarkup([[
                    InlineKeyboardButton(_("✅ Approve"), callback_data=callbacks.pack(MANAGE_FAMILY, "approve",
                                                                                     alert.id)),
                    InlineKeyboardButton(_("✖ Reject"), callback_data=callbacks.pack(MANAGE_FAMILY, "reject",
                                                                                    alert.id)),
                ]]))
            except TelegramError as exc:
                logger.info("approver %s not reached: %s", approver, exc)


# --- /alerts: listing, closing, extending -----------------------------------------------------------

def _status_label(status: str) -> str:
    return {
        "awaiting_approval": _("awaiting approval"),
        "sending": _("sending"),
        "active": _("current"),
        "closed": _("closed"),
        "expired": _("expired"),
        "rejected": _("not approved"),
    }.get(status, status)


async def list_alerts(update: Update, context: PinganContext) -> None:
    """/alerts: the caller's alerts (supervisors and admins: everyone's) with delivery and tip counts."""
    if not may_issue(context.roles):
        await update.effective_message.reply_text(_("Sorry, only community officers, supervisors and "
                                                    "administrators can send urgent alerts."))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(_("Please send /alerts in a private chat with me."))
        return
    listing = await context.services.alerts.listing(update.effective_user.id, context.roles)
    if not listing:
        await update.effective_message.reply_text(_("You have not sent any alerts yet. Send /alert to send one."))
        return
    alerts = context.services.alerts
    lines, rows = [_("Your alerts:")], []
    for item in listing:
        alert = item.alert
        lines.append("")
        lines.append(_("{ref} — {kind}, {status}, until {time}").format(
            ref=alert.ref, kind=kind_name(alert.kind), status=_status_label(alert.status),
            time=alerts.local_time(alert.expires_at)))
        lines.append(_("Delivered: {sent} / {total}. Tips: {tips}.").format(sent=item.sent, total=item.total,
                                                                         tips=item.tips))
        lines.append(html.escape(alert.text[:80]))
        if alert.status in ("sending", "active"):
            rows.append([
                InlineKeyboardButton(_("Close {ref}").format(ref=alert.ref),
                                     callback_data=callbacks.pack(MANAGE_FAMILY, "closeask", alert.id)),
                InlineKeyboardButton(_("Extend {ref} by {hours} h").format(ref=alert.ref,
                                                                           hours=alerts.settings.default_hours),
                                     callback_data=callbacks.pack(MANAGE_FAMILY, "extend", alert.id)),
            ])
    await update.effective_message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows
                                              else None)


def close_choices(alert: Alert) -> InlineKeyboardMarkup:
    resolved = _("✅ Found: close it") if alert.kind == "missing" else _("✅ Resolved: close it")
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(resolved, callback_data=callbacks.pack(MANAGE_FAMILY, "close", alert.id, "resolved"))],
        [InlineKeyboardButton(_("No longer current: close it"),
                              callback_data=callbacks.pack(MANAGE_FAMILY, "close", alert.id, "withdrawn"))],
    ])


async def on_manage_button(update: Update, context: PinganContext) -> None:
    """Close / extend / approve / reject an alert, and a resident's Done; the service re-checks roles."""
    query = update.callback_query
    pressed = callbacks.parse(query.data, MANAGE_FAMILY)
    user_id = update.effective_user.id
    alerts = context.services.alerts
    if pressed is None:
        await query.answer(_("This button has expired. Please send /alerts again."), show_alert=True)
        return
    if pressed.action == "tipdone":
        await _strip(context, user_id, query.message.message_id if query.message else None)
        draft = await alerts.draft(user_id)
        if draft is not None and draft.dialogue == DialogueName.TIP:
            await alerts.cancel(user_id)
        await context.bot.send_message(user_id, _("Thank you for helping. If you remember anything else, tap the "
                                                  "button under the alert again."),
                                       reply_markup=ReplyKeyboardRemove())
        await query.answer()
        return
    alert_id = int(pressed.args[0]) if pressed.args and pressed.args[0].isdigit() else None
    alert = await alerts.alert(alert_id) if alert_id is not None else None
    if alert is None:
        await query.answer(_("This button has expired. Please send /alerts again."), show_alert=True)
        return
    try:
        if pressed.action == "closeask":
            if not alerts.may_manage(alert, user_id, context.roles):
                raise NotAllowed()
            await query.answer()
            await context.bot.send_message(user_id, _("How should alert {ref} end? Every group message will say "
                                                      "so and be unpinned.").format(ref=alert.ref),
                                           reply_markup=close_choices(alert))
        elif pressed.action == "close":
            reason = pressed.args[1] if len(pressed.args) > 1 and pressed.args[1] in ("resolved", "withdrawn") \
                else "withdrawn"
            if not alerts.may_manage(alert, user_id, context.roles):
                raise NotAllowed()
            if alert.status not in ("sending", "active"):
                raise AlertClosed("closed")
            await _strip(context, user_id, query.message.message_id if query.message else None)
            await query.answer()
            await context.bot.send_message(user_id, _("Closing alert {ref}: updating the group messages…").format(
                ref=alert.ref))
            context.application.create_task(close_alert(context.application, alert.id, user_id, context.roles,
                                                        reason), name=f"alert:{alert.id}:close")
        elif pressed.action == "extend":
            hours = alerts.settings.default_hours
            alert = await alerts.extend(alert.id, user_id, context.roles, hours)
            if pressed.args[1:] == ("prompt",):
                await _strip(context, user_id, query.message.message_id if query.message else None)
            await query.answer(_("Extended: current until {time}.").format(time=alerts.local_time(alert.expires_at)),
                               show_alert=True)
        elif pressed.action == "approve":
            alert = await alerts.approve(alert.id, user_id, context.roles, _link_for(context))
            await _strip(context, user_id, query.message.message_id if query.message else None)
            await query.answer(_("Approved: it is being sent."))
            await launch_delivery(context.application, alert.id)
        elif pressed.action == "reject":
            alert = await alerts.reject(alert.id, user_id, context.roles)
            await _strip(context, user_id, query.message.message_id if query.message else None)
            await query.answer(_("Rejected: it will not be sent."))
            name = context.person.first_name if context.person else str(user_id)
            with using_locale(await locale_of(context, alert.officer_id)):
                text = _("Your alert {ref} was not approved by {name}. Nothing was sent.").format(ref=alert.ref,
                                                                                                  name=name)
            await context.bot.send_message(alert.officer_id, text)
        else:
            await query.answer(_("This button has expired. Please send /alerts again."), show_alert=True)
    except NotAllowed:
        await query.answer(_("Sorry, only the officer who sent this alert, a supervisor or an administrator can do "
                             "that."), show_alert=True)
    except AlertClosed:
        await query.answer(_("This alert is already closed or decided."), show_alert=True)


async def close_alert(application: Application, alert_id: int, actor_id: int | None, roles, reason: str) -> None:
    """Closes in the background (a thousand edits take a while); tells the officer when done."""
    services = application.bot_data["services"]
    sender = TelegramSender(application.bot)
    try:
        result = await services.alerts.close(alert_id, actor_id, roles, reason, sender)
    except AlertClosed:
        return
    except Exception:  # noqa: BLE001 - logged; the officer can try again from /alerts
        logger.exception("alert %s: closing failed", alert_id)
        return
    alert = result.alert
    locale = await _locale_of_user(application, alert.officer_id)
    text = gettext_in(locale, "Alert {ref} is closed: {edited} of {total} group messages updated and "
                              "unpinned.").format(ref=alert.ref, edited=result.edited, total=result.total)
    try:
        await application.bot.send_message(alert.officer_id, text)
    except TelegramError as exc:
        logger.info("officer %s not told of the closing: %s", alert.officer_id, exc)
    await refresh_report(application, alert_id, final=True)


async def expiry_job(context: PinganContext) -> None:
    """Every minute: ask officers to extend or close alerts about to expire; expire the overdue ones."""
    application = context.application
    alerts = context.services.alerts
    for alert in await alerts.due_expiry_prompts():
        locale = await _locale_of_user(application, alert.officer_id)
        text = gettext_in(locale, "Your alert {ref} ({kind}) expires at {time}. Extend it, or close it?").format(
            ref=alert.ref, kind=kind_name(alert.kind, locale), time=alerts.local_time(alert.expires_at))
        with using_locale(locale):
            markup = InlineKeyboardMarkup([
                [InlineKeyboardButton(_("Extend by {hours} h").format(hours=alerts.settings.default_hours),
                                      callback_data=callbacks.pack(MANAGE_FAMILY, "extend", alert.id, "prompt"))],
                *close_choices(alert).inline_keyboard,
            ])
        try:
            await application.bot.send_message(alert.officer_id, text, reply_markup=markup)
        except TelegramError as exc:
            logger.info("officer %s not asked about expiry: %s", alert.officer_id, exc)
    for alert in await alerts.expired():
        await close_alert(application, alert.id, None, frozenset(), "expired")


# --- residents' tips ----------------------------------------------------------------------------------------

async def begin_tip(update: Update, context: PinganContext, ref: str) -> None:
    """/start alr_<ref>: a private session where whatever the resident sends goes to the officer."""
    user_id = update.effective_user.id
    try:
        alert = await context.services.alerts.start_tip(user_id, ref)
    except AlertClosed:
        await update.effective_message.reply_text(_("Thank you, but this alert is no longer current. If you want "
                                                    "to report something, send /report."))
        return
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📍 Share my location"), request_location=True),
                                     KeyboardButton(_("📞 Share my contact"), request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=False)
    await update.effective_message.reply_text(
        _("Thank you for helping with the alert: {kind}. Send what you know: a message, photos, a location, or "
          "your contact if the officer may call you. It goes privately to the officer in charge and never to "
          "the group.").format(kind=kind_name(alert.kind)),
        reply_markup=keyboard)
    done = await update.effective_message.reply_text(
        _("Tap Done when you have finished."),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
            _("Done"), callback_data=callbacks.pack(MANAGE_FAMILY, "tipdone"))]]))
    draft = await context.services.alerts.draft(user_id)
    if draft is not None:
        await context.services.alerts.remember_prompt(draft, done.message_id)


async def take_tip(update: Update, context: PinganContext, draft: Draft) -> None:
    message = update.effective_message
    user = update.effective_user
    content: dict = {}
    if message.text:
        kind, content = "text", {"text": message.text[:4000]}
    elif message.photo:
        kind, content = "photo", {"file_id": message.photo[-1].file_id, "text": message.caption or ""}
    elif message.location:
        kind, content = "location", {"latitude": message.location.latitude,
                                     "longitude": message.location.longitude}
    elif message.contact:
        kind, content = "contact", {"phone": message.contact.phone_number}
    else:
        await message.reply_text(_("Please send a message, a photo, a location or your contact."))
        return
    try:
        alert, tip = await context.services.alerts.add_tip(draft, kind, **content)
    except AlertClosed:
        await message.reply_text(_("Thank you, but this alert is no longer current. If you want to report "
                                   "something, send /report."), reply_markup=ReplyKeyboardRemove())
        return
    await relay_tip(context, alert, tip, user)
    await message.reply_text(_("Thank you. The officer in charge has received it. You can send more, or tap Done."))


async def relay_tip(context: PinganContext, alert: Alert, tip, user) -> None:
    """To the issuing officer with who sent it; to the staff chat without."""
    bot = context.bot
    officer_locale = await locale_of(context, alert.officer_id)
    who = html.escape(user.full_name) + (f" (@{html.escape(user.username)})" if user.username else "") + \
        f" · id {user.id}"
    targets = [(alert.officer_id, officer_locale, True)]
    staff_chat = context.services.config.staff_chat_id
    if staff_chat is not None:
        targets.append((staff_chat, context.services.config.default_language, False))
    for chat_id, locale, identified in targets:
        kind = html.escape(kind_name(alert.kind, locale))
        if identified:
            header = gettext_in(locale, "💡 Information on your alert {ref} ({kind}) from {who}:").format(
                ref=alert.ref, kind=kind, who=who)
        else:
            header = gettext_in(locale, "💡 Information on alert {ref} ({kind}) from a resident "
                                        "(the officer in charge knows who):").format(ref=alert.ref, kind=kind)
        try:
            if tip.kind == "text":
                await bot.send_message(chat_id, f"{header}\n\n{html.escape(tip.text)}", parse_mode=ParseMode.HTML)
            elif tip.kind == "photo":
                caption = f"{header}\n\n{html.escape(tip.text)}" if tip.text else header
                await bot.send_photo(chat_id, tip.file_id, caption=caption[:1024], parse_mode=ParseMode.HTML)
            elif tip.kind == "location":
                await bot.send_message(chat_id, header, parse_mode=ParseMode.HTML)
                await bot.send_location(chat_id, tip.latitude, tip.longitude)
            elif identified:
                phone = gettext_in(locale, "Phone: {phone}").format(phone=html.escape(tip.phone or ""))
                await bot.send_message(chat_id, f"{header}\n\n{phone}", parse_mode=ParseMode.HTML)
            else:
                shared = gettext_in(locale, "The resident shared their phone number with the officer in charge.")
                await bot.send_message(chat_id, f"{header}\n\n{html.escape(shared)}", parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            logger.warning("tip %s for alert %s not relayed to %s: %s", tip.id, alert.id, chat_id, exc)
