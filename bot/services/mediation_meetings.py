"""Meeting the mediator (issue 17): the mediator proposes times (in the mediation room, on site, or
by phone or video), each party picks one or asks for another, the time both picked is the meeting;
reminders the day before and an hour before; who came is recorded per party.

Every press is re-authorised from what is stored: only the mediator proposes and records, only the
two parties pick, and only in the round now open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.services.errors import NotAllowed, ServiceError
from bot.services.mediation import MediationService, Side, Status
from storage.audit import AuditRepo
from storage.db import Database
from storage.mediation import Mediation, MediationRepo
from storage.mediation_meetings import Meeting, MeetingRepo, Slot

PLACES = ("room", "site", "remote")
#: At most this many times in one round: a short list of buttons.
MAX_SLOTS = 5
DAY_BEFORE, HOUR_BEFORE = timedelta(hours=24), timedelta(hours=1)
#: The mediator is asked who came once the meeting has begun, for meetings at most this old.
ATTENDANCE_WINDOW = timedelta(days=7)


class RoundClosed(ServiceError):
    """The times pressed are from an earlier round, or a meeting is already agreed."""


@dataclass(frozen=True)
class Picked:
    """After a party's answer: the meeting if both now picked the same time, else what is missing."""

    mediation: Mediation
    side: Side
    meeting: Meeting | None = None
    wants_another: bool = False
    differ: bool = False  # both answered, with different times


@dataclass(frozen=True)
class Reminder:
    meeting: Meeting
    mediation: Mediation
    slot: Slot
    kind: str  # day | hour | attendance


class MeetingService:
    def __init__(self, db: Database, clock: Clock, mediation: MediationService) -> None:
        self._db = db
        self._clock = clock
        self._mediation = mediation
        self._repo = MeetingRepo(db)
        self._mediations = MediationRepo(db)
        self._audit = AuditRepo(db)

    async def slots(self, mediation: Mediation) -> list[Slot]:
        """The times of the round now open."""
        return await self._repo.slots(mediation.id, mediation.meeting_round)

    async def slot(self, slot_id: int) -> Slot | None:
        return await self._repo.slot(slot_id)

    async def meeting(self, mediation: Mediation) -> Meeting | None:
        return await self._repo.latest_meeting(mediation.id)

    async def propose(self, mediation_id: int, actor_id: int, times: list[tuple[str, str, datetime]]) -> Mediation:
        """A new round of (place, note, start) times for both parties to choose from."""
        mediation = await self._mediation.require_mediator(mediation_id, actor_id)
        if mediation.status != Status.JOINED:
            raise NotAllowed("the other party has not joined")
        now = self._clock.now()
        if not 0 < len(times) <= MAX_SLOTS or any(p not in PLACES or t <= now for p, _n, t in times):
            raise ValueError("times")
        round_ = mediation.meeting_round + 1
        async with self._db.transaction():
            await self._mediations.change(mediation_id, meeting_round=round_)
            for place, note, starts_at in times:
                await self._repo.add_slot(mediation_id, round_, place, note, starts_at, now)
            await self._audit.record(now, actor_id, "mediation.times_proposed", "case", mediation.case_id,
                                     {"round": round_, "times": len(times)})
        return await self._mediation.get(mediation_id)

    async def pick(self, mediation_id: int, round_: int, user_id: int, slot_id: int | None) -> Picked:
        """A party's answer: a time of the open round, or None for "another time, please"."""
        now = self._clock.now()
        async with self._db.transaction():
            # Checked inside the transaction: the other party's pick or the mediator's new round may
            # be handled at the same moment (updates of different chats run side by side).
            mediation = await self._mediation.get(mediation_id)
            parties = await self._mediation.parties(mediation)
            side = next((s for s, uid in parties.items() if uid == user_id), None)
            if side is None or mediation.status != Status.JOINED:
                raise NotAllowed("not a party")
            if round_ != mediation.meeting_round or await self._agreed_in(mediation, round_):
                raise RoundClosed(str(round_))
            slot = await self._repo.slot(slot_id) if slot_id is not None else None
            if slot_id is not None and (slot is None or slot.mediation_id != mediation_id or slot.round != round_):
                raise RoundClosed(str(slot_id))
            await self._repo.pick(mediation_id, round_, user_id, slot_id, now)
            await self._audit.record(now, user_id, "mediation.time_picked" if slot else "mediation.time_refused",
                                     "case", mediation.case_id, {"round": round_, "side": side.value})
            picks = await self._repo.picks(mediation_id, round_)
            answers = [picks.get(uid, -1) for uid in parties.values()]
            agreed = len(parties) == 2 and slot is not None and answers == [slot.id, slot.id]
            if agreed and await self._repo.agree(mediation_id, slot, now):
                await self._audit.record(now, None, "mediation.meeting_agreed", "case", mediation.case_id,
                                         {"starts_at": slot.starts_at.isoformat(), "place": slot.place})
        if agreed:
            return Picked(mediation, side, meeting=await self._repo.latest_meeting(mediation_id))
        both_answered = -1 not in answers and None not in answers
        return Picked(mediation, side, wants_another=slot is None, differ=both_answered)

    async def _agreed_in(self, mediation: Mediation, round_: int) -> bool:
        meeting = await self._repo.latest_meeting(mediation.id)
        if meeting is None:
            return False
        slot = await self._repo.slot(meeting.slot_id)
        return slot is not None and slot.round == round_

    async def due(self) -> list[Reminder]:
        """The reminders (a day, an hour before) and attendance questions due now, each once."""
        now = self._clock.now()
        plan = (("day_reminded_at", "day", now + DAY_BEFORE, now + HOUR_BEFORE),
                ("hour_reminded_at", "hour", now + HOUR_BEFORE, now),
                ("attendance_asked_at", "attendance", now, now - ATTENDANCE_WINDOW))
        due = []
        async with self._db.transaction():
            for column, kind, before, after in plan:
                for meeting in await self._repo.due(column, before, after):
                    if await self._repo.mark(meeting.id, column, now):
                        due.append((meeting, kind))
        result = []
        for meeting, kind in due:
            mediation = await self._mediation.get(meeting.mediation_id)
            result.append(Reminder(meeting, mediation, await self._repo.slot(meeting.slot_id), kind))
        return result

    async def record_attendance(self, meeting_id: int, actor_id: int, reporter_came: bool,
                                other_came: bool) -> Mediation:
        """Who came (no-show per party), recorded by the mediator."""
        meeting = await self._repo.meeting(meeting_id)
        if meeting is None:
            raise NotAllowed(str(meeting_id))
        mediation = await self._mediation.require_mediator(meeting.mediation_id, actor_id)
        now = self._clock.now()
        held = reporter_came and other_came
        async with self._db.transaction():
            await self._repo.record_attendance(meeting_id, reporter_came, other_came)
            await self._audit.record(now, actor_id, "mediation.meeting_held" if held else "mediation.no_show",
                                     "case", mediation.case_id,
                                     {"reporter_came": reporter_came, "other_came": other_came})
        return mediation
