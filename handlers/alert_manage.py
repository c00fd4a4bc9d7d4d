"""Managing alerts already sent: /alerts (list, close, extend), a supervisor's approval, and the
expiry job (ask to extend or close an alert about to expire; close it when it has).

Every press is re-authorised by the service from the presser's stored roles.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext, using_locale
from bot.roles import may_issue_alerts
from bot.services.alerts import CURRENT, AlertClosed, AlertListing, kind_label
from bot.services.errors import NotAllowed
from handlers import alert_tips
from handlers.alert_delivery import launch_delivery, send_previews, tip_link_for
from handlers.dialogue import strip_buttons
from handlers.notify import locale_of
from storage.models import Alert

logger = logging.getLogger(__name__)

CLOSE_REASONS = ("resolved", "withdrawn")


class ManageButton(CallbackData, prefix="alrm", legacy=True):
    """Close / extend / approve / reject an alert. These buttons stay in officers' and supervisors'
    chats for days, so the version-less form they were first posted with is still read: the
    fields keep its order (action, the alert, then the close reason or "prompt")."""

    action: str
    alert_id: int = 0
    option: str = ""


def _expired_button_text() -> str:
    return _("This button has expired. Please send /alerts again.")


# --- /alerts ---------------------------------------------------------------------------------------

async def list_alerts(update: Update, context: PinganContext) -> None:
    """/alerts: the caller's alerts (supervisors and admins: everyone's) with delivery and tip counts."""
    if not may_issue_alerts(context.roles):
        await update.effective_message.reply_text(html.escape(_(
            "Sorry, only community officers, supervisors and administrators can send urgent alerts.")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(html.escape(_("Please send /alerts in a private chat with me.")))
        return
    listing = await context.services.alerts.listing(update.effective_user.id, context.roles)
    if not listing:
        await update.effective_message.reply_text(html.escape(_(
            "You have not sent any alerts yet. Send /alert to send one.")))
        return
    hours = context.services.alerts.settings.default_hours
    lines, rows = [html.escape(_("Your alerts:"))], []
    for item in listing:
        lines += ["", *_listing_lines(context, item)]
        alert = item.alert
        if alert.status in CURRENT:
            rows.append([
                InlineKeyboardButton(_("Close {ref}").format(ref=alert.ref),
                                     callback_data=ManageButton("closeask", alert.id).pack()),
                InlineKeyboardButton(_("Extend {ref} by {hours} h").format(ref=alert.ref, hours=hours),
                                     callback_data=ManageButton("extend", alert.id).pack()),
            ])
    await update.effective_message.reply_text("\n".join(lines),
                                              reply_markup=InlineKeyboardMarkup(rows) if rows else None)


def _listing_lines(context: PinganContext, item: AlertListing) -> list[str]:
    """One alert of /alerts (HTML): where it stands, its delivery and tips, and how it begins."""
    alert = item.alert
    alerts = context.services.alerts
    states = {
        "awaiting_approval": _("{ref}: {kind}, waiting for a supervisor's approval."),
        "sending": _("{ref}: {kind}, being sent, current until {time}."),
        "active": _("{ref}: {kind}, current until {time}."),
        "closed": _("{ref}: {kind}, closed at {time}."),
        "expired": _("{ref}: {kind}, expired at {time}."),
        "rejected": _("{ref}: {kind}, not approved."),
    }
    moment = alert.closed_at if alert.status == "closed" and alert.closed_at else alert.expires_at
    state = states.get(alert.status, states["active"]).format(ref=alert.ref, kind=kind_label(alert.kind),
                                                             time=alerts.local_time(moment))
    # The label form reads the same for one tip and several in English; other languages may not.
    counts = ngettext("Delivered: {sent} / {total}. Tips: {tips}.", "Delivered: {sent} / {total}. Tips: {tips}.",
                      item.tips).format(sent=item.sent, total=item.total, tips=item.tips)
    return [html.escape(state), html.escape(counts), html.escape(alert.text[:80])]


def close_choices(alert: Alert) -> list[list[InlineKeyboardButton]]:
    resolved = _("✅ Found: close it") if alert.kind == "missing" else _("✅ Resolved: close it")
    return [
        [InlineKeyboardButton(resolved, callback_data=ManageButton("close", alert.id, "resolved").pack())],
        [InlineKeyboardButton(_("No longer current: close it"),
                              callback_data=ManageButton("close", alert.id, "withdrawn").pack())],
    ]


# --- the buttons -------------------------------------------------------------------------------------

async def on_manage_button(update: Update, context: PinganContext) -> None:
    """Close / extend / approve / reject an alert; the service re-checks the presser's roles."""
    query = update.callback_query
    pressed = ManageButton.parse(query.data)
    if pressed is not None and pressed.action == "tipdone":
        # A resident's Done under a tip session, posted before tips had their own buttons.
        await alert_tips.finish(update, context)
        return
    alerts = context.services.alerts
    alert = await alerts.alert(pressed.alert_id) if pressed is not None and pressed.action in ACTIONS else None
    if alert is None:
        await query.answer(_expired_button_text(), show_alert=True)
        return
    try:
        await ACTIONS[pressed.action](update, context, pressed, alert)
    except NotAllowed:
        await query.answer(_("Sorry, only the officer who sent this alert, a supervisor or an administrator can do "
                             "that."), show_alert=True)
    except AlertClosed:
        await query.answer(_("This alert is already closed or decided."), show_alert=True)


async def ask_how_to_close(update: Update, context: PinganContext, pressed: ManageButton, alert: Alert) -> None:
    """Close: asks whether it ended well (found, resolved) or is simply no longer current."""
    if not context.services.alerts.may_manage(alert, update.effective_user.id, context.roles):
        raise NotAllowed()
    await update.callback_query.answer()
    text = _("How should alert {ref} end? Every group message will say so and be unpinned.").format(ref=alert.ref)
    await context.bot.send_message(update.effective_user.id, html.escape(text),
                                   reply_markup=InlineKeyboardMarkup(close_choices(alert)))


async def close(update: Update, context: PinganContext, pressed: ManageButton, alert: Alert) -> None:
    """Closes the alert in the background (a thousand edits take a while)."""
    user_id = update.effective_user.id
    reason = pressed.option if pressed.option in CLOSE_REASONS else "withdrawn"
    if not context.services.alerts.may_manage(alert, user_id, context.roles):
        raise NotAllowed()
    if alert.status not in CURRENT:
        raise AlertClosed("closed")
    query = update.callback_query
    await strip_buttons(context, user_id, query.message.message_id if query.message else None)
    await query.answer()
    await context.bot.send_message(user_id, html.escape(_("Closing alert {ref}: updating the group messages…").format(
        ref=alert.ref)))
    context.application.create_task(close_alert(context, alert.id, user_id, context.roles, reason),
                                    name=f"alert:{alert.id}:close")


async def extend(update: Update, context: PinganContext, pressed: ManageButton, alert: Alert) -> None:
    """Keeps the alert current for the usual duration more."""
    alerts = context.services.alerts
    user_id = update.effective_user.id
    alert = await alerts.extend(alert.id, user_id, context.roles, alerts.settings.default_hours)
    query = update.callback_query
    if pressed.option == "prompt":  # the expiry question: answered now
        await strip_buttons(context, user_id, query.message.message_id if query.message else None)
    await query.answer(_("Extended: current until {time}.").format(time=alerts.local_time(alert.expires_at)),
                       show_alert=True)


async def approve(update: Update, context: PinganContext, pressed: ManageButton, alert: Alert) -> None:
    """A supervisor lets the alert go out."""
    user_id = update.effective_user.id
    alert = await context.services.alerts.approve(alert.id, user_id, context.roles, tip_link_for(context))
    query = update.callback_query
    await strip_buttons(context, user_id, query.message.message_id if query.message else None)
    await query.answer(_("Approved: it is being sent."))
    await launch_delivery(context.application, alert.id)


async def reject(update: Update, context: PinganContext, pressed: ManageButton, alert: Alert) -> None:
    """A supervisor stops the alert; its officer is told who decided."""
    user_id = update.effective_user.id
    alert = await context.services.alerts.reject(alert.id, user_id, context.roles)
    query = update.callback_query
    await strip_buttons(context, user_id, query.message.message_id if query.message else None)
    await query.answer(_("Rejected: it will not be sent."))
    name = context.person.first_name if context.person else str(user_id)
    with using_locale(await locale_of(context, alert.officer_id)):
        text = _("Your alert {ref} was not approved by {name}. Nothing was sent.").format(ref=alert.ref, name=name)
    await context.bot.send_message(alert.officer_id, html.escape(text))


ACTIONS = {"closeask": ask_how_to_close, "close": close, "extend": extend, "approve": approve, "reject": reject}


# --- approval requests ------------------------------------------------------------------------------

async def ask_approval(context: PinganContext, alert: Alert) -> None:
    """Shows the alert to each approver with Approve / Reject; nothing goes out before one decides."""
    alerts = context.services.alerts
    officer = await context.services.people.person(alert.officer_id)
    count = len(await alerts.target_groups(alert.targets))
    for approver in await alerts.approvers():
        with using_locale(await locale_of(context, approver)):
            try:
                await send_previews(context, approver, kind=alert.kind, text=alert.text, photos=list(alert.photos),
                                    targets=alert.targets, expires_at=alert.expires_at, ref=alert.ref)
                text = ngettext("{name} asks to send this alert to {count} group. Approve it?",
                                "{name} asks to send this alert to {count} groups. Approve it?", count).format(
                    name=officer.first_name if officer else alert.officer_id, count=count)
                await context.bot.send_message(approver, html.escape(text), reply_markup=InlineKeyboardMarkup([[
                    InlineKeyboardButton(_("✅ Approve"), callback_data=ManageButton("approve", alert.id).pack()),
                    InlineKeyboardButton(_("✖ Reject"), callback_data=ManageButton("reject", alert.id).pack()),
                ]]))
            except TelegramError as exc:
                logger.info("approver %s not reached: %s", approver, exc)


# --- closing and expiry ------------------------------------------------------------------------------

async def close_alert(context: PinganContext, alert_id: int, actor_id: int | None, roles, reason: str) -> None:
    """Closes the alert (every group message edited and unpinned), then tells its officer."""
    services = context.services
    try:
        result = await services.alerts.close(alert_id, actor_id, roles, reason)
    except AlertClosed:
        return
    except Exception:  # noqa: BLE001 - logged; the officer can try again from /alerts
        logger.exception("alert %s: closing failed", alert_id)
        return
    alert = result.alert
    with using_locale(await locale_of(context, alert.officer_id)):
        text = ngettext("Alert {ref} is closed: {edited} of {total} group message updated and unpinned.",
                        "Alert {ref} is closed: {edited} of {total} group messages updated and unpinned.",
                        result.total).format(ref=alert.ref, edited=result.edited, total=result.total)
        if result.photos_left:
            text += "\n" + ngettext(
                "The photos could not be removed from {count} group (Telegram lets a bot delete only within 48 "
                "hours, and only where it may): please remove them there by hand.",
                "The photos could not be removed from {count} groups (Telegram lets a bot delete only within 48 "
                "hours, and only where it may): please remove them there by hand.",
                result.photos_left).format(count=result.photos_left)
    try:
        await context.bot.send_message(alert.officer_id, html.escape(text))
    except TelegramError as exc:
        logger.info("officer %s not told of the closing: %s", alert.officer_id, exc)
    await services.alerts.delivery.show_report(alert_id, final=True)


async def expiry_job(context: PinganContext) -> None:
    """Every minute: ask officers to extend or close alerts about to expire; expire the overdue ones."""
    alerts = context.services.alerts
    for alert in await alerts.due_expiry_prompts():
        with using_locale(await locale_of(context, alert.officer_id)):
            text = _("Your alert {ref} ({kind}) expires at {time}. Extend it, or close it?").format(
                ref=alert.ref, kind=kind_label(alert.kind), time=alerts.local_time(alert.expires_at))
            markup = InlineKeyboardMarkup([
                [InlineKeyboardButton(_("Extend by {hours} h").format(hours=alerts.settings.default_hours),
                                      callback_data=ManageButton("extend", alert.id, "prompt").pack())],
                *close_choices(alert),
            ])
        try:
            await context.bot.send_message(alert.officer_id, html.escape(text), reply_markup=markup)
        except TelegramError as exc:
            logger.info("officer %s not asked about expiry: %s", alert.officer_id, exc)
    for alert in await alerts.expired():
        await close_alert(context, alert.id, None, frozenset(), "expired")
