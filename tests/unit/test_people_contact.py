"""Who is calling, looked up for nearly every update: the profile is written only when it changed,
and everything else (roles, erasure) is read fresh each time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.services.people import PeopleService
from storage.db import Database
from storage.erasure import ErasureRepo
from storage.migrate import apply_migrations
from storage.models import Role


@pytest.fixture
async def people(tmp_path):
    db = await Database.open(tmp_path / "test.db")
    await apply_migrations(db)
    service = PeopleService(db, ManualClock(datetime(2026, 1, 1, tzinfo=UTC)), config_admins=[1],
                            invite_ttl=timedelta(hours=1))
    await service.bootstrap_admins()
    yield service, db
    await db.close()


async def test_a_new_name_or_language_is_recorded_on_the_next_contact(people):
    service, _db = people
    await service.register_contact(7, "Li", "li", "zh")
    assert (await service.register_contact(7, "Li", "li", "zh")).first_name == "Li"
    renamed = await service.register_contact(7, "Li Hua", None, "en")
    assert (renamed.first_name, renamed.username, renamed.telegram_language) == ("Li Hua", None, "en")


async def test_roles_given_between_contacts_are_seen_at_once(people):
    service, _db = people
    assert (await service.register_contact(7, "Li", None, "zh")).roles == frozenset({Role.RESIDENT})
    invite = await service.create_invite(1, Role.OFFICER)
    await service.redeem_invite(invite.code, 7)
    steward = await service.create_invite(1, Role.STEWARD)
    await service.redeem_invite(steward.code, 7)
    assert (await service.register_contact(7, "Li", None, "zh")).roles == {Role.RESIDENT, Role.OFFICER, Role.STEWARD}
    await service.revoke_role(1, 7, Role.OFFICER)
    assert (await service.register_contact(7, "Li", None, "zh")).roles == {Role.RESIDENT, Role.STEWARD}


async def test_an_erased_profile_stays_erased_when_the_person_writes_again(people):
    service, db = people
    await service.register_contact(7, "Li", "li", "zh")
    await ErasureRepo(db).erase_profile(7, datetime(2026, 1, 2, tzinfo=UTC))
    for name in ("Li", "Li Hua"):
        person = await service.register_contact(7, name, "li", "zh")
        assert (person.first_name, person.username) == ("", None)
