"""A staff team around one resident, for end-to-end tests of the staff side."""

from __future__ import annotations

from bot.jobs import CASE_ALARMS_JOB
from storage.models import Role
from tests.conftest import ADMIN_ID, STAFF_CHAT_ID
from tests.deliveries import deliveries_done
from tests.flows import card_posted, submit, walk_incident


class Team:
    """A resident, two officers, a mediator and a supervisor, with the staff chat."""

    def __init__(self, pingan, emulator, make_user, admin):
        self.pingan, self.emulator = pingan, emulator
        self.resident = make_user("Alice", language_code="en")
        self.officer = make_user("Wang", language_code="en")
        self.officer2 = make_user("Zhao", language_code="en")
        self.mediator = make_user("Liu", language_code="en")
        self.supervisor = make_user("Chief Sun", language_code="en")
        self.admin = admin
        self.staff = [self.officer, self.officer2, self.mediator, self.supervisor, admin]
        emulator.add_group("Staff", chat_id=STAFF_CHAT_ID, members=[u.user_id for u in self.staff],
                           admins=[ADMIN_ID])
        emulator.add_bot_to_group(STAFF_CHAT_ID, by_user_id=ADMIN_ID, status="administrator")

    async def setup(self):
        people = self.pingan.services.people
        for user, role in ((self.officer, Role.OFFICER), (self.officer2, Role.OFFICER),
                           (self.mediator, Role.MEDIATOR), (self.supervisor, Role.SUPERVISOR)):
            await people.register_contact(user.user_id, user.user["first_name"], None, "en")
            await people.grant_by_system(user.user_id, role, via="test")
        for user in self.staff:  # each has a private chat with the bot
            await user.ask("/help")

    async def report(self) -> str:
        return await submit(self.resident, await walk_incident(self.resident, phone="138 0013 8000"))

    def card(self, ref):
        return next(m for m in self.emulator.bot_messages(STAFF_CHAT_ID) if ref in (m.get("text") or ""))

    async def card_posted(self, ref):
        """The case's card, once it is in the staff chat."""
        return await card_posted(self.emulator, STAFF_CHAT_ID, ref)

    async def press(self, user, ref, *, text=None, data=None):
        """A press on the case's card, once the bot has recorded the card it posted (the resident's
        confirmation can come first)."""
        await deliveries_done(self.pingan)
        return await user.in_chat(STAFF_CHAT_ID).click(self.card(ref), text=text, data=data)

    async def resolve(self, ref, *, outcome="已解决", text="Handled."):
        """The officer accepts and resolves the case, writing the reporter's text in private."""
        await self.press(self.officer, ref, text="✋ 接单")
        await self.press(self.officer, ref, text="✅ 办结")
        await self.press(self.officer, ref, text=outcome)
        await self.officer.reply()  # "write what was done"
        await self.officer.ask(text)

    async def run_alarms(self):
        app = self.pingan.bot.application
        await app.job_queue.get_jobs_by_name(CASE_ALARMS_JOB)[0].run(app)
