"""Mediation with both parties (枫桥经验, issue 17): a mediator takes a dispute case, invites the
other party through a single-use link, and each party tells the mediator their side apart.

Every action is re-authorised here from what is stored (the mediator of record, the case's
reporters, the party who joined), whatever a button said, and every step is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.config_mediation import MediationSettings
from bot.services.errors import NotAllowed, ServiceError
from storage.audit import AuditRepo
from storage.db import Database
from storage.mediation import AccountItem, Mediation, MediationInvite, MediationRepo
from storage.mediation_figures import MediationFigures, mediation_figures
from storage.models import OPEN_STATUSES, Case, Role
from storage.people import PeopleRepo
from storage.reports import CaseRepo

#: Who may take a dispute as its mediator.
MEDIATOR_ROLES = frozenset({Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR})
#: The longest summary or account text kept.
MAX_TEXT = 2000


class Status(StrEnum):
    """Stored in `mediations.status`: keep the values."""

    TAKEN = "taken"  # a mediator took the case
    INVITED = "invited"  # a link for the other party exists
    JOINED = "joined"  # the other party joined
    DECLINED = "declined"  # the other party declined
    PROPOSED = "proposed"  # an agreement recorded, waiting for both parties to confirm it
    AGREED = "agreed"  # both parties confirmed the agreement: its terms are being carried out
    BROKEN = "broken"  # a party said a term was not done (the mediator may reopen)
    KEPT = "kept"  # every term was kept: mediated and kept
    FAILED = "failed"  # no agreement (with a reason and a referral)


#: While these hold, the parties may still tell the mediator their side.
ACTIVE = frozenset({Status.TAKEN, Status.INVITED, Status.JOINED, Status.PROPOSED, Status.AGREED, Status.BROKEN})


class Side(StrEnum):
    """Which party someone is in a mediation (stored in `mediation_accounts.side`)."""

    REPORTER = "reporter"
    OTHER = "other"


class NotADispute(ServiceError):
    """Only an open dispute case can be mediated."""


class InvitationProblem(ServiceError):
    class Reason(StrEnum):
        UNKNOWN = "unknown"
        USED = "used"
        EXPIRED = "expired"
        OWN_CASE = "own_case"  # the reporter (or the mediator) opened the link meant for the other party
        CLOSED = "closed"  # the mediation is over

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Taken:
    """The outcome of pressing Mediate: the mediation, and whether this press made its mediator."""

    mediation: Mediation
    won: bool


@dataclass(frozen=True)
class Invitation:
    """A link that works: its mediation and case."""

    invite: MediationInvite
    mediation: Mediation
    case: Case


@dataclass(frozen=True)
class Offer:
    """A dispute to offer privately to these mediators now."""

    case: Case
    mediator_ids: list[int]


class MediationService:
    def __init__(self, db: Database, clock: Clock, settings: MediationSettings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._repo = MediationRepo(db)
        self._cases = CaseRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)

    # --- reading -----------------------------------------------------------------------------

    async def of_case(self, case_id: int) -> Mediation | None:
        return await self._repo.of_case(case_id)

    async def get(self, mediation_id: int) -> Mediation:
        mediation = await self._repo.get(mediation_id)
        if mediation is None:
            raise NotAllowed(str(mediation_id))
        return mediation

    async def case_of(self, mediation: Mediation) -> Case:
        return await self._cases.get(mediation.case_id)

    async def reporter_ids(self, mediation: Mediation) -> list[int]:
        """The case's reporters: the first reporter first."""
        return [r.user_id for r in await self._cases.reporters(mediation.case_id)]

    async def parties(self, mediation: Mediation) -> dict[Side, int]:
        """The two parties who meet: the first reporter and (once joined) the other party."""
        parties = {Side.REPORTER: (await self.reporter_ids(mediation))[0]}
        if mediation.other_party_id is not None:
            parties[Side.OTHER] = mediation.other_party_id
        return parties

    async def side_of(self, mediation: Mediation, user_id: int) -> Side | None:
        """Which party the person is (None: neither)."""
        if user_id == mediation.other_party_id:
            return Side.OTHER
        if user_id in await self.reporter_ids(mediation):
            return Side.REPORTER
        return None

    # --- taking a dispute ---------------------------------------------------------------------

    async def take(self, case_id: int, actor_id: int) -> Taken:
        """The first mediator or officer to press Mediate becomes the case's mediator."""
        if not (await self._people.roles_of(actor_id)) & MEDIATOR_ROLES:
            raise NotAllowed("mediate")
        case = await self._cases.get(case_id)
        if case is None or case.kind != "dispute" or case.status not in OPEN_STATUSES:
            raise NotADispute(str(case_id))
        if actor_id in {r.user_id for r in await self._cases.reporters(case_id)}:
            raise NotAllowed("own report")
        now = self._clock.now()
        async with self._db.transaction():
            won = await self._repo.take(case_id, actor_id, now)
            if won:
                await self._audit.record(now, actor_id, "mediation.taken", "case", case_id)
        return Taken(await self._repo.of_case(case_id), won)

    async def require_mediator(self, mediation_id: int, actor_id: int) -> Mediation:
        """The mediation, if the actor is its mediator (re-checked on every press)."""
        mediation = await self.get(mediation_id)
        if mediation.mediator_id != actor_id:
            raise NotAllowed("not the mediator")
        return mediation

    # --- the invitation -------------------------------------------------------------------------

    async def invite(self, mediation_id: int, actor_id: int, summary: str) -> MediationInvite:
        """Stores the neutral summary and makes a fresh single-use link for the other party."""
        mediation = await self.require_mediator(mediation_id, actor_id)
        if mediation.status not in (Status.TAKEN, Status.INVITED):
            raise NotAllowed("the other party already answered")
        now = self._clock.now()
        token = secrets.token_urlsafe(16)
        expires = now + timedelta(hours=self._settings.invite_ttl_hours)
        async with self._db.transaction():
            await self._repo.change(mediation_id, status=Status.INVITED.value, summary=summary[:MAX_TEXT])
            await self._repo.add_invite(token, mediation_id, now, expires)
            await self._audit.record(now, actor_id, "mediation.invited", "case", mediation.case_id,
                                     {"expires_at": expires.isoformat()})
        return await self._repo.invite(token)

    async def open_invitation(self, token: str, user_id: int) -> Invitation:
        """The invitation behind a link, if this person may answer it; else why not."""
        invite = await self._repo.invite(token)
        if invite is None:
            raise InvitationProblem(InvitationProblem.Reason.UNKNOWN)
        mediation = await self.get(invite.mediation_id)
        if user_id == mediation.mediator_id or user_id in await self.reporter_ids(mediation):
            raise InvitationProblem(InvitationProblem.Reason.OWN_CASE)
        if invite.used_by is not None:
            raise InvitationProblem(InvitationProblem.Reason.USED)
        if invite.expires_at <= self._clock.now():
            raise InvitationProblem(InvitationProblem.Reason.EXPIRED)
        if mediation.status != Status.INVITED:
            raise InvitationProblem(InvitationProblem.Reason.CLOSED)
        return Invitation(invite, mediation, await self.case_of(mediation))

    async def join(self, token: str, user_id: int) -> Mediation:
        """The other party joins: the link is used up and they become the mediation's other party."""
        return await self._answer(token, user_id, Status.JOINED)

    async def decline(self, token: str, user_id: int) -> Mediation:
        """The other party declines: recorded, the link used up."""
        return await self._answer(token, user_id, Status.DECLINED)

    async def _answer(self, token: str, user_id: int, status: Status) -> Mediation:
        invitation = await self.open_invitation(token, user_id)
        mediation = invitation.mediation
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._repo.use_invite(token, user_id, now):
                raise InvitationProblem(InvitationProblem.Reason.USED)
            if status is Status.JOINED:
                changed = await self._repo.change(mediation.id, from_statuses=(Status.INVITED.value,),
                                                  status=status.value, other_party_id=user_id, joined_at=now)
            else:
                changed = await self._repo.change(mediation.id, from_statuses=(Status.INVITED.value,),
                                                  status=status.value, declined_at=now)
            if not changed:
                raise InvitationProblem(InvitationProblem.Reason.CLOSED)
            await self._audit.record(now, user_id, f"mediation.{status.value}", "case", mediation.case_id)
        return await self.get(mediation.id)

    async def give_decline_reason(self, mediation_id: int, user_id: int, reason: str) -> Mediation:
        """The reason given after declining, by the one who declined."""
        mediation = await self.get(mediation_id)
        if mediation.status != Status.DECLINED or not await self._declined_by(mediation, user_id):
            raise NotAllowed("not the one who declined")
        now = self._clock.now()
        async with self._db.transaction():
            await self._repo.change(mediation_id, decline_reason=reason[:MAX_TEXT])
            await self._audit.record(now, user_id, "mediation.decline_reason", "case", mediation.case_id)
        return await self.get(mediation_id)

    async def _declined_by(self, mediation: Mediation, user_id: int) -> bool:
        return await self._repo.used_a_link(mediation.id, user_id)

    # --- each party's own account ------------------------------------------------------------------

    async def add_account(self, mediation_id: int, user_id: int, kind: str, text: str = "",
                          file_id: str | None = None) -> tuple[Mediation, Side]:
        """Something a party tells the mediator; only a party of an active mediation may."""
        mediation = await self.get(mediation_id)
        side = await self.side_of(mediation, user_id)
        if side is None or mediation.status not in ACTIVE:
            raise NotAllowed("not a party")
        now = self._clock.now()
        async with self._db.transaction():
            await self._repo.add_account_item(mediation_id, user_id, side.value, kind, text[:MAX_TEXT], file_id, now)
            await self._audit.record(now, user_id, "mediation.account_added", "case", mediation.case_id,
                                     {"side": side.value, "kind": kind})
        return mediation, side

    async def own_account(self, mediation_id: int, user_id: int) -> list[AccountItem]:
        """What this person sent: a party sees their own words only."""
        mediation = await self.get(mediation_id)
        if await self.side_of(mediation, user_id) is None:
            raise NotAllowed("not a party")
        return await self._repo.account_of(mediation_id, user_id)

    # --- figures -------------------------------------------------------------------------------

    async def figures(self, start: datetime, end: datetime, area: str | None = None) -> MediationFigures:
        """Mediations started, other party joined / declined, meetings held, agreements, kept / broken
        and the success rate, for [start, end) and one area (None: all), for /stats and the briefing."""
        return await mediation_figures(self._db, start, end, area)

    # --- offering disputes to mediators ---------------------------------------------------------

    async def offers_due(self) -> list[Offer]:
        """New disputes go to their area's mediators (all mediators if the area has none); one nobody
        took within `area_first_minutes` then goes to the other mediators. Each offer is made once."""
        now = self._clock.now()
        grants = [g for g in await self._people.role_grants() if g.role is Role.MEDIATOR]
        away = await self._people.away_ids()
        offers = []
        async with self._db.transaction():
            for case_id, area in await self._repo.unoffered_disputes():
                local = [g.user_id for g in grants if area is not None and g.area == area]
                await self._repo.record_offer(case_id, now, widened=not local)
                offers.append((case_id, local or [g.user_id for g in grants]))
            wait = timedelta(minutes=self._settings.area_first_minutes)
            for case_id, area in await self._repo.offers_to_widen(now - wait):
                await self._repo.record_offer(case_id, now, widened=True)
                offers.append((case_id, [g.user_id for g in grants if g.area != area]))
        result = []
        for case_id, mediator_ids in offers:
            reporters = {r.user_id for r in await self._cases.reporters(case_id)}
            chosen = sorted(set(mediator_ids) - reporters - away)
            if chosen:
                result.append(Offer(await self._cases.get(case_id), chosen))
        return result
