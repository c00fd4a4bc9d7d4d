"""The follow-up visit after "referred" and "not a police matter" (issue 16): the reporter is not
asked whether the police solved it but what fits the outcome; a "no" tells the case's owner and
the supervisors and reopens nothing; the answer stays out of the "solved" figures, the rating
counts in the satisfaction."""

from __future__ import annotations

from datetime import timedelta

from storage.stats import StatsRepo
from tests.harness import button_texts

REFERRED, NOT_POLICE = "已转交其他部门", "不属于公安管辖"


async def _visit(team, clock, ref: str, outcome: str, text: str) -> tuple[dict, dict]:
    """The case resolved with `outcome`; three days on, the visit's question and its rating."""
    await team.resolve(ref, outcome=outcome, text=text)
    clock.advance(timedelta(days=3, minutes=1))
    await team.run_alarms()
    question = await team.resident.reply()
    while "⭐" in button_texts(question) or not button_texts(question):  # past the earlier news
        question = await team.resident.reply()
    return question, await team.resident.reply()


async def _case(team, ref):
    return await team.pingan.services.cases.by_ref(ref)


async def test_after_a_referral_the_visit_asks_whether_the_office_got_in_touch(team, clock):
    ref = await team.report()
    question, rating = await _visit(team, clock, ref, REFERRED, "Passed to the housing office, tel. 12345.")
    assert question["text"] == (f"A few days ago we passed your report {ref} on to the office responsible for it. "
                                "Has that office been in touch with you?")
    assert button_texts(question) == ["Yes, they have", "No, they have not"] and "solved" not in question["text"]
    assert rating["text"] == "How satisfied are you with how it was handled? (1 to 5 stars)"
    await team.resident.click(rating, text="⭐⭐")
    await team.resident.reply()  # the thanks, with the comment offer
    await team.resident.click(question, text="No, they have not")
    assert (await team.resident.reply())["text"] == ("Thank you for telling us. The officer in charge has been "
                                                    "told and will get back to you.")
    told = f"The reporter of {ref} says the office it was passed on to has not been in touch. /case {ref}"
    assert (await team.officer.reply())["text"] == told and (await team.supervisor.reply())["text"] == told
    case = await _case(team, ref)
    assert case.status == "closed"  # not reopened: the office it went to is the one to act
    followup = await team.pingan.services.followups.followup(case.id)
    assert (followup.helped_elsewhere, followup.solved, followup.stars) == (False, None, 2)
    assert button_texts(team.resident.current(question)) == []  # answered: its buttons are gone

    history = (await team.press(team.supervisor, ref, text="📜 记录"), await team.supervisor.reply())[1]
    assert "follow-up visit: answered whether the help elsewhere came" in history["text"]


async def test_the_figures_count_a_referrals_rating_but_not_its_answer_as_solved(team, clock, pingan):
    solved_ref = await team.report()
    question, rating = await _visit(team, clock, solved_ref, "已解决", "The battery was returned.")
    await team.resident.click(question, text="Yes, it is solved")
    await team.resident.click(rating, text="⭐⭐⭐⭐")
    referred_ref = await team.report()
    question, rating = await _visit(team, clock, referred_ref, REFERRED, "Passed to the water company.")
    await team.resident.click(question, text="No, they have not")
    await team.resident.click(rating, text="⭐⭐")
    figures = (await team.supervisor.ask("/stats month"))["text"]
    assert "Follow-up visits: 2 asked · 1 answered · solved: 1" in figures
    assert "Solved, of the answers: 100.0%" in figures  # the referral is no "not solved"
    assert "average 3.0 stars · rated by 2" in figures  # both ratings count
    stats = StatsRepo(pingan.services.db)
    rows = {r.ref: r for r in await stats.export_batch(None, None, None, 0, 10)}  # the CSV export's rows
    assert (rows[solved_ref].followup_solved, rows[solved_ref].followup_stars) == (True, 4)
    assert (rows[referred_ref].followup_solved, rows[referred_ref].followup_stars) == (None, 2)
    since = clock.now() - timedelta(days=30)
    assert await stats.not_solved_cases(since, clock.now() + timedelta(days=1), None) == []  # nor in the briefing


async def test_not_a_police_matter_asks_in_chinese_whether_they_know_where_to_turn(team, clock, pingan):
    ref = await team.report()
    await pingan.services.people.set_language(team.resident.user_id, "zh")
    question, rating = await _visit(team, clock, ref, NOT_POLICE, "Please ask the property office.")
    assert question["text"] == f"几天前我们告知您，您的报告 {ref} 不属于公安管辖。您现在知道该向哪里求助了吗？"
    assert button_texts(question) == ["知道了", "还不知道"] and "解决" not in question["text"]
    await team.resident.click(question, text="知道了")
    assert (await team.resident.reply())["text"] == "谢谢，很高兴听到这个消息。"
    case = await _case(team, ref)
    followup = await pingan.services.followups.followup(case.id)
    assert followup.helped_elsewhere is True and followup.solved is None and case.status == "closed"
    await team.resident.click(rating, text="⭐⭐⭐⭐")
    assert (await pingan.services.followups.followup(case.id)).stars == 4


async def test_not_a_police_matter_in_english_and_a_no_in_chinese_after_a_referral(team, clock, pingan):
    ref = await team.report()
    question, _rating = await _visit(team, clock, ref, NOT_POLICE, "Please ask the property office.")
    assert question["text"] == (f"A few days ago we told you that your report {ref} is not a matter for the "
                                "police. Do you know now where to turn with it?")
    await team.resident.click(question, text="No, I still do not know")
    await team.resident.reply()
    assert (await team.officer.reply())["text"] == (f"The reporter of {ref} still does not know where to turn "
                                                    f"with it (not a police matter). /case {ref}")

    other = await team.report()
    await pingan.services.people.set_language(team.resident.user_id, "zh")
    question, _rating = await _visit(team, clock, other, REFERRED, "Passed to the housing office.")
    assert question["text"] == f"几天前我们已将您的报告 {other} 转交给负责的部门。该部门联系过您了吗？"
    await team.resident.click(question, text="还没有联系")
    assert (await team.resident.reply())["text"] == "谢谢您告诉我们。负责的民警已经知道，会再联系您。"
    assert (await _case(team, other)).status == "closed"


async def test_a_visit_telegram_let_through_to_no_one_is_asked_again_later(team, clock, emulator):
    """A 5xx on the visit's first question is Telegram's failure, not the reporter's: the visit is
    tried again half an hour on (and not before), and the supervisors' spot check is not lost."""
    ref = await team.report()
    await team.resolve(ref, outcome="已解决", text="The battery was returned.")
    before = len(emulator.bot_messages(team.resident.chat_id))
    clock.advance(timedelta(days=3, minutes=1))
    emulator.fail_next("sendMessage", 502, chat_id=team.resident.chat_id)
    await team.run_alarms()
    assert not [m for m in emulator.bot_messages(team.resident.chat_id)[before:] if "⭐" in str(m)]
    clock.advance(timedelta(minutes=20))
    await team.run_alarms()
    assert not [m for m in emulator.bot_messages(team.resident.chat_id)[before:] if "⭐" in str(m)]
    clock.advance(timedelta(minutes=11))
    await team.run_alarms()
    asked = [m for m in emulator.bot_messages(team.resident.chat_id)[before:] if "solved" in (m.get("text") or "")]
    assert len(asked) == 1 and button_texts(asked[0]) == ["Yes, it is solved", "No, not yet"]
    ratings = [m for m in emulator.bot_messages(team.resident.chat_id)[before:] if "⭐" in str(m)]
    assert len(ratings) == 1
    history = [e.action for e in await team.pingan.services.cases.history((await _case(team, ref)).id,
                                                                          team.admin.user_id)]
    assert history.count("case.followup_asked") == 1 and history.count("case.followup_asked_again") == 1
