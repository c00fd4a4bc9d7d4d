"""The `alerts:` section of the configuration (urgent alerts, issue 7)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A supervisor approves each alert before it goes out.
    require_approval: bool = False
    #: How long an alert stays current unless the officer chooses otherwise.
    default_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: The durations offered as buttons (hours).
    duration_choices: list[int] = Field(default_factory=lambda: [6, 12, 24, 48, 72])
    max_photos: int = Field(default=3, ge=0, le=10)
    #: Short enough that one photo can carry the whole alert as its caption.
    max_text_chars: int = Field(default=700, ge=50, le=3000)
    #: The officer is asked to extend or close the alert this long before it expires.
    expiry_prompt_minutes: int = Field(default=60, ge=1, le=24 * 60)
    #: When a missing person is found, their photos leave the groups: an alert whose text was the
    #: photo's caption is re-posted as text alone (the photo message deleted), and an album sent
    #: before the alert's text is deleted.
    remove_photo_when_found: bool = True

    @field_validator("duration_choices")
    @classmethod
    def _sane_durations(cls, value: list[int]) -> list[int]:
        if not value or any(h < 1 or h > 24 * 30 for h in value):
            raise ValueError("each duration must be between 1 and 720 hours")
        return sorted(set(value))
