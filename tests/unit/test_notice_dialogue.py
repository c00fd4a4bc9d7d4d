"""The add-a-schedule dialogue's diagram names every state of the code (and no other)."""

from __future__ import annotations

import re
from pathlib import Path

from handlers import notices

STATES = ("CHOOSING_CONTENT", "TYPING_PARAM", "CHOOSING_TIME", "TYPING_CRON", "CHOOSING_KINDS", "TYPING_AREAS",
          "CONFIRMING", "TIMEOUT")


def test_diagram_matches_the_state_constants():
    diagram = (Path(notices.__file__).with_suffix(".mmd")).read_text(encoding="utf-8")
    named = set(re.findall(r"\b[A-Z][A-Z_]{3,}\b", diagram))
    assert named == set(STATES)
    for state in STATES:
        assert hasattr(notices, state)
