"""Settings: the engine's knobs of interfaces.md, read from the environment and a `.env` file;
and the workspace's clock (`workspace_now`: the current instant in its zone, pinned by
`settings.now`). The Slack app's own settings (tokens, HTTP, reactions, access) are added on top
by `bot.settings.BotSettings`, which is a `Settings` too.

A CLI flag, where one exists, is passed in as an override and wins over the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """The workspace's settings. Construct with keyword overrides for CLI flags."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
        populate_by_name=True,
    )

    database_url: str = Field("sqlite:///kpibot.db", validation_alias=_env("KPIBOT_DATABASE_URL"))
    tz: str = Field("UTC", validation_alias=_env("KPIBOT_TZ"))
    week_start: str = Field("monday", validation_alias=_env("KPIBOT_WEEK_START"))
    now: datetime | None = Field(None, validation_alias=_env("KPIBOT_NOW"))
    sla_seconds: int = Field(3600, gt=0, validation_alias=_env("KPIBOT_SLA_SECONDS"))
    sla_targets: str = Field("", validation_alias=_env("KPIBOT_SLA_TARGETS"))
    fcr_variant: str = Field("strict", validation_alias=_env("KPIBOT_FCR_VARIANT"))
    csat_variant: str = Field("top2", validation_alias=_env("KPIBOT_CSAT_VARIANT"))
    llm: str | None = Field(None, validation_alias=_env("KPIBOT_LLM"))
    llm_timeout_seconds: float = Field(15.0, gt=0, validation_alias=_env("KPIBOT_LLM_TIMEOUT"))
    llm_base_url: str | None = Field(None, validation_alias=_env("KPIBOT_LLM_BASE_URL"))
    # Digests and alerts: how late a missed digest may still be posted, when a claim that never
    # got posted is taken over, how often alerts are checked, over what window and from how
    # many records.
    digest_grace_seconds: int = Field(7200, ge=60, validation_alias=_env("KPIBOT_DIGEST_GRACE"))
    claim_timeout_seconds: int = Field(600, ge=10, validation_alias=_env("KPIBOT_CLAIM_TIMEOUT"))
    alert_interval_minutes: int = Field(60, ge=1, le=1440,
                                        validation_alias=_env("KPIBOT_ALERT_INTERVAL"))
    alert_window_hours: int = Field(24, ge=1, le=744,
                                    validation_alias=_env("KPIBOT_ALERT_WINDOW_HOURS"))
    alert_min_n: int = Field(30, ge=1, validation_alias=_env("KPIBOT_ALERT_MIN_N"))
    # Rankings ("top 3 agents by CSAT"): groups with fewer records are listed apart, unranked.
    rank_min_n: int = Field(10, ge=1, validation_alias=_env("KPIBOT_RANK_MIN_N"))
    # Business hours (kpi_engine/calendars/): the workspace's working intervals, their zone
    # (KPIBOT_TZ when unset) and its holidays (regions of the holidays library, dates); the
    # teams' own calendars in a YAML or TOML file. Read when business hours are asked for.
    business_hours: str = Field("mon-fri 09:00-17:00",
                                validation_alias=_env("KPIBOT_BUSINESS_HOURS"))
    business_tz: str | None = Field(None, validation_alias=_env("KPIBOT_BUSINESS_TZ"))
    holidays: str = Field("", validation_alias=_env("KPIBOT_HOLIDAYS"))
    business_calendars: str | None = Field(None,
                                           validation_alias=_env("KPIBOT_BUSINESS_CALENDARS"))
    # Surveys after a resolve: how long one stays open, ask 1 in N, no second survey for a
    # customer within N days, an NPS step at most once per customer per N days (when on),
    # how often solved tickets are looked for.
    survey_expiry_hours: int = Field(72, ge=1, le=24 * 90,
                                     validation_alias=_env("KPIBOT_SURVEY_EXPIRY_HOURS"))
    survey_sample: int = Field(1, ge=1, validation_alias=_env("KPIBOT_SURVEY_SAMPLE"))
    survey_cooldown_days: int = Field(7, ge=0,
                                      validation_alias=_env("KPIBOT_SURVEY_COOLDOWN_DAYS"))
    survey_nps: bool = Field(False, validation_alias=_env("KPIBOT_SURVEY_NPS"))
    nps_cooldown_days: int = Field(90, ge=0, validation_alias=_env("KPIBOT_NPS_COOLDOWN_DAYS"))
    survey_check_minutes: int = Field(5, ge=1, le=1440,
                                      validation_alias=_env("KPIBOT_SURVEY_CHECK_MINUTES"))
    # Helpdesks (docs/helpdesks.md): `kpibot sync zendesk|freshdesk` and the scheduler's sync
    # job every KPIBOT_SYNC_MINUTES once a helpdesk's account settings are all set; base URLs
    # for proxies and test doubles; where a first sync starts; Zendesk's export budget and how
    # far back ratings are read again; mappings for values kpibot does not know by itself.
    zendesk_subdomain: str | None = Field(None, validation_alias=_env("ZENDESK_SUBDOMAIN"))
    zendesk_email: str | None = Field(None, validation_alias=_env("ZENDESK_EMAIL"))
    zendesk_api_token: str | None = Field(None, validation_alias=_env("ZENDESK_API_TOKEN"))
    zendesk_url: str | None = Field(None, validation_alias=_env("ZENDESK_URL"))
    zendesk_channels: str = Field("", validation_alias=_env("ZENDESK_CHANNELS"))
    zendesk_export_rpm: int = Field(10, ge=1, le=1000,
                                    validation_alias=_env("ZENDESK_EXPORT_RPM"))
    zendesk_ratings_lookback_days: int = Field(
        7, ge=0, le=90, validation_alias=_env("ZENDESK_RATINGS_LOOKBACK_DAYS"))
    freshdesk_domain: str | None = Field(None, validation_alias=_env("FRESHDESK_DOMAIN"))
    freshdesk_api_key: str | None = Field(None, validation_alias=_env("FRESHDESK_API_KEY"))
    freshdesk_url: str | None = Field(None, validation_alias=_env("FRESHDESK_URL"))
    freshdesk_sources: str = Field("", validation_alias=_env("FRESHDESK_SOURCES"))
    freshdesk_statuses: str = Field("", validation_alias=_env("FRESHDESK_STATUSES"))
    sync_minutes: int = Field(5, ge=1, le=1440, validation_alias=_env("KPIBOT_SYNC_MINUTES"))
    sync_start: datetime | None = Field(None, validation_alias=_env("KPIBOT_SYNC_START"))

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin or UTC"
            ) from None
        return value

    @field_validator("week_start")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.strip().lower() not in WEEKDAYS:
            raise ValueError(f"week start {value!r} is not a weekday name (monday … sunday)")
        return value.strip().lower()

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("now must carry an offset, e.g. 2026-11-22T09:00:00+01:00")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def workspace_now(settings: Settings, clock: Clock = system_clock) -> datetime:
    """The current instant in the workspace zone; `settings.now` pins it."""
    return (settings.now or clock()).astimezone(settings.zone)
