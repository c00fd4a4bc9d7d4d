"""Figures for staff (/stats) and the weekly briefing in the staff chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import gettext_in
from storage.models import Role
from tests.conftest import STAFF_CHAT_ID
from tests.flows import join_group, submit, walk_dispute, walk_incident
from tests.harness import button_texts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def report_dispute(resident) -> str:
    await walk_dispute(resident)
    await resident.ask(None, contact={"phone_number": "+86 139 0013 9000", "first_name": "Alice"})
    return await submit(resident, await resident.reply())


async def test_staff_see_the_period_and_area_figures(team, clock, pingan, make_user):
    pingan.services.config.reports.areas.append("Riverside")
    theft = await submit(team.resident, await walk_incident(team.resident, where_button="Riverside",
                                                            phone="138 0013 8000"))
    await team.report()  # a second incident, no area
    dispute = await report_dispute(make_user("Bob", language_code="en"))
    await team.resolve(theft)
    await team.resolve(dispute, outcome="调解成功，达成协议", text="Both sides agreed to quiet hours.")
    clock.advance(timedelta(days=3, minutes=1))  # the follow-up visit of the theft
    await team.run_alarms()
    question = await team.resident.reply()
    while not question["text"].startswith("A few days ago"):  # past the accepted / resolved messages
        question = await team.resident.reply()
    await team.resident.click(await team.resident.reply(), text="⭐⭐⭐⭐")
    await team.resident.reply()
    await team.resident.click(question, text="Yes, it is solved")

    figures = await team.officer.ask("/stats")
    text = figures["text"]
    assert text.startswith("📊 Figures: this week")
    assert "Reports received: 3 (incidents 2, disputes 1)" in text
    assert "Compared: 3 · before: 0 · a year before: 0" in text
    assert "Disputes screened: 1 · settled by mediation: 1 (100.0%) · mediation failed: 0" in text
    assert "Resolved: 2, within the time limit: 2 (100.0%) · rejected: 0 · still open: 1" in text
    assert "Follow-up visits: 2 asked · 1 answered · solved: 1" in text
    assert "Satisfaction: 100.0% gave 4 or 5 stars · average 4.0 stars · rated by 1" in text
    assert "By category:\n  Theft: 2 · before: 0 · a year before: 0\n  Neighbours: noise: 1" in text
    assert "Resolved by outcome: Resolved 1 · Mediated, with an agreement 1" in text
    assert "Open now: 1 · overdue: 1" in text  # not accepted within 24 h
    assert "Workload" not in text  # supervisors' only
    buttons = button_texts(figures)
    assert "• This week" in buttons and "Last quarter" in buttons and "📈 Charts" in buttons
    assert not any(b.startswith(("My area", "📍")) for b in buttons)

    # With a beat, an officer starts with it; All areas is one press away.
    await pingan.services.people.set_own_area(team.officer.user_id, "Riverside")
    mine = await team.officer.ask("/stats month")
    assert mine["text"].startswith("📊 Figures: this month") and "· Riverside" in mine["text"]
    assert "Reports received: 1 (incidents 1, disputes 0)" in mine["text"]
    await team.officer.click(mine, text="All areas")
    assert "Reports received: 3 (incidents 2, disputes 1)" in team.officer.current(mine)["text"]
    await team.officer.click(team.officer.current(mine), text="Last year")
    assert team.officer.current(mine)["text"].startswith("📊 Figures: last year")
    assert "My area: Riverside" in button_texts(team.officer.current(mine))

    # A typed range, compared with as many days before and the same days a year before.
    ranged = await team.officer.ask("/stats 2026-03-01..2026-03-31")
    assert ranged["text"].startswith("📊 Figures: 1 – 31 Mar 2026")
    assert "(29 Jan – 28 Feb 2026) and a year before (1 – 31 Mar 2025)" in ranged["text"]


async def test_supervisors_see_the_workload_and_choose_any_area_from_pages(team, pingan):
    areas = [f"Block {n}" for n in range(1, 11)]
    pingan.services.config.reports.areas.extend(areas)
    ref = await team.report()
    await team.resolve(ref)
    figures = await team.supervisor.ask("/stats")
    assert "Workload (open · overdue · resolved in the period):\n  Wang: 0 · 0 · 1" in figures["text"]
    await team.supervisor.click(figures, text="📍 Choose an area")
    picker = team.supervisor.current(figures)
    assert picker["text"] == "Which area? (page 1 of 2)"
    assert "Block 8" in button_texts(picker) and "Block 9" not in button_texts(picker)
    await team.supervisor.click(picker, text="Next ▶")
    page_two = team.supervisor.current(figures)
    assert page_two["text"] == "Which area? (page 2 of 2)" and "Block 10" in button_texts(page_two)
    await team.supervisor.click(page_two, text="Block 10")
    chosen = team.supervisor.current(figures)
    assert "· Block 10" in chosen["text"] and "Reports received: 0 (incidents 0, disputes 0)" in chosen["text"]
    # An officer's modified client asking for the picker, or another area, is refused.
    officer_view = await team.officer.ask("/stats")
    refused = await team.officer.forge_press(officer_view, "st:1:areas:week:all:1")
    assert refused["text"] == "Sorry, only supervisors and admins can choose other areas."
    chosen_data = next(b["callback_data"] for row in page_two["reply_markup"]["inline_keyboard"] for b in row
                       if b["text"] == "Block 10")
    expired = await team.officer.forge_press(officer_view, chosen_data)
    assert expired["text"] == "This button has expired. Please send /stats again."


async def test_the_charts_come_as_an_album_of_pngs(team, emulator):
    await team.report()
    figures = await team.officer.ask("/stats month")
    answer = await team.officer.click(figures, text="📈 Charts")
    assert answer["text"] == "Drawing the charts…"
    album = [await team.officer.reply(timeout=20) for _ in range(4)]
    assert all("photo" in photo for photo in album)
    assert album[0]["caption"].startswith("📈 Charts: ") and album[0]["caption"].endswith("· all areas")
    assert len({photo["media_group_id"] for photo in album}) == 1
    for photo in album:
        assert emulator.file_bytes(photo["photo"][-1]["file_id"]).startswith(PNG_SIGNATURE)


async def test_figures_are_staff_only_and_stay_out_of_residents_groups(team, make_user, pingan):
    refused = await team.resident.ask("/stats")
    assert refused["text"] == "Sorry, only staff can see the figures."
    forged = await team.resident.forge_press(refused, "st:1:show:year:all")  # a modified client's press
    assert forged["text"] == "Sorry, only staff can see the figures."
    steward = make_user("Steward Zhou", language_code="en")
    await pingan.services.people.grant_by_system(steward.user_id, Role.STEWARD, via="test")
    assert (await steward.ask("/stats"))["text"] == "Sorry, only staff can see the figures."
    assert (await steward.forge_press(refused, "st:1:charts:month:all"))["text"] == \
        "Sorry, only staff can see the figures."
    in_group = await (await join_group(team.officer, "Sunny Garden homeowners")).ask("/stats")  # group's language
    assert in_group["text"] == gettext_in("zh", "Figures are shown in a private chat with me or in the staff chat.")
    in_staff_chat = await team.officer.in_chat(STAFF_CHAT_ID).ask("/stats 上月")
    assert in_staff_chat["text"].startswith("📊 数据统计：上月")  # the staff chat's language (zh)
    assert "上期：" in in_staff_chat["text"] and "去年同期：" in in_staff_chat["text"]
    wrong = await team.officer.ask("/stats decade")
    assert wrong["text"] == ("Please choose a period: /stats week, last week, month, last month, quarter, "
                             "last quarter, year, last year, or a range of days like /stats 2026-10-01..2026-10-31.")
    backwards = await team.officer.ask("/stats 2026-10-31..2026-10-01")
    assert backwards["text"].startswith("That range ends before it begins.")


async def test_the_weekly_briefing_is_posted_once_per_week_with_its_chart(team, clock, pingan, emulator):
    from bot.jobs import BRIEFING_JOB

    pingan.services.config.briefing.enabled = True
    title = gettext_in("zh", "📊 Weekly briefing: last week")

    def briefings():
        return [m for m in team.emulator.bot_messages(STAFF_CHAT_ID) if (m.get("text") or "").startswith(title)]

    def charts():
        return [m for m in team.emulator.bot_messages(STAFF_CHAT_ID) if "photo" in m]

    async def run_job():
        app = pingan.bot.application  # a new one after a restart
        await app.job_queue.get_jobs_by_name(BRIEFING_JOB)[0].run(app)

    clock.advance(timedelta(days=7))  # Monday 9 March: a report that week, never accepted
    ref = await team.report()
    await team.resident.ask("/check 把钱转到安全账户，此事保密不要告诉家人，我是公安局的警官")
    clock.set(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))  # the next Monday, 09:00 in Asia/Shanghai
    await run_job()
    posted = briefings()
    assert len(posted) == 1
    received = gettext_in("zh", "Reports received: {total} (incidents {incidents}, disputes {disputes})")
    assert "2026年3月9日 – 15日" in posted[0]["text"]
    assert received.format(total=1, incidents=1, disputes=0) in posted[0]["text"]
    assert "上期：0 · 去年同期：0" in posted[0]["text"]
    assert f"{ref} · " in posted[0]["text"] and "承办人：暂无" in posted[0]["text"]  # overdue, with its owner
    assert "反诈查询：1 次 · 符合已知诈骗手法 1 次（100.0%）" in posted[0]["text"]  # the features' figures too
    assert len(charts()) == 1
    assert emulator.file_bytes(charts()[0]["photo"][-1]["file_id"]).startswith(PNG_SIGNATURE)
    await run_job()
    await pingan.restart()
    await run_job()
    assert len(briefings()) == 1 and len(charts()) == 1  # once, restarts included
    clock.advance(timedelta(days=7, hours=13))  # the bot was down past the grace: skipped, not late
    await run_job()
    assert len(briefings()) == 1
    clock.advance(timedelta(days=7) - timedelta(hours=13))  # the next Monday, on time
    await run_job()
    assert len(briefings()) == 2 and len(charts()) == 2


async def test_the_briefing_names_cases_whose_follow_up_said_not_solved(team, clock, pingan):
    from bot.jobs import BRIEFING_JOB

    pingan.services.config.briefing.enabled = True
    clock.set(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # Monday 9 March, 09:00
    ref = await team.report()
    await team.resolve(ref)
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    question = await team.resident.reply()
    while not question["text"].startswith("A few days ago"):
        question = await team.resident.reply()
    await team.resident.click(question, text="No, not yet")
    clock.set(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))
    app = pingan.bot.application
    await app.job_queue.get_jobs_by_name(BRIEFING_JOB)[0].run(app)
    text = next(m["text"] for m in team.emulator.bot_messages(STAFF_CHAT_ID)
                if (m.get("text") or "").startswith(gettext_in("zh", "📊 Weekly briefing: last week")))
    assert "回访表示“未解决”：1 件" in text and f"{ref} · " in text and "承办人：Wang" in text
