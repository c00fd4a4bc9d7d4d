"""/export for supervisors and admins: choices by buttons, the file as a document — the same file
`pingan export` writes; refused to officers, stewards and residents."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from bot import cli
from storage.audit import AuditRepo
from storage.models import Role
from tests.conftest import STAFF_CHAT_ID


async def pingan_export(tmp_path, pingan, *arguments: str) -> bytes:
    """What `pingan export …` writes for the bot's database, headers in English."""
    config_file = tmp_path / "export-config.yaml"
    config_file.write_text(f"storage:\n  path: {pingan.services.config.storage.path}\ndefault_language: en\n",
                           encoding="utf-8")
    output = tmp_path / "export.out"
    code = await asyncio.to_thread(cli.main, ["export", "--config", str(config_file), *arguments,
                                              "--output", str(output)])
    assert code == 0
    return output.read_bytes()


@pytest.mark.parametrize(("fmt", "button"), [("csv", "• CSV"), ("open311", "Open311 JSON")])
async def test_the_export_sent_is_the_file_pingan_export_writes(team, emulator, pingan, tmp_path, fmt, button):
    first, second = await team.report(), await team.report()
    await team.resolve(first)
    panel = await team.supervisor.ask("/export")
    assert panel["text"].startswith("⬇ Export cases\nPeriod: 1 – 2 Mar 2026 (this month)")
    assert "No names, usernames, phones or residents' own words are ever exported." in panel["text"]
    if fmt != "csv":  # CSV is chosen to begin with
        await team.supervisor.click(panel, text=button)
    assert f"Format: {button.removeprefix('• ')}" in team.supervisor.current(panel)["text"]
    answer = await team.supervisor.click(team.supervisor.current(panel), text="⬇ Export")
    assert answer["text"] == "Preparing the file…"
    sent = await team.supervisor.reply()
    assert sent["caption"] == "2 cases · 1 – 2 Mar 2026 · all areas"
    assert sent["document"]["file_name"].startswith("pingan-cases-20260301-20260302.")
    data = emulator.file_bytes(sent["document"]["file_id"])
    assert data == await pingan_export(tmp_path, pingan, "--format", fmt, "--from", "2026-03-01",
                                       "--to", "2026-03-02")
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Reference", "Type", "Category"] and [r[0] for r in rows[1:]] == [first, second]
    else:
        assert [r["service_request_id"] for r in json.loads(data)] == [first, second]
    text = data.decode("utf-8-sig")
    assert "138" not in text.replace("2026", "") and "Alice" not in text  # the reporter's phone and name
    exports = await AuditRepo(pingan.services.db).entries(subject_type="export")
    assert [(e.action, e.actor_id) for e in exports] == [("stats.exported", None),  # pingan export
                                                          ("stats.exported", team.supervisor.user_id)]


async def test_export_is_for_supervisors_and_admins_only(team, make_user, pingan):
    steward = make_user("Steward Zhou", language_code="en")
    await pingan.services.people.grant_by_system(steward.user_id, Role.STEWARD, via="test")
    for person in (team.resident, steward, team.officer, team.mediator):
        refused = await person.ask("/export")
        assert refused["text"] == "Sorry, only supervisors and admins can export cases."
        forged = await person.forge_press(refused, "ex:1:go:month:all:csv")
        assert forged["text"] == "Sorry, only supervisors and admins can export cases."
    in_staff_chat = await team.admin.in_chat(STAFF_CHAT_ID).ask("/export last quarter")
    assert in_staff_chat["text"].startswith("⬇ 导出案件\n时间段：2025年10月1日 – 12月31日（上季度）")
    wrong = await team.supervisor.ask("/export 2026-13-01..2026-13-31")
    assert wrong["text"].startswith("Please choose a period: /export week, last week,")
