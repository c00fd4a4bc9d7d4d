"""Sending an alert and the officer's live delivery report.

The alert's rows are already queued (bot/services/alerts.py); `deliver` sends those due now
through the outbox dispatcher, ahead of any notice, and keeps the officer's report up to date
through a `ReportBoard` (the Telegram side, `bot.alert_report.TelegramReportBoard`): after every
row, at most once a second, and once more at the end. Rows Telegram asked to retry later stay
pending; `deliver` says when the next one is due, so that its caller can run it again then.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.i18n import choose_locale, gettext_in, ngettext_in
from bot.services.alerts import CURRENT, kind_label
from bot.services.outbox import OutboxDispatcher
from storage.alerts import AlertRepo
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import Alert, OutboxEntry, OutboxState
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo

logger = logging.getLogger(__name__)

#: Reasons in the delivery report, in the order shown.
REASONS = ("removed", "no_pin", "migrated", "rate_limited", "other")
#: Groups named per reason; the rest are counted.
MAX_NAMES = 10


class ReportBoard(Protocol):
    """The officer's delivery report: one private message, rewritten as the alert goes out."""

    async def post(self, chat_id: int, html_text: str) -> int | None:
        """Posts the report; its message id, or None if Telegram refused."""

    async def show(self, chat_id: int, message_id: int, render: Callable[[], Awaitable[str]], *,
                   final: bool) -> None:
        """Rewrites the report with `await render()`: at once when final, otherwise at most once a
        second (an update skipped for that is shown when the second is over)."""


@dataclass
class DeliverySummary:
    alert: Alert
    total: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    reasons: dict[str, list[str]] = field(default_factory=dict)  # reason -> group titles

    @property
    def finished(self) -> bool:
        return self.pending == 0


class AlertDelivery:
    def __init__(self, db: Database, clock: Clock, *, dispatcher: OutboxDispatcher, board: ReportBoard | None,
                 default_language: str) -> None:
        self._clock = clock
        self._dispatcher = dispatcher
        self._board = board
        self._default_language = default_language
        self._alerts = AlertRepo(db)
        self._groups = GroupRepo(db)
        self._outbox = OutboxRepo(db)
        self._people = PeopleRepo(db)

    async def deliver(self, alert_id: int) -> datetime | None:
        """Posts the officer's report (unless resuming one), sends the alert's due rows now and shows
        where it stands. Returns when the next row waiting for a retry is due (None: nothing waits)."""
        await self._post_report(alert_id)
        await self._dispatcher.deliver_due(alert_id=alert_id, on_recorded=self._row_recorded)
        await self.show_report(alert_id, final=True)
        return await self.next_retry(alert_id)

    async def resumable(self) -> list[int]:
        """Alerts with rows still to send (after a restart)."""
        return await self._outbox.alerts_with_pending()

    async def next_retry(self, alert_id: int) -> datetime | None:
        """When the first of the alert's rows still waiting is due."""
        waiting = [row.not_before for row in await self._outbox.for_alert(alert_id)
                   if row.state is OutboxState.PENDING]
        return min(waiting, default=None)

    async def _row_recorded(self, entry: OutboxEntry) -> None:
        await self.show_report(entry.alert_id, final=False)

    # --- the report -------------------------------------------------------------------------------

    async def _post_report(self, alert_id: int) -> None:
        alert = await self._alerts.get(alert_id)
        if alert.report_message_id is not None or self._board is None:
            return
        text = self.report_text(await self.summary(alert_id), await self._officer_locale(alert.officer_id))
        message_id = await self._board.post(alert.officer_id, text)
        if message_id is not None:
            await self._alerts.update(alert_id, self._clock.now(), report_message_id=message_id)

    async def show_report(self, alert_id: int, *, final: bool) -> None:
        """Brings the officer's report up to date (throttled unless final; see ReportBoard.show)."""
        alert = await self._alerts.get(alert_id)
        if alert.report_message_id is None or self._board is None:
            if final:
                await self.summary(alert_id)  # still settles the alert's status
            return

        async def render() -> str:
            # Read only when the board edits: this runs after every row, and the summary reads all
            # of the alert's rows (per row, that would be quadratic in the number of groups).
            return self.report_text(await self.summary(alert_id), await self._officer_locale(alert.officer_id))

        await self._board.show(alert.officer_id, alert.report_message_id, render, final=final)

    async def summary(self, alert_id: int) -> DeliverySummary:
        """Where the alert's delivery stands; a finished one becomes active."""
        summary = DeliverySummary(alert=await self._alerts.get(alert_id))
        named: dict[str, list[int]] = {reason: [] for reason in REASONS}
        for row in await self._outbox.delivery_states(alert_id):
            summary.total += 1
            events = row.events
            if row.state is OutboxState.SENT:
                summary.sent += 1
                for event, reason in (("migrated", "migrated"), ("rate_limited", "rate_limited"),
                                      ("pin_refused", "no_pin")):
                    if event in events:
                        named[reason].append(row.group_id)
            elif row.state in (OutboxState.PENDING, OutboxState.SENDING):
                summary.pending += 1
                if "rate_limited" in events:
                    named["rate_limited"].append(row.group_id)
            else:
                summary.failed += 1
                named["removed" if row.outcome == "forbidden" else "other"].append(row.group_id)
        for reason in REASONS:
            if named[reason]:
                summary.reasons[reason] = [await self._group_name(g) for g in named[reason]]
        if summary.finished and summary.alert.status == "sending":
            await self._alerts.update(alert_id, self._clock.now(), expect_status=("sending",), status="active")
            summary.alert = await self._alerts.get(alert_id)
        return summary

    def report_text(self, summary: DeliverySummary, locale: str) -> str:
        """The report as the officer reads it (HTML: every line escaped once, group titles included)."""
        alert = summary.alert
        lines = [
            gettext_in(locale, "🚨 Alert {ref} ({kind}): delivery").format(ref=alert.ref,
                                                                           kind=kind_label(alert.kind, locale)),
            ngettext_in(locale, "sent {sent} / {total} group", "sent {sent} / {total} groups", summary.total).format(
                sent=summary.sent, total=summary.total),
            ngettext_in(locale, "Still sending to {count} group.", "Still sending to {count} groups.",
                        summary.pending).format(count=summary.pending)
            if summary.pending else gettext_in(locale, "Delivery finished."),
        ]
        for reason in REASONS:
            names = summary.reasons.get(reason)
            if names:
                lines.append("• " + reason_line(reason, names, locale))
        if alert.status in CURRENT:
            lines.append(gettext_in(locale, "Send /alerts to see the tips and to close the alert."))
        return "\n".join(html.escape(line) for line in lines)

    async def _group_name(self, group_id: int) -> str:
        group = await self._groups.by_id(group_id)
        return (group.title or group.ref) if group else str(group_id)

    async def _officer_locale(self, user_id: int) -> str:
        person = await self._people.get(user_id)
        return choose_locale(person.language if person else None, person.telegram_language if person else None,
                             self._default_language)


def reason_line(reason: str, names: list[str], locale: str) -> str:
    """One sentence of the report: what happened in these groups (the first few named, the rest counted)."""
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        more = len(names) - MAX_NAMES
        shown = ngettext_in(locale, "{names} and {count} more group", "{names} and {count} more groups",
                            more).format(names=shown, count=more)
    count = len(names)
    if reason == "removed":
        text = ngettext_in(locale, "The bot was removed from the group: {groups}",
                           "The bot was removed from the groups: {groups}", count)
    elif reason == "no_pin":
        text = gettext_in(locale, "Sent but not pinned (no right to pin): {groups}")
    elif reason == "migrated":
        text = ngettext_in(locale, "The group became a supergroup; followed and sent: {groups}",
                           "The groups became supergroups; followed and sent: {groups}", count)
    elif reason == "rate_limited":
        text = gettext_in(locale, "Telegram asked to slow down; retried: {groups}")
    else:
        text = gettext_in(locale, "Other failures: {groups}")
    return text.format(groups=shown)
