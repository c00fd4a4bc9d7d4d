"""/audit: the audit trail for supervisors and admins, filtered by case, person, action or date,
a page at a time, or whole as CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import roles as rules
from bot.clock import Clock
from bot.services.errors import NotAllowed
from storage.audit import AuditFilter, AuditRepo
from storage.db import Database
from storage.models import AuditEntry
from storage.people import PeopleRepo
from storage.reports import CaseRepo

PAGE_SIZE = 10
#: The most rows one CSV holds (the newest).
CSV_LIMIT = 10_000
_TERM = re.compile(r"^(case|person|action|since|until):(\S+)$", re.IGNORECASE)
_REF = re.compile(r"^PA-\d{4}-\d{6}$", re.IGNORECASE)


class AuditQueryProblem(ValueError):
    """A filter that cannot be read; `given` is what was typed."""

    def __init__(self, given: str) -> None:
        super().__init__(given)
        self.given = given


@dataclass(frozen=True)
class AuditPage:
    view_id: int
    page: int
    total: int
    entries: list[AuditEntry]
    case_refs: dict[str, str]  # case id → reference, for the entries shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


class AuditTrail:
    def __init__(self, db: Database, clock: Clock, timezone: str) -> None:
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._repo = AuditRepo(db)
        self._people = PeopleRepo(db)
        self._cases = CaseRepo(db)

    async def _require_reader(self, actor_id: int) -> None:
        roles = await self._people.roles_of(actor_id)
        if not any(role in rules.CASE_MANAGER_ROLES for role in roles):
            raise NotAllowed(f"user {actor_id} may not read the audit trail")

    async def parse(self, text: str) -> AuditFilter:
        """`case:PA-… person:<id> action:<key, or prefix ending in .> since:<date> until:<date>`."""
        fields: dict[str, object] = {}
        for word in text.split():
            found = _TERM.match(word)
            if found is None:
                raise AuditQueryProblem(word)
            key, value = found.group(1).lower(), found.group(2)
            if key == "case":
                case = await self._cases.by_ref(value) if _REF.match(value) else None
                if case is None:
                    raise AuditQueryProblem(word)
                fields["case_id"] = case.id
            elif key == "person":
                if not value.isdigit():
                    raise AuditQueryProblem(word)
                fields["person_id"] = int(value)
            elif key == "action":
                fields["action"] = value.lower()
            else:
                fields[key] = self._day_start(value, next_day=key == "until", given=word)
        return AuditFilter(**fields)

    def _day_start(self, value: str, *, next_day: bool, given: str) -> datetime:
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise AuditQueryProblem(given) from None
        if next_day:  # `until` includes its day
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=self._tz)

    async def open_view(self, actor_id: int, wanted: AuditFilter) -> AuditPage:
        """The first page of a new listing (its buttons carry the stored view's id)."""
        await self._require_reader(actor_id)
        view_id = await self._repo.save_view(actor_id, wanted, self._clock.now())
        return await self._page(view_id, wanted, 0)

    async def page(self, view_id: int, actor_id: int, page: int) -> AuditPage | None:
        """A page of a listing, for the one who opened it (still a supervisor or admin); None if not theirs."""
        await self._require_reader(actor_id)
        wanted = await self._repo.saved_view(view_id, actor_id)
        return None if wanted is None else await self._page(view_id, wanted, page)

    async def _page(self, view_id: int, wanted: AuditFilter, page: int) -> AuditPage:
        total = await self._repo.count(wanted)
        page = max(0, min(page, max(0, (total - 1) // PAGE_SIZE)))
        entries = await self._repo.search(wanted, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        return AuditPage(view_id, page, total, entries, await self._refs(entries))

    async def _refs(self, entries: list[AuditEntry]) -> dict[str, str]:
        refs = {}
        for entry in entries:
            if entry.subject_type == "case" and entry.subject_id and entry.subject_id not in refs:
                case = await self._cases.get(int(entry.subject_id))
                refs[entry.subject_id] = case.ref if case else entry.subject_id
        return refs

    async def csv(self, view_id: int, actor_id: int) -> bytes | None:
        """The listing's entries as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese); the
        download is itself audited. None if the listing is not theirs."""
        await self._require_reader(actor_id)
        wanted = await self._repo.saved_view(view_id, actor_id)
        if wanted is None:
            return None
        entries = await self._repo.search(wanted, limit=CSV_LIMIT)
        refs = await self._refs(entries)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "at", "actor_id", "action", "subject_type", "subject_id", "case_ref", "detail"])
        for e in entries:
            writer.writerow([e.id, e.at.astimezone(self._tz).isoformat(), e.actor_id or "", e.action,
                             e.subject_type or "", e.subject_id or "", refs.get(e.subject_id or "", ""),
                             json.dumps(e.detail, ensure_ascii=False, sort_keys=True)])
        await self._repo.record(self._clock.now(), actor_id, "audit.exported", "audit_view", view_id,
                                {"rows": len(entries)})
        return ("\ufeff" + out.getvalue()).encode("utf-8")
