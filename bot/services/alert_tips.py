"""Residents' tips on an urgent alert: the private "I have information" session and what it records.

The session is a dialogue draft (DialogueName.TIP) pointing at the alert; each message the
resident sends while it is open is stored as a tip, for the officer in charge.
"""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.services.alerts import CURRENT, AlertClosed
from bot.services.dialogues import DialogueName, DialogueStore
from storage.alerts import AlertRepo, TipRepo
from storage.db import Database
from storage.models import Alert, AlertTip, Draft


class AlertTips:
    def __init__(self, db: Database, clock: Clock, *, dialogues: DialogueStore) -> None:
        self._clock = clock
        self._dialogues = dialogues
        self._alerts = AlertRepo(db)
        self._tips = TipRepo(db)

    async def start(self, user_id: int, ref: str, state: str) -> tuple[Alert, Draft]:
        """Opens the person's session on a current alert (its reference from the deep link)."""
        alert = await self._alerts.by_ref(ref)
        if alert is None or alert.status not in CURRENT:
            raise AlertClosed("not current")
        draft = await self._dialogues.start(user_id, DialogueName.TIP, state, alert_id=alert.id)
        return alert, draft

    async def session(self, user_id: int) -> Draft | None:
        return await self._dialogues.get(user_id, DialogueName.TIP)

    async def alert_of(self, draft: Draft) -> Alert | None:
        return await self._alerts.get(draft.alert_id) if draft.alert_id else None

    async def add(self, draft: Draft, kind: str, **content: Any) -> tuple[Alert, AlertTip]:
        """Stores one tip (even after the alert closed: it may still help); a session whose alert is
        gone ends instead."""
        alert = await self.alert_of(draft)
        if alert is None:
            await self._dialogues.drop(draft.user_id, DialogueName.TIP)
            raise AlertClosed("unknown alert")
        tip = await self._tips.add(alert.id, draft.user_id, kind, self._clock.now(), **content)
        await self._dialogues.save(draft)
        return alert, tip

    async def end(self, user_id: int) -> bool:
        """Closes the person's session; False if none was open."""
        return await self._dialogues.drop(user_id, DialogueName.TIP)

    async def for_alert(self, alert_id: int) -> list[AlertTip]:
        return await self._tips.for_alert(alert_id)
