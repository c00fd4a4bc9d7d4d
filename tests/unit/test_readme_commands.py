"""README's table of commands by role is the one list in bot/commands.py, so it cannot drift:
a command added there without its row here fails, and the message shows the table to paste."""

from __future__ import annotations

from pathlib import Path

from bot.commands import COMMANDS
from storage.models import Role

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"
COLUMNS = (Role.RESIDENT, Role.STEWARD, Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
HEADER = ("| Command | Where | Resident | Steward | Mediator | Officer | Supervisor | Admin | What it does |",
          "|---|---|:-:|:-:|:-:|:-:|:-:|:-:|---|")


def expected_table() -> str:
    rows = list(HEADER)
    for command in COMMANDS:
        where = {(True, False): "private", (False, True): "groups", (True, True): "both"}[
            (command.in_private, command.in_groups)]
        marks = " | ".join("✓" if command.available_to({role}) else "" for role in COLUMNS)
        rows.append(f"| `/{command.name}` | {where} | {marks} | {command.description.in_locale('en')} |")
    return "\n".join(rows)


def test_the_readme_table_lists_every_command_with_who_may_use_it():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README needs a commands table between {START} and {END}"
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == expected_table(), "README's commands table is out of date; paste:\n" + expected_table()
