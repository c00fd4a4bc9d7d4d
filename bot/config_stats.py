"""The `briefing:` section of the configuration: the weekly figures posted to the staff chat."""

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
