"""Groups: joining, greeting, /setup by the right people only, migration, removal, /groups."""

from __future__ import annotations

from datetime import timedelta

from bot.config_notices import GroupDeclaration
from bot.i18n import gettext_in
from storage.models import GroupKind
from tests.harness import button_texts, button_urls


async def _after_pending_updates(client) -> None:
    """One person's updates are handled in the order they came, whatever the chat: once this
    private question is answered, everything this person caused before it (joins, removals,
    migrations) has been handled too."""
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
    await in_group.click(panel, text="业主楼栋群")
    assert "业主楼栋群" in in_group.current(panel)["text"]
    await in_group.click(panel, text="语言")
    await in_group.click(panel, text="English")
    assert "Language: English" in in_group.current(panel)["text"]
    confirm = await in_group.ask("/setup area Riverside Compound")  # a new area: asked first
    assert "“Riverside Compound”" in confirm["text"] and "Create it" in confirm["text"]
    answer = await in_group.click(confirm, text="Yes, create it")
    assert answer["text"] == "Area set to “Riverside Compound”."
    reply = await in_group.ask("/setup area riverside  compound")  # known now: set at once, as it is spelt
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
    confirm = await admin.in_chat(chat_id).ask("/setup area 河畔小区")
    assert "河畔小区" in confirm["text"]
    await admin.in_chat(chat_id).click(confirm, text="是，新建")
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "河畔小区"


async def test_migration_keeps_the_record_and_its_settings(pingan, emulator, make_user):
    owner = make_user("Owner", language_code="en")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], type="group")
    confirm = await owner.in_chat(chat_id).ask("/setup area Old Town")
    await owner.in_chat(chat_id).click(confirm, text="是，新建")
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
    confirm = await admin.ask(f"/groups area {group.ref} East Gate")
    assert "East Gate" in confirm["text"]
    await admin.click(confirm, text="Yes, create it")
    assert "Area: East Gate" in admin.current(confirm)["text"]


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
    confirm = await admin.reply()  # nobody uses East Gate yet: created only when confirmed
    assert (await pingan.services.groups.by_chat_id(chat_id)).area is None
    assert (await admin.click(confirm, text="Yes, create it"))["text"] == "Area set to “East Gate”."
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "East Gate"
    panel = admin.current(confirm)
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
    confirm = await admin.ask("East Gate")  # typed, not replied
    await admin.click(confirm, text="Yes, create it")
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "East Gate"
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
    confirm = await admin.ask("<b>East & West")
    assert "“<b>East & West”" in confirm["text"]
    assert (await admin.click(confirm, text="Yes, create it"))["text"] == "Area set to “<b>East & West”."
    assert "Area: <b>East & West" in admin.current(confirm)["text"]  # the panel in its place
    in_group = admin.in_chat(chat_id)
    confirm = await in_group.ask("/setup area a < b & c")
    answer = await in_group.click(confirm, text=gettext_in("zh", "Yes, create it"))
    assert answer["text"] == gettext_in("zh", "Area set to “{area}”.").format(area="a < b & c")
    assert "a < b & c" in (await admin.ask("/groups"))["text"]


async def test_quiet_hours_picked_start_then_end_or_from_a_preset(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    listing = await admin.ask("/groups")
    await admin.click(listing, text="Riverside B3")
    await admin.click(listing, text="Quiet hours")
    await admin.click(listing, text="22:00–07:00")
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert (group.quiet_start, group.quiet_end) == ("22:00", "07:00")
    await admin.click(listing, text="Quiet hours")
    await admin.click(listing, text="Choose start and end")
    assert "When should quiet hours start" in admin.current(listing)["text"]
    await admin.click(listing, text="22:30")
    assert "start at 22:30. When should they end?" in admin.current(listing)["text"]
    await admin.click(listing, text="Back")  # back to the starts
    await admin.click(listing, text="21:30")
    await admin.click(listing, text="06:30")
    assert "Quiet hours: 21:30–06:30" in admin.current(listing)["text"]
    group = await pingan.services.groups.by_chat_id(chat_id)
    assert (group.quiet_start, group.quiet_end) == ("21:30", "06:30")
    # A start no picker offers is refused, the hours unchanged.
    answer = await admin.forge_press(listing, f"grp:qend:{group.id}:1234")
    assert answer["show_alert"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).quiet_start == "21:30"


async def test_time_zone_picked_from_common_zones_or_typed(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    listing = await admin.ask("/groups")
    await admin.click(listing, text="Riverside B3")
    await admin.click(listing, text="Time zone")
    zones = button_texts(admin.current(listing))
    assert zones[:4] == ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Taipei"]
    await admin.click(listing, text="Asia/Urumqi")
    assert "Time zone: Asia/Urumqi" in admin.current(listing)["text"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).timezone == "Asia/Urumqi"
    await admin.click(listing, text="Time zone")
    assert "✅ Asia/Urumqi" in button_texts(admin.current(listing))
    group = await pingan.services.groups.by_chat_id(chat_id)
    hint = await admin.click(listing, text="Type another zone")
    assert hint["show_alert"] and f"/groups tz {group.ref} Europe/Berlin" in hint["text"]
    reply = await admin.ask(f"/groups tz {group.ref} europe/berlin")
    assert "Europe/Berlin" in reply["text"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).timezone == "Europe/Berlin"
    await admin.click(listing, text="Use the deployment default (Asia/Shanghai)")
    assert (await pingan.services.groups.by_chat_id(chat_id)).timezone is None
    # In the group, the hint names /setup; a zone no button offers cannot be forged in.
    in_group = owner.in_chat(chat_id)
    panel = await in_group.ask("/setup")
    await in_group.reply()  # how to type the settings
    await in_group.click(panel, text="时区")
    hint = await in_group.click(panel, text="输入其他时区")
    assert "/setup tz" in hint["text"]
    answer = await in_group.forge_press(panel, f"grp:tz:{group.id}:Mars.Olympus")
    assert answer["show_alert"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).timezone is None


async def test_known_areas_are_buttons_and_a_new_area_is_confirmed_first(pingan, emulator, make_user, admin):
    owner = make_user("Owner")
    chat_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id])
    other_id, _ = await _group_with_bot(emulator, pingan, admin_ids=[owner.user_id], title="Other")
    other = await pingan.services.groups.by_chat_id(other_id)
    await pingan.services.groups.change(other.id, admin.user_id, frozenset(), telegram_admin=True, area="North Gate")
    listing = await admin.ask("/groups")
    await admin.click(listing, text="Riverside B3")
    await admin.click(listing, text="Area")
    assert "North Gate" in button_texts(admin.current(listing))  # an area another group uses
    await admin.click(listing, text="North Gate")
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "North Gate"
    # Typed with another case: the known area, no question asked.
    group = await pingan.services.groups.by_chat_id(chat_id)
    reply = await admin.ask(f"/groups area {group.ref} north gate")
    assert reply["text"] == "Area set to “North Gate”."
    await admin.reply()  # the panel
    # A typo is a new area: "No" goes back to the list, and nothing was created.
    confirm = await admin.ask(f"/groups area {group.ref} Nroth Gate")
    await admin.click(confirm, text="No, choose from the list")
    assert "Which area is" in admin.current(confirm)["text"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "North Gate"
    # A confirmation is used once.
    confirm = await admin.ask(f"/groups area {group.ref} South Gate")
    await admin.click(confirm, text="Yes, create it")
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "South Gate"
    proposal = confirm["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert (await admin.forge_press(confirm, proposal))["show_alert"]
    # In the group, an ordinary member cannot confirm one.
    member = make_user("Member")
    emulator.add_member(chat_id, member.user_id)
    confirm = await owner.in_chat(chat_id).ask("/setup area West Gate")
    assert "没有权限" in (await member.in_chat(chat_id).click(confirm, text="是，新建"))["text"]
    assert (await pingan.services.groups.by_chat_id(chat_id)).area == "South Gate"
