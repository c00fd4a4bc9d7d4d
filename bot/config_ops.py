"""The operations sections of the configuration: `backup:`, `health:` and `telegram.webhook:`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.config_notices import cron_problem

#: Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook's secret token.
_SECRET_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackupSettings(_Section):
    #: Where backups go; none: a `backups` folder beside the database.
    dir: Path | None = None
    #: How many scheduled backups are kept (the oldest beyond this are deleted).
    keep: int = Field(default=14, ge=1, le=1000)
    #: When the scheduled backup is taken, in the deployment's time zone; none turns it off.
    cron: str | None = "30 3 * * *"

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return " ".join(value.split())

    def folder(self, database: Path) -> Path:
        """The backup folder for this database."""
        return self.dir if self.dir is not None else database.parent / "backups"


class HealthSettings(_Section):
    #: Address of the health and metrics endpoint; keep it on the loopback unless a monitor needs it.
    listen: str = "127.0.0.1"
    #: Port of GET /healthz and GET /metrics; none: no endpoint.
    port: int | None = Field(default=None, ge=1, le=65535)


class WebhookSettings(_Section):
    #: The public HTTPS URL Telegram calls; none: long polling.
    url: str | None = None
    #: Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; none: one is generated and stored.
    secret_token: SecretStr | None = None
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    #: The path the webhook server answers on; none: derived from a hash of the bot token.
    path: str | None = None

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip()
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"must be an https URL, got {url!r}")
        return url

    @field_validator("secret_token", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        if value is None or value == "":
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not _SECRET_TOKEN_SHAPE.match(raw):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return raw

    @field_validator("path")
    @classmethod
    def _clean_path(cls, value: str | None) -> str | None:
        if value is None or not value.strip("/ "):
            return None
        return value.strip().strip("/")

    @property
    def enabled(self) -> bool:
        return self.url is not None

    def url_path(self, token: str) -> str:
        """The path the local server answers on (no leading slash): `path`, else the path of `url`,
        else one derived from a hash of the token (never the token itself)."""
        if self.path is not None:
            return self.path
        own = urlsplit(self.url or "").path.strip("/")
        return own or "telegram/" + hashlib.sha256(token.encode()).hexdigest()[:32]

    def public_url(self, token: str) -> str:
        """The URL Telegram calls: `url`, with the served path added when `url` has none."""
        if urlsplit(self.url or "").path.strip("/"):
            return self.url
        return f"{(self.url or '').rstrip('/')}/{self.url_path(token)}"
