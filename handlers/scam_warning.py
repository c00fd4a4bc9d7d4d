"""A wave of one scam in an area: the alert to the area's officers (the count and a sample,
never who checked), and its one-tap button that pushes a ready-made warning to the area's groups
through the notices outbox. The rules are bot/services/scam_clusters.py's; every press is
re-authorised there from the stored roles, and a second press sends nothing."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, current_locale, ngettext, using_locale
from bot.notice_jobs import arm
from bot.services.errors import NotAllowed
from bot.services.scam_check import defang
from bot.services.scam_clusters import ClusterGone, NoGroups
from handlers.notify import locale_of, person_name
from storage.scam_checks import ScamCluster

logger = logging.getLogger(__name__)


class ScamWarnButton(CallbackData, prefix="swarn"):
    """`warn`: push the cluster's warning to its area's groups."""

    action: str
    cluster_id: int


async def announce(context: PinganContext, cluster: ScamCluster | None) -> None:
    """A new cluster to its area's officers, privately, in their language (all officers when the
    area has none of its own); the area's staff chat when no officer can be reached."""
    if cluster is None:
        return
    reached = 0
    for officer_id in await context.services.cases.officers_for(cluster.area):
        with using_locale(await locale_of(context, officer_id)):
            reached += await _send_alert(context, officer_id, cluster)
    staff_chat = context.services.config.staff_chat_for(cluster.area)
    if not reached and staff_chat is not None:
        with using_locale(context.services.config.default_language):
            await _send_alert(context, staff_chat, cluster)


async def _send_alert(context: PinganContext, chat_id: int, cluster: ScamCluster) -> bool:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        _("📣 Warn the groups of {area}").format(area=cluster.area),
        callback_data=ScamWarnButton("warn", cluster.id).pack())]])
    try:
        await context.bot.send_message(chat_id, alert_text(context, cluster), reply_markup=markup)
    except TelegramError as exc:
        logger.info("scam cluster %s: could not tell %s: %s", cluster.id, chat_id, exc)
        return False
    return True


def alert_text(context: PinganContext, cluster: ScamCluster) -> str:
    """The officers' alert (HTML): what is going round, how many residents, a sample."""
    rules = context.services.scam_rules
    fraud = rules.library.types.get(cluster.type_id) if cluster.type_id else None
    kind = fraud.name(current_locale.get()) if fraud is not None else _("no known type")
    hours = context.services.scam_clusters.settings.cluster_window_hours
    if cluster.kind == "type":
        what = ngettext("{count} resident of {area} checked messages of the scam “{kind}” within {hours} hours.",
                        "{count} residents of {area} checked messages of the scam “{kind}” within {hours} hours.",
                        cluster.residents)
    elif cluster.kind == "phone":
        what = ngettext("{count} resident of {area} checked messages with the number {value} within {hours} hours.",
                        "{count} residents of {area} checked messages with the number {value} within {hours} hours.",
                        cluster.residents)
    else:
        what = ngettext("{count} resident of {area} checked messages with the link {value} within {hours} hours.",
                        "{count} residents of {area} checked messages with the link {value} within {hours} hours.",
                        cluster.residents)
    value = defang(cluster.value) if cluster.kind == "link" else cluster.value
    title = _("⚠️ A scam is going round")
    lines = [f"<b>{html.escape(title)}</b>", "",
             html.escape(what.format(count=cluster.residents, area=cluster.area, kind=kind, value=value, hours=hours))]
    if cluster.kind != "type" and fraud is not None:
        lines.append(html.escape(_("Type found: {kind}").format(kind=kind)))
    for also_kind, also_value in cluster.also:
        if also_kind == "phone":
            lines.append(html.escape(_("The number in them: {value}").format(value=also_value)))
        elif also_kind == "link":
            lines.append(html.escape(_("The link in them: {value}").format(value=defang(also_value))))
    if cluster.sample:
        lines += ["", html.escape(_("A message checked (who checked it is never shown):")),
                  f"<blockquote>{html.escape(cluster.sample)}</blockquote>"]
    lines += ["", html.escape(_("The button below sends a ready-made warning to the residents' groups of the area, "
                                "once, paced like every notice."))]
    return "\n".join(lines)


async def on_button(update: Update, context: PinganContext) -> None:
    """"Warn the groups": queued once (re-authorised), the notice timer woken, the alert updated."""
    query = update.callback_query
    pressed = ScamWarnButton.parse(query.data)
    if pressed is None or pressed.action != "warn":
        await query.answer(_("This button has expired."), show_alert=True)
        return
    clusters = context.services.scam_clusters
    try:
        pushed = await clusters.push_warning(pressed.cluster_id, update.effective_user.id, context.roles)
    except NotAllowed:
        await query.answer(_("Sorry, only officers, supervisors and administrators can send warnings."),
                           show_alert=True)
        return
    except ClusterGone:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    except NoGroups:
        await query.answer(_("No residents' group of this area is known to me, so there is nobody to warn."),
                           show_alert=True)
        return
    if pushed.already:
        name = await person_name(context, pushed.cluster.warned_by)
        await query.answer(_("{name} already sent this warning; it goes out once.").format(name=name),
                           show_alert=True)
        return
    await arm(context.application)  # the notice timer sends the rows, paced
    done = ngettext("📣 Warning on its way to {count} group of {area}.",
                    "📣 Warning on its way to {count} groups of {area}.", pushed.queued).format(
        count=pushed.queued, area=pushed.cluster.area)
    try:
        await query.edit_message_text(f"{query.message.text_html}\n\n<b>{html.escape(done)}</b>", reply_markup=None)
    except TelegramError as exc:  # the alert is old or was changed: the popup says it
        logger.debug("scam cluster alert not updated: %s", exc)
    await query.answer(ngettext("The warning is on its way to {count} group.",
                                "The warning is on its way to {count} groups.", pushed.queued).format(
        count=pushed.queued))
