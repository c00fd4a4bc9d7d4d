"""The `scam_check:` section of the configuration: how long checks are kept, and when several
residents' checks make a cluster the area's officers hear about."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScamCheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The text of a check (and the numbers and links in it) is kept this long, for the figures and
    #: the clusters; the type, area and time stay, without the text.
    retention_days: int = Field(default=30, ge=1, le=365)
    #: This many residents of one area checking the same type, number or link within the window
    #: raise a cluster (an alert to the area's officers).
    cluster_threshold: int = Field(default=3, ge=2, le=100)
    cluster_window_hours: int = Field(default=24, ge=1, le=24 * 7)
