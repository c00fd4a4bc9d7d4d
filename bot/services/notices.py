"""Scheduled notices: schedules, their occurrences and the outbox rows they make (the library and
the rendering of one notice are in bot/services/notice_texts.py).

Time comes from the Clock; occurrences come from APScheduler's CronTrigger (cron is never parsed
here). `run_due(now)` is the one entry point a timer calls: it expands every occurrence that is
due into outbox rows (one transaction per occurrence, so a crash never half-expands one), then
delivers what is due. Tests move a ManualClock and call it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock
from bot.config_notices import ScheduleContent, ScheduleTargets, cron_problem, parse_hhmm
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from bot.services.groups import GroupService
from bot.services.notice_texts import NoticeTexts, ScheduleProblem
from bot.services.outbox import DeliveryReport, OutboxDispatcher, Sender
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import Group, GroupKind, NoticeSchedule
from storage.notices import RotationRepo, ScheduleRepo
from storage.outbox import OutboxRepo

logger = logging.getLogger(__name__)

#: At most this many occurrences of one schedule are looked at per run (a minutely cron after a
#: long outage must not spin).
_MAX_OCCURRENCES = 2000


@dataclass
class RunReport:
    occurrences: int = 0
    skipped_occurrences: int = 0
    queued: int = 0
    delivery: DeliveryReport | None = None


class NoticeService:
    """Schedules, their occurrences, and the outbox rows each occurrence makes."""

    def __init__(self, db: Database, clock: Clock, texts: NoticeTexts, *, timezone: str,
                 default_language: str, groups: GroupService, sender: Sender | None = None) -> None:
        self._db = db
        self._clock = clock
        #: The library in use and the rendering of notices (shared with LibraryService).
        self.texts = texts
        self.timezone = timezone
        self._default_language = default_language
        self._groups = groups
        self._schedules = ScheduleRepo(db)
        self._rotation = RotationRepo(db)
        self._outbox = OutboxRepo(db)
        self._audit = AuditRepo(db)
        self.grace = timedelta(minutes=texts.base_settings.grace_minutes)
        self.dispatcher = OutboxDispatcher(
            db, clock, grace=self.grace, sender=sender,
            on_forbidden=self._group_forbidden,
            on_migrated=groups.migrated,
            group_sendable=self._group_sendable,
        )
        self._run_lock = asyncio.Lock()

    # --- start-up ------------------------------------------------------------------------------

    async def load_config_schedules(self) -> None:
        """Config-defined schedules are re-read at every start (new ones start from now)."""
        now = self._clock.now()
        async with self._db.transaction():
            for schedule in self.texts.base_settings.schedules:
                await self._schedules.upsert_from_config(
                    schedule.id, schedule.cron, schedule.timezone or self.timezone,
                    schedule.targets.model_dump(mode="json"), schedule.content.model_dump(mode="json"),
                    schedule.paused, now,
                )
            await self._schedules.delete_config_except([s.id for s in self.texts.base_settings.schedules])

    # --- schedules -----------------------------------------------------------------------------

    async def schedules(self) -> list[NoticeSchedule]:
        return await self._schedules.all()

    async def schedule(self, schedule_id: str) -> NoticeSchedule | None:
        return await self._schedules.get(schedule_id)

    def _problems(self, cron: str, content: ScheduleContent) -> list[tuple[str, str]]:
        """What is wrong with a schedule given by command: its cron, what its content refers to."""
        problems = []
        cron_error = cron_problem(cron, self.timezone)
        if cron_error:
            problems.append(("cron", cron_error))
        problems += self.texts.settings.content_problems(content)
        return problems

    async def add_schedule(self, actor_id: int, actor_roles, cron: str, targets: ScheduleTargets,
                           content: ScheduleContent) -> NoticeSchedule:
        _require_manager(actor_roles)
        cron = " ".join(cron.split())
        problems = self._problems(cron, content)
        if problems:
            raise ScheduleProblem(problems)
        schedule_id = f"s-{secrets.token_hex(3)}"
        await self._schedules.insert(schedule_id, cron, self.timezone, targets.model_dump(mode="json"),
                                     content.model_dump(mode="json"), actor_id, self._clock.now())
        await self._audit.record(self._clock.now(), actor_id, "schedule.added", "schedule", schedule_id,
                                 {"cron": cron})
        logger.info("schedule %s added by %s: %s", schedule_id, actor_id, cron)
        return await self._schedules.get(schedule_id)

    async def set_paused(self, actor_roles, schedule_id: str, paused: bool, *, actor_id: int | None = None) -> bool:
        _require_manager(actor_roles)
        changed = await self._schedules.set_paused(schedule_id, paused, self._clock.now())
        if changed and not paused:
            # Resuming does not send what fell due while paused: start from now.
            await self._schedules.set_last_occurrence(schedule_id, self._clock.now())
        if changed:
            await self._audit.record(self._clock.now(), actor_id, "schedule.paused" if paused else "schedule.resumed",
                                     "schedule", schedule_id)
        return changed

    async def delete_schedule(self, actor_roles, schedule_id: str, *, actor_id: int | None = None) -> bool:
        _require_manager(actor_roles)
        deleted = await self._schedules.delete(schedule_id)
        if deleted:
            await self._audit.record(self._clock.now(), actor_id, "schedule.deleted", "schedule", schedule_id)
        return deleted

    def next_runs(self, schedule: NoticeSchedule, count: int = 3, after: datetime | None = None) -> list[datetime]:
        return next_fire_times(schedule.cron, schedule.timezone, after or self._clock.now(), count)

    def locale_of(self, group: Group) -> str:
        return group.language or self._default_language

    # --- running ---------------------------------------------------------------------------------

    async def start(self) -> DeliveryReport:
        """At start: config schedules re-read, and rows a crash left in flight settled."""
        await self.load_config_schedules()
        return await self.dispatcher.recover()

    async def run_due(self, now: datetime | None = None) -> RunReport:
        """Expand due occurrences into the outbox, then deliver what is due. Safe to call any time."""
        async with self._run_lock:
            now = now or self._clock.now()
            report = await self.expand_due(now)
            report.delivery = await self.dispatcher.deliver_due(now)
            return report

    def zone_of(self, group: Group, schedule: NoticeSchedule) -> str:
        """A group's own time zone, else the schedule's."""
        return group.timezone or schedule.timezone

    async def _occurrences(self, schedule: NoticeSchedule, start: datetime, count: int,
                           until: datetime | None = None) -> list[tuple[datetime, frozenset[str]]]:
        """The schedule's fire times after `start` in UTC order, each with the time zones whose
        local cron fires then (the schedule's, and the own zones of its target groups)."""
        zones = {schedule.timezone} | await self._groups.zones_in_use()
        by_time: dict[datetime, set[str]] = {}
        for zone in zones:
            for fire in next_fire_times(schedule.cron, zone, start, count, until=until):
                by_time.setdefault(fire, set()).add(zone)
        return [(fire, frozenset(by_time[fire])) for fire in sorted(by_time)[:count]]

    async def expand_due(self, now: datetime) -> RunReport:
        report = RunReport()
        for schedule in await self._schedules.all():
            if schedule.paused:
                continue
            start = schedule.last_occurrence or schedule.created_at
            zoned = await self._occurrences(schedule, start, _MAX_OCCURRENCES, until=now)
            if not zoned:
                continue
            occurrences = [fire for fire, _zones in zoned]
            late = [o for o in occurrences if now - o > self.grace]
            if late:
                report.skipped_occurrences += len(late)
                logger.warning("schedule %s: skipped %d occurrence(s) from %s to %s, older than the grace "
                               "window of %s", schedule.id, len(late), late[0].isoformat(), late[-1].isoformat(),
                               self.grace)
                async with self._db.transaction():
                    await self._schedules.set_last_occurrence(schedule.id, late[-1])
            for occurrence, zones in zoned:
                if now - occurrence > self.grace:
                    continue
                report.queued += await self._expand(schedule, occurrence, zones)
                report.occurrences += 1
        return report

    async def _expand(self, schedule: NoticeSchedule, occurrence: datetime, zones: frozenset[str]) -> int:
        """One occurrence → one outbox row per target group whose time zone fires then, all in
        one transaction. A group in its own zone has its own occurrences (and so its own keys)."""
        content = ScheduleContent.model_validate(schedule.content)
        targets = ScheduleTargets.model_validate(schedule.targets)
        now = self._clock.now()
        try:
            groups = [g for g in await self._groups.targets([GroupKind(k) for k in targets.kinds], targets.areas)
                      if self.zone_of(g, schedule) in zones]
            theme_ids: dict[str, str] = {}  # zone -> the theme then (the month's may differ by zone)
            used_by_theme: dict[str, dict[int, set[int]]] = {}
            if content.patrol_template is None:
                for zone in zones:
                    theme_ids[zone] = content.theme if content.theme is not None else \
                        self.texts.theme_of_month(occurrence, zone)
                for theme_id in set(theme_ids.values()):
                    used_by_theme[theme_id] = await self._rotation.used_by_group(theme_id)
            rows, tips, start_over = [], {}, []
            for group in groups:
                zone = self.zone_of(group, schedule)
                theme_id = theme_ids.get(zone)
                used = used_by_theme[theme_id].get(group.id, set()) if theme_id is not None else set()
                if theme_id is not None and not set(self.texts.tip_numbers.get(theme_id, [])) - used:
                    start_over.append((theme_id, group.id))  # every tip given: start again
                    used = set()
                locale = self.locale_of(group)
                notice = self.texts.render(content, group, locale, occurrence, used, zone)
                key = outbox_key(schedule.id, occurrence, group.id)
                rows.append({"key": key, "schedule_id": schedule.id, "occurrence": occurrence, "group_id": group.id,
                             "chat_id": group.chat_id, "locale": locale, "text": notice.html_text,
                             "image": notice.image,
                             "not_before": self.after_quiet_hours(group, occurrence, zone)})
                if notice.tip_number is not None:
                    tips[key] = (notice.theme, group.id, notice.tip_number)
        except (KeyError, ScheduleProblem) as exc:  # the library changed under a stored schedule
            logger.error("schedule %s cannot be rendered (%s); occurrence %s not sent", schedule.id, exc,
                         occurrence.isoformat())
            async with self._db.transaction():
                await self._schedules.set_last_occurrence(schedule.id, occurrence)
            return 0
        async with self._db.transaction():
            # A second run for the same occurrence finds the keys taken and changes nothing.
            added = await self._outbox.add_many(rows, now)
            for theme_id in set(theme_ids.values()):
                added_groups = {tips[k][1] for k in added if k in tips and tips[k][0] == theme_id}
                await self._rotation.start_over_many(
                    theme_id, [g for t, g in start_over if t == theme_id and g in added_groups])
                await self._rotation.mark_used_many(
                    theme_id, [tips[k][1:] for k in added if k in tips and tips[k][0] == theme_id], now)
            await self._schedules.set_last_occurrence(schedule.id, occurrence)
        return len(added)

    def quiet_hours_of(self, group: Group) -> tuple[time, time] | None:
        if group.quiet_start and group.quiet_end:
            return parse_hhmm(group.quiet_start), parse_hhmm(group.quiet_end)
        return self.texts.settings.quiet_times()

    def after_quiet_hours(self, group: Group, moment: datetime, timezone: str) -> datetime:
        """`moment`, or the end of the quiet period it falls in (group's own, else the deployment's),
        read in `timezone` (the group's own zone when it has one)."""
        quiet = self.quiet_hours_of(group)
        if quiet is None:
            return moment
        return end_of_quiet(moment, quiet[0], quiet[1], ZoneInfo(timezone))

    async def next_wake(self, now: datetime | None = None) -> datetime | None:
        """When `run_due` next has something to do: a schedule fires or an outbox row falls due."""
        now = now or self._clock.now()
        candidates = []
        for schedule in await self._schedules.all():
            if schedule.paused:
                continue
            start = max(schedule.last_occurrence or schedule.created_at, now - self.grace)
            candidates += [fire for fire, _zones in await self._occurrences(schedule, start, 1)]
        due = await self._outbox.next_due_time()
        if due is not None:
            candidates.append(due)
        return min(candidates) if candidates else None

    async def _group_forbidden(self, group_id: int) -> None:
        group = await self._groups.by_id(group_id)
        if group is not None:
            await self._groups.forbidden(group.chat_id)

    async def _group_sendable(self, group_id: int) -> bool:
        group = await self._groups.by_id(group_id)
        return group is not None and group.active and not group.notices_paused

    async def outbox_counts(self):
        return await self._outbox.counts()


def _require_manager(actor_roles) -> None:
    if not may_manage_groups(actor_roles):
        raise NotAllowed()


def outbox_key(schedule_id: str, occurrence: datetime, group_id: int) -> str:
    """`notice:{schedule}:{occurrence}:{group}` — one send per schedule, occurrence and group, ever."""
    return f"notice:{schedule_id}:{occurrence.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}:{group_id}"


def next_fire_times(cron: str, timezone: str, after: datetime, count: int,
                    until: datetime | None = None) -> list[datetime]:
    """Up to `count` occurrences strictly after `after` (and not after `until`), in UTC."""
    trigger = CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))
    times: list[datetime] = []
    cursor = after
    while len(times) < count:
        fire = trigger.get_next_fire_time(None, cursor + timedelta(microseconds=1))
        if fire is None or (until is not None and fire > until):
            break
        fire = fire.astimezone(UTC)
        times.append(fire)
        cursor = fire
    return times


def end_of_quiet(moment: datetime, start: time, end: time, tz: ZoneInfo) -> datetime:
    """If `moment` is within [start, end) local time (wrapping midnight), the end of that period."""
    if start == end:
        return moment
    local = moment.astimezone(tz)
    clock_time = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock_time < end
        end_day = local.date()
    else:  # e.g. 22:00–07:00
        inside = clock_time >= start or clock_time < end
        end_day = local.date() + timedelta(days=1) if clock_time >= start else local.date()
    if not inside:
        return moment
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)
