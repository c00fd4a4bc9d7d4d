"""Figures for staff (/stats) and the weekly briefing in the staff chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import gettext_in
from tests.conftest import STAFF_CHAT_ID
from tests.flows import join_group, submit, walk_dispute, walk_incident
from tests.harness import button_texts


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
    assert "Disputes screened: 1 · settled by mediation: 1 (100.0%) · mediation failed: 0" in text
    assert "Resolved: 2, within the time limit: 2 (100.0%) · rejected: 0 · still open: 1" in text
    assert "Follow-up visits: 2 asked · 1 answered · solved: 1" in text
    assert "Satisfaction: 100.0% gave 4 or 5 stars · average 4.0 stars · rated by 1" in text
    print(text)
    assert "Most reported: Theft 2 · Neighbours: noise 1" in text
    assert "Open now: 1 · overdue: 1" in text  # not accepted within 24 h
    assert "This month" in button_texts(figures) and not any(b.startswith("My area") for b in button_texts(figures))

    # The officer's beat adds an area button; pressing it counts that area alone.
    await pingan.services.people.set_own_area(team.officer.user_id, "Riverside")
    figures = await team.officer.ask("/stats month")
    assert figures["text"].startswith("📊 Figures: this month")
    await team.officer.click(figures, text="My area: Riverside")
    mine = team.officer.current(figures)["text"]
    assert "Riverside" in mine and "Reports received: 1 (incidents 1, disputes 0)" in mine
    await team.officer.click(team.officer.current(figures), text="This year")
    assert "All areas" in button_texts(team.officer.current(figures))
    assert team.officer.current(figures)["text"].startswith("📊 Figures: this year")


async def test_figures_are_staff_only_and_stay_out_of_residents_groups(team, emulator):
    refused = await team.resident.ask("/stats")
    assert refused["text"] == "Sorry, only staff can see the figures."
    forged = await team.resident.forge_press(refused, "st:1:show:year:all")  # a modified client's press
    assert forged["text"] == "Sorry, only staff can see the figures."
    in_group = await (await join_group(team.officer, "Sunny Garden homeowners")).ask("/stats")  # group's language
    assert in_group["text"] == gettext_in("zh", "Figures are shown in a private chat with me or in the staff chat.")
    in_staff_chat = await team.officer.in_chat(STAFF_CHAT_ID).ask("/stats")
    assert in_staff_chat["text"].startswith("📊 ")  # the staff chat's language (zh)
    wrong = await team.officer.ask("/stats decade")
    assert wrong["text"] == "Please choose a period: /stats week, /stats month or /stats year."


async def test_the_weekly_briefing_is_posted_once_per_week(team, clock, pingan):
    from bot.jobs import BRIEFING_JOB

    pingan.services.config.briefing.enabled = True
    title = gettext_in("zh", "📊 Weekly briefing: last week")

    def briefings():
        return [m for m in team.emulator.bot_messages(STAFF_CHAT_ID) if m["text"].startswith(title)]

    async def run_job():
        app = pingan.bot.application  # a new one after a restart
        await app.job_queue.get_jobs_by_name(BRIEFING_JOB)[0].run(app)

    clock.advance(timedelta(days=7))  # Monday 9 March: a report that week
    await team.report()
    clock.set(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))  # the next Monday, 09:00 in Asia/Shanghai
    await run_job()
    posted = briefings()
    assert len(posted) == 1
    received = gettext_in("zh", "Reports received: {total} (incidents {incidents}, disputes {disputes})")
    assert "2026-03-09 – 2026-03-15" in posted[0]["text"]
    assert received.format(total=1, incidents=1, disputes=0) in posted[0]["text"]
    await run_job()
    await pingan.restart()
    await run_job()
    assert len(briefings()) == 1  # once, restarts included
    clock.advance(timedelta(days=7, hours=13))  # the bot was down past the grace: skipped, not late
    await run_job()
    assert len(briefings()) == 1
    clock.advance(timedelta(days=7) - timedelta(hours=13))  # the next Monday, on time
    await run_job()
    assert len(briefings()) == 2
