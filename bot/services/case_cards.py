"""Where a case's card is shown: every posted copy (the case's staff chat, the chats of the
levels it was sent to), so that each change edits them all; and what was sent under a card, so
that posting it again sends nothing twice."""

from __future__ import annotations

import logging

from bot.clock import Clock
from storage.case_cards import CaseCardRepo
from storage.db import Database
from storage.models import CaseCard

logger = logging.getLogger(__name__)

#: The card in the case's staff chat (additions are posted under it), and a card in a level's chat.
STAFF_CARD, LEVEL_CARD = "staff", "level"


class CaseCards:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._clock = clock
        self._repo = CaseCardRepo(db)

    async def posted(self, case_id: int) -> list[CaseCard]:
        """Every copy to edit when the case changes, the staff chat's first."""
        return await self._repo.of_case(case_id)

    async def staff_card(self, case_id: int) -> CaseCard | None:
        """The card in the case's staff chat, if it was posted."""
        return next((card for card in await self.posted(case_id) if card.kind == STAFF_CARD), None)

    async def in_chat(self, case_id: int, chat_id: int) -> CaseCard | None:
        return next((card for card in await self.posted(case_id) if card.chat_id == chat_id), None)

    async def record(self, case_id: int, chat_id: int, message_id: int, kind: str) -> None:
        await self._repo.add(case_id, chat_id, message_id, kind, self._clock.now())

    async def sent_items(self, case_id: int, chat_id: int) -> set[str]:
        """The parts (album, voice notes) already sent under the case's card in this chat."""
        return await self._repo.sent_items(case_id, chat_id)

    async def record_sent_item(self, case_id: int, chat_id: int, item: str) -> None:
        await self._repo.add_sent_item(case_id, chat_id, item, self._clock.now())

    async def adopt_unknown_chat(self, staff_chat_id: int | None) -> None:
        """Cards posted before several chats existed were in the default staff chat."""
        if staff_chat_id is None:
            return
        adopted = await self._repo.adopt_unknown_chat(staff_chat_id)
        if adopted:
            logger.info("%d case cards from before migration 0015 recorded in the staff chat", adopted)
