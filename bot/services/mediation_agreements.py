"""The outcome of a mediation (issue 17): an agreement (terms: who does what by when, and a photo
of the signed paper) that each party confirms or disputes, or no agreement with a reason and a
referral. Then the compliance check at each term's due date, the case closed as mediated once
every term was kept, and a follow-up visit to both parties after `followup_after_days`.

Every press is re-authorised from what is stored; every step is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_mediation import MediationSettings
from bot.services.case_states import IllegalTransition
from bot.services.cases import CaseWorkflow
from bot.services.errors import NotAllowed, ServiceError
from bot.services.mediation import MAX_TEXT, MediationService, Side, Status
from storage.audit import AuditRepo
from storage.db import Database
from storage.mediation import Mediation, MediationRepo
from storage.mediation_agreements import AgreementRepo, Term

WHO = ("reporter", "other", "both")
REFERRALS = ("court", "arbitration", "labour", "agency", "none")
MAX_TERMS = 10


class Stale(ServiceError):
    """The press is about an agreement that is no longer the one to answer."""


@dataclass(frozen=True)
class Confirmation:
    """After a party's answer to the agreement: whether it now stands, or went back to the mediator."""

    mediation: Mediation
    side: Side
    disputed: bool
    agreed: bool


@dataclass(frozen=True)
class Check:
    """After a party's "was it done?": the term, whether it is broken, and whether all are now kept."""

    mediation: Mediation
    term: Term
    side: Side
    broken: bool
    all_kept: bool
    case_closed: bool = False


class AgreementService:
    def __init__(self, db: Database, clock: Clock, settings: MediationSettings, tz: ZoneInfo,
                 mediation: MediationService, workflow: CaseWorkflow) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._tz = tz
        self._mediation = mediation
        self._workflow = workflow
        self._repo = AgreementRepo(db)
        self._mediations = MediationRepo(db)
        self._audit = AuditRepo(db)

    async def terms(self, mediation: Mediation) -> list[Term]:
        """The terms of the agreement now recorded."""
        return await self._repo.terms(mediation.id, mediation.agreement_round)

    async def term(self, term_id: int) -> Term | None:
        return await self._repo.term(term_id)

    # --- the mediator records the outcome ----------------------------------------------------------

    async def record_agreement(self, mediation_id: int, actor_id: int, terms: list[tuple[str, str, date]],
                               photo: str | None) -> Mediation:
        """The terms agreed at the meeting, for both parties to confirm."""
        mediation = await self._mediation.require_mediator(mediation_id, actor_id)
        if mediation.status not in (Status.JOINED, Status.PROPOSED):
            raise NotAllowed("no mediation to record")
        if not 0 < len(terms) <= MAX_TERMS or any(who not in WHO for who, _t, _d in terms):
            raise ValueError("terms")
        now = self._clock.now()
        round_ = mediation.agreement_round + 1
        async with self._db.transaction():
            await self._mediations.change(mediation_id, status=Status.PROPOSED.value, agreement_round=round_,
                                          agreement_photo=photo)
            for position, (who, text, due_on) in enumerate(terms, start=1):
                await self._repo.add_term(mediation_id, round_, position, who, text[:MAX_TEXT], due_on)
            await self._audit.record(now, actor_id, "mediation.agreement_recorded", "case", mediation.case_id,
                                     {"round": round_, "terms": len(terms), "photo": photo is not None})
        return await self._mediation.get(mediation_id)

    async def record_no_agreement(self, mediation_id: int, actor_id: int, reason: str, referral: str) -> Mediation:
        """No agreement: the reason and where the parties are referred; the case is resolved so."""
        mediation = await self._mediation.require_mediator(mediation_id, actor_id)
        if mediation.status not in (Status.JOINED, Status.PROPOSED, Status.BROKEN) or referral not in REFERRALS:
            raise NotAllowed("no mediation to end")
        now = self._clock.now()
        async with self._db.transaction():
            await self._mediations.change(mediation_id, status=Status.FAILED.value, outcome_reason=reason[:MAX_TEXT],
                                          referral=referral, closed_at=now)
            await self._audit.record(now, actor_id, "mediation.no_agreement", "case", mediation.case_id,
                                     {"referral": referral})
        await self._resolve_case(mediation, actor_id, "mediation_failed" if referral == "none" else "referred", reason)
        return await self._mediation.get(mediation_id)

    async def _resolve_case(self, mediation: Mediation, actor_id: int, outcome: str, note: str) -> bool:
        """Resolves the case with the mediation's outcome, if the mediator may (else its owner will)."""
        try:
            change = await self._workflow.resolve(mediation.case_id, actor_id, outcome, note)
        except (NotAllowed, IllegalTransition):
            return False
        return change.changed

    # --- the parties confirm or dispute ----------------------------------------------------------

    async def confirm(self, mediation_id: int, round_: int, user_id: int, confirmed: bool) -> Confirmation:
        """A party says the agreement is (or is not) what was agreed; both yes → it stands."""
        side = await self._party_side(await self._mediation.get(mediation_id), user_id)
        now = self._clock.now()
        async with self._db.transaction():
            # Checked inside the transaction: the mediator may record a new round at the same moment.
            mediation = await self._mediation.get(mediation_id)
            if mediation.status != Status.PROPOSED or round_ != mediation.agreement_round:
                raise Stale(str(round_))
            parties = await self._mediation.parties(mediation)
            await self._repo.answer(mediation_id, round_, user_id, "confirmed" if confirmed else "disputed", now)
            answers = await self._repo.answers(mediation_id, round_)
            agreed = confirmed and all(answers.get(uid) == "confirmed" for uid in parties.values())
            if not confirmed:
                await self._mediations.change(mediation_id, status=Status.JOINED.value)
                await self._audit.record(now, user_id, "mediation.agreement_disputed", "case", mediation.case_id,
                                         {"side": side.value})
            else:
                await self._audit.record(now, user_id, "mediation.agreement_confirmed", "case", mediation.case_id,
                                         {"side": side.value})
            if agreed:
                await self._mediations.change(mediation_id, status=Status.AGREED.value)
                await self._audit.record(now, None, "mediation.agreed", "case", mediation.case_id)
        return Confirmation(await self._mediation.get(mediation_id), side, disputed=not confirmed, agreed=agreed)

    async def _party_side(self, mediation: Mediation, user_id: int) -> Side:
        parties = await self._mediation.parties(mediation)
        side = next((s for s, uid in parties.items() if uid == user_id), None)
        if side is None:
            raise NotAllowed("not a party")
        return side

    # --- compliance ------------------------------------------------------------------------------

    async def checks_due(self) -> list[tuple[Mediation, Term]]:
        """Terms whose due date has come, each asked about once."""
        now = self._clock.now()
        today = now.astimezone(self._tz).date()
        due = []
        async with self._db.transaction():
            for term in await self._repo.terms_to_check((Status.AGREED.value,), today):
                if await self._repo.mark_asked(term.id, now):
                    due.append(term)
        return [(await self._mediation.get(term.mediation_id), term) for term in due]

    async def check(self, term_id: int, user_id: int, kept: bool) -> Check:
        """A party's "was it done?": a no breaks the term (the mediator is told); both yes keep it, and
        once every term is kept the mediation is kept and the case resolved as mediated."""
        term = await self._repo.term(term_id)
        if term is None:
            raise Stale(str(term_id))
        mediation = await self._mediation.get(term.mediation_id)
        side = await self._party_side(mediation, user_id)
        if mediation.status != Status.AGREED or term.round != mediation.agreement_round or term.asked_at is None:
            raise Stale(str(term_id))
        now = self._clock.now()
        parties = await self._mediation.parties(mediation)
        all_kept = False
        async with self._db.transaction():
            await self._repo.record_check(term_id, user_id, kept, now)
            checks = await self._repo.checks(term_id)
            if not kept:
                await self._repo.settle(term_id, False, now)
                await self._mediations.change(mediation.id, status=Status.BROKEN.value)
                await self._audit.record(now, user_id, "mediation.term_broken", "case", mediation.case_id,
                                         {"term": term.position, "side": side.value})
            elif all(checks.get(uid) for uid in parties.values()):
                await self._repo.settle(term_id, True, now)
                await self._audit.record(now, None, "mediation.term_kept", "case", mediation.case_id,
                                         {"term": term.position})
                terms = await self._repo.terms(mediation.id, mediation.agreement_round)
                all_kept = all(t.kept or t.id == term_id for t in terms)
                if all_kept:
                    due = now + timedelta(days=self._settings.followup_after_days)
                    await self._mediations.change(mediation.id, status=Status.KEPT.value, closed_at=now,
                                                  followup_due=due)
                    await self._audit.record(now, None, "mediation.kept", "case", mediation.case_id)
        closed = False
        if all_kept:
            closed = await self._resolve_case(mediation, mediation.mediator_id, "mediated",
                                              "Mediated: every term of the agreement was kept.")
        return Check(await self._mediation.get(mediation.id), await self._repo.term(term_id), side,
                     broken=not kept, all_kept=all_kept, case_closed=closed)

    async def reopen(self, mediation_id: int, actor_id: int) -> Mediation:
        """After a broken term, the mediator takes the mediation up again with both parties."""
        mediation = await self._mediation.require_mediator(mediation_id, actor_id)
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._mediations.change(mediation_id, from_statuses=(Status.BROKEN.value,),
                                                 status=Status.JOINED.value):
                raise NotAllowed("not broken")
            await self._audit.record(now, actor_id, "mediation.reopened", "case", mediation.case_id)
        return await self._mediation.get(mediation_id)

    # --- the follow-up visit ------------------------------------------------------------------------

    async def followups_due(self) -> list[Mediation]:
        """Kept agreements whose follow-up visit is due, each once."""
        now = self._clock.now()
        due = []
        async with self._db.transaction():
            for mediation_id in await self._mediations.followups_due(now):
                mediation = await self._mediation.get(mediation_id)
                await self._mediations.change(mediation_id, followup_due=None)
                await self._audit.record(now, None, "mediation.followup_asked", "case", mediation.case_id)
                due.append(mediation)
        return due

    async def followup_answer(self, mediation_id: int, user_id: int, holding: bool) -> tuple[Mediation, Side]:
        """A party's answer at the follow-up visit: does the agreement still hold?"""
        mediation = await self._mediation.get(mediation_id)
        side = await self._party_side(mediation, user_id)
        if mediation.status != Status.KEPT:
            raise Stale(str(mediation_id))
        await self._audit.record(self._clock.now(), user_id, "mediation.followup_answered", "case",
                                 mediation.case_id, {"side": side.value, "holding": holding})
        return mediation, side

