"""The alert dialogue's diagram stays true to the code: every state constant is in it."""

from pathlib import Path

import handlers.alerts as alerts
from bot.services.alerts import AlertStep

DIAGRAM = Path(__file__).resolve().parents[2] / "handlers" / "alerts.mmd"


def test_every_state_appears_in_the_diagram():
    text = DIAGRAM.read_text(encoding="utf-8")
    constants = [name for name in vars(alerts) if name.isupper() and isinstance(getattr(alerts, name), AlertStep)]
    assert len(constants) == len(AlertStep)
    assert [name for name in constants if name not in text] == []
