"""Settings, built once at the edge (CLI callback, create_app, bootstrap) and passed in.

Importing this module reads nothing; :func:`load_settings` reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    import platformdirs

    return platformdirs.user_data_path("minewatch", appauthor=False)


class Settings(BaseSettings):
    """Environment variables ``MINEWATCH_*``.

    home          folder for the embedded database, the secret key and stored files
    database_url  SQLAlchemy URL; unset means SQLite in ``home``
    org           the organisation CLI commands act for (slug), when there are several
    secret_key    base64 key for phone hashing/encryption; unset means ``home/secret.key``
    tile_url      a map tile server (``https://tile.example.org/{z}/{x}/{y}.png``) for the web maps;
                  unset means no background tiles (the maps work offline: sites, titles, a scale)
    tile_attribution  the attribution the tile server asks for
    twilio_auth_token  verifies X-Twilio-Signature of /hooks/twilio/... (and sends, with twilio_account_sid)
    twilio_account_sid, twilio_from   the account and the number or MessagingServiceSid messages come from
    at_username, at_api_key, at_from  Africa's Talking account, API key and sender id
    at_webhook_tokens  JSON {"org-slug": "secret"}: the token in /hooks/at/{token}/... names the organisation
                       (a setting, not a table: secrets live with the deployment, not in backups)
    at_allowed_ips     JSON list of addresses/networks allowed to call /hooks/at/... (empty: any)
    sms_sender         log | twilio | africastalking (log: the demo, logs a masked phone only)
    sms_languages      JSON {"org-slug": "sw"}: each organisation's fallback language (default en)
    rain_max_distance_km  how far (km) a rainfall station or grid cell may lie from a site's point to stand
                          for the site when no series is linked to it (provisional default 10 km)
    """

    model_config = SettingsConfigDict(env_prefix="MINEWATCH_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    org: str | None = None
    secret_key: str | None = None
    tile_url: str | None = None
    tile_attribution: str | None = None
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    twilio_from: str | None = None
    at_username: str | None = None
    at_api_key: str | None = None
    at_from: str | None = None
    at_webhook_tokens: dict[str, str] = Field(default_factory=dict)
    at_allowed_ips: list[str] = Field(default_factory=list)
    sms_sender: str = "log"
    sms_languages: dict[str, str] = Field(default_factory=dict)
    rain_max_distance_km: float = Field(default=10.0, gt=0)  # provisional (docs/rainfall.md)
    # Rainfall alerts (issue 8, alerts/rainfall.py): the thresholds judged (JSON list of names, built-in or
    # from rain_thresholds_file), the lowest site level alerted, and the provisional operating choices:
    # observed ratio raising a watch, forecast horizon (h), oldest observed data judged (h, beyond one
    # step), dedup period (h, dividing 24, aligned on 00:00 UTC).
    rain_alert_thresholds: list[str] = Field(default_factory=lambda: ["caine1980"])
    rain_alert_min_level: str = "high"
    rain_alert_near_fraction: float = 0.8
    rain_alert_horizon_h: float = 48.0
    rain_alert_max_age_h: float = 6.0
    rain_alert_period_h: int = 24
    rain_alert_use_ari: bool = True  # also LHASA 1.1: ARI > the site's ARI95 -> watch (docs/rainfall.md)
    rain_alert_ari_min_history_days: int = 365  # shortest daily history an ARI95 is read from (provisional)
    rain_thresholds_file: Path | None = None

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.home / 'minewatch.sqlite3'}"

    @property
    def files_dir(self) -> Path:
        return self.home / "files"

    @property
    def key_path(self) -> Path:
        return self.home / "secret.key"


def load_settings(**overrides) -> Settings:
    """Read the environment once; keyword overrides win (used by tests and the CLI)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
