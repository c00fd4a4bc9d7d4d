"""The `privacy:` section of the configuration: who sees a reporter's identity, which categories
keep their details out of the staff chat, what an erasure does to open cases, and retention."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Who may see a reporter's identity (name, username, phone): relations to the case, or roles.
ContactRelation = Literal["owner", "area_supervisor", "area_admin", "supervisor", "admin", "officer", "mediator"]


class PrivacySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The case's owner (who accepted it or was assigned it, a mediator too), the supervisors and
    #: admins of its area (all of them while none has that area). Add `officer`, `supervisor` …
    #: to widen it; leave some out to narrow it.
    contact_roles: list[ContactRelation] = Field(default_factory=lambda: ["owner", "area_supervisor", "area_admin"])
    #: Incident categories and dispute kinds whose card in the staff chat has no description: the
    #: details go privately to the owner and the area's supervisors. Domestic violence is reported
    #: as the dispute kind `family` (婚姻家庭) unless a `domestic_violence` category is configured.
    sensitive_categories: list[str] = Field(default_factory=lambda: ["domestic_violence", "drugs_gambling",
                                                                     "family"])
    #: An erasure closes the person's open cases as withdrawn (false), or leaves them open and
    #: anonymises them when they close (true).
    keep_open_cases: bool = False
    #: Cases closed longer ago than this are anonymised; audit entries this old lose their copies
    #: of what residents wrote.
    retention_days: int = Field(default=365, ge=1, le=365 * 30)
    #: When the daily retention run starts, in the deployment's time zone ("HH:MM").
    retention_time: str = "03:00"

    @field_validator("retention_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f"must be HH:MM (24-hour), got {value!r}")
        return value.strip()
