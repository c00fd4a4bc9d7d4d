"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.team import Team


@pytest.fixture
async def team(pingan, emulator, make_user, admin) -> Team:
    """A resident and a staff team (officers, mediator, supervisor, admin) around the staff chat."""
    team = Team(pingan, emulator, make_user, admin)
    await team.setup()
    return team
