"""Pingan's configuration: `config.yaml` validated by pydantic, overridden by `PINGAN_*` env vars.

Environment variables win over the file (`PINGAN_TELEGRAM__TOKEN`, `PINGAN_ADMINS='[1, 2]'`),
so the token never has to be written into the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config_alerts import AlertSettings
from bot.config_cases import CaseSettings
from bot.config_chats import StaffChat, staff_chat_for, validate_staff_chats
from bot.config_mediation import MediationSettings
from bot.config_notices import (
    GroupDeclaration,
    KeyedProblems,
    NoticeSettings,
    reference_problems_despite_errors,
    validate_declared_groups,
)
from bot.config_ops import BackupSettings, HealthSettings, WebhookSettings
from bot.config_privacy import PrivacySettings
from bot.config_reports import ReportSettings
from bot.config_scam import ScamCheckSettings
from bot.config_stats import BriefingSettings, ExportSettings

CONFIG_ENV_VAR = "PINGAN_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.yaml")
SUPPORTED_LANGUAGES = ("zh", "en")

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class _Section(BaseModel):
    # A typo in a key must be an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    token: SecretStr | None = None
    api_url: str = "https://api.telegram.org"
    #: Webhook mode when `webhook.url` is set; long polling otherwise.
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    #: Updates handled at the same time (different chats and people side by side, each chat's and
    #: each person's in arrival order; see bot/update_order.py). 1: one at a time.
    concurrent_updates: int = Field(32, ge=1)

    @field_validator("token", mode="before")
    @classmethod
    def _token_shape(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not _TOKEN_SHAPE.match(raw.strip()):
            # Never echo the value: it is a secret even when malformed.
            raise ValueError("does not look like a bot token (expected '<digits>:<letters>')")
        return raw.strip()

    @field_validator("api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        if url.endswith("/bot"):
            raise ValueError("give the Bot API base without the '/bot' part")
        return url

    @property
    def bot_base_url(self) -> str:
        return f"{self.api_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.api_url}/file/bot"


class StorageSettings(_Section):
    path: Path = Path("pingan.db")


class EmergencySettings(_Section):
    numbers: dict[str, str] = Field(
        default_factory=lambda: {"police": "110", "fire": "119", "ambulance": "120"}
    )

    @field_validator("numbers")
    @classmethod
    def _numbers_are_dialable(cls, value: dict[str, str]) -> dict[str, str]:
        for service, number in value.items():
            if not re.fullmatch(r"[0-9+\-\s]{2,20}", number):
                raise ValueError(f"{service}: {number!r} is not a phone number")
        return value


class InviteSettings(_Section):
    ttl_hours: int = Field(default=48, ge=1, le=24 * 30)


class SandboxSettings(_Section):
    port: int = Field(default=8765, ge=1024, le=65535)
    storage_path: Path = Path("pingan-sandbox.db")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: `text`: one readable line per event; `json`: one JSON object per line, for log collectors.
    format: Literal["text", "json"] = "text"


class Settings(BaseSettings):
    """The whole validated configuration."""

    model_config = SettingsConfigDict(
        env_prefix="PINGAN_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    staff_chat_id: int | None = None
    # Staff groups that get the cases of their areas; other areas go to `staff_chat_id`.
    staff_chats: list[StaffChat] = Field(default_factory=list)
    admins: list[int] = Field(default_factory=list)
    emergency: EmergencySettings = Field(default_factory=EmergencySettings)
    invites: InviteSettings = Field(default_factory=InviteSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    cases: CaseSettings = Field(default_factory=CaseSettings)
    groups: list[GroupDeclaration] = Field(default_factory=list)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    briefing: BriefingSettings = Field(default_factory=BriefingSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    scam_check: ScamCheckSettings = Field(default_factory=ScamCheckSettings)
    mediation: MediationSettings = Field(default_factory=MediationSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)

    @field_validator("groups")
    @classmethod
    def _distinct_groups(cls, value: list[GroupDeclaration]) -> list[GroupDeclaration]:
        return validate_declared_groups(value)

    @field_validator("staff_chats")
    @classmethod
    def _distinct_staff_chats(cls, value: list[StaffChat]) -> list[StaffChat]:
        return validate_staff_chats(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def staff_chat_for(self, area: str | None) -> int | None:
        """The staff chat a case of this area goes to (None: no staff chat configured)."""
        return staff_chat_for(self.staff_chats, self.staff_chat_id, area)

    @property
    def staff_chat_ids(self) -> frozenset[int]:
        """Every chat where staff work on cases: the default staff chat, the area ones, the level ones."""
        chats = {self.staff_chat_id, *(c.chat_id for c in self.staff_chats),
                 *(level.chat_id for level in self.cases.levels.values())}
        return frozenset(chat for chat in chats if chat is not None)

    @property
    def has_token(self) -> bool:
        return self.telegram.token is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; the environment must override it.
        return env_settings, init_settings


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists each as 'key.path: message'."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def resolve_config_path(path: str | os.PathLike[str] | None) -> Path:
    """The config file to read: the given path, else $PINGAN_CONFIG, else ./config.yaml."""
    if path:
        return Path(path)
    return Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)


def load_config(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read, merge with the environment and validate. Raises ConfigError, never a traceback."""
    config_path = resolve_config_path(path)
    data = _read_yaml(config_path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems = format_validation_errors(exc)
        # Cross-references too, in the same run, even where some fields were invalid.
        problems += [p for p in reference_problems_despite_errors(data.get("notices")) if p not in problems]
        raise ConfigError(str(config_path), problems) from None


def _read_yaml(config_path: Path) -> dict[str, Any]:
    source = str(config_path)
    if not config_path.exists():
        raise ConfigError(source, ["file not found"])
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(source, [f"{where}{problem}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [f"cannot read the file ({exc.__class__.__name__})"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(source, ["the top level must be a mapping of keys"])
    return data


def format_validation_errors(exc: ValidationError) -> list[str]:
    """One 'key.path: message' line per error, with pydantic's boilerplate trimmed."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        keyed = (error.get("ctx") or {}).get("error")
        if isinstance(keyed, KeyedProblems):  # cross-reference checks name the key below this one
            lines += [f"{key}.{sub_key}: {message}" for sub_key, message in keyed.problems]
            continue
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        lines.append(f"{key}: {message}")
    return lines
