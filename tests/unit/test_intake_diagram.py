"""The dialogue diagram stays true to the code: every step is in it."""

from pathlib import Path

from bot.services.intake import Step

DIAGRAM = Path(__file__).resolve().parents[2] / "handlers" / "report.mmd"


def test_every_step_appears_in_the_diagram():
    text = DIAGRAM.read_text(encoding="utf-8")
    assert [step.name for step in Step if step.name not in text] == []
