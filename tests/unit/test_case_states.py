"""The case state machine and deadline arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config_cases import CaseSettings
from bot.services.case_states import Action, IllegalTransition, can, next_status
from bot.services.cases import alarm_plan
from bot.services.working_time import Deadlines, WorkingCalendar
from storage.models import CaseStatus


def test_the_closed_loop():
    status = CaseStatus.NEW
    for action, expected in [(Action.ACCEPT, CaseStatus.ACCEPTED), (Action.ASSIGN, CaseStatus.IN_PROGRESS),
                             (Action.RESOLVE, CaseStatus.RESOLVED), (Action.FOLLOW_UP, CaseStatus.FOLLOWED_UP),
                             (Action.CLOSE, CaseStatus.CLOSED), (Action.REOPEN, CaseStatus.REOPENED),
                             (Action.ACCEPT, CaseStatus.ACCEPTED)]:
        status = next_status(action, status)
        assert status is expected


@pytest.mark.parametrize("action,status", [
    (Action.ACCEPT, CaseStatus.ACCEPTED), (Action.RESOLVE, CaseStatus.NEW), (Action.RESOLVE, CaseStatus.REJECTED),
    (Action.REOPEN, CaseStatus.NEW), (Action.CLOSE, CaseStatus.RESOLVED), (Action.REJECT, CaseStatus.CLOSED),
    (Action.FOLLOW_UP, CaseStatus.IN_PROGRESS),
])
def test_illegal_transitions_are_refused(action, status):
    assert not can(action, status)
    with pytest.raises(IllegalTransition):
        next_status(action, status)


def test_every_status_can_be_left_or_is_terminal_by_design():
    for status in CaseStatus:
        assert any(can(action, status) for action in Action), status


def test_alarm_plan_for_a_red_case():
    created = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    plan = alarm_plan(CaseSettings(), _wall_clock(), "red", created, accepted=False)
    assert plan[("accept", "remind")] == created + timedelta(minutes=12)
    assert plan[("accept", "overdue")] == created + timedelta(minutes=15)
    assert plan[("accept", "admins")] == created + timedelta(minutes=30)
    assert plan[("resolve", "remind")] == created + timedelta(hours=24 * 0.8)
    assert plan[("resolve", "overdue")] == created + timedelta(hours=24)
    assert plan[("resolve", "admins")] == created + timedelta(hours=48)
    accepted_plan = alarm_plan(CaseSettings(), _wall_clock(), "green", created, accepted=True)
    assert ("accept", "remind") not in accepted_plan
    assert accepted_plan[("resolve", "overdue")] == created + timedelta(days=15)


def _wall_clock() -> Deadlines:
    settings = CaseSettings()
    return Deadlines(settings, WorkingCalendar(settings.working_hours, ZoneInfo("Asia/Shanghai")))
def test_release_and_withdraw():
    for status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED):
        assert next_status(Action.RELEASE, status) is CaseStatus.NEW
    assert not can(Action.RELEASE, CaseStatus.NEW) and not can(Action.RELEASE, CaseStatus.RESOLVED)
    for status in (CaseStatus.NEW, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED):
        assert next_status(Action.WITHDRAW, status) is CaseStatus.WITHDRAWN
    assert not can(Action.WITHDRAW, CaseStatus.RESOLVED) and not can(Action.WITHDRAW, CaseStatus.WITHDRAWN)
    assert next_status(Action.REOPEN, CaseStatus.WITHDRAWN) is CaseStatus.REOPENED
