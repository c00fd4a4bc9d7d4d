"""Invitations, the staff list and removing roles, driven as admins, officers and residents do."""

from __future__ import annotations

import re
from datetime import timedelta

from storage.models import Role
from tests.harness import button_texts

LINK = re.compile(r"https://t\.me/pingan_test_bot\?start=(inv_[A-Za-z0-9_-]+)")


async def _invite_link(client, role_arg: str) -> str:
    reply = await client.ask(f"/invite {role_arg}")
    match = LINK.search(reply["text"])
    assert match, reply["text"]
    return match.group(1)


async def test_admin_invites_an_officer_who_joins_by_the_link(pingan, admin, make_user):
    payload = await _invite_link(admin, "officer")
    newcomer = make_user("王警官", language_code="zh")
    welcome = await newcomer.ask(f"/start {payload}")
    assert "社区民警" in welcome["text"]
    told = await admin.reply()
    assert told["text"] == "王警官 accepted your invitation and is now a community officer."
    assert Role.OFFICER in await pingan.services.people.roles_of(newcomer.user_id)
    staff = await admin.ask("/staff")
    assert "王警官" in staff["text"] and "community officer" in staff["text"]
    officer_help = (await newcomer.ask("/help"))["text"]
    assert "/invite" in officer_help and "/staff" in officer_help
    actions = [e.action for e in await pingan.services.people.audit_for_user(newcomer.user_id)]
    assert "role.granted" in actions


async def test_invite_by_buttons(pingan, admin, make_user):
    prompt = await admin.ask("/invite")
    assert button_texts(prompt) == ["safety steward", "mediator", "community officer", "supervisor", "administrator"]
    await admin.click(prompt, text="mediator")
    assert LINK.search(admin.current(prompt)["text"])


async def test_invite_link_works_once(pingan, admin, make_user):
    payload = await _invite_link(admin, "steward")
    first, second = make_user("First"), make_user("Second", language_code="en")
    await first.ask(f"/start {payload}")
    await admin.reply()
    reply = await second.ask(f"/start {payload}")
    assert "already been used" in reply["text"]
    assert await pingan.services.people.roles_of(second.user_id) == {Role.RESIDENT}


async def test_expired_invite_is_refused(pingan, admin, make_user, clock):
    payload = await _invite_link(admin, "mediator")
    clock.advance(timedelta(hours=48, seconds=1))
    late = make_user("Late", language_code="en")
    reply = await late.ask(f"/start {payload}")
    assert "expired" in reply["text"]
    assert await pingan.services.people.roles_of(late.user_id) == {Role.RESIDENT}


async def test_forged_and_malformed_codes_are_refused(pingan, make_user):
    person = make_user("Mallory", language_code="en")
    reply = await person.ask("/start inv_AAAAAAAAAAAAAAAA")
    assert "not valid" in reply["text"]
    reply = await person.ask("/start %%%garbage")
    assert "not valid" in reply["text"]
    assert "Pingan" in (await person.reply())["text"]  # the welcome follows the apology
    assert await pingan.services.people.roles_of(person.user_id) == {Role.RESIDENT}


async def test_officer_may_invite_stewards_only(pingan, admin, make_user):
    officer = make_user("Officer", language_code="en")
    await officer.ask(f"/start {await _invite_link(admin, 'officer')}")
    await admin.reply()
    prompt = await officer.ask("/invite")
    assert button_texts(prompt) == ["safety steward"]
    reply = await officer.ask("/invite admin")
    assert "not a role you can invite" in reply["text"]
    # A forged button for a role the officer may not hand out.
    answer = await officer.forge_press(prompt, "inv:1:new:admin")
    assert "not allowed" in answer["text"]
    assert LINK.search((await officer.ask("/invite 平安管家"))["text"])


async def test_resident_cannot_invite_revoke_or_list_staff(pingan, make_user):
    resident = make_user("李华")
    for command in ("/invite officer", "/revoke", "/staff"):
        reply = await resident.ask(command)
        assert "抱歉" in reply["text"] or "只有" in reply["text"], reply["text"]


async def test_revoke_with_confirmation(pingan, admin, make_user):
    steward = make_user("Zhao", language_code="en")
    await steward.ask(f"/start {await _invite_link(admin, 'steward')}")
    await admin.reply()
    assert button_texts(await admin.ask(f"/revoke {steward.user_id}")) == ["Zhao — safety steward"]  # by id
    assert (await admin.ask("/revoke 424242"))["text"] == "There is no role you could remove right now."
    listing = await admin.ask("/revoke")
    assert button_texts(listing) == ["Zhao — safety steward"]
    await admin.click(listing, text="Zhao — safety steward")
    assert button_texts(admin.current(listing)) == ["Yes, remove the role", "Keep the role"]
    await admin.click(listing, text="Yes, remove the role")
    assert admin.current(listing)["text"] == "Done: Zhao is no longer a safety steward."
    notice = await steward.reply()
    assert "has been removed" in notice["text"]
    assert await pingan.services.people.roles_of(steward.user_id) == {Role.RESIDENT}
    actions = [e.action for e in await pingan.services.people.audit_for_user(steward.user_id)]
    assert actions[0] == "role.revoked"


async def test_config_admin_cannot_be_revoked(pingan, admin):
    from tests.conftest import ADMIN_ID

    reply = await admin.ask(f"/revoke {ADMIN_ID} admin")
    await admin.click(reply, text="Yes, remove the role")
    assert "configuration file" in admin.current(reply)["text"]
    assert Role.ADMIN in await pingan.services.people.roles_of(ADMIN_ID)


async def test_revoke_junk_arguments(pingan, admin):
    reply = await admin.ask("/revoke someone")
    assert "/revoke <user id> <role>" in reply["text"]
