"""Cases from reports: submitting a draft, possible duplicates, the reporter's own view, additions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import roles as rules
from bot.clock import Clock
from bot.config_reports import ReportSettings
from bot.services.case_deliveries import CaseDeliveries
from bot.services.case_search import CaseSearch
from bot.services.dialogues import DialogueName, DialogueStore
from bot.services.errors import NotAllowed, ServiceError
from bot.services.privacy import IdentityAccess, SensitiveDetails
from storage.audit import AuditRepo
from storage.case_deliveries import CaseDelivery
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import CLOSED_STATUSES, AuditEntry, Case, CaseAddition, CaseMedia, CaseReporter, Draft
from storage.people import PeopleRepo
from storage.reports import CaseRepo, ReporterPrefsRepo

# Timeline entries a reporter may see about their own case (internal ones stay internal): what
# happened to it, and what they themselves did (not what another reporter of the same case did).
REPORTER_VISIBLE_ACTIONS = frozenset({"case.accepted", "case.assigned", "case.resolved", "case.rejected",
                                      "case.reopened"})
REPORTER_OWN_ACTIONS = frozenset({"case.reported", "case.emergency_opened", "case.report_unfinished",
                                  "case.info_added", "case.joined", "case.reporter_answered",
                                  "case.withdrawn"})


class RateLimited(ServiceError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} reports in an hour")
        self.limit = limit


class CaseClosed(ServiceError):
    """Information can only be added to an open case."""


@dataclass(frozen=True)
class SubmittedReport:
    case: Case
    #: The reporter's confirmation, owed with the case and in the caller's hands to send
    #: (CaseDeliveries.owe_report): the caller sends it, then releases it.
    confirmation: CaseDelivery


@dataclass(frozen=True)
class ReportPart:
    """Something a reporter added to a case after its report: their words, the answers they gave
    if they joined it as a further reporter, and the photos and voice notes that came with it."""

    user_id: int
    reporter_number: int  # 1: the first reporter; 2, 3…: those who joined, in order
    text: str
    created_at: datetime
    answers: dict[str, Any]
    media: list[CaseMedia]


@dataclass(frozen=True)
class FullReport:
    """Everything the reporters told us about a case, for the staff who handle it (no contact:
    that stays behind its own audited button)."""

    case: Case
    media: list[CaseMedia]  # of the report itself
    parts: list[ReportPart]


@dataclass(frozen=True)
class ContactCard:
    """What staff see behind the contact button."""

    user_id: int
    first_name: str
    username: str | None
    anonymous: bool
    phone: str | None
    is_primary: bool


class ReportService:
    def __init__(self, db: Database, clock: Clock, settings: ReportSettings, dialogues: DialogueStore,
                 search: CaseSearch, access: IdentityAccess, deliveries: CaseDeliveries,
                 on_case_created: Callable[[Case], Awaitable[None]] | None = None) -> None:
        self._db = db
        # What a sent report owes (its card, the confirmation), recorded in the storing transaction.
        self._deliveries = deliveries
        # Deadlines for the new case (the workflow's business), inside the creating transaction.
        self._on_case_created = on_case_created
        self._clock = clock
        self._settings = settings
        self._cases = CaseRepo(db)
        self._dialogues = dialogues
        self._search = search  # what residents wrote is indexed as it is stored
        self._prefs = ReporterPrefsRepo(db)
        self._groups = GroupRepo(db)
        self._people = PeopleRepo(db)
        self._audit = AuditRepo(db)
        self._access = access

    async def check_rate(self, user_id: int) -> None:
        """Raises RateLimited when the person has filed the hourly maximum already."""
        since = self._clock.now() - timedelta(hours=1)
        if await self._cases.count_reported_since(user_id, since) >= self._settings.max_per_hour:
            raise RateLimited(self._settings.max_per_hour)

    async def area_of(self, draft: Draft) -> str | None:
        """The area a report belongs to: its group's area, else the compound the person picked."""
        if draft.origin_group_id is not None:
            group = await self._groups.by_id(draft.origin_group_id)
            if group is not None and group.area:
                return group.area
        return (draft.data.get("where") or {}).get("area")

    async def possible_duplicates(self, draft: Draft) -> list[Case]:
        """Open cases of the same category in the same area, recent enough to be the same thing."""
        if draft.case_id is not None or "category" not in draft.data:
            return []
        area = await self.area_of(draft)
        if area is None:
            return []
        since = self._clock.now() - timedelta(hours=self._settings.duplicate_window_hours)
        return await self._cases.open_similar(draft.data["category"], area, since)

    async def open_emergency_case(self, draft: Draft, language: str) -> Case:
        """A red case at once, while the person is still telling us (they said it is happening now)."""
        now = self._clock.now()
        async with self._db.transaction():
            case = await self._cases.create(
                kind="incident", category=draft.data["category"], language=language,
                origin_group_id=draft.origin_group_id, area=await self.area_of(draft), description="",
                details={}, emergency=True, complete=False, grade="red", related_case_id=None, now=now,
            )
            await self._cases.add_reporter(case.id, draft.user_id, is_primary=True, anonymous=False, phone=None,
                                           now=now)
            await self._case_created(case)
            await self._dialogues.save(draft, case_id=case.id)
            await self._audit.record(now, draft.user_id, "case.emergency_opened", "case", case.id,
                                     {"category": case.category})
        return case

    async def submit(self, draft: Draft, language: str, *, join_case_id: int | None = None,
                     separate_from_case_id: int | None = None) -> SubmittedReport:
        """Stores the report as a case (or adds it to `join_case_id`), with what it owes (its card and
        the reporter's confirmation, in one transaction), and ends the dialogue."""
        if draft.case_id is None:
            await self.check_rate(draft.user_id)
        now = self._clock.now()
        confirmation: CaseDelivery | None = None
        try:
            async with self._db.transaction():
                case = await self._store(draft, language, join_case_id, separate_from_case_id, now)
                confirmation = await self._deliveries.owe_report(case.id, draft.user_id,
                                                                 joined=join_case_id is not None)
        except BaseException:
            if confirmation is not None:  # rolled back at COMMIT: nothing left to hold
                self._deliveries.release(confirmation)
            raise
        return SubmittedReport(case=case, confirmation=confirmation)

    async def _store(self, draft: Draft, language: str, join_case_id: int | None,
                     separate_from_case_id: int | None, now: datetime) -> Case:
        """The report's rows, inside the caller's transaction: the case (or the addition to the case
        it joins) and its media; returns the case."""
        data = draft.data
        contact = data.get("contact") or {"anonymous": True, "phone": None}
        details = _details(data)
        description = data.get("description", "")
        if join_case_id is not None:
            case = await self._cases.get(join_case_id)
            if case is None or case.status in CLOSED_STATUSES:
                raise CaseClosed(str(join_case_id))
            await self._cases.add_reporter(case.id, draft.user_id, is_primary=False,
                                           anonymous=contact["anonymous"], phone=contact["phone"], now=now)
            addition_id = await self._cases.add_addition(case.id, draft.user_id, description, now)
            await self._audit.record(now, draft.user_id, "case.joined", "case", case.id,
                                     {"choice": "add_to_existing", "details": details})
        else:
            area = await self.area_of(draft)
            addition_id = None
            if draft.case_id is not None:
                await self._cases.complete(draft.case_id, category=data["category"], area=area,
                                           description=description, details=details,
                                           related_case_id=separate_from_case_id, now=now)
                await self._cases.update_reporter_contact(draft.case_id, draft.user_id,
                                                          anonymous=contact["anonymous"], phone=contact["phone"])
                case = await self._cases.get(draft.case_id)
            else:
                case = await self._cases.create(
                    kind=data["kind"], category=data["category"], language=language,
                    origin_group_id=draft.origin_group_id, area=area, description=description,
                    details=details, emergency=False, complete=True, grade=None,
                    related_case_id=separate_from_case_id, now=now,
                )
                await self._cases.add_reporter(case.id, draft.user_id, is_primary=True,
                                               anonymous=contact["anonymous"], phone=contact["phone"], now=now)
                await self._case_created(case)
            audit_detail: dict[str, Any] = {"kind": case.kind, "category": case.category}
            if separate_from_case_id is not None:
                audit_detail["choice"] = "report_separately"
                audit_detail["possible_duplicate_of"] = separate_from_case_id
            await self._audit.record(now, draft.user_id, "case.reported", "case", case.id, audit_detail)
        for file_id in data.get("photos", []):
            await self._cases.add_media(case.id, "photo", file_id, now, addition_id)
        for key in ("description_voice", "history_voice", "outcome_voice"):
            if data.get(key):
                await self._cases.add_media(case.id, "voice", data[key], now, addition_id)
        if data.get("kind") == "incident":
            await self._prefs.set_prefers_anonymous(draft.user_id, bool(contact["anonymous"]))
        await self._dialogues.finish(draft.user_id, DialogueName.REPORT, case.id)
        await self._search.reindex(case.id)
        return case

    async def close_unfinished(self, draft: Draft) -> tuple[Case, list[CaseMedia]] | None:
        """An urgent report the person stopped (cancelled, or left until the draft expired) after its
        red case was already opened: the case keeps whatever they had told us, marked unfinished, and
        the draft goes. None when the draft has no such case (nothing was sent)."""
        if draft.dialogue != DialogueName.REPORT or draft.case_id is None:
            return None
        now = self._clock.now()
        data = draft.data
        async with self._db.transaction():
            case = await self._cases.get(draft.case_id)
            if case is None or case.complete:
                await self._dialogues.drop(draft.user_id, DialogueName.REPORT)
                return None
            await self._dialogues.finish(draft.user_id, DialogueName.REPORT, case.id)
            await self._cases.complete(case.id, category=case.category, area=await self.area_of(draft),
                                       description=data.get("description", ""),
                                       details={**_details(data), "unfinished": True}, related_case_id=None, now=now)
            contact = data.get("contact")
            if contact:
                await self._cases.update_reporter_contact(case.id, draft.user_id, anonymous=contact["anonymous"],
                                                          phone=contact["phone"])
            for file_id in data.get("photos", []):
                await self._cases.add_media(case.id, "photo", file_id, now, None)
            if data.get("description_voice"):
                await self._cases.add_media(case.id, "voice", data["description_voice"], now, None)
            answered = sorted(key for key in data if key not in ("kind", "category"))
            await self._audit.record(now, draft.user_id, "case.report_unfinished", "case", case.id,
                                     {"answered": answered})
            await self._search.reindex(case.id)
        return await self._cases.get(case.id), await self._cases.media(case.id)

    async def _case_created(self, case: Case) -> None:
        if self._on_case_created is not None:
            await self._on_case_created(case)

    # --- the reporter's view -----------------------------------------------------------------

    async def cases_of(self, user_id: int) -> list[Case]:
        return await self._cases.of_reporter(user_id)

    async def case_for_reporter(self, case_id: int, user_id: int) -> Case:
        """The case, if this person reported it (anyone else is refused, whatever they pressed)."""
        case = await self._cases.get(case_id)
        if case is None or not await self._cases.is_reporter(case_id, user_id):
            raise NotAllowed(f"user {user_id} did not report case {case_id}")
        return case

    async def own_words(self, case_id: int, user_id: int) -> str:
        """What this reporter wrote about the case (never another reporter's words): the first
        reporter's description, or what one who joined it added."""
        case = await self.case_for_reporter(case_id, user_id)
        reporter = next(r for r in await self._cases.reporters(case_id) if r.user_id == user_id)
        if reporter.is_primary:
            return case.description
        return "\n\n".join(a.text for a in await self._cases.additions(case_id) if a.user_id == user_id and a.text)

    async def reporter_timeline(self, case_id: int, user_id: int) -> list[AuditEntry]:
        """What happened to the case, as its reporter may see it, oldest first."""
        await self.case_for_reporter(case_id, user_id)
        entries = await self._audit.entries(subject_type="case", subject_id=case_id)
        return [e for e in reversed(entries) if e.action in REPORTER_VISIBLE_ACTIONS
                or (e.action in REPORTER_OWN_ACTIONS and e.actor_id == user_id)]

    async def add_information(self, case_id: int, user_id: int, *, text: str = "",
                              media_type: str | None = None, file_id: str | None = None) -> CaseAddition:
        case = await self.case_for_reporter(case_id, user_id)
        if case.status in CLOSED_STATUSES:
            raise CaseClosed(case.ref)
        now = self._clock.now()
        async with self._db.transaction():
            addition_id = await self._cases.add_addition(case_id, user_id, text, now)
            if media_type and file_id:
                await self._cases.add_media(case_id, media_type, file_id, now, addition_id)
            await self._audit.record(now, user_id, "case.info_added", "case", case_id,
                                     {"addition_id": addition_id, "media": media_type})
            await self._search.reindex(case_id)
        return next(a for a in await self._cases.additions(case_id) if a.id == addition_id)

    # --- staff -------------------------------------------------------------------------------

    async def case(self, case_id: int) -> Case | None:
        return await self._cases.get(case_id)

    async def media_of(self, case_id: int) -> list[CaseMedia]:
        return await self._cases.media(case_id)

    async def set_staff_message(self, case_id: int, message_id: int) -> None:
        await self._cases.set_staff_message(case_id, message_id)

    async def reporters(self, case_id: int) -> list[CaseReporter]:
        return await self._cases.reporters(case_id)

    async def audit_of(self, case_id: int) -> list[AuditEntry]:
        """The case's whole audit trail, newest first (staff views build on this)."""
        return await self._audit.entries(subject_type="case", subject_id=case_id)

    async def full_report(self, case_id: int, actor_id: int) -> FullReport | None:
        """The whole report with every addition, for staff only (re-checked from the stored roles).
        None if there is no such case. Once it has reached them, `record_full_report_read`."""
        if not rules.is_staff(await self._people.roles_of(actor_id)):
            raise NotAllowed(f"user {actor_id} is not staff")
        case = await self._cases.get(case_id)
        if case is None:
            return None
        if self._access.is_sensitive(case) and not await self._access.may_see_identity(case, actor_id):
            await self._access.record_refusal(case_id, actor_id, "full_report")
            raise SensitiveDetails(f"user {actor_id} may not read the sensitive case {case_id}")
        numbers = {r.user_id: n for n, r in enumerate(await self._cases.reporters(case_id), start=1)}
        # A further reporter's answers are in the audit entry of their joining.
        joined = {e.actor_id: e.detail.get("details") or {}
                  for e in await self._audit.entries(subject_type="case", subject_id=case_id)
                  if e.action == "case.joined"}
        media = await self._cases.media(case_id)
        parts = []
        for addition in await self._cases.additions(case_id):
            parts.append(ReportPart(
                user_id=addition.user_id, reporter_number=numbers[addition.user_id], text=addition.text,
                created_at=addition.created_at, answers=joined.pop(addition.user_id, {}),
                media=[m for m in media if m.addition_id == addition.id]))
        return FullReport(case=case, media=[m for m in media if m.addition_id is None], parts=parts)

    async def record_full_report_read(self, case_id: int, actor_id: int) -> None:
        """Every look at a full report is audited, as every look at a contact is."""
        await self._audit.record(self._clock.now(), actor_id, "case.full_report_viewed", "case", case_id)

    async def view_contact(self, case_id: int, actor_id: int) -> list[ContactCard]:
        """The reporters' contact details, for those `privacy.contact_roles` names (the case's owner
        and its area's supervisors and admins by default); every look, and every refusal, is audited."""
        case = await self._cases.get(case_id)
        if case is None or not await self._access.may_see_identity(case, actor_id):
            await self._access.record_refusal(case_id, actor_id, "contact")
            raise NotAllowed(f"user {actor_id} may not see the contact of case {case_id}")
        cards = []
        for reporter in await self._cases.reporters(case_id):
            person = await self._people.get(reporter.user_id)
            cards.append(ContactCard(
                user_id=reporter.user_id,
                first_name=person.first_name if person else "",
                username=person.username if person else None,
                anonymous=reporter.anonymous,
                phone=None if reporter.anonymous else reporter.phone,
                is_primary=reporter.is_primary,
            ))
        await self._audit.record(self._clock.now(), actor_id, "case.contact_viewed", "case", case_id)
        return cards


def _details(data: dict[str, Any]) -> dict[str, Any]:
    """The answers worth keeping beside the description (no file ids: those are media rows)."""
    keys = ("urgent", "where", "when", "other_party", "history", "outcome", "mediation", "received_message")
    return {key: data[key] for key in keys if key in data}
