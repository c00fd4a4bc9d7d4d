"""/audit: supervisors and admins read the audit trail, filtered and paged, and download it as CSV;
an alert closed and a schedule paused are recorded like every privileged action."""

from __future__ import annotations

import csv
import io

import pytest

from bot.config_notices import NoticeSettings
from storage.models import Role
from tests.e2e.test_alerts import _report, compose, groups, officer  # noqa: F401 - shared fixtures
from tests.harness import button_texts


@pytest.fixture
def config(config):
    notices = NoticeSettings.model_validate({
        "themes": {"loans": {"title": {"zh": "网贷诈骗", "en": "Loan scams"},
                             "tips": [{"zh": "提示", "en": "Tip"}]}},
        "theme_calendar": {3: "loans"},
        "schedules": [{"id": "morning-tips", "cron": "0 10 * * *", "targets": {"kinds": ["homeowners"]},
                       "content": {"theme": "loans"}}],
    })
    return config.model_copy(update={"notices": notices})


async def test_audit_shows_an_alert_closed_and_a_schedule_paused(pingan, emulator, admin, officer, groups):  # noqa: F811
    previews = await compose(officer, kinds=("shop",), text="Counterfeit notes in circulation at the market.")
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    listing = await officer.ask("/alerts")
    await officer.click(listing, text=next(b for b in button_texts(listing) if b.startswith("Close")))
    choices = await officer.reply()
    await officer.click(choices, text="No longer current: close it")
    schedules = await admin.ask("/schedules")
    await admin.click(schedules, text="⏸ Pause 1")

    page = await admin.ask("/audit")
    assert "alert.closed" in page["text"] and "schedule.paused" in page["text"] and "alert.sent" in page["text"]
    assert "Wang" in page["text"] and "reason=withdrawn" in page["text"]
    only_alerts = await admin.ask("/audit action:alert.")
    assert "alert.closed" in only_alerts["text"] and "schedule.paused" not in only_alerts["text"]
    paused = await admin.ask("/audit action:schedule.paused since:2026-03-01")
    assert "Audit trail: 1 entry" in paused["text"] and "schedule morning-tips" in paused["text"]

    await admin.click(page, text="⬇ Download as CSV")
    document = await admin.reply()
    rows = list(csv.DictReader(io.StringIO(emulator.file_bytes(document["document"]["file_id"]).decode("utf-8-sig"))))
    assert {"alert.closed", "alert.sent", "schedule.paused"} <= {r["action"] for r in rows}
    assert "audit.exported" in (await admin.ask("/audit action:audit.exported"))["text"]


async def test_audit_pages_and_refuses_officers_and_bad_filters(pingan, admin, officer):  # noqa: F811
    for n in range(12):
        await pingan.services.people.set_own_area(officer.user_id, f"Area {n}")
    page = await admin.ask(f"/audit person:{officer.user_id}")
    # The twelve area changes and the officer's role being granted, newest first, ten to a page.
    assert "Audit trail: 13 entries · page 1 of 2" in page["text"] and "area=Area 11" in page["text"]
    await admin.click(page, text="Next »")
    second = admin.current(page)
    assert "page 2 of 2" in second["text"] and "area=Area 0" in second["text"] and "role.granted" in second["text"]
    assert button_texts(second) == ["« Previous", "⬇ Download as CSV"]
    refused = await officer.ask("/audit")
    assert refused["text"] == "Sorry, only supervisors and admins can read the audit trail."
    # Another reader's listing is not theirs to page through, even with the button's data.
    answer = await officer.forge_press(refused, page["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert "only supervisors and admins" in answer["text"]
    bad = await admin.ask("/audit since:yesterday")
    assert "I could not read “since:yesterday”" in bad["text"] and "case:<reference>" in bad["text"]
    unknown = await admin.ask("/audit case:PA-2026-999999")
    assert "PA-2026-999999" in unknown["text"]


async def test_a_tip_is_in_mydata_and_gone_from_the_file_after_erase(pingan, emulator, officer, groups,  # noqa: F811
                                                                      make_user):
    from tests.e2e.test_privacy import database_bytes, my_data

    previews = await compose(officer, kinds=("shop",), text="Counterfeit notes in circulation at the market.")
    await officer.click(previews[-1], text="✅ Send now")
    await _report(emulator, officer, lambda t: "finished" in t)
    [alert] = await pingan.services.alerts.listing(officer.user_id, frozenset({Role.OFFICER}))
    resident = make_user("Hongmei Xu", language_code="en")
    await resident.ask(f"/start alr_{alert.alert.ref}")
    await resident.reply()
    await resident.ask("The stall next to the fish counter pays with new 100-yuan notes.")
    _, data = await my_data(resident, emulator)
    assert data["alert_tips"][0]["text"].startswith("The stall next to the fish counter")
    assert b"fish counter" in database_bytes(pingan)
    confirmation = await resident.ask("/erase")
    assert "1 tip about an alert is removed." in confirmation["text"]
    await resident.click(confirmation, text="🗑 Yes, erase my data")
    raw = database_bytes(pingan)
    assert b"fish counter" not in raw and b"Hongmei" not in raw
