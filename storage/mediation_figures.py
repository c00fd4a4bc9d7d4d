"""The station's mediation figures (issue 17), counted from the audit trail (every step of a
mediation is audited with its time, so any period and area can be counted afterwards), and the
meetings from their attendance as last recorded (a mediator may correct it)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.db import Database
from storage.timefmt import to_db

#: Audited action → the figure it counts (distinct cases).
_ACTIONS = {
    "mediation.taken": "started",
    "mediation.joined": "joined",
    "mediation.declined": "declined",
    "mediation.agreed": "agreements",
    "mediation.kept": "kept",
    "mediation.term_broken": "broken",
    "mediation.no_agreement": "no_agreement",
}


class MediationFigures(BaseModel):
    """Mediation in a period: how many started, how the other party answered, meetings, outcomes."""

    model_config = ConfigDict(frozen=True)

    started: int = 0
    joined: int = 0
    declined: int = 0
    meetings_held: int = 0  # both parties came
    no_shows: int = 0  # meetings a party did not come to
    agreements: int = 0  # confirmed by both parties
    kept: int = 0  # every term kept: mediated and kept
    broken: int = 0  # a term not done
    no_agreement: int = 0

    @property
    def success_rate(self) -> float | None:
        """Kept ÷ finished (kept, broken or without agreement) in the period; None when none finished."""
        finished = self.kept + self.broken + self.no_agreement
        return self.kept / finished if finished else None


async def mediation_figures(db: Database, start: datetime, end: datetime, area: str | None = None) -> MediationFigures:
    """The figures for [start, end), for one area's cases or (None) all of them."""
    marks = ", ".join("?" for _ in _ACTIONS)
    area_clause = "AND c.area = ?" if area is not None else ""
    area_param = [area] if area is not None else []
    rows = await db.fetch_all(
        f"""SELECT a.action, count(DISTINCT a.subject_id) AS n
            FROM audit_log a JOIN cases c ON a.subject_type = 'case' AND c.id = CAST(a.subject_id AS INTEGER)
            WHERE a.action IN ({marks}) AND a.at >= ? AND a.at < ? {area_clause}
            GROUP BY a.action""", (*_ACTIONS, to_db(start), to_db(end), *area_param))
    meetings = await db.fetch_one(
        f"""SELECT coalesce(sum(mt.reporter_came = 1 AND mt.other_came = 1), 0) AS held,
                   coalesce(sum(mt.reporter_came = 0 OR mt.other_came = 0), 0) AS no_shows
            FROM mediation_meetings mt JOIN mediations m ON m.id = mt.mediation_id JOIN cases c ON c.id = m.case_id
            WHERE mt.starts_at >= ? AND mt.starts_at < ? {area_clause}""", (to_db(start), to_db(end), *area_param))
    return MediationFigures(**{_ACTIONS[r["action"]]: r["n"] for r in rows}, meetings_held=meetings["held"],
                            no_shows=meetings["no_shows"])
