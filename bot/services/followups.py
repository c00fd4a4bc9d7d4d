"""The follow-up visit (回访): days after a case is resolved its reporter is asked whether it is
really solved (no reopens it) and how satisfied they are, with an optional comment. A case passed
on to another office, or found not to be a police matter, was not solved by the police: its visit
asks instead whether that office got in touch / whether they know where to turn (no tells its
owner, and reopens nothing), and that answer stays out of the "solved" figures. The visit is
asked, expired and closed by the workflow (bot/services/cases.py); the answers come here."""

from __future__ import annotations

from bot.clock import Clock
from bot.services.cases import CaseWorkflow, Change
from bot.services.errors import NotAllowed
from storage.audit import AuditRepo
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.models import Case, Followup
from storage.reports import CaseRepo

#: Outcomes that sent the reporter elsewhere: the visit asks whether that worked, not whether it is solved.
ELSEWHERE_OUTCOMES = ("referred", "not_police")


class FollowUpService:
    def __init__(self, db: Database, clock: Clock, workflow: CaseWorkflow) -> None:
        self._db = db
        self._clock = clock
        self._workflow = workflow  # a "not solved" answer reopens the case through it
        self._repo = WorkflowRepo(db)
        self._cases = CaseRepo(db)
        self._audit = AuditRepo(db)

    async def followup(self, case_id: int) -> Followup | None:
        return await self._repo.followup(case_id)

    async def answer_solved(self, case_id: int, reporter_id: int, solved: bool) -> Change:
        """The reporter's one-tap answer: solved closes the loop, not solved reopens the case."""
        await self._require_reporter(case_id, reporter_id)
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._awaits_answer(case_id):
                return Change(await self._workflow.case(case_id), False)
            await self._repo.answer_followup(case_id, solved=solved)
            await self._audit.record(now, reporter_id, "case.followup_answered", "case", case_id, {"solved": solved})
            if solved:
                await self._workflow.close_after_followup(case_id, now, "case.closed")
        if not solved:
            change = await self._workflow.reopen(case_id, None, reason="reporter: not solved")
            return Change(change.case, True, previous_owner=change.previous_owner, detail={"reopened": True})
        return Change(await self._workflow.case(case_id), True)

    async def _awaits_answer(self, case_id: int) -> bool:
        """The visit's first question was asked and nobody has answered it yet. Called inside the
        answer's transaction: two reporters of one case may tap at the same moment."""
        followup = await self._repo.followup(case_id)
        return followup is not None and followup.asked_at is not None and followup.solved is None \
            and followup.helped_elsewhere is None

    @staticmethod
    def question_for(case: Case) -> str:
        """What the visit asks: `solved`, or `elsewhere` after an outcome that sent them elsewhere."""
        return "elsewhere" if case.outcome in ELSEWHERE_OUTCOMES else "solved"

    async def answer_elsewhere(self, case_id: int, reporter_id: int, helped: bool) -> Change:
        """The answer after "referred" / "not a police matter": the loop closes either way."""
        await self._require_reporter(case_id, reporter_id)
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._awaits_answer(case_id):
                return Change(await self._workflow.case(case_id), False)
            await self._repo.answer_followup(case_id, helped_elsewhere=helped)
            await self._audit.record(now, reporter_id, "case.followup_answered_elsewhere", "case", case_id,
                                     {"helped": helped})
            await self._workflow.close_after_followup(case_id, now, "case.closed")
        return Change(await self._workflow.case(case_id), True, detail={"helped": helped})

    async def answer_stars(self, case_id: int, reporter_id: int, stars: int) -> bool:
        await self._require_reporter(case_id, reporter_id)
        if not 1 <= stars <= 5:
            raise ValueError(stars)
        followup = await self._repo.followup(case_id)
        if followup is None or followup.asked_at is None:
            return False
        changed = await self._repo.answer_followup(case_id, stars=stars)
        await self._audit.record(self._clock.now(), reporter_id, "case.followup_rated", "case", case_id,
                                 {"stars": stars})
        return changed

    async def offer_comment(self, case_id: int, prompt_message_id: int) -> None:
        await self._repo.answer_followup(case_id, comment_prompt_id=prompt_message_id)

    async def comment(self, reporter_id: int, reply_to_message_id: int, text: str) -> Case | None:
        """The reporter's optional comment, sent as a reply to the follow-up's prompt."""
        case_id = await self._repo.followup_by_comment_prompt(reply_to_message_id)
        if case_id is None or not await self._cases.is_reporter(case_id, reporter_id):
            return None
        await self._repo.answer_followup(case_id, comment=text[:1000])
        await self._audit.record(self._clock.now(), reporter_id, "case.followup_commented", "case", case_id)
        return await self._workflow.case(case_id)

    async def _require_reporter(self, case_id: int, user_id: int) -> None:
        if not await self._cases.is_reporter(case_id, user_id):
            raise NotAllowed(f"user {user_id} did not report case {case_id}")
