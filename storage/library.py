"""Repository for notice-library edits made by command (layered over the config's library)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import LibraryOverlay
from storage.timefmt import to_db

#: Tips added by command are numbered from here in the rotation (config tips: 0, 1, 2 …).
COMMAND_TIP_BASE = 1_000_000


class LibraryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def overlay(self) -> LibraryOverlay:
        themes = {r["id"]: {"zh": r["title_zh"], "en": r["title_en"]}
                  for r in await self._db.fetch_all("SELECT * FROM library_themes ORDER BY created_at, id")}
        tips = [{"number": COMMAND_TIP_BASE + r["id"], "theme": r["theme"], "zh": r["zh"], "en": r["en"]}
                for r in await self._db.fetch_all("SELECT * FROM library_tips ORDER BY id")]
        disabled = {(r["theme"], r["tip_number"])
                    for r in await self._db.fetch_all("SELECT theme, tip_number FROM library_tips_disabled")}
        templates = {r["id"]: {"zh": r["zh"], "en": r["en"]}
                     for r in await self._db.fetch_all("SELECT * FROM library_templates ORDER BY id")}
        calendar = {r["month"]: r["theme"]
                    for r in await self._db.fetch_all("SELECT month, theme FROM library_calendar")}
        return LibraryOverlay(themes=themes, tips=tips, disabled=disabled, templates=templates, calendar=calendar)

    async def add_theme(self, theme_id: str, title_zh: str, title_en: str, actor_id: int | None,
                        now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO library_themes (id, title_zh, title_en, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (theme_id, title_zh, title_en, actor_id, to_db(now)))

    async def add_tip(self, theme: str, zh: str, en: str, actor_id: int | None, now: datetime) -> int:
        """Returns the tip's number in the rotation."""
        await self._db.execute(
            "INSERT INTO library_tips (theme, zh, en, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (theme, zh, en, actor_id, to_db(now)))
        return COMMAND_TIP_BASE + await self._db.fetch_value("SELECT max(id) FROM library_tips")

    async def disable_tip(self, theme: str, number: int, actor_id: int | None, now: datetime) -> bool:
        return await self._db.execute(
            """INSERT OR IGNORE INTO library_tips_disabled (theme, tip_number, disabled_by, disabled_at)
               VALUES (?, ?, ?, ?)""", (theme, number, actor_id, to_db(now))) == 1

    async def enable_tip(self, theme: str, number: int) -> bool:
        return await self._db.execute(
            "DELETE FROM library_tips_disabled WHERE theme = ? AND tip_number = ?", (theme, number)) == 1

    async def set_template(self, template_id: str, zh: str, en: str, actor_id: int | None, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO library_templates (id, zh, en, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET zh = excluded.zh, en = excluded.en,
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
            (template_id, zh, en, actor_id, to_db(now)))

    async def set_month(self, month: int, theme: str, actor_id: int | None, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO library_calendar (month, theme, updated_by, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (month) DO UPDATE SET theme = excluded.theme, updated_by = excluded.updated_by,
                 updated_at = excluded.updated_at""",
            (month, theme, actor_id, to_db(now)))
