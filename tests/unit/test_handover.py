"""The away mark: who stands in for someone away, and who may be marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config_cases import CaseSettings
from bot.services.cases import CaseWorkflow
from bot.services.errors import NotAllowed
from bot.services.handover import HandoverService
from bot.services.people import PeopleService
from bot.services.working_time import Deadlines, WorkingCalendar
from storage.db import Database
from storage.migrate import apply_migrations
from storage.models import Role

ADMIN, OFFICER, SUPERVISOR, SUPERVISOR2, RESIDENT = 1, 2, 3, 4, 5


@pytest.fixture
async def handover(tmp_path):
    db = await Database.open(tmp_path / "test.db")
    await apply_migrations(db)
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    people = PeopleService(db, clock, config_admins=[ADMIN], invite_ttl=timedelta(hours=1))
    await people.bootstrap_admins()
    for user_id, role in ((OFFICER, Role.OFFICER), (SUPERVISOR, Role.SUPERVISOR), (SUPERVISOR2, Role.SUPERVISOR)):
        await people.grant_by_system(user_id, role, via="test")
    await people.register_contact(RESIDENT, "Resident", None, "en")
    settings = CaseSettings()
    workflow = CaseWorkflow(db, clock, settings, deadlines=Deadlines(settings, WorkingCalendar(
        settings.working_hours, ZoneInfo("Asia/Shanghai"))))
    yield HandoverService(db, clock, workflow)
    await db.close()


async def test_someone_away_is_stood_in_for_by_the_supervisors_at_work(handover):
    assert await handover.present([OFFICER]) == [OFFICER]
    assert await handover.set_away(OFFICER, True) and not await handover.set_away(OFFICER, True)
    assert await handover.present([OFFICER, SUPERVISOR]) == [SUPERVISOR, SUPERVISOR2]
    await handover.set_away(SUPERVISOR, True)
    assert await handover.present([OFFICER]) == [SUPERVISOR2]
    await handover.set_away(SUPERVISOR2, True)
    assert await handover.present([OFFICER, SUPERVISOR]) == [ADMIN]  # every supervisor away: the admins
    assert await handover.set_away(OFFICER, False)
    assert await handover.present([OFFICER]) == [OFFICER]
    assert [user_id for user_id, _name in await handover.successors(ADMIN)] == [OFFICER]


async def test_only_staff_are_marked_away_and_only_managers_hand_over(handover):
    with pytest.raises(NotAllowed):
        await handover.set_away(RESIDENT, True)
    with pytest.raises(NotAllowed):
        await handover.hand_over(OFFICER, OFFICER, SUPERVISOR, via="command")
    with pytest.raises(NotAllowed):  # a resident cannot take cases over
        await handover.hand_over(ADMIN, OFFICER, RESIDENT, via="command")
    result = await handover.hand_over(ADMIN, OFFICER, SUPERVISOR, via="command")
    assert result.moved == () and result.unowned == ()
