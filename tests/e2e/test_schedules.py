"""/schedules, the add-a-schedule dialogue, pause / resume / delete and /notice preview, driven as
an administrator does; residents and forged presses are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.dialogues import DialogueName
from handlers.schedule_prompts import NewScheduleButton
from storage.audit import AuditRepo
from storage.models import Role
from tests.e2e.test_notices import FIRE, _notices, config, groups  # noqa: F401 - shared fixtures
from tests.harness import button_texts

ADMIN = frozenset({Role.ADMIN})


async def _added(pingan):
    """The one schedule added by command."""
    [schedule] = [s for s in await pingan.services.notices.schedules() if s.source == "command"]
    return schedule


async def test_schedules_lists_next_three_runs(pingan, admin):
    listing = await admin.ask("/schedules")
    text = listing["text"]
    assert "1. Anti-fraud tips, rotating through “Loan scams”" in text and "active, from the config file" in text
    assert "When: Every day at 10:00 (Asia/Shanghai)" in text
    assert "Next runs: 2 Mar 10:00, 3 Mar 10:00, 4 Mar 10:00" in text
    assert "morning-tips" not in text and "0 10 * * *" not in text  # no internal ids, no raw cron
    assert button_texts(listing) == ["⏸ Pause 1", "📨 Try 1", "🗑 Delete 1", "Add a schedule"]


async def test_residents_cannot_manage_schedules(pingan, admin, make_user):
    resident = make_user("Resident", language_code="en")
    for command in ("/schedules", "/notice preview", "/schedules add"):
        assert "only officers and administrators" in (await resident.ask(command))["text"]
    listing = await admin.ask("/schedules")
    answer = await resident.forge_press(listing, "sch:1:pause:morning-tips")
    assert "not allowed" in answer["text"]
    assert not (await pingan.services.notices.schedule("morning-tips")).paused


async def test_add_a_nightly_patrol_for_an_areas_homeowners_groups(pingan, admin, emulator, clock, groups):  # noqa: F811
    listing = await admin.ask("/schedules")
    await admin.click(listing, text="Add a schedule")
    what = await admin.reply()
    assert "Patrol notice: night" in button_texts(what)
    await admin.click(what, text="Patrol notice: night")
    ask_param = await admin.reply()
    assert ask_param["text"].startswith("When is the patrol? For example: 21:00–02:00.")
    when = await admin.ask("21:00-02:00")
    await admin.click(when, text="Custom (cron)")
    await admin.reply()
    wrong = await admin.ask("every night")
    assert "not a valid cron expression" in wrong["text"]
    kinds = await admin.ask("0 21 * * *")
    await admin.click(kinds, text="homeowners' / building group")
    assert "✅ homeowners' / building group" in button_texts(admin.current(kinds))
    await admin.click(kinds, text="Done")
    await admin.reply()  # which areas?
    preview = await admin.ask("Riverside")
    assert "Next runs: 2 Mar 21:00, 3 Mar 21:00, 4 Mar 21:00" in preview["text"]
    assert "your area: patrol tonight 21:00-02:00, duty phone 0851-110" in preview["text"]
    await admin.click(preview, text="Save")
    saved = await admin.reply()
    assert saved["text"].startswith("Schedule saved: Every day at 21:00. Next runs: 2 Mar 21:00")
    schedule = await _added(pingan)
    assert schedule.targets == {"kinds": ["homeowners"], "areas": ["Riverside"]}
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai
    await pingan.services.notices.run_due()
    texts = [m["text"] for m in _notices(emulator, groups["en"])]
    assert "Patrol notice\n\nRiverside: patrol tonight 21:00-02:00, duty phone 0851-110" in texts
    assert any("今晚21:00-02:00巡逻" in m["text"] for m in _notices(emulator, groups["zh"]))
    assert not any("巡逻" in m["text"] for m in _notices(emulator, groups["other_area"]))


async def test_pause_resume_and_delete_with_buttons(pingan, admin):
    listing = await admin.ask("/schedules")
    answer = await admin.click(listing, text="⏸ Pause 1")
    assert answer["text"] == "Schedule 1 paused."
    assert (await pingan.services.notices.schedule("morning-tips")).paused
    assert "1. Anti-fraud tips" in admin.current(listing)["text"]
    assert "paused, from the config file" in admin.current(listing)["text"]
    assert "▶️ Resume 1" in button_texts(admin.current(listing))
    await admin.click(listing, text="▶️ Resume 1")
    assert not (await pingan.services.notices.schedule("morning-tips")).paused
    await admin.click(listing, text="🗑 Delete 1")
    question = admin.current(listing)
    assert question["text"].startswith("Delete schedule 1? Notices already sent stay sent.\nAnti-fraud tips")
    assert button_texts(question) == ["Yes, delete it", "No, keep it"]
    await admin.click(listing, text="Yes, delete it")
    assert await pingan.services.notices.schedule("morning-tips") is None
    reply = await admin.ask("/schedules pause 1")
    assert reply["text"] == "There is no schedule 1. Send /schedules to see the list."


async def test_typed_forms_take_the_number_in_the_list_or_a_config_id(pingan, admin):
    assert (await admin.ask("/schedules pause 1"))["text"] == "Schedule 1 paused."
    assert (await pingan.services.notices.schedule("morning-tips")).paused
    assert (await admin.ask("/schedules resume morning-tips"))["text"] == (
        "Schedule 1 resumed: it runs again from now on.")
    assert (await admin.ask("/schedules delete 7"))["text"] == (
        "There is no schedule 7. Send /schedules to see the list.")


async def test_a_pressed_button_for_a_schedule_deleted_meanwhile_says_so(pingan, admin):
    listing = await admin.ask("/schedules")
    await pingan.services.notices.delete_schedule(ADMIN, "morning-tips")
    answer = await admin.click(listing, text="⏸ Pause 1")
    assert answer["text"] == "That schedule is no longer there. Send /schedules to see the list."
    assert "There are no notice schedules yet." in admin.current(listing)["text"]


async def test_cancel_the_dialogue_keeps_nothing(pingan, admin):
    await admin.send("/schedules add")
    what = await admin.reply()
    await admin.click(what, text="Tips: Loan scams")
    await admin.reply()  # when?
    reply = await admin.ask("/cancel")
    assert reply["text"] == "Cancelled: nothing was saved."
    assert [s.id for s in await pingan.services.notices.schedules()] == ["morning-tips"]


async def test_notice_preview(pingan, admin):
    reply = await admin.ask("/notice preview")
    assert reply["text"] == "Anti-fraud reminder: Loan scams\n\nTip 0 <script>"
    reply = await admin.ask("/notice preview night")
    assert "your area: patrol tonight [patrol_time], duty phone 0851-110" in reply["text"]
    reply = await admin.ask("/notice preview nothing")
    assert "Available: loans, night" in reply["text"]


async def test_the_dialogue_survives_a_restart(pingan, admin, clock):
    await admin.send("/schedules add")
    what = await admin.reply()
    await admin.click(what, text="Tips: Loan scams")
    when = await admin.reply()
    await admin.click(when, text="Custom (cron)")
    await admin.reply()
    await pingan.restart()
    kinds = await admin.ask("30 20 * * 5")  # the answer typed after the restart goes on
    await admin.click(kinds, text="Done" if "Done" in button_texts(kinds) else "All kinds")
    areas = await admin.reply()
    await admin.click(areas, text="All areas")
    preview = await admin.reply()
    assert "Tips: Loan scams" not in preview["text"] and "Anti-fraud tips" in preview["text"]
    await pingan.restart()
    await admin.click(preview, text="Save")
    saved = await admin.reply()
    assert saved["text"].startswith("Schedule saved: Every Friday at 20:30.")
    schedule = await _added(pingan)
    assert schedule.cron == "30 20 * * 5" and schedule.content == {"theme": "loans", "params": {},
                                                                    "patrol_template": None,
                                                                    "theme_calendar": False}


async def test_a_draft_left_too_long_is_dropped_politely(pingan, admin, clock):
    await admin.send("/schedules add")
    what = await admin.reply()
    clock.advance(timedelta(minutes=16))
    answer = await admin.click(what, text="Tips: Loan scams")
    assert not answer.get("show_alert")
    assert "no answer for a while" in (await admin.reply())["text"]
    assert await pingan.services.dialogues.get(admin.user_id, DialogueName.SCHEDULE) is None


async def test_values_typed_in_the_dialogue_are_shown_exactly_and_back_asks_again(pingan, admin, groups):  # noqa: F811
    await admin.send("/schedules add")
    what = await admin.reply()
    assert button_texts(what)[-1] == "Cancel"  # the first question: no Back
    await admin.click(what, text="Patrol notice: night")
    await admin.reply()  # the placeholder's value?
    when = await admin.ask("<b>21:00 & later")
    assert button_texts(when)[-2:] == ["Back", "Cancel"]
    await admin.click(when, text="Back")
    again = await admin.reply()
    assert again["text"].startswith("When is the patrol?")
    stale = await admin.forge_press(what, NewScheduleButton("tpl", "night").pack())
    assert "already answered" in stale["text"]
    when = await admin.ask("<b>21:00 & later")
    await admin.click(when, text="Every day at 21:00")
    kinds = await admin.reply()
    await admin.click(kinds, text="All kinds")
    await admin.reply()  # which areas?
    preview = await admin.ask("<i>Riverside</i> & Hill")
    assert "Groups: all kinds of group; <i>Riverside</i> & Hill" in preview["text"]
    assert "your area: patrol tonight <b>21:00 & later, duty phone 0851-110" in preview["text"]
    await admin.click(preview, text="Save")
    await admin.reply()  # saved
    listing = await admin.ask("/schedules")
    assert "Patrol notice “night” (<b>21:00 & later)" in listing["text"]
    assert "all kinds of group; <i>Riverside</i> & Hill" in listing["text"]


async def test_the_cancel_button_on_a_question_keeps_nothing(pingan, admin):
    await admin.send("/schedules add")
    what = await admin.reply()
    await admin.click(what, text="Tips: Loan scams")
    when = await admin.reply()
    answer = await admin.click(when, text="Cancel")
    assert answer["text"] == "Cancelled: nothing was saved."
    assert button_texts(admin.current(when)) == []
    assert await pingan.services.dialogues.get(admin.user_id, DialogueName.SCHEDULE) is None


async def test_try_a_schedule_sends_to_one_group_now_outside_the_rotation(pingan, admin, emulator, clock, groups):  # noqa: F811
    listing = await admin.ask("/schedules")
    await admin.click(listing, text="📨 Try 1")
    picker = admin.current(listing)
    assert picker["text"].startswith("Try this schedule: which group should get its notice now?")
    assert button_texts(picker) == ["Riverside 1", "Riverside 2", "Back to the list"]  # the groups it reaches
    answer = await admin.click(listing, text="Riverside 2")
    assert answer["text"] == "Sent as a try."
    assert admin.current(listing)["text"] == ("Sent to “Riverside 2” now, as a try. The schedule's own runs and its "
                                              "tip rotation are unchanged.")
    tried = [m["text"] for m in _notices(emulator, groups["en"])]
    assert tried == ["Anti-fraud reminder: Loan scams\n\nTip 0 <script>"]
    assert _notices(emulator, groups["zh"]) == []
    [entry] = await AuditRepo(pingan.services.db).entries(subject_type="schedule", subject_id="morning-tips")
    assert entry.action == "notice.tried" and entry.actor_id == admin.user_id
    # The schedule's own run sends what it would have: the same first tip, to both groups.
    clock.set(FIRE)
    await pingan.services.notices.run_due()
    assert [m["text"].split("\n\n")[1] for m in _notices(emulator, groups["en"])] == ["Tip 0 <script>"] * 2
    assert len(_notices(emulator, groups["zh"])) == 1
    await admin.click(listing, text="Back to the list")
    assert "Notice schedules (1):" in admin.current(listing)["text"]


async def test_a_try_refused_to_residents_and_for_a_vanished_schedule(pingan, admin, make_user, emulator, groups):  # noqa: F811
    resident = make_user("Resident", language_code="en")
    listing = await admin.ask("/schedules")
    group = (await pingan.services.groups.by_chat_id(groups["en"])).id
    refusal = await resident.ask("/schedules")
    answer = await resident.forge_press(refusal, f"schtry:1:morning-tips:{group}")
    assert "not allowed" in answer["text"]
    answer = await admin.forge_press(listing, f"schtry:1:no-such-schedule:{group}")
    assert "no longer there" in answer["text"]
    assert _notices(emulator, groups["en"]) == []


async def test_a_sticker_in_the_dialogue_is_asked_for_again_and_nothing_is_lost(pingan, admin):
    await admin.send("/schedules add")
    what = await admin.reply()
    await admin.click(what, text="Tips: Loan scams")
    when = await admin.reply()
    pointed = await admin.ask(None, sticker=True)
    assert pointed["text"] == "Please choose with the buttons above, or send /cancel."
    await admin.click(when, text="Custom (cron)")
    await admin.reply()
    again = await admin.ask(None, sticker=True)
    assert again["text"].startswith("Please send the text as a message.\n\nSend a cron expression with 5 fields")
    kinds = await admin.ask("30 20 * * 5")
    assert kinds["text"].startswith("Which kinds of group should get it?")
    draft = await pingan.services.dialogues.get(admin.user_id, DialogueName.SCHEDULE)
    assert draft.data["content"] == {"theme": "loans"} and draft.data["cron"] == "30 20 * * 5"
