"""The `briefing:` and `export:` sections of the configuration: the weekly figures posted to the staff
chats, and what exports of cases contain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config_notices import cron_problem


class BriefingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Post last week's figures to the staff chat (needs `staff_chat_id`).
    enabled: bool = True
    #: When, in the deployment's time zone (standard 5-field cron): Mondays at 09:00.
    cron: str = "0 9 * * mon"
    #: A briefing the bot was not running for is still sent this long after its time, then skipped.
    grace_hours: int = Field(default=12, ge=0, le=24 * 6)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return " ".join(value.split())


class ExportSettings(BaseModel):
    """The `export:` section: what /export and `pingan export` put in an Open311 file."""

    model_config = ConfigDict(extra="forbid")

    #: `agency_responsible` in Open311 exports (e.g. the station's name); empty: each case's handling level.
    agency: str = ""
    #: Decimals kept of a reported location in Open311 exports: 3 is about 100 m, 2 about 1 km; null
    #: leaves locations out. Never finer than 100 m: a resident's door must not be findable.
    location_decimals: int | None = Field(default=3, ge=0, le=3)
