"""The reporter's side of a case's conversation: a staff member's relayed question and the
reporter's answer, information the reporter adds, and the owner's inbox of both (with its
"unread" reminder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config_cases import CaseSettings
from bot.services.cases import CaseNotFound
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import Case
from storage.reports import CaseRepo

#: How long a reporter's plain message still counts as the answer to a staff question, or as the
#: comment after a follow-up rating (people often type instead of using Telegram's Reply).
QUESTION_ANSWER_WINDOW = timedelta(days=7)
COMMENT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class ReporterAnswer:
    """A reporter's answer to a staff question, attached to the case: who must read it (the asker
    and the case's owner), each with their own inbox entry (their Seen button and reminder)."""

    case: Case
    asker_id: int
    inbox_ids: dict[int, int]  # reader's user id -> their inbox entry


class CaseConversation:
    def __init__(self, db: Database, clock: Clock, settings: CaseSettings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._audit = AuditRepo(db)

    async def case(self, case_id: int) -> Case:
        case = await self._repo.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    async def record_question(self, case_id: int, asker_id: int, reporter_id: int, message_id: int,
                              text: str) -> None:
        """The relayed question's message, so the reporter's reply to it finds its way back."""
        await self._repo.add_question(case_id, asker_id, reporter_id, message_id, text, self._clock.now())

    async def reporter_reply(self, reporter_id: int, reply_to_message_id: int,
                             text: str) -> ReporterAnswer | None:
        """A reporter answered a relayed question: attach it to the case and put it in the inbox of
        the asker and of the case's owner (a supervisor's question concerns the officer handling
        it too). None if the message answers no question."""
        found = await self._repo.question_for_reply(reporter_id, reply_to_message_id)
        if found is None:
            return None
        question_id, case_id, asker_id = found
        now = self._clock.now()
        async with self._db.transaction():
            case = await self.case(case_id)
            await self._repo.mark_question_answered(question_id, now)
            await self._cases.add_addition(case_id, reporter_id, text, now)
            readers = dict.fromkeys(filter(None, [asker_id, case.owner_id]))
            inbox_ids = {reader: await self._inbox(case_id, reader, "answer", text, now) for reader in readers}
            await self._audit.record(now, reporter_id, "case.reporter_answered", "case", case_id, {"text": text})
        return ReporterAnswer(await self.case(case_id), asker_id, inbox_ids)

    async def awaiting_reply(self, reporter_id: int) -> int | None:
        """The message a reporter's plain (not replied-to) message most likely answers: the newest
        unanswered question from staff (a week), else a follow-up comment prompt (a day). None if neither."""
        now = self._clock.now()
        question = await self._repo.latest_open_question(reporter_id, now - QUESTION_ANSWER_WINDOW)
        if question is not None:
            return question
        return await self._repo.latest_open_comment_prompt(reporter_id, now - COMMENT_WINDOW)

    async def new_information(self, case_id: int, text: str) -> tuple[Case, int] | None:
        """The reporter added information: the owner's inbox gets it. (case, inbox id) or None if unowned."""
        case = await self.case(case_id)
        if case.owner_id is None:
            return None
        async with self._db.transaction():
            inbox_id = await self._inbox(case_id, case.owner_id, "info", text, self._clock.now())
        return case, inbox_id

    async def _inbox(self, case_id: int, owner_id: int, kind: str, text: str, now: datetime) -> int:
        inbox_id = await self._repo.add_inbox(case_id, owner_id, kind, text, now)
        due = now + timedelta(minutes=self._settings.unread_reminder_minutes)
        await self._repo.add_alarm(case_id, "unread", f"i{inbox_id}", due)
        return inbox_id

    async def reporter_unreachable(self, case_id: int, reporter_id: int, during: str) -> bool:
        """Telegram refused a message to the reporter (403: they blocked the bot) while `during`
        (question | news | followup): recorded each time; True if the case newly shows them
        unreachable (its card must say so)."""
        now = self._clock.now()
        async with self._db.transaction():
            newly = await self._cases.set_reporter_reachable(case_id, reporter_id, now)
            await self._audit.record(now, None, "case.reporter_unreachable", "case", case_id,
                                     {"reporter_id": reporter_id, "during": during})
        return newly

    async def reporter_reached(self, case_id: int, reporter_id: int) -> bool:
        """A message reached a reporter marked unreachable: they can be reached again (True: the
        card must change)."""
        now = self._clock.now()
        async with self._db.transaction():
            cleared = await self._cases.set_reporter_reachable(case_id, reporter_id, None)
            if cleared:
                await self._audit.record(now, None, "case.reporter_reachable", "case", case_id,
                                         {"reporter_id": reporter_id})
        return cleared

    async def mark_seen(self, inbox_id: int, owner_id: int) -> bool:
        return await self._repo.mark_seen(inbox_id, owner_id, self._clock.now())
