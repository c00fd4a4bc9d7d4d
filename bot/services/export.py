"""Exports of cases for reports upward and for other systems: CSV (one row per case, every
non-personal field, UTF-8 with a BOM so spreadsheet programs read Chinese, headers in the reader's
language) and Open311 GeoReport v2 JSON. Rows are read in batches and written as they come, so
memory stays flat however many cases there are. Names, usernames, phones and what residents
wrote never appear. Every export is audited."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_stats import ExportSettings
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import OPEN_STATUSES
from storage.stats import Areas, ExportRow, StatsRepo

FORMATS = ("csv", "open311")
#: CSV columns, in order (the headers are the labels' translations of these).
CSV_COLUMNS = ("ref", "kind", "category", "area", "grade", "level", "status", "outcome", "created", "accepted",
               "resolved", "closed", "accepted_within_limit", "resolved_within_limit", "followup_solved",
               "followup_stars", "followup_no_response", "mediation")
#: Open311 GeoReport v2 request fields written (media_url and personal data never are).
OPEN311_FIELDS = ("service_request_id", "status", "status_notes", "service_code", "service_name",
                  "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "lat", "long")
BATCH = 1000


@dataclass(frozen=True)
class ExportLabels:
    """How stored keys read in the export, in the reader's language."""

    headers: dict[str, str]                         # CSV column → header
    category: Callable[[str, str], str]             # (kind, category id) → name
    value: Callable[[str, str | None], str]         # (kind|grade|level|status|outcome|yes_no, key) → label


@dataclass(frozen=True)
class ExportRequest:
    format: str                     # csv | open311
    since: datetime | None          # created at or after (None: from the first case)
    until: datetime | None          # created before (None: up to now)
    areas: Areas = None


class ExportService:
    def __init__(self, db: Database, clock: Clock, timezone: str, audit: AuditRepo, settings: ExportSettings) -> None:
        self._repo = StatsRepo(db)
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._audit = audit
        self._settings = settings

    async def write(self, request: ExportRequest, out: BinaryIO, labels: ExportLabels, actor_id: int | None) -> int:
        """Writes the export to `out` (binary) and audits it; returns the number of cases."""
        if request.format not in FORMATS:
            raise ValueError(f"unknown export format {request.format!r}")
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if request.format == "csv" else "utf-8", newline="")
        labels = _remembered(labels)
        try:
            writer = _CsvWriter(text, labels, self._tz) if request.format == "csv" else \
                _Open311Writer(text, labels, self._tz, self._settings)
            count = 0
            async for row in self.rows(request):
                writer.write(row)
                count += 1
                if count % BATCH == 0:
                    text.flush()
            writer.finish()
            text.flush()
        finally:
            text.detach()  # the caller's stream stays open
        await self._audit.record(self._clock.now(), actor_id, "stats.exported", "export", None, {
            "format": request.format, "areas": list(request.areas) if request.areas is not None else None,
            "since": request.since.isoformat() if request.since else None,
            "until": request.until.isoformat() if request.until else None, "cases": count})
        return count

    async def rows(self, request: ExportRequest):
        """Every case of the request, by id, a batch at a time."""
        after = 0
        while True:
            batch = await self._repo.export_batch(request.since, request.until, request.areas, after, BATCH)
            for row in batch:
                yield row
            if len(batch) < BATCH:
                return
            after = batch[-1].id


def _remembered(labels: ExportLabels) -> ExportLabels:
    """The same labels, each looked up once per export (a million rows share a few dozen)."""
    return ExportLabels(headers=labels.headers, category=functools.cache(labels.category),
                        value=functools.cache(labels.value))


def within(done: datetime | None, due: datetime | None) -> bool | None:
    """Whether a step was done by its deadline (None: not done, or no deadline)."""
    if done is None or due is None:
        return None
    return done <= due


class _CsvWriter:
    def __init__(self, out: io.TextIOWrapper, labels: ExportLabels, tz: ZoneInfo) -> None:
        self._csv = csv.writer(out)
        self._labels = labels
        self._tz = tz
        self._csv.writerow([labels.headers[column] for column in CSV_COLUMNS])

    def write(self, row: ExportRow) -> None:
        value, yes_no = self._labels.value, self._yes_no
        self._csv.writerow([
            row.ref, value("kind", row.kind), self._labels.category(row.kind, row.category), row.area or "",
            value("grade", row.grade), value("level", row.level), value("status", row.status),
            value("outcome", row.outcome) if row.outcome else "", self._time(row.created_at),
            self._time(row.accepted_at), self._time(row.resolved_at), self._time(row.closed_at),
            yes_no(within(row.accepted_at, row.accept_due)),
            yes_no(within(row.resolved_at, row.resolve_due) if row.status in _DONE else None),
            yes_no(row.followup_solved), row.followup_stars or "", yes_no(row.followup_no_response or None),
            value("mediation", row.mediation) if row.mediation else "",
        ])

    def _yes_no(self, flag: bool | None) -> str:
        return "" if flag is None else self._labels.value("yes_no", "yes" if flag else "no")

    def _time(self, moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(self._tz):%Y-%m-%d %H:%M}"

    def finish(self) -> None:
        return None


class _Open311Writer:
    """A JSON array of GeoReport v2 service requests, written one element at a time."""

    def __init__(self, out: io.TextIOWrapper, labels: ExportLabels, tz: ZoneInfo, settings: ExportSettings) -> None:
        self._out = out
        self._labels = labels
        self._tz = tz
        self._settings = settings
        self._first = True
        out.write("[")

    def write(self, row: ExportRow) -> None:
        self._out.write(("\n" if self._first else ",\n") + json.dumps(self.request(row), ensure_ascii=False))
        self._first = False

    def request(self, row: ExportRow) -> dict:
        notes = self._labels.value("status", row.status)
        if row.outcome and row.status in _DONE:
            notes += f" · {self._labels.value('outcome', row.outcome)}"
        request = {
            "service_request_id": row.ref,
            "status": "open" if row.status in OPEN_STATUSES else "closed",
            "status_notes": notes,
            "service_code": f"{row.kind}.{row.category}",
            "service_name": self._labels.category(row.kind, row.category),
            "agency_responsible": self._settings.agency or (self._labels.value("level", row.level) if row.level
                                                            else ""),
            "requested_datetime": self._time(row.created_at),
            "updated_datetime": self._time(row.updated_at),
            "expected_datetime": self._time(row.resolve_due),
            "address": row.area or "",
        }
        decimals = self._settings.location_decimals
        if decimals is not None and row.latitude is not None and row.longitude is not None:
            request["lat"], request["long"] = round(row.latitude, decimals), round(row.longitude, decimals)
        return request

    def _time(self, moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(self._tz).isoformat(timespec="seconds")

    def finish(self) -> None:
        self._out.write("\n]\n" if not self._first else "]\n")


_DONE = frozenset({"resolved", "followed_up", "closed"})
