"""Repositories of "Is this a scam?": the checks kept, the clusters raised, the rule edits."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.db import Database
from storage.timefmt import from_db, to_db


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class StoredCheck(_Record):
    """A check as kept: never who made it."""

    id: int
    checked_at: datetime
    area: str | None
    type_id: str | None
    text: str | None
    phones: list[str]
    links: list[str]


class ScamCluster(_Record):
    id: int
    area: str
    kind: str  # type | phone | link
    value: str
    also: list[tuple[str, str]]  # the other keys crossed by the same check
    type_id: str | None
    residents: int
    sample: str | None
    raised_at: datetime
    warned_by: int | None
    warned_at: datetime | None


class RuleEdit(_Record):
    id: int
    type_id: str
    signal_id: str | None
    new_signal: bool
    phrase: str
    say_zh: str | None
    say_en: str | None
    weight: int | None
    added_by: int
    added_at: datetime


class CheckFigure(_Record):
    """What the figures read of a check."""

    checked_at: datetime
    area: str | None
    type_id: str | None


class ScamCheckRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, now: datetime, area: str | None, type_id: str | None, text: str, phones: list[str],
                  links: list[str], checker_id: int) -> int:
        return await self._db.insert(
            "INSERT INTO scam_checks (checked_at, area, type_id, text, phones, links, checker_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (to_db(now), area, type_id, text, json.dumps(phones), json.dumps(links), checker_id))

    async def residents_since(self, area: str, since: datetime, *, type_id: str | None = None,
                              phone: str | None = None, link: str | None = None) -> int:
        """Distinct residents of the area who checked, since then, that type, number or host."""
        clauses, params = ["area = ?", "checked_at >= ?", "checker_id IS NOT NULL"], [area, to_db(since)]
        if type_id is not None:
            clauses.append("type_id = ?")
            params.append(type_id)
        for column, value in (("phones", phone), ("links", link)):
            if value is not None:
                clauses.append(f"EXISTS (SELECT 1 FROM json_each(scam_checks.{column}) WHERE json_each.value = ?)")
                params.append(value)
        return await self._db.fetch_value(
            f"SELECT count(DISTINCT checker_id) FROM scam_checks WHERE {' AND '.join(clauses)}", params)

    async def with_text(self, limit: int) -> list[StoredCheck]:
        """The latest checks whose text is still kept (for a rule's preview)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM scam_checks WHERE text IS NOT NULL ORDER BY id DESC LIMIT ?", (limit,))
        return [_check(r) for r in rows]

    async def get(self, check_id: int) -> StoredCheck | None:
        row = await self._db.fetch_one("SELECT * FROM scam_checks WHERE id = ?", (check_id,))
        return _check(row) if row is not None else None

    async def forget_checkers(self, before: datetime) -> int:
        """Who checked is needed only within the cluster window."""
        return await self._db.execute(
            "UPDATE scam_checks SET checker_id = NULL WHERE checked_at < ? AND checker_id IS NOT NULL",
            (to_db(before),))

    async def forget_texts(self, before: datetime) -> int:
        """Past the retention: the text and what it contained go; type, area and time stay."""
        changed = await self._db.execute(
            "UPDATE scam_checks SET text = NULL, phones = '[]', links = '[]', checker_id = NULL "
            "WHERE checked_at < ? AND (text IS NOT NULL OR phones != '[]' OR links != '[]')", (to_db(before),))
        await self._db.execute(
            "UPDATE scam_clusters SET sample = NULL WHERE raised_at < ? AND sample IS NOT NULL", (to_db(before),))
        return changed

    async def in_period(self, since: datetime, until: datetime, area: str | None) -> list[CheckFigure]:
        """Every check in [since, until), of the area if given: time, area, type (for the figures)."""
        clauses, params = ["checked_at >= ?", "checked_at < ?"], [to_db(since), to_db(until)]
        if area is not None:
            clauses.append("area = ?")
            params.append(area)
        rows = await self._db.fetch_all(
            f"SELECT checked_at, area, type_id FROM scam_checks WHERE {' AND '.join(clauses)} ORDER BY checked_at",
            params)
        return [CheckFigure(checked_at=from_db(r["checked_at"]), area=r["area"], type_id=r["type_id"]) for r in rows]


class ScamClusterRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def raised_since(self, area: str, kind: str, value: str, since: datetime) -> bool:
        """Whether a cluster of the area with this key (first or among `also`) was raised since then."""
        return bool(await self._db.fetch_value(
            """SELECT count(*) FROM scam_clusters WHERE area = ? AND raised_at >= ? AND (
                   (kind = ? AND value = ?) OR EXISTS (
                       SELECT 1 FROM json_each(scam_clusters.also)
                        WHERE json_extract(json_each.value, '$[0]') = ?
                          AND json_extract(json_each.value, '$[1]') = ?))""",
            (area, to_db(since), kind, value, kind, value)))

    async def add(self, now: datetime, area: str, keys: list[tuple[str, str]], type_id: str | None, residents: int,
                  sample: str | None) -> int:
        (kind, value), also = keys[0], keys[1:]
        return await self._db.insert(
            "INSERT INTO scam_clusters (area, kind, value, also, type_id, residents, sample, raised_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (area, kind, value, json.dumps(also, ensure_ascii=False), type_id, residents, sample, to_db(now)))

    async def get(self, cluster_id: int) -> ScamCluster | None:
        row = await self._db.fetch_one("SELECT * FROM scam_clusters WHERE id = ?", (cluster_id,))
        return _cluster(row) if row is not None else None

    async def mark_warned(self, cluster_id: int, actor_id: int, now: datetime) -> bool:
        """Guarded: the first press wins, a second one changes nothing."""
        return await self._db.execute(
            "UPDATE scam_clusters SET warned_by = ?, warned_at = ? WHERE id = ? AND warned_at IS NULL",
            (actor_id, to_db(now), cluster_id)) == 1

    async def count(self, since: datetime, until: datetime, area: str | None) -> int:
        clauses, params = ["raised_at >= ?", "raised_at < ?"], [to_db(since), to_db(until)]
        if area is not None:
            clauses.append("area = ?")
            params.append(area)
        return await self._db.fetch_value(f"SELECT count(*) FROM scam_clusters WHERE {' AND '.join(clauses)}", params)


class ScamRuleEditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def active(self) -> list[RuleEdit]:
        rows = await self._db.fetch_all("SELECT * FROM scam_rule_edits WHERE removed_at IS NULL ORDER BY id")
        return [_edit(r) for r in rows]

    async def get(self, edit_id: int) -> RuleEdit | None:
        row = await self._db.fetch_one("SELECT * FROM scam_rule_edits WHERE id = ? AND removed_at IS NULL",
                                       (edit_id,))
        return _edit(row) if row is not None else None

    async def add(self, type_id: str, signal_id: str | None, phrase: str, actor_id: int, now: datetime, *,
                  say_zh: str | None = None, say_en: str | None = None, weight: int | None = None) -> int:
        return await self._db.insert(
            "INSERT INTO scam_rule_edits (type_id, signal_id, new_signal, phrase, say_zh, say_en, weight, added_by, "
            "added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (type_id, signal_id, int(signal_id is None), phrase, say_zh, say_en, weight, actor_id, to_db(now)))

    async def remove(self, edit_id: int, actor_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE scam_rule_edits SET removed_by = ?, removed_at = ? WHERE id = ? AND removed_at IS NULL",
            (actor_id, to_db(now), edit_id)) == 1

    async def remove_phrases_of(self, signal_id: str, actor_id: int, now: datetime) -> int:
        """The phrases added to a signal that is itself removed."""
        return await self._db.execute(
            "UPDATE scam_rule_edits SET removed_by = ?, removed_at = ? WHERE signal_id = ? AND removed_at IS NULL",
            (actor_id, to_db(now), signal_id))


async def resident_area(db: Database, user_id: int) -> str | None:
    """A resident's known area: their own (set with /area), else that of their latest report."""
    return await db.fetch_value(
        """SELECT coalesce(
               (SELECT area FROM users WHERE user_id = ?),
               (SELECT coalesce(c.area, g.area) FROM case_reporters r JOIN cases c ON c.id = r.case_id
                  LEFT JOIN groups g ON g.id = c.origin_group_id
                 WHERE r.user_id = ? AND coalesce(c.area, g.area) IS NOT NULL
                 ORDER BY r.joined_at DESC LIMIT 1))""", (user_id, user_id))


def _check(row) -> StoredCheck:
    return StoredCheck(id=row["id"], checked_at=from_db(row["checked_at"]), area=row["area"], type_id=row["type_id"],
                       text=row["text"], phones=json.loads(row["phones"]), links=json.loads(row["links"]))


def _cluster(row) -> ScamCluster:
    return ScamCluster(id=row["id"], area=row["area"], kind=row["kind"], value=row["value"],
                       also=[tuple(key) for key in json.loads(row["also"])], type_id=row["type_id"],
                       residents=row["residents"], sample=row["sample"], raised_at=from_db(row["raised_at"]),
                       warned_by=row["warned_by"], warned_at=from_db(row["warned_at"]))


def _edit(row) -> RuleEdit:
    return RuleEdit(id=row["id"], type_id=row["type_id"], signal_id=row["signal_id"],
                    new_signal=bool(row["new_signal"]), phrase=row["phrase"], say_zh=row["say_zh"],
                    say_en=row["say_en"], weight=row["weight"], added_by=row["added_by"],
                    added_at=from_db(row["added_at"]))
