"""Configuration of report intake: categories, limits, areas, response times (`reports:`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.callbacks import stable_key

EmergencyService = Literal["police", "fire", "ambulance"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Label(_Section):
    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=40)

    def in_locale(self, locale: str) -> str:
        return self.zh if locale == "zh" else self.en


class IncidentCategory(Label):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    # Which emergency numbers fit when it is happening now.
    emergency: list[EmergencyService] = Field(default_factory=lambda: ["police"])


class DisputeKind(Label):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")


def _incident(id_: str, zh: str, en: str, *emergency: str) -> IncidentCategory:
    return IncidentCategory(id=id_, zh=zh, en=en, emergency=list(emergency or ("police",)))


DEFAULT_INCIDENT_CATEGORIES = [
    _incident("theft", "盗窃", "Theft"),
    _incident("fraud", "诈骗", "Fraud or attempted fraud"),
    _incident("suspicious", "可疑人员或车辆", "Suspicious person or vehicle"),
    _incident("fight", "打架或扰乱秩序", "Fight or disturbance", "police", "ambulance"),
    _incident("fire_hazard", "消防隐患", "Fire hazard", "fire"),
    _incident("gas_hazard", "燃气隐患", "Gas leak hazard", "fire"),
    _incident("traffic_hazard", "交通隐患", "Traffic hazard", "police", "ambulance"),
    _incident("drugs_gambling", "涉毒涉赌线索", "Drugs or gambling tip"),
    _incident("missing_person", "人员走失", "Missing person"),
    _incident("other", "其他", "Something else", "police", "fire", "ambulance"),
]

DEFAULT_DISPUTE_KINDS = [
    DisputeKind(id=i, zh=zh, en=en) for i, zh, en in [
        ("neighbour_noise", "邻里：噪音", "Neighbours: noise"),
        ("neighbour_leak", "邻里：漏水", "Neighbours: water leak"),
        ("neighbour_parking", "邻里：停车", "Neighbours: parking"),
        ("neighbour_boundary", "邻里：边界占用", "Neighbours: boundary"),
        ("property_fees", "物业管理和费用", "Property management and fees"),
        ("landlord_tenant", "房东与租客", "Landlord and tenant"),
        ("family", "婚姻家庭", "Marriage and family"),
        ("wages", "拖欠工资", "Unpaid wages"),
        ("consumer", "消费纠纷", "Consumer dispute"),
        ("land", "土地纠纷", "Land"),
        ("other", "其他纠纷", "Another dispute"),
    ]
]


class FirstResponse(_Section):
    """How soon staff look at a new report, as told to the reporter (minutes)."""

    emergency_minutes: int = Field(default=15, ge=1)
    incident_minutes: int = Field(default=24 * 60, ge=1)
    dispute_minutes: int = Field(default=48 * 60, ge=1)


class ReportSettings(_Section):
    incident_categories: list[IncidentCategory] = Field(default_factory=lambda: list(DEFAULT_INCIDENT_CATEGORIES))
    dispute_kinds: list[DisputeKind] = Field(default_factory=lambda: list(DEFAULT_DISPUTE_KINDS))
    # Compounds / areas offered as buttons at the "where" step. Reports from a group take its area.
    areas: list[str] = Field(default_factory=list)
    max_per_hour: int = Field(default=3, ge=1, le=100)
    max_photos: int = Field(default=5, ge=0, le=10)
    max_text_chars: int = Field(default=2000, ge=100, le=4000)
    idle_reminder_minutes: int = Field(default=30, ge=1)
    draft_ttl_hours: int = Field(default=24, ge=1)
    duplicate_window_hours: int = Field(default=24, ge=1)
    phone_region: Literal["CN", "any"] = "CN"
    first_response: FirstResponse = Field(default_factory=FirstResponse)

    @field_validator("areas")
    @classmethod
    def _areas_are_short(cls, value: list[str]) -> list[str]:
        for area in value:
            if not 1 <= len(area.strip()) <= 40:
                raise ValueError(f"area {area!r} must be 1 to 40 characters")
        return [a.strip() for a in value]

    @model_validator(mode="after")
    def _ids_unique(self) -> ReportSettings:
        for name, items in (("incident_categories", self.incident_categories), ("dispute_kinds", self.dispute_kinds)):
            ids = [item.id for item in items]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{name}: duplicate id(s) {', '.join(duplicates)}")
            if not items:
                raise ValueError(f"{name}: at least one is needed")
        return self

    def incident_category(self, category_id: str) -> IncidentCategory | None:
        return next((c for c in self.incident_categories if c.id == category_id), None)

    def dispute_kind(self, kind_id: str) -> DisputeKind | None:
        return next((k for k in self.dispute_kinds if k.id == kind_id), None)

    def area_by_key(self, key: str) -> str | None:
        """The configured area whose button carried `key`; None if it is no longer configured."""
        return next((area for area in self.areas if stable_key(area) == key), None)
