"""/library: admins edit the notice library by command; the edits are stored, audited, layered
over the config, used by schedules and previews, and rotation still gives every tip before any
repeats when tips are added or removed."""

from __future__ import annotations

from datetime import timedelta

from bot.config_notices import ScheduleContent, ScheduleTargets
from storage.models import Role
from tests.e2e.test_notices import FIRE, _notices, config, groups  # noqa: F401 - shared fixtures
from tests.harness import button_texts


async def _tips_in(emulator, chat_id) -> list[str]:
    return [m["text"].split("\n\n", 1)[1] for m in _notices(emulator, chat_id)]


async def test_rotation_with_tips_added_and_removed(pingan, admin, emulator, clock, groups):  # noqa: F811
    notices = pingan.services.notices
    for day in range(2):
        clock.set(FIRE + timedelta(days=day))
        await notices.run_due()
    assert await _tips_in(emulator, groups["en"]) == ["Tip 0 <script>", "Tip 1 <script>"]
    added = await admin.ask("/library tip loans 新提示：不要转账 | New tip: never transfer <money>")
    assert added["text"].startswith("Tip added to loans.")
    assert "New tip: never transfer <money>" in added["text"]  # the preview, escaped for HTML
    view = await admin.ask("/library tips loans")
    assert button_texts(view) == ["Remove tip 1", "Remove tip 2", "Remove tip 3", "Remove tip 4", "➕ Add a tip",
                                  "Back"]
    await admin.click(view, text="Remove tip 3")  # Tip 2
    await admin.click(view, text="Yes, remove it")
    assert "Tip 2" not in admin.current(view)["text"]
    for day in range(2, 5):
        clock.set(FIRE + timedelta(days=day))
        await notices.run_due()
    # The new tip before any repeat, then the rotation starts over; the removed tip never comes.
    assert await _tips_in(emulator, groups["en"]) == [
        "Tip 0 <script>", "Tip 1 <script>", "New tip: never transfer <money>", "Tip 0 <script>", "Tip 1 <script>"]
    assert (await _tips_in(emulator, groups["zh"]))[2] == "新提示：不要转账"
    actions = [r["action"] for r in await pingan.services.db.fetch_all("SELECT action FROM audit_log")]
    assert "notice.tip_added" in actions and "notice.tip_removed" in actions
    await pingan.restart()  # the edits are in the database, over the config
    assert [t.en for t in pingan.services.notices.texts.settings.themes["loans"].tips] == [
        "Tip 0 <script>", "Tip 1 <script>", "New tip: never transfer <money>"]


async def test_themes_templates_and_calendar(pingan, admin, make_user):
    reply = await admin.ask("/library theme elderly 针对老人的诈骗 | Scams on the elderly")
    assert reply["text"].startswith("Theme elderly added.")
    reply = await admin.ask("/library month 4 elderly")
    assert "no tips yet" in reply["text"]
    await admin.ask("/library tip elderly 保健品推销要警惕 | Beware of health-product sales talks")
    month = await admin.ask("/library month 4")
    await admin.click(month, text="Scams on the elderly")
    assert pingan.services.notices.texts.settings.theme_calendar[4] == "elderly"
    assert "Month 4: Scams on the elderly" in admin.current(month)["text"]
    preview = await admin.ask("/notice preview elderly")
    assert preview["text"] == "Anti-fraud reminder: Scams on the elderly\n\nBeware of health-product sales talks"
    # A patrol template's placeholders need values, as check-config requires.
    await pingan.services.notices.add_schedule(
        admin.user_id, frozenset({Role.ADMIN}), "0 21 * * *", ScheduleTargets(),
        ScheduleContent(patrol_template="night", params={"patrol_time": "21:00"}))
    refused = await admin.ask("/library template night {area}今晚{patrol_time}，{shift}班 | {area} tonight {shift}")
    assert "{shift} has no value in the schedule s-" in refused["text"]
    assert "You sent: {area}今晚{patrol_time}，{shift}班 | {area} tonight {shift}" in refused["text"]
    refused = await admin.ask("/library template night 今晚{area | tonight")
    assert "check the braces" in refused["text"]
    saved = await admin.ask("/library template night {area}今晚{patrol_time}加强巡逻 | {area}: extra patrols "
                            "tonight {patrol_time}")
    assert saved["text"].startswith("Patrol template night saved.")
    assert "your area: extra patrols tonight [patrol_time]" in saved["text"]
    overview = await admin.ask("/library")
    assert "elderly" in overview["text"] and "Month 4: Scams on the elderly" in overview["text"]
    actions = {r["action"] for r in await pingan.services.db.fetch_all("SELECT action FROM audit_log")}
    assert {"notice.theme_added", "notice.calendar_set", "notice.template_set"} <= actions
    # Residents and officers may not edit; forged presses are refused.
    resident = make_user("Resident", language_code="en")
    refusal = await resident.ask("/library tip loans a | b")
    assert "only administrators" in refusal["text"]
    answer = await resident.forge_press(refusal, "lib:1:rm:loans:0")
    assert "not allowed" in answer["text"]
    assert len(pingan.services.notices.texts.settings.themes["loans"].tips) == 3
    reply = await admin.ask("/library tip loans 只有中文")  # English groups get the Chinese
    assert reply["text"].startswith("Tip added to loans.")
    assert pingan.services.notices.texts.settings.themes["loans"].tips[-1].en == "只有中文"
    reply = await admin.ask("/library tip loans | only English")
    assert "Please give the Chinese text first" in reply["text"]


async def test_a_tip_typed_with_markup_characters_is_shown_exactly(pingan, admin):
    added = await admin.ask("/library tip loans <b>提示 & 更多 | <b>Tip & more</b>")
    assert added["text"].startswith("Tip added to loans.") and "<b>Tip & more</b>" in added["text"]
    view = await admin.ask("/library tips loans")
    assert "<b>提示 & 更多\n    <b>Tip & more</b>" in view["text"]
    refused = await admin.ask("/library tip nothing <b>a | b & c")
    assert "You sent: <b>a | b & c" in refused["text"]
