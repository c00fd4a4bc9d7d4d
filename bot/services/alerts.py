"""Urgent alerts: the rules of composing one, issuing it (approval included), and managing it
(listing, closing, extending, expiry). Delivery and its report are in alert_delivery.py,
residents' tips in alert_tips.py; both are reached through this service (`alerts.delivery`,
`alerts.tips`).

Delivery policy: one outbox row per (alert, group) with the key `alert:{alert}:{group}`, written
in the same transaction as the alert, marked `urgent` (at least once: a row in flight at a crash
is sent again) and with a priority above every notice (the dispatcher sends all of them before
any notice, and the rate limiter lets them pass first). Quiet hours and paused notices do not
apply. Closing the alert skips rows still pending and edits every delivered message.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from bot.callbacks import stable_key
from bot.clock import Clock
from bot.config_alerts import AlertSettings
from bot.datetext import moment_text
from bot.i18n import N_, LazyText, current_locale, gettext_in
from bot.roles import may_issue_alerts, may_oversee_alerts
from bot.services.dialogues import DialogueName, DialogueStore
from bot.services.errors import NotAllowed, ServiceError
from bot.services.outbox import OutboxDispatcher, alert_uses_caption
from storage.alerts import AlertRepo, TipRepo
from storage.audit import AuditRepo
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import Alert, Draft, Group, GroupKind, OutboxState, Role
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.services.alert_delivery import AlertDelivery
    from bot.services.alert_tips import AlertTips

logger = logging.getLogger(__name__)

ALERT_PRIORITY = 10
#: An alert is current (its messages stand in the groups) in these states.
CURRENT = ("sending", "active")

KIND_LABELS: dict[str, LazyText] = {
    "missing": N_("missing person"),
    "suspect": N_("suspect or wanted person"),
    "danger": N_("dangerous situation"),
    "weather": N_("weather or disaster"),
    "traffic": N_("traffic"),
    "fraud": N_("fraud wave"),
    "other": N_("other"),
}


def kind_label(kind: str, locale: str | None = None) -> str:
    """The alert kind's name in one language (by default the current update's)."""
    label = KIND_LABELS.get(kind, KIND_LABELS["other"])
    return label.in_locale(locale) if locale else label.translated()




class Problem(StrEnum):
    EMPTY_TEXT = "empty"
    TEXT_TOO_LONG = "too_long"
    NOT_TEXT = "not_text"
    TOO_MANY_PHOTOS = "too_many_photos"
    NOT_A_PHOTO = "not_a_photo"
    NO_GROUPS = "no_groups"
    UNKNOWN_CHOICE = "unknown_choice"


class AlertClosed(ServiceError):
    """The alert is no longer current (closed, expired or rejected)."""


class AlertSender(Protocol):
    """What closing needs from Telegram; `bot.sender.TelegramSender` implements it."""

    async def edit_alert(self, chat_id: int, message_id: int, html_text: str, *, caption: bool,
                         unpin: bool) -> bool:
        """Rewrite a delivered alert and unpin it."""

    async def replace_alert(self, chat_id: int, message_id: int, html_text: str, *, unpin: bool) -> bool:
        """Delete a delivered alert (a photo with its caption) and post `html_text` as text in its place."""

    async def remove_album(self, chat_id: int, message_ids: tuple[int, ...]) -> bool:
        """Delete the album a delivered alert's text came after; False if Telegram refused."""


@dataclass(frozen=True)
class TargetCounts:
    total: int
    by_kind: dict[str, int]
    by_area: dict[str, int]
    pinnable: int


@dataclass(frozen=True)
class AlertListing:
    alert: Alert
    sent: int
    total: int
    tips: int


@dataclass(frozen=True)
class CloseResult:
    alert: Alert
    edited: int
    total: int
    photos_left: int = 0  # groups where a found person's photos could not be removed


class AlertService:
    def __init__(self, db: Database, clock: Clock, settings: AlertSettings, *, dispatcher: OutboxDispatcher,
                 dialogues: DialogueStore, delivery: AlertDelivery, tips: AlertTips, sender: AlertSender | None,
                 default_language: str, timezone: str, staff_chat_ids: frozenset[int] = frozenset()) -> None:
        self._db = db
        self._staff_chat_ids = staff_chat_ids
        self._clock = clock
        self.settings = settings
        self._dispatcher = dispatcher
        self._sender = sender
        self._default_language = default_language
        self._tz = ZoneInfo(timezone)
        self._dialogues = dialogues
        #: Sending an alert and its live report to the officer.
        self.delivery = delivery
        #: Residents' "I have information" sessions.
        self.tips = tips
        self._alerts = AlertRepo(db)
        self._tips = TipRepo(db)
        self._groups = GroupRepo(db)
        self._outbox = OutboxRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)

    # --- composing: the rules the /alert dialogue checks each answer against --------------------

    async def draft(self, user_id: int) -> Draft | None:
        """The alert the person is composing, if any."""
        return await self._dialogues.get(user_id, DialogueName.ALERT)

    def text_problem(self, text: str | None) -> Problem | None:
        if text is None:
            return Problem.NOT_TEXT
        if not text.strip():
            return Problem.EMPTY_TEXT
        if len(text.strip()) > self.settings.max_text_chars:
            return Problem.TEXT_TOO_LONG
        return None

    def photo_problem(self, photos_so_far: int) -> Problem | None:
        return Problem.TOO_MANY_PHOTOS if photos_so_far >= self.settings.max_photos else None

    def hours_allowed(self, hours: int) -> bool:
        return 1 <= hours <= 24 * 30

    @staticmethod
    def toggled(data: dict[str, Any], key: str, value: str) -> dict[str, Any]:
        """The draft's data with a group kind or an area ("kinds" / "areas") added or removed."""
        chosen = list(data.get(key, []))
        chosen.remove(value) if value in chosen else chosen.append(value)
        return {**data, key: chosen}

    # --- targets --------------------------------------------------------------------------------

    async def target_groups(self, data: dict[str, Any]) -> list[Group]:
        kinds = [GroupKind(k) for k in data.get("kinds", [])]
        return self._residents_only(await self._groups.active(kinds=kinds, areas=list(data.get("areas", []))))

    def _residents_only(self, groups: list[Group]) -> list[Group]:
        """Alerts are for residents' groups: never a staff chat or groups of the staff kind."""
        return [g for g in groups if g.kind is not GroupKind.STAFF and g.chat_id not in self._staff_chat_ids]

    async def target_counts(self, data: dict[str, Any]) -> TargetCounts:
        """How many groups the current choice reaches, and each kind and area (within the other choice)."""
        active = self._residents_only(await self._groups.active())
        kinds, areas = set(data.get("kinds", [])), set(data.get("areas", []))

        def matches(group: Group, use_kinds: bool = True, use_areas: bool = True) -> bool:
            kind = group.kind.value if group.kind else None
            return (not use_kinds or not kinds or kind in kinds) and (not use_areas or not areas or group.area in areas)

        chosen = [g for g in active if matches(g)]
        by_kind = {k.value: sum(1 for g in active if g.kind is k and matches(g, use_kinds=False)) for k in GroupKind}
        by_area = {a: sum(1 for g in active if g.area == a and matches(g, use_areas=False))
                   for a in sorted({g.area for g in active if g.area})}
        return TargetCounts(len(chosen), by_kind, by_area, sum(1 for g in chosen if g.can_pin))

    async def area_for_key(self, data: dict[str, Any], key: str) -> str | None:
        """The area a button's key stands for: one offered now, or one already chosen."""
        offered = [*(await self.target_counts(data)).by_area, *data.get("areas", [])]
        return next((area for area in offered if stable_key(area) == key), None)

    # --- rendering for residents ----------------------------------------------------------------

    def locale_of(self, group: Group | None) -> str:
        return (group.language if group is not None else None) or self._default_language

    def local_time(self, moment: datetime, locale: str | None = None) -> str:
        """A moment as the reader writes it (12月2日 21:35 / 2 Dec 21:35), in the deployment's zone."""
        return moment_text(moment, locale or current_locale.get(), self._tz.key, self._clock.now())

    def render(self, kind: str, text: str, expires_at: datetime, locale: str, *, closed: bool = False) -> str:
        """The alert as residents see it (HTML, the officer's text escaped), in one language. A
        closed one has no button, so it no longer says to tap it."""
        title = gettext_in(locale, "Urgent alert: {kind}").format(kind=kind_label(kind, locale))
        body = f"🚨 <b>{html.escape(title)}</b>\n\n{html.escape(text)}"
        if closed:
            return body
        footer = gettext_in(locale, "Current until {time}. If you know anything, tap the button below: you "
                                    "answer the police privately, and nothing appears in this group.").format(
            time=self.local_time(expires_at, locale))
        return f"{body}\n\n<i>{html.escape(footer)}</i>"

    def button_text(self, locale: str) -> str:
        return gettext_in(locale, "I have information")

    def preview_locales(self, groups: list[Group]) -> list[str]:
        return sorted({self.locale_of(g) for g in groups}) or [self._default_language]

    def closing_line(self, alert: Alert, reason: str, locale: str) -> str:
        if reason == "resolved" and alert.kind == "missing":
            line = gettext_in(locale, "Update: the person has been found. Thank you all for your help!")
        elif reason == "resolved":
            line = gettext_in(locale, "Update: this alert is resolved. Thank you all for your help!")
        elif reason == "expired":
            line = gettext_in(locale, "Update: this alert has expired. Thank you for your attention.")
        else:
            line = gettext_in(locale, "Update: this alert is no longer current. Thank you for your attention.")
        return f"✅ <b>{html.escape(line)}</b>"

    # --- issuing ----------------------------------------------------------------------------------

    def needs_approval(self, roles: Iterable[Role]) -> bool:
        """Whether an alert by someone with these roles waits for a supervisor (decided here only)."""
        return self.settings.require_approval and not may_oversee_alerts(roles)

    async def confirm(self, draft: Draft, roles, link_for: Callable[[str], str]) -> Alert:
        """The officer confirmed: the alert is stored, and queued at once unless approval is required."""
        if not may_issue_alerts(roles):
            raise NotAllowed()
        data = draft.data
        if not {"kind", "text", "hours"} <= set(data):
            raise AlertClosed("the draft is not ready")
        now = self._clock.now()
        hours = int(data["hours"])
        approval = self.needs_approval(roles)
        ref = secrets.token_urlsafe(6)
        groups = await self.target_groups(data)
        if not groups:
            raise AlertClosed("no groups")
        if not approval:
            self._dispatcher.hold_routine()  # no notice goes out while the alert is being queued
        async with self._db.transaction():
            alert_id = await self._alerts.insert(
                ref, draft.user_id, data["kind"], data["text"], list(data.get("photos", [])),
                {"kinds": data.get("kinds", []), "areas": data.get("areas", [])}, bool(data.get("pin")), hours,
                "awaiting_approval" if approval else "sending", now + timedelta(hours=hours), now)
            if not approval:
                await self._queue(alert_id, groups, link_for, now)
            await self._dialogues.drop(draft.user_id, DialogueName.ALERT)
            await self._audit.record(now, draft.user_id, "alert.submitted" if approval else "alert.sent", "alert",
                                     alert_id, {"kind": data["kind"], "groups": len(groups), "hours": hours})
        logger.info("alert %s (%s) by %s to %d group(s)%s", alert_id, data["kind"], draft.user_id, len(groups),
                    ", awaiting approval" if approval else "")
        return await self._alerts.get(alert_id)

    async def _queue(self, alert_id: int, groups: list[Group], link_for: Callable[[str], str], now: datetime) -> None:
        alert = await self._alerts.get(alert_id)
        link = link_for(alert.ref)
        rows = []
        for group in groups:
            locale = self.locale_of(group)
            rows.append({
                "key": f"alert:{alert_id}:{group.id}", "schedule_id": None, "occurrence": now,
                "group_id": group.id, "chat_id": group.chat_id, "locale": locale,
                "text": self.render(alert.kind, alert.text, alert.expires_at, locale), "image": None,
                "urgent": True, "priority": ALERT_PRIORITY, "alert_id": alert_id, "not_before": now,
                "payload": {"photos": list(alert.photos), "pin": alert.pin,
                            "button": {"text": self.button_text(locale), "url": link}},
            })
        await self._outbox.add_many(rows, now)

    async def approvers(self) -> list[int]:
        supervisors = await self._people.holders_of(Role.SUPERVISOR)
        return supervisors or await self._people.holders_of(Role.ADMIN)

    async def approve(self, alert_id: int, approver_id: int, roles, link_for: Callable[[str], str]) -> Alert:
        if not may_oversee_alerts(roles):
            raise NotAllowed()
        self._dispatcher.hold_routine()
        now = self._clock.now()
        async with self._db.transaction():
            alert = await self._alerts.get(alert_id)
            if alert is None or not await self._alerts.update(alert_id, now, expect_status=("awaiting_approval",),
                                                               status="sending", approved_by=approver_id):
                raise AlertClosed("not awaiting approval")
            await self._queue(alert_id, await self.target_groups(alert.targets), link_for, now)
            await self._audit.record(now, approver_id, "alert.approved", "alert", alert_id)
        return await self._alerts.get(alert_id)

    async def reject(self, alert_id: int, approver_id: int, roles) -> Alert:
        if not may_oversee_alerts(roles):
            raise NotAllowed()
        now = self._clock.now()
        if not await self._alerts.update(alert_id, now, expect_status=("awaiting_approval",), status="rejected",
                                         approved_by=approver_id, closed_at=now):
            raise AlertClosed("not awaiting approval")
        await self._audit.record(now, approver_id, "alert.rejected", "alert", alert_id)
        return await self._alerts.get(alert_id)

    # --- listing, closing, extending, expiry ------------------------------------------------------

    async def alert(self, alert_id: int) -> Alert | None:
        return await self._alerts.get(alert_id)

    async def by_ref(self, ref: str) -> Alert | None:
        return await self._alerts.by_ref(ref)

    async def listing(self, actor_id: int, roles) -> list[AlertListing]:
        if not may_issue_alerts(roles):
            raise NotAllowed()
        alerts = await self._alerts.recent(None if may_oversee_alerts(roles) else actor_id)
        tips = await self._tips.counts([a.id for a in alerts])
        listed = []
        for alert in alerts:
            rows = await self._outbox.for_alert(alert.id)
            listed.append(AlertListing(alert, sum(1 for r in rows if r.state is OutboxState.SENT), len(rows),
                                       tips.get(alert.id, 0)))
        return listed

    def may_manage(self, alert: Alert, actor_id: int, roles) -> bool:
        return may_issue_alerts(roles) and (alert.officer_id == actor_id or may_oversee_alerts(roles))

    async def close(self, alert_id: int, actor_id: int | None, roles, reason: str) -> CloseResult:
        """Closes the alert: pending sends dropped, every delivered message edited and unpinned."""
        alert = await self._alerts.get(alert_id)
        if alert is None:
            raise AlertClosed("unknown alert")
        if actor_id is not None and not self.may_manage(alert, actor_id, roles):
            raise NotAllowed()
        if self._sender is None:
            raise RuntimeError("no sender attached")
        now = self._clock.now()
        status = "expired" if reason == "expired" else "closed"
        async with self._db.transaction():
            if not await self._alerts.update(alert_id, now, expect_status=CURRENT, status=status,
                                             closed_at=now, close_reason=reason):
                raise AlertClosed("already closed")
            await self._outbox.skip_pending_of_alert(alert_id, "alert_closed", now)
            await self._audit.record(now, actor_id, "alert.expired" if reason == "expired" else "alert.closed",
                                     "alert", alert_id, {"reason": reason})
        alert = await self._alerts.get(alert_id)
        edited, total, photos_left = 0, 0, 0
        for row in await self._outbox.for_alert(alert_id):
            if row.state is not OutboxState.SENT or row.message_id is None:
                continue
            total += 1
            text = (f"{self.render(alert.kind, alert.text, alert.expires_at, row.locale, closed=True)}\n\n"
                    f"{self.closing_line(alert, reason, row.locale)}")
            payload = getattr(row, "payload", None) or {}
            caption = alert_uses_caption(list(payload.get("photos") or []), row.text)
            unpin = "pinned" in getattr(row, "events", frozenset())
            album = getattr(row, "album_message_ids", ())
            if album and self._photo_goes(alert, reason):
                photos_left += not await self._sender.remove_album(row.chat_id, album)
            if caption and self._photo_goes(alert, reason):
                done = await self._sender.replace_alert(row.chat_id, row.message_id, text, unpin=unpin)
            else:
                done = await self._sender.edit_alert(row.chat_id, row.message_id, text, caption=caption, unpin=unpin)
            edited += done
        logger.info("alert %s %s (%s): %d of %d message(s) edited", alert_id, status, reason, edited, total)
        return CloseResult(alert, edited, total, photos_left)

    def _photo_goes(self, alert: Alert, reason: str) -> bool:
        """A found person's photo leaves the groups (`alerts.remove_photo_when_found`)."""
        return self.settings.remove_photo_when_found and reason == "resolved" and alert.kind == "missing"

    async def extend(self, alert_id: int, actor_id: int, roles, hours: int) -> Alert:
        alert = await self._alerts.get(alert_id)
        if alert is None:
            raise AlertClosed("unknown alert")
        if not self.may_manage(alert, actor_id, roles):
            raise NotAllowed()
        now = self._clock.now()
        expires = max(alert.expires_at, now) + timedelta(hours=hours)
        if not await self._alerts.update(alert_id, now, expect_status=CURRENT, expires_at=expires,
                                         hours=alert.hours + hours, expiry_prompted_at=None):
            raise AlertClosed("already closed")
        await self._audit.record(now, actor_id, "alert.extended", "alert", alert_id,
                                 {"hours": hours, "expires_at": expires.isoformat()})
        return await self._alerts.get(alert_id)

    async def due_expiry_prompts(self) -> list[Alert]:
        """Current alerts about to expire whose officer has not been asked yet (each marked as asked)."""
        now = self._clock.now()
        window = timedelta(minutes=self.settings.expiry_prompt_minutes)
        due = []
        for alert in await self._alerts.with_status(CURRENT):
            if alert.expiry_prompted_at is None and alert.expires_at - window <= now < alert.expires_at:
                if await self._alerts.update(alert.id, now, expect_status=CURRENT, expiry_prompted_at=now):
                    due.append(alert)
        return due

    async def expired(self) -> list[Alert]:
        now = self._clock.now()
        return [a for a in await self._alerts.with_status(CURRENT) if a.expires_at <= now]
