"""The callback context handlers receive: typed access to services and to the caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from storage.models import Person, Role

if TYPE_CHECKING:
    from bot.services import Services


class PinganContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Set up once per update by the guard handler (`handlers.guards`)."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id, user_id)
        self.person: Person | None = None
        self.locale: str = "zh"

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def roles(self) -> frozenset[Role]:
        return self.person.roles if self.person else frozenset({Role.RESIDENT})
