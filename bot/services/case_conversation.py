"""The reporter's side of a case's conversation: a staff member's relayed question and the
reporter's answer, information the reporter adds, and the owner's inbox of both (with its
"unread" reminder)."""

from __future__ import annotations

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
                             text: str) -> tuple[Case, int, int] | None:
        """A reporter answered a relayed question: attach it to the case and put it in the asker's
        inbox. Returns (case, asker id, inbox id), or None if the message answers no question."""
        found = await self._repo.question_for_reply(reporter_id, reply_to_message_id)
        if found is None:
            return None
        question_id, case_id, asker_id = found
        now = self._clock.now()
        async with self._db.transaction():
            await self._repo.mark_question_answered(question_id, now)
            await self._cases.add_addition(case_id, reporter_id, text, now)
            inbox_id = await self._inbox(case_id, asker_id, "answer", text, now)
            await self._audit.record(now, reporter_id, "case.reporter_answered", "case", case_id)
        return await self.case(case_id), asker_id, inbox_id

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

    async def mark_seen(self, inbox_id: int, owner_id: int) -> bool:
        return await self._repo.mark_seen(inbox_id, owner_id, self._clock.now())
