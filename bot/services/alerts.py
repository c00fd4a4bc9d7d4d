"""Urgent alerts: the officer's dialogue (a draft in SQLite), delivery through the outbox ahead of
notices, the delivery report, residents' tips, closing and expiry.

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_alerts import AlertSettings
from bot.i18n import N_, LazyText, gettext_in
from bot.services.dialogues import DialogueName, DialogueStore
from bot.services.errors import NotAllowed, ServiceError
from bot.services.outbox import OutboxDispatcher, alert_uses_caption
from storage.alerts import AlertRepo, TipRepo
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import Alert, AlertTip, Draft, Group, GroupKind, OutboxEntry, OutboxState, Role
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo

logger = logging.getLogger(__name__)

ALERT_PRIORITY = 10
ISSUERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
OVERSEERS = frozenset({Role.SUPERVISOR, Role.ADMIN})  # approve, and manage anyone's alerts


class AlertStep(StrEnum):
    """What the bot waits for. Values are stored and appear in callback data: keep them."""

    CHOOSING_KIND = "kind"
    TYPING_TEXT = "text"
    ADDING_PHOTOS = "photos"
    CHOOSING_TARGETS = "targets"
    CHOOSING_PIN = "pin"
    CHOOSING_DURATION = "hours"
    CONFIRMING = "confirm"
    SENDING_TIP = "tip"  # a resident answering an alert


KIND_LABELS: dict[str, LazyText] = {
    "missing": N_("missing person"),
    "suspect": N_("suspect or wanted person"),
    "danger": N_("dangerous situation"),
    "weather": N_("weather or disaster"),
    "traffic": N_("traffic"),
    "fraud": N_("fraud wave"),
    "other": N_("other"),
}

#: Reasons in the delivery report, in the order shown.
REASONS = ("removed", "no_pin", "migrated", "rate_limited", "other")


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


def may_issue(roles) -> bool:
    return any(r in ISSUERS for r in roles)


def may_oversee(roles) -> bool:
    return any(r in OVERSEERS for r in roles)


class AlertSender(Protocol):
    async def edit_alert(self, chat_id: int, message_id: int, html_text: str, *, caption: bool,
                         unpin: bool) -> bool:
        """Rewrite a delivered alert and unpin it."""


@dataclass(frozen=True)
class Step:
    """The result of one answer: the draft as saved now, and what went wrong if anything."""

    draft: Draft
    problem: Problem | None = None
    advanced: bool = True


@dataclass(frozen=True)
class TargetCounts:
    total: int
    by_kind: dict[str, int]
    by_area: dict[str, int]
    pinnable: int


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


class AlertService:
    def __init__(self, db: Database, clock: Clock, settings: AlertSettings, *, dispatcher: OutboxDispatcher,
                 dialogues: DialogueStore, default_language: str, timezone: str,
                 staff_chat_id: int | None = None) -> None:
        self._db = db
        self._staff_chat_id = staff_chat_id
        self._clock = clock
        self.settings = settings
        self._dispatcher = dispatcher
        self._default_language = default_language
        self._tz = ZoneInfo(timezone)
        self._dialogues = dialogues
        self._alerts = AlertRepo(db)
        self._tips = TipRepo(db)
        self._groups = GroupRepo(db)
        self._outbox = OutboxRepo(db)
        self._people = PeopleRepo(db)
        #: Told after each delivered (or failed) row of an alert; the handlers refresh the report.
        self.on_progress: Callable[[int], Awaitable[None]] | None = None
        dispatcher.on_recorded = self._row_recorded

    # --- the officer's dialogue ---------------------------------------------------------------

    async def draft(self, user_id: int) -> Draft | None:
        """The alert being composed, or the tip session open (a person has one or the other)."""
        return (await self._dialogues.get(user_id, DialogueName.ALERT)
                or await self._dialogues.get(user_id, DialogueName.TIP))

    async def start(self, user_id: int, roles) -> Draft:
        if not may_issue(roles):
            raise NotAllowed()
        return await self._dialogues.start(user_id, DialogueName.ALERT, AlertStep.CHOOSING_KIND)

    async def _save(self, draft: Draft, step: str, data: dict[str, Any]) -> Draft:
        return await self._dialogues.save(draft, state=step, data=data)

    async def remember_prompt(self, draft: Draft, message_id: int | None) -> Draft:
        return await self._dialogues.remember_prompt(draft, message_id)

    async def choose_kind(self, draft: Draft, kind: str) -> Step:
        if kind not in KIND_LABELS:
            return Step(draft, Problem.UNKNOWN_CHOICE, advanced=False)
        return Step(await self._save(draft, AlertStep.TYPING_TEXT, {**draft.data, "kind": kind}))

    async def give_text(self, draft: Draft, text: str | None) -> Step:
        if text is None:
            return Step(draft, Problem.NOT_TEXT, advanced=False)
        text = text.strip()
        if not text:
            return Step(draft, Problem.EMPTY_TEXT, advanced=False)
        if len(text) > self.settings.max_text_chars:
            # Kept, so the officer can shorten it rather than type it again.
            data = {**draft.data, "too_long_text": text}
            return Step(await self._save(draft, draft.state, data), Problem.TEXT_TOO_LONG, advanced=False)
        data = {**draft.data, "text": text}
        data.pop("too_long_text", None)
        next_step = AlertStep.ADDING_PHOTOS if self.settings.max_photos else AlertStep.CHOOSING_TARGETS
        return Step(await self._save(draft, next_step, data))

    async def add_photo(self, draft: Draft, file_id: str) -> Step:
        photos = list(draft.data.get("photos", []))
        if len(photos) >= self.settings.max_photos:
            return Step(draft, Problem.TOO_MANY_PHOTOS, advanced=False)
        photos.append(file_id)
        return Step(await self._save(draft, AlertStep.ADDING_PHOTOS, {**draft.data, "photos": photos}),
                    advanced=False)

    async def photos_done(self, draft: Draft) -> Step:
        return Step(await self._save(draft, AlertStep.CHOOSING_TARGETS, draft.data))

    async def toggle_target(self, draft: Draft, what: str, value: str) -> Step:
        """Adds or removes a group kind or an area from the targets (none chosen: every active group)."""
        key = "kinds" if what == "kind" else "areas"
        if key == "kinds" and value not in GroupKind._value2member_map_:
            return Step(draft, Problem.UNKNOWN_CHOICE, advanced=False)
        chosen = list(draft.data.get(key, []))
        chosen.remove(value) if value in chosen else chosen.append(value)
        return Step(await self._save(draft, AlertStep.CHOOSING_TARGETS, {**draft.data, key: chosen}),
                    advanced=False)

    async def target_everyone(self, draft: Draft) -> Step:
        return Step(await self._save(draft, AlertStep.CHOOSING_TARGETS, {**draft.data, "kinds": [], "areas": []}),
                    advanced=False)

    async def targets_done(self, draft: Draft) -> Step:
        counts = await self.target_counts(draft.data)
        if counts.total == 0:
            return Step(draft, Problem.NO_GROUPS, advanced=False)
        return Step(await self._save(draft, AlertStep.CHOOSING_PIN, draft.data))

    async def choose_pin(self, draft: Draft, pin: bool) -> Step:
        return Step(await self._save(draft, AlertStep.CHOOSING_DURATION, {**draft.data, "pin": pin}))

    async def choose_hours(self, draft: Draft, hours: int) -> Step:
        if not 1 <= hours <= 24 * 30:
            return Step(draft, Problem.UNKNOWN_CHOICE, advanced=False)
        return Step(await self._save(draft, AlertStep.CONFIRMING, {**draft.data, "hours": hours}))

    async def cancel(self, user_id: int) -> Draft | None:
        """Drops the alert being composed or the tip session; the draft that was open, if any."""
        draft = await self.draft(user_id)
        if draft is not None:
            await self._dialogues.drop(user_id, DialogueName(draft.dialogue))
        return draft

    # --- targets --------------------------------------------------------------------------------

    async def target_groups(self, data: dict[str, Any]) -> list[Group]:
        kinds = [GroupKind(k) for k in data.get("kinds", [])]
        return self._residents_only(await self._groups.active(kinds=kinds, areas=list(data.get("areas", []))))

    def _residents_only(self, groups: list[Group]) -> list[Group]:
        """Alerts are for residents' groups: never the staff chat or groups of the staff kind."""
        return [g for g in groups if g.kind is not GroupKind.STAFF and g.chat_id != self._staff_chat_id]

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

    # --- rendering --------------------------------------------------------------------------------

    def locale_of(self, group: Group | None) -> str:
        return (group.language if group is not None else None) or self._default_language

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._tz).strftime("%m-%d %H:%M")

    def render(self, kind: str, text: str, expires_at: datetime, locale: str) -> str:
        """The alert as residents see it (HTML-escaped), in one language."""
        label = KIND_LABELS.get(kind, KIND_LABELS["other"]).in_locale(locale)
        title = gettext_in(locale, "Urgent alert: {kind}").format(kind=label)
        footer = gettext_in(locale, "Current until {time}. If you know anything, tap the button below: you "
                                    "answer the police privately, and nothing appears in this group.").format(
            time=self.local_time(expires_at))
        return f"🚨 <b>{html.escape(title)}</b>\n\n{html.escape(text)}\n\n<i>{html.escape(footer)}</i>"

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

    async def confirm(self, draft: Draft, roles, link_for: Callable[[str], str]) -> Alert:
        """The officer confirmed: the alert is stored, and queued at once unless approval is required."""
        if not may_issue(roles):
            raise NotAllowed()
        data = draft.data
        if draft.state != AlertStep.CONFIRMING or "text" not in data:
            raise AlertClosed("the draft is not ready")
        now = self._clock.now()
        hours = int(data.get("hours", self.settings.default_hours))
        approval = self.settings.require_approval and not may_oversee(roles)
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
        if not may_oversee(roles):
            raise NotAllowed()
        self._dispatcher.hold_routine()
        now = self._clock.now()
        async with self._db.transaction():
            alert = await self._alerts.get(alert_id)
            if alert is None or not await self._alerts.update(alert_id, now, expect_status=("awaiting_approval",),
                                                               status="sending", approved_by=approver_id):
                raise AlertClosed("not awaiting approval")
            await self._queue(alert_id, await self.target_groups(alert.targets), link_for, now)
        return await self._alerts.get(alert_id)

    async def reject(self, alert_id: int, approver_id: int, roles) -> Alert:
        if not may_oversee(roles):
            raise NotAllowed()
        now = self._clock.now()
        if not await self._alerts.update(alert_id, now, expect_status=("awaiting_approval",), status="rejected",
                                         approved_by=approver_id, closed_at=now):
            raise AlertClosed("not awaiting approval")
        return await self._alerts.get(alert_id)

    # --- delivery ---------------------------------------------------------------------------------

    async def deliver(self, alert_id: int) -> DeliverySummary:
        """Sends the alert's due rows now (ahead of any notice) and returns where it stands."""
        await self._dispatcher.deliver_due(alert_id=alert_id)
        return await self.summary(alert_id)

    async def resumable(self) -> list[int]:
        """Alerts with rows still to send (after a restart)."""
        return await self._outbox.alerts_with_pending()

    async def set_report_message(self, alert_id: int, message_id: int) -> None:
        await self._alerts.update(alert_id, self._clock.now(), report_message_id=message_id)

    async def _row_recorded(self, entry: OutboxEntry) -> None:
        alert_id = getattr(entry, "alert_id", None)
        if alert_id is None:
            return
        if self.on_progress is not None:
            await self.on_progress(alert_id)

    async def summary(self, alert_id: int) -> DeliverySummary:
        alert = await self._alerts.get(alert_id)
        summary = DeliverySummary(alert=alert)
        named: dict[str, list[int]] = {reason: [] for reason in REASONS}
        for row in await self._outbox.for_alert(alert_id):
            summary.total += 1
            events = getattr(row, "events", frozenset())
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
        if summary.finished and alert.status == "sending":
            await self._alerts.update(alert_id, self._clock.now(), expect_status=("sending",), status="active")
            summary.alert = await self._alerts.get(alert_id)
        return summary

    async def _group_name(self, group_id: int) -> str:
        group = await self._groups.by_id(group_id)
        return (group.title or group.ref) if group else str(group_id)

    # --- listing, closing, extending, expiry ------------------------------------------------------

    async def alert(self, alert_id: int) -> Alert | None:
        return await self._alerts.get(alert_id)

    async def by_ref(self, ref: str) -> Alert | None:
        return await self._alerts.by_ref(ref)

    async def listing(self, actor_id: int, roles) -> list[AlertListing]:
        if not may_issue(roles):
            raise NotAllowed()
        alerts = await self._alerts.recent(None if may_oversee(roles) else actor_id)
        tips = await self._tips.counts([a.id for a in alerts])
        listed = []
        for alert in alerts:
            rows = await self._outbox.for_alert(alert.id)
            listed.append(AlertListing(alert, sum(1 for r in rows if r.state is OutboxState.SENT), len(rows),
                                       tips.get(alert.id, 0)))
        return listed

    def may_manage(self, alert: Alert, actor_id: int, roles) -> bool:
        return may_issue(roles) and (alert.officer_id == actor_id or may_oversee(roles))

    async def close(self, alert_id: int, actor_id: int | None, roles, reason: str,
                    sender: AlertSender) -> CloseResult:
        """Closes the alert: pending sends dropped, every delivered message edited and unpinned."""
        alert = await self._alerts.get(alert_id)
        if alert is None:
            raise AlertClosed("unknown alert")
        if actor_id is not None and not self.may_manage(alert, actor_id, roles):
            raise NotAllowed()
        now = self._clock.now()
        status = "expired" if reason == "expired" else "closed"
        async with self._db.transaction():
            if not await self._alerts.update(alert_id, now, expect_status=("sending", "active"), status=status,
                                             closed_at=now, close_reason=reason):
                raise AlertClosed("already closed")
            await self._outbox.skip_pending_of_alert(alert_id, "alert_closed", now)
        alert = await self._alerts.get(alert_id)
        edited, total = 0, 0
        for row in await self._outbox.for_alert(alert_id):
            if row.state is not OutboxState.SENT or row.message_id is None:
                continue
            total += 1
            text = f"{row.text}\n\n{self.closing_line(alert, reason, row.locale)}"
            payload = getattr(row, "payload", None) or {}
            caption = alert_uses_caption(list(payload.get("photos") or []), row.text)
            if await sender.edit_alert(row.chat_id, row.message_id, text, caption=caption,
                                       unpin="pinned" in getattr(row, "events", frozenset())):
                edited += 1
        logger.info("alert %s %s (%s): %d of %d message(s) edited", alert_id, status, reason, edited, total)
        return CloseResult(alert, edited, total)

    async def extend(self, alert_id: int, actor_id: int, roles, hours: int) -> Alert:
        alert = await self._alerts.get(alert_id)
        if alert is None:
            raise AlertClosed("unknown alert")
        if not self.may_manage(alert, actor_id, roles):
            raise NotAllowed()
        now = self._clock.now()
        expires = max(alert.expires_at, now) + timedelta(hours=hours)
        if not await self._alerts.update(alert_id, now, expect_status=("sending", "active"), expires_at=expires,
                                         hours=alert.hours + hours, expiry_prompted_at=None):
            raise AlertClosed("already closed")
        return await self._alerts.get(alert_id)

    async def due_expiry_prompts(self) -> list[Alert]:
        """Current alerts about to expire whose officer has not been asked yet (each marked as asked)."""
        now = self._clock.now()
        window = timedelta(minutes=self.settings.expiry_prompt_minutes)
        due = []
        for alert in await self._alerts.with_status(("sending", "active")):
            if alert.expiry_prompted_at is None and alert.expires_at - window <= now < alert.expires_at:
                if await self._alerts.update(alert.id, now, expect_status=("sending", "active"),
                                             expiry_prompted_at=now):
                    due.append(alert)
        return due

    async def expired(self) -> list[Alert]:
        now = self._clock.now()
        return [a for a in await self._alerts.with_status(("sending", "active")) if a.expires_at <= now]

    # --- residents' tips --------------------------------------------------------------------------

    async def start_tip(self, user_id: int, ref: str) -> Alert:
        alert = await self._alerts.by_ref(ref)
        if alert is None or alert.status not in ("sending", "active"):
            raise AlertClosed("not current")
        await self._dialogues.start(user_id, DialogueName.TIP, AlertStep.SENDING_TIP, alert_id=alert.id)
        return alert

    async def add_tip(self, draft: Draft, kind: str, **content: Any) -> tuple[Alert, AlertTip]:
        alert = await self._alerts.get(draft.alert_id) if draft.alert_id else None
        if alert is None:
            await self._dialogues.drop(draft.user_id, DialogueName.TIP)
            raise AlertClosed("unknown alert")
        tip = await self._tips.add(alert.id, draft.user_id, kind, self._clock.now(), **content)
        await self._dialogues.save(draft)
        return alert, tip

    async def tips(self, alert_id: int) -> list[AlertTip]:
        return await self._tips.for_alert(alert_id)
