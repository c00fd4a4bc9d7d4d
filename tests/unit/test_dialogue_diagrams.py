"""Every dialogue's diagram names exactly the states of its code, both ways."""

from __future__ import annotations

import pytest

import handlers  # noqa: F401 - defines every dialogue
from handlers.dialogue import DEFINED


@pytest.mark.parametrize("dialogue", DEFINED, ids=lambda d: str(d.name))
def test_the_diagram_draws_exactly_the_states(dialogue):
    assert dialogue.diagram_states() == {state.name for state in dialogue.states}


@pytest.mark.parametrize("dialogue", DEFINED, ids=lambda d: str(d.name))
def test_every_state_has_its_step_and_prompt(dialogue):
    for state in dialogue.states:
        assert state in dialogue.prompts
        assert state in dialogue.steps or state in dialogue.without_step
