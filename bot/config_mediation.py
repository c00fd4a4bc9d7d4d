"""The `mediation:` section of the configuration: mediation with both parties (issue 17)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MediationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: How long an invitation link for the other party stays valid.
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    #: A dispute is offered to its area's mediators first; nobody took it in this time → to all mediators.
    area_first_minutes: int = Field(default=30, ge=0, le=24 * 60)
    #: Days after an agreement was kept that both parties are asked whether it still holds (回访).
    followup_after_days: int = Field(default=30, ge=1, le=365)
