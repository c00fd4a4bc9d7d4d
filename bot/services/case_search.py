"""Staff search over cases (/find): words anywhere in a report, and filters.

    /find 电瓶 area:幸福小区 status:open since:2026-11-01

Words are matched as substrings of what residents wrote (description, answers, additions) and of
the reference, through the two-character index of migration 0012; filters narrow by area,
category, kind, grade, status, owner and date. Staff only: the service re-checks the roles.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import roles as rules
from bot.clock import Clock
from bot.config_reports import ReportSettings
from bot.services.errors import NotAllowed
from bot.validators import normalise_phone
from storage.db import Database
from storage.models import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseStatus
from storage.reports import CaseRepo
from storage.search import CaseFilter, SearchRepo

PAGE_SIZE = 10
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_FILTER = re.compile(r"^(area|category|kind|grade|status|owner|since|until|overdue):(.+)$", re.IGNORECASE)
GRADES = ("red", "orange", "yellow", "green")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def index_terms(text: str) -> str:
    """Text as the index holds it: each run of Chinese characters as its overlapping pairs (a lone
    character as itself), other words whole."""
    terms = []
    for piece in _PIECES.findall(_fold(text)):
        if re.match(rf"[{_CJK}]", piece) and len(piece) > 1:
            terms += [piece[i:i + 2] for i in range(len(piece) - 1)]
        else:
            terms.append(piece)
    return " ".join(terms)


def match_query(words: list[str]) -> str | None:
    """The FTS5 query finding every word as a substring: a phrase of each word's pieces (a single
    character, or the start of a Latin word, as a prefix)."""
    phrases = []
    for word in words:
        for piece in _PIECES.findall(_fold(word)):
            terms = index_terms(piece).split()
            if len(terms) == 1 and (len(piece) == 1 or not re.match(rf"[{_CJK}]", piece)):
                phrases.append(f'"{terms[0]}"*')
            else:
                phrases.append('"' + " ".join(terms) + '"')
    return " ".join(phrases) or None


class QueryProblem(ValueError):
    """A filter that cannot be read; `given` is what was typed."""

    def __init__(self, given: str) -> None:
        super().__init__(given)
        self.given = given


@dataclass(frozen=True)
class Query:
    """A search as typed: its words and its filters."""

    words: list[str] = field(default_factory=list)
    area: str | None = None
    category: str | None = None
    kind: str | None = None
    grade: str | None = None
    status: str | None = None  # open | closed | a stored status
    owner: str | None = None  # me | a user id
    since: str | None = None
    until: str | None = None
    overdue: str | None = None  # yes: past its time limit now


def parse_query(text: str) -> Query:
    """Words and `key:value` filters from what a staff member typed (QueryProblem if a filter's
    key is known but its value cannot be read)."""
    words, filters = [], {}
    for token in text.split():
        found = _FILTER.match(token)
        if found is None:
            words.append(token)
        else:
            filters[found[1].lower()] = found[2]
    query = Query(words=words, **filters)
    if query.grade is not None and query.grade.lower() not in GRADES:
        raise QueryProblem(f"grade:{query.grade}")
    if query.kind is not None and query.kind.lower() not in ("incident", "dispute"):
        raise QueryProblem(f"kind:{query.kind}")
    if query.overdue is not None and query.overdue.lower() not in ("yes", "1", "true"):
        raise QueryProblem(f"overdue:{query.overdue}")
    for key in ("since", "until"):
        value = getattr(query, key)
        if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise QueryProblem(f"{key}:{value}")
    return query


@dataclass(frozen=True)
class SearchPage:
    cases: list[Case]
    total: int
    page: int  # from 0
    pages: int


class CaseSearch:
    def __init__(self, db: Database, clock: Clock, settings: ReportSettings, timezone: ZoneInfo) -> None:
        self._clock = clock
        self._settings = settings
        self._tz = timezone
        self._repo = SearchRepo(db)
        self._cases = CaseRepo(db)

    # --- the index ----------------------------------------------------------------------------------

    async def reindex(self, case_id: int) -> None:
        """Indexes what the case holds now (call after its text changed, in the same transaction)."""
        case = await self._cases.get(case_id)
        if case is None:
            return
        additions = [a.text for a in await self._cases.additions(case_id)]
        answers = [str(value) for value in _text_values(case.details)]
        await self._repo.index(case_id, index_terms(" ".join([case.ref, case.area or "", case.description,
                                                             *answers, *additions])))

    async def index_missing(self) -> int:
        """At start: cases from before the index existed."""
        count = 0
        while batch := await self._repo.unindexed():
            for case_id in batch:
                await self.reindex(case_id)
            count += len(batch)
        return count

    # --- searching ----------------------------------------------------------------------------------

    async def find(self, actor_id: int, actor_roles, query: Query, page: int = 0) -> SearchPage:
        """One page of the cases matching the query. A word that is a phone number finds the cases
        a reporter left it with: for staff only, who may see reporters' contacts."""
        wanted = self._filter(actor_id, actor_roles, query)
        ids, total = await self._repo.find(wanted, limit=PAGE_SIZE, offset=max(page, 0) * PAGE_SIZE)
        cases = [case for case in [await self._cases.get(i) for i in ids] if case is not None]
        return SearchPage(cases, total, max(page, 0), max(1, math.ceil(total / PAGE_SIZE)))

    async def count(self, actor_id: int, actor_roles, query: Query) -> int:
        """How many cases match the query (as `find` would say), without reading any of them."""
        return await self._repo.count(self._filter(actor_id, actor_roles, query))

    def _filter(self, actor_id: int, actor_roles, query: Query) -> CaseFilter:
        if not rules.is_staff(actor_roles):
            raise NotAllowed(f"user {actor_id} is not staff")
        phones = [p for p in (normalise_phone(w, self._settings.phone_region) for w in query.words) if p]
        words = [w for w in query.words if not normalise_phone(w, self._settings.phone_region)]
        return CaseFilter(
            match=match_query(words), reporter_phone=phones[0] if phones else None, area=query.area,
            categories=self._categories(query.category),
            kind=query.kind.lower() if query.kind else None, grade=query.grade.lower() if query.grade else None,
            statuses=_statuses(query.status), owner_id=_owner(query.owner, actor_id),
            since=self._day_start(query.since), until=self._day_start(query.until, next_day=True),
            overdue_at=self._clock.now() if query.overdue else None)

    async def save(self, actor_id: int, text: str) -> int:
        return await self._repo.save_search(actor_id, text, self._clock.now())

    async def saved(self, search_id: int, actor_id: int) -> str | None:
        return await self._repo.saved_search(search_id, actor_id)

    def _categories(self, given: str | None) -> tuple[str, ...]:
        """A category by its id or its name in either language (several may share a word)."""
        if given is None:
            return ()
        wanted = _fold(given)
        items = [*self._settings.incident_categories, *self._settings.dispute_kinds]
        found = tuple(item.id for item in items if wanted in (_fold(item.id), _fold(item.zh), _fold(item.en)))
        if not found:
            raise QueryProblem(f"category:{given}")
        return found

    def _day_start(self, day: str | None, *, next_day: bool = False) -> datetime | None:
        if day is None:
            return None
        try:
            start = datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(), self._tz)
        except ValueError as exc:
            raise QueryProblem(day) from exc
        return start + timedelta(days=1) if next_day else start


def _statuses(given: str | None) -> tuple[str, ...]:
    if given is None:
        return ()
    wanted = given.lower()
    if wanted == "open":
        return tuple(s.value for s in OPEN_STATUSES)
    if wanted == "closed":
        return tuple(s.value for s in CLOSED_STATUSES)
    if wanted in CaseStatus._value2member_map_:
        return (wanted,)
    raise QueryProblem(f"status:{given}")


def _owner(given: str | None, actor_id: int) -> int | None:
    if given is None:
        return None
    if given.lower() == "me":
        return actor_id
    if given.isdigit():
        return int(given)
    raise QueryProblem(f"owner:{given}")


def _text_values(value) -> list[str]:
    """Every text inside a case's answers (where, the dispute's answers …)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _text_values(item)]
    if isinstance(value, list):
        return [text for item in value for text in _text_values(item)]
    return [value] if isinstance(value, str) else []
