"""Trying a schedule: its notice, rendered as that group would get it now, sent to one group at
once. A try is outside the schedule's bookkeeping — no outbox row, no occurrence, the tip
rotation not advanced — so the schedule's own runs send exactly what they would have; it is
recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config_notices import ScheduleContent, ScheduleTargets
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from bot.services.groups import GroupService
from bot.services.notice_texts import ScheduleProblem
from bot.services.notices import NoticeService
from bot.services.outbox import Sender, SendStatus
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import Group, GroupKind, NoticeSchedule
from storage.notices import RotationRepo


@dataclass(frozen=True)
class TrialResult:
    group: Group
    sent: bool
    detail: str = ""  # why not, when not sent


class NoticeTrials:
    """Sends one schedule's notice to one group now, to see it as the group will."""

    def __init__(self, db: Database, clock: Clock, notices: NoticeService, groups: GroupService,
                 sender: Sender | None) -> None:
        self._clock = clock
        self._notices = notices
        self._groups = groups
        self._sender = sender
        self._rotation = RotationRepo(db)
        self._audit = AuditRepo(db)

    async def candidates(self, schedule: NoticeSchedule) -> list[Group]:
        """The groups to offer: those the schedule reaches, else every active group."""
        targets = ScheduleTargets.model_validate(schedule.targets)
        reached = await self._groups.targets([GroupKind(k) for k in targets.kinds], targets.areas)
        return reached or [group for group in await self._groups.all() if group.active]

    async def send(self, actor_id: int | None, actor_roles, schedule_id: str, group_id: int) -> TrialResult | None:
        """Sends the notice to the group now; None if the schedule or the group is gone."""
        if not may_manage_groups(actor_roles):
            raise NotAllowed()
        if self._sender is None:
            raise RuntimeError("no sender attached")
        schedule = await self._notices.schedule(schedule_id)
        group = await self._groups.by_id(group_id)
        if schedule is None or group is None or not group.active:
            return None
        content = ScheduleContent.model_validate(schedule.content)
        zone = self._notices.zone_of(group, schedule)
        now = self._clock.now()
        try:
            used: set[int] = set()
            if content.patrol_template is None:
                theme = content.theme or self._notices.texts.theme_of_month(now, zone)
                used = (await self._rotation.used_by_group(theme)).get(group.id, set())
            notice = self._notices.texts.render(content, group, self._notices.locale_of(group), now, used, zone)
        except (KeyError, ScheduleProblem) as exc:  # the library changed under a stored schedule
            return TrialResult(group, False, str(exc))
        result = await self._sender.send_notice(group.chat_id, notice.html_text, notice.image)
        sent = result.status is SendStatus.SENT
        await self._audit.record(now, actor_id, "notice.tried", "schedule", schedule_id,
                                 {"group_id": group.id, "outcome": result.status.value})
        return TrialResult(group, sent, "" if sent else result.status.value)
