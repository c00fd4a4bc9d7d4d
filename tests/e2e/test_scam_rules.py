"""/scamrules as officers meet it: the types in use, adding a new signal through the dialogue (a
wrong answer, a restart and Back on the way, a preview of the checks kept it would have matched),
the addition used by the next check, its removal, and who may do what."""

from __future__ import annotations

from handlers.scam_rules import ScamRulesButton
from tests.harness import button_texts

CUSTOMS = "您好，您的国际包裹被海关扣留，需缴纳关税清关费后才能放行，请联系专员处理。"


async def test_an_officer_adds_a_signal_with_a_preview_and_removes_it(pingan, team, make_user):
    resident = make_user("王阿姨")
    first = await resident.ask(f"/check {CUSTOMS}")
    assert first["text"].splitlines()[0] == "✅ 没有发现已知的诈骗特征。拿不准就打 96110。"
    officer = team.officer

    overview = await officer.ask("/scamrules")
    assert overview["text"].splitlines()[0] == "The scam rules in use"
    assert "Fake police, procurators or courts" in overview["text"] and "Nothing has been added" in overview["text"]
    assert button_texts(overview) == ["➕ Add a phrase or signal"]
    await officer.click(overview, text="➕ Add a phrase or signal")
    kinds = await officer.reply()
    assert kinds["text"].startswith("Which kind of fraud is it?")
    await officer.click(kinds, text="Fake shop or courier customer service")
    signals = await officer.reply()
    assert "claims to be shop or courier customer service" in button_texts(signals)
    await officer.click(signals, text="➕ A new signal")
    await officer.reply()  # the phrase
    again = await officer.ask("清")
    assert again["text"].startswith("A phrase needs at least two letters")
    await pingan.restart()
    meaning = await officer.ask("清关费")
    assert meaning["text"].startswith("What does the new signal mean")
    assert (await officer.ask("asks for a customs fee"))["text"].startswith("Please give the meaning in both")
    weight = await officer.ask("要交“清关费” | asks for a customs fee")
    await officer.click(weight, text="3")
    preview = await officer.reply()
    assert preview["text"].startswith("Add “清关费” to Fake shop or courier customer service — asks for a customs fee?")
    assert "Of the 1 check kept, it appears in 1; 1 of them would now be named as this type." in preview["text"]
    assert "您的国际包裹被海关扣留" in preview["text"]
    await officer.click(preview, text="Back")
    await officer.click(await officer.reply(), text="3")
    saved = await officer.click(await officer.reply(), text="✅ Save")
    assert saved["text"] == "Saved."
    assert (await officer.reply())["text"].startswith("Added (#1).")

    second = await resident.ask(f"/check {CUSTOMS}")
    assert second["text"].splitlines()[0] == "⚠️ 很可能是诈骗：冒充电商物流客服"
    assert "要交“清关费”：“清关费”" in second["text"]

    overview = await officer.ask("/scamrules")
    added = "#1 Fake shop or courier customer service: new signal “asks for a customs fee” (weight 3)"
    assert added in overview["text"]
    await officer.click(overview, text="🗑 Remove an addition")
    listing = await officer.reply()
    removed = await officer.click(listing, text="🗑 #1 清关费")
    assert removed["text"] == "Removed."
    assert officer.current(listing)["text"].startswith("Removed #1 “清关费”.")
    third = await resident.ask(f"/check {CUSTOMS}")
    assert third["text"].splitlines()[0] == "✅ 没有发现已知的诈骗特征。拿不准就打 96110。"


async def test_cancel_ends_the_addition_and_nothing_is_saved(pingan, team):
    officer = team.officer
    await officer.click(await officer.ask("/scamrules"), text="➕ Add a phrase or signal")
    kinds = await officer.reply()
    assert (await officer.ask("刷单"))["text"] == "Please choose with the buttons above, or send /cancel."
    await officer.click(kinds, text="Fake police, procurators or courts")
    await officer.click(await officer.reply(), text="asks you to move money to a \"safe account\"")
    await officer.reply()
    assert (await officer.ask("/cancel"))["text"] == "Cancelled: nothing was saved."
    assert await pingan.services.scam_rules.added() == []


async def test_residents_may_not_see_and_mediators_may_not_change_the_rules(pingan, team, make_user):
    resident = make_user("王阿姨")
    assert (await resident.ask("/scamrules"))["text"] == "抱歉，只有工作人员可以查看反诈规则。"
    overview = await team.mediator.ask("/scamrules")
    assert "The scam rules in use" in overview["text"] and button_texts(overview) == []
    refused = await team.mediator.forge_press(overview, ScamRulesButton("add").pack())
    assert refused["text"] == "Sorry, only officers, supervisors and administrators can change the scam rules."
    assert not team.mediator.pending_replies()
