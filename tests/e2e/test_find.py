"""/find as staff use it: a Chinese word from the middle of a description, filters, pages, and
nobody else."""

from __future__ import annotations

from tests.flows import REF, submit, walk_incident
from tests.harness import button_texts


async def _stored_report(pingan, resident, description):
    """A report stored as the dialogue would store it, without walking it (for lists of many)."""
    services = pingan.services
    await services.people.register_contact(resident.user_id, resident.user["first_name"], None, "en")
    draft = await services.intake.start_report(resident.user_id, None, "incident", category="theft")
    draft = await services.dialogues.save(draft, data={
        **draft.data, "urgent": False, "description": description, "where": {}, "when": {"kind": "today"},
        "contact": {"anonymous": True, "phone": None}})
    await services.reports.submit(draft, "en")


async def _report(resident, description, *, where_button=None):
    review = await walk_incident(resident, description=description, where_button=where_button, phone="138 0013 8000")
    return await submit(resident, review)


async def test_a_two_character_word_in_the_middle_of_a_description_finds_the_case(team):
    ref = await _report(team.resident, "昨晚我停在楼下的电瓶车被人偷走了，锁也被剪断。")
    other = await _report(team.resident, "Someone keeps ringing the doorbell at night.")
    found = await team.officer.ask("/find 电瓶")
    assert found["text"].startswith("1 case matches “电瓶”")
    assert ref.replace("-", "_") in found["text"] and other.replace("-", "_") not in found["text"]
    assert "剪断" not in found["text"]  # rows name the case, not the resident's words
    assert REF.search((await team.officer.ask("/find doorbell"))["text"].replace("_", "-")).group(0) == other
    assert (await team.officer.ask("/find 电瓶 status:closed"))["text"].startswith("No case matches")
    assert (await team.officer.ask(f"/find {ref}"))["text"].startswith("1 case matches")


async def test_results_are_paged(team, pingan):
    pingan.config.reports.max_per_hour = 100
    for n in range(12):
        await _stored_report(pingan, team.resident, f"Broken street lamp number {n}")
    first = await team.officer.ask("/find lamp")
    assert first["text"].startswith("12 cases match “lamp” (page 1 of 2)")
    assert button_texts(first) == ["Next »"]
    await team.officer.click(first, text="Next »")
    second = team.officer.current(first)
    assert "(page 2 of 2)" in second["text"] and button_texts(second) == ["« Previous"]
    assert second["text"].count("/case_") == 2


async def test_a_filter_that_cannot_be_read_is_explained(team):
    answer = await team.officer.ask("/find lamp grade:purple")
    assert answer["text"].startswith("I could not read “grade:purple”.") and "since:<date>" in answer["text"]


async def test_residents_cannot_search(team):
    assert "only staff" in (await team.resident.ask("/find lamp"))["text"]


async def test_cases_counts_every_open_case_and_pages_through_the_rest(team, pingan):
    pingan.config.reports.max_per_hour = 100
    for n in range(16):
        await _stored_report(pingan, team.resident, f"Graffiti on wall {n}")
    listing = await team.officer.ask("/cases")
    assert "All open cases, by grade (16):" in listing["text"]
    assert listing["text"].count("/case_") == 15  # none mine, none overdue yet; the first 15 of all
    assert button_texts(listing) == ["All open cases: all 16 »"]
    await team.officer.click(listing, text="All open cases: all 16 »")
    paged = team.officer.current(listing)
    assert paged["text"].startswith("16 cases match “status:open” (page 1 of 2)")


async def test_find_alone_offers_the_common_searches_as_buttons(team, pingan):
    await _stored_report(pingan, team.resident, "Broken street lamp")
    offer = await team.officer.ask("/find")
    assert "since:<date>" in offer["text"]
    assert button_texts(offer)[:3] == ["Open cases", "Overdue", "Mine, open"]
    await team.officer.click(offer, text="Open cases")
    assert (await team.officer.reply())["text"].startswith("1 case matches “status:open”")


async def test_a_phone_number_finds_the_cases_a_reporter_left_it_with(team):
    ref = await team.report()  # the resident types 138 0013 8000
    found = await team.officer.ask("/find 13800138000")
    assert found["text"].startswith("1 case matches") and ref.replace("-", "_") in found["text"]
    assert (await team.officer.ask("/find 13900139000"))["text"].startswith("No case matches")
