"""Groups: joining, greeting, /setup by the right people only, migration, removal, /groups."""

from __future__ import annotations

from datetime import timedelta

from bot.config_notices import GroupDeclaration
from bot.i18n import gettext_in
from storage.models import GroupKind
from tests.harness import button_texts, button_urls


async def _after_pending_updates(client) -> None:
    """Updates are handled one at a time, in order: once this private question is answered,
    everything queued before it (joins, removals, migrations) has been handled too."""
    await client.ask("/privacy")


async def _group_with_bot(emulator, pingan, *, admin_ids=(), member_ids=(), type="supergroup", title="Riverside B3"):
    chat = emulator.add_group(title, type=type, admins=admin_ids, members=member_ids)
    emulator.add_bot_to_group(chat["id"], by_user_id=admin_ids[0] if admin_ids else 1)
    greeting = await emulator.wait_for(lambda: emulator.bot_messages(chat["id"]))
    return chat["id"], greeting[0]


async def test_bot_added_records_and_greets_the_group_once(pingan, emulator, make_user):
    owner = make_user("业主 王")
    chat_id, greeting = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert group is not None and group.active and group.title == "Riverside B3"
    assert "/setup" in greeting["text"] and "平安" in greeting["text"]
    assert button_texts(greeting) == ["报告问题"]
    assert button_urls(greeting)[0].endswith(f"start=rep_{group.ref}")
    # Promoted to admin later: the same group, no second greeting.
    emulator.add_bot_to_group(chat_id, by_user_id=owner.user_id, status="administrator", can_pin_messages=True)
    await _after_pending_updates(owner)
    assert len(emulator.bot_messages(chat_id)) == 1
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert group.bot_status == "administrator" and group.can_pin


async def test_a_group_declared_in_the_config_is_greeted_when_the_bot_arrives(pingan, emulator, make_user):
    owner = make_user("业主 王")
    chat = emulator.add_group("Declared B4", admins=[owner.user_id])
    await pingan.services.groups.apply_declarations([GroupDeclaration(chat_id=chat["id"], kind=GroupKind.HOMEOWNERS,
                                                                      area="Riverside")])
    emulator.add_bot_to_group(chat["id"], by_user_id=owner.user_id)
    greeting = await emulator.wait_for(lambda: emulator.bot_messages(chat["id"]))
    assert "/setup" in greeting[0]["text"] and button_texts(greeting[0]) == ["报告问题"]
    group = await pingan.services.groups.by_chat_id(chat["id"])
    assert group.kind is GroupKind.HOMEOWNERS and group.area == "Riverside" and group.bot_status == "member"


async def test_setup_by_the_groups_telegram_admin(pingan, emulator, make_user):
    owner = make_user("Group Owner", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    in_group = owner.in_chat(chat_id)
    panel = await in_group.ask("/setup")
    assert "设置" in panel["text"] and button_texts(panel)[0] == "类型"
    await in_group.reply()  # how to set the area and quiet hours
    await in_group.click(panel, text="类型")
    await in_group.click(panel, text="业主 / 楼栋群")
    assert "业主 / 楼栋群" in in_group.current(panel)["text"]
    await in_group.click(panel, text="语言")
    await in_group.click(panel, text="English")
    assert "Language: English" in in_group.current(panel)["text"]
    reply = await in_group.ask("/setup area Riverside Compound")
    assert reply["text"] == "Area set to “Riverside Compound”."
    reply = await in_group.ask("/setup quiet 22:30-06:30")
    assert "22:30–06:30" in reply["text"]
    reply = await in_group.ask("/setup quiet tomorrow")
    assert "not a time range" in reply["text"]
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert (group.kind.value, group.area, group.language, group.quiet_start, group.quiet_end) == (
        "homeowners", "Riverside Compound", "en", "22:30", "06:30")


async def test_setup_refused_for_an_ordinary_member_and_for_forged_presses(pingan, emulator, make_user):
    owner = make_user("Owner", language_code="en")
    member = make_user("Member", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], member_ids=[member.user_id])
    refusal = await member.in_chat(chat_id).ask("/setup area Hijacked")
    assert "只有" in refusal["text"]  # the group's language (default zh)
    panel = await owner.in_chat(chat_id).ask("/setup")
    group = await pingan.services.groups.by_chat_id(chat_id)
    answer = await member.in_chat(chat_id).forge_press(panel, f"grp:kind:{group.id}:staff")
    assert "没有权限" in answer["text"]
    answer = await member.in_chat(chat_id).forge_press(panel, "grp:kind:notanumber:staff")
    assert answer["show_alert"]
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert group.kind is None and group.area is None


async def test_pingan_officer_or_admin_can_set_up_any_group(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], member_ids=[admin.user_id])
    reply = await admin.in_chat(chat_id).ask("/setup area 河畔小区")
    assert "河畔小区" in reply["text"]


async def test_migration_keeps_the_record_and_its_settings(pingan, emulator, make_user):
    owner = make_user("Owner", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], type="group")
    await owner.in_chat(chat_id).ask("/setup area Old Town")
    before = await pingan.services.groups.by_chat_id(chat_id)
    new_id = emulator.migrate_group(chat_id)
    await _after_pending_updates(owner)
    group = await pingan.services.groups.by_chat_id(new_id)
    assert group is not None and group.id == before.id and group.area == "Old Town"
    assert group.chat_type == "supergroup"
    assert await pingan.services.groups.by_chat_id(chat_id) is None


async def test_removed_bot_marks_the_group_inactive(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    emulator.remove_bot_from_group(chat_id, by_user_id=owner.user_id)
    await _after_pending_updates(owner)
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert not group.active and group.bot_status == "kicked"
    listing = await admin.ask("/groups")
    assert "Riverside B3" in listing["text"] and "inactive" in listing["text"]


async def test_groups_command_for_admins_only(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    resident = make_user("Resident", language_code="en")
    assert "only officers and administrators" in (await resident.ask("/groups"))["text"]
    listing = await admin.ask("/groups")
    assert button_texts(listing) == ["Riverside B3"]
    await admin.click(listing, text="Riverside B3")
    assert "Settings of “Riverside B3”" in admin.current(listing)["text"]
    await admin.click(listing, text="Pause notices")
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert group.notices_paused
    assert "Resume notices" in button_texts(admin.current(listing))
    group = await pingan.services.groups.by_chat_id(chat_id)
    reply = await admin.ask(f"/groups area {group.ref} East Gate")
    assert "East Gate" in reply["text"]


async def test_setup_sets_the_groups_own_time_zone(pingan, emulator, make_user, admin):
    owner = make_user("Owner", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    in_group = owner.in_chat(chat_id)
    await in_group.ask("/setup tz")  # no zone: how to use it
    reply = await in_group.ask("/setup tz Mars/Olympus")  # in the group's language (zh by default)
    assert "“Mars/Olympus”不是可识别的时区" in reply["text"]
    reply = await in_group.ask("/setup tz asia/urumqi")
    assert reply["text"].startswith("时区已设为 Asia/Urumqi")
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert group.timezone == "Asia/Urumqi"
    listing = await admin.ask("/groups")
    assert "Asia/Urumqi" in listing["text"]
    await admin.click(listing, text="Riverside B3")
    assert "Time zone: Asia/Urumqi" in admin.current(listing)["text"]
    reply = await in_group.ask("/setup tz off")
    assert "系统时区（Asia/Shanghai）" in reply["text"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).timezone is None


async def test_groups_area_chosen_with_buttons_or_typed_in_reply(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    listing = await admin.ask("/groups")
    await admin.click(listing, text="Riverside B3")
    await admin.click(listing, text="Area")
    await admin.click(listing, text="Type another name")
    prompt = await admin.reply()
    assert "Reply to this message with the area" in prompt["text"]
    await admin.send("East Gate", reply_to_message_id=prompt["message_id"])
    assert (await admin.reply())["text"] == "Area set to “East Gate”."
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "East Gate"
    panel = await admin.reply()
    await admin.click(panel, text="Area")
    assert "✅ East Gate" in button_texts(admin.current(panel))
    # An ordinary reply is not taken for an area.
    other = await admin.ask("Hello", reply_to_message_id=panel["message_id"])
    assert "Area set" not in other["text"]


async def test_an_area_typed_without_reply_answers_the_latest_prompt(pingan, emulator, make_user, admin, clock):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    listing = await admin.ask("/groups")
    await admin.click(listing, text="Riverside B3")
    await admin.click(listing, text="Area")
    await admin.click(listing, text="Type another name")
    await admin.reply()  # the prompt
    assert (await admin.ask("East Gate"))["text"] == "Area set to “East Gate”."  # typed, not replied
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "East Gate"
    await admin.reply()  # the panel again
    clock.advance(timedelta(minutes=31))
    assert "Area set" not in (await admin.ask("North Gate"))["text"]  # answered once; and too late anyway


async def test_titles_and_areas_are_shown_exactly_as_typed(pingan, emulator, make_user, admin):
    owner = make_user("Owner", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], member_ids=[admin.user_id],
                                       title="<i>Tom</i> & Jerry")
    listing = await admin.ask("/groups")
    assert "<i>Tom</i> & Jerry" in listing["text"]
    await admin.click(listing, text="<i>Tom</i> & Jerry")
    assert "Settings of “<i>Tom</i> & Jerry”" in admin.current(listing)["text"]
    await admin.click(listing, text="Area")
    assert "Which area is “<i>Tom</i> & Jerry” in?" in admin.current(listing)["text"]
    await admin.click(listing, text="Type another name")
    await admin.reply()  # the prompt
    assert (await admin.ask("<b>East & West"))["text"] == "Area set to “<b>East & West”."
    assert "Area: <b>East & West" in (await admin.reply())["text"]  # the panel again
    reply = await admin.in_chat(chat_id).ask("/setup area a < b & c")
    assert reply["text"] == gettext_in("zh", "Area set to “{area}”.").format(area="a < b & c")
    assert "a < b & c" in (await admin.ask("/groups"))["text"]
