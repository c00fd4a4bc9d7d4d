"""An alert in flight at a crash is sent again (at least once), and the copy says it is a repeat,
in the group's language (found by tests/e2e/test_crash.py: 52 groups got a second, unexplained copy)."""

from __future__ import annotations

from storage.models import OutboxState
from storage.outbox import OutboxRepo
from tests.e2e.test_alerts import _alerts_in, _report, compose, groups, officer  # noqa: F401 - fixtures

NOTES = {"zh": "重发", "en": "Sent again: this alert may have reached you twice."}


async def test_a_second_copy_after_a_crash_says_it_is_one(pingan, emulator, officer, groups, monkeypatch):  # noqa: F811
    original = OutboxRepo.finish

    async def crash_before_marking(self, entry_id, state, now, outcome=None, message_id=None):
        if state is OutboxState.SENT:
            raise RuntimeError("crash")  # the process is gone: sent, never marked
        return await original(self, entry_id, state, now, outcome, message_id)

    monkeypatch.setattr(OutboxRepo, "finish", crash_before_marking)
    previews = await compose(officer, kind="weather or disaster", text="Flood warning: move cars off Low Road.")
    await officer.click(previews[-1], text="✅ Send now")
    chats = list(groups.values())
    await emulator.wait_for(lambda: all(_alerts_in(emulator, c) for c in chats))
    monkeypatch.setattr(OutboxRepo, "finish", original)
    await pingan.restart()
    await _report(emulator, officer, lambda t: "finished" in t)
    repeated = 0
    for name, chat in groups.items():
        first, *again = _alerts_in(emulator, chat)  # again: where the send was in flight at the crash
        note = NOTES["en" if name == "river_en" else "zh"]
        assert note not in (first.get("text") or first.get("caption") or "")
        assert all(note in (copy.get("text") or copy.get("caption") or "") for copy in again)
        repeated += len(again)
    assert repeated
