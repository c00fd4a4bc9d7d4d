"""The figures of "Is this a scam?" for /stats and the briefing: checks per day and area, by
fraud type, the share flagged, and the clusters raised. Read from the checks kept (their type,
area and time stay after the texts are forgotten), never naming who checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.scam_checks import ScamCheckRepo, ScamClusterRepo


@dataclass(frozen=True)
class ScamCheckFigures:
    """Checks in [start, end): `per_day` maps a local date to checks per area (None: no area known)."""

    checks: int
    flagged: int
    clusters: int
    by_type: dict[str, int] = field(default_factory=dict)
    per_day: dict[date, dict[str | None, int]] = field(default_factory=dict)

    @property
    def share_flagged(self) -> float | None:
        """Flagged checks over all checks (None when there were none)."""
        return self.flagged / self.checks if self.checks else None


class ScamFigures:
    def __init__(self, db: Database, timezone: str) -> None:
        self._checks = ScamCheckRepo(db)
        self._clusters = ScamClusterRepo(db)
        self._zone = ZoneInfo(timezone)

    async def figures(self, start: datetime, end: datetime, area: str | None = None) -> ScamCheckFigures:
        """The figures of checks made in [start, end), in one area or (None) all."""
        rows = await self._checks.in_period(start, end, area)
        per_day: dict[date, Counter] = {}
        for row in rows:
            per_day.setdefault(row.checked_at.astimezone(self._zone).date(), Counter())[row.area] += 1
        by_type = Counter(row.type_id for row in rows if row.type_id is not None)
        return ScamCheckFigures(
            checks=len(rows), flagged=sum(by_type.values()), clusters=await self._clusters.count(start, end, area),
            by_type=dict(by_type.most_common()), per_day={day: dict(areas) for day, areas in sorted(per_day.items())})
