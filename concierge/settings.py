"""One typed settings object, read from ``CONCIERGE_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("nl", "en", "de", "fr")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CONCIERGE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )
    """Empty values count as unset: an empty ``CONCIERGE_WEBHOOK_SECRET=`` must not mean "the empty secret"."""

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///concierge.db"
    redis_url: str | None = None
    runtime: Literal["aiogram", "ptb"] = "aiogram"
    default_language: Literal["nl", "en", "de", "fr"] = "nl"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    bot_username: str = "concierge_bot"
    """Used for deep links (t.me/<username>?start=...) where the bot cannot ask Telegram (web, digest)."""
    public_url: str = ""
    """Base URL of the public web pages, for links in pages, the digest, the sitemap, JSON-LD and MCP.
    Unset, it is derived from the web host and port (``http://127.0.0.1:<port>``): right on this machine
    only, so it is required when serving on any other address (see ``public_url_problem``)."""
    _public_url_derived: bool = PrivateAttr(default=False)
    publisher_token: SecretStr | None = None
    """Bearer token a newsletter editor uses to record a digest (``POST /digest``); the moderator token
    works too. Unset, only the moderator token (or the CLI) records."""
    moderator_token: SecretStr | None = None
    """Bearer token for the moderators' API (campaign stats); unset disables it."""
    geocoder: Literal["nominatim", "offline"] = "nominatim"
    """How owners' typed addresses become positions: OpenStreetMap's Nominatim, or ``offline`` from the
    area's own known streets, places and addresses (tests, demos, no network)."""
    redis_prefix: str = "concierge:"
    """Prefix of every Redis key and channel, so several deployments (or tests) can share one Redis."""
    log_salt: SecretStr | None = None
    """Per-deployment salt for the hashed user ids in logs; unset, a random one per process."""
    log_format: Literal["json", "text"] = "json"
    question_limit: int = 12
    """Questions one resident may ask per ``question_window`` seconds before a single "slow down"."""
    question_window: int = 60
    update_limit: int = 40
    """Updates of any kind (questions, commands, button presses, inline queries) one person may send per
    ``question_window`` seconds before the same single "slow down"; beyond it they are not handled."""
    api_rate: float = Field(default=10.0, gt=0)
    """Requests per second one client may make to the public API, the digest and QR codes."""
    api_burst: int = Field(default=40, ge=1)
    """Requests one client may make at once before ``api_rate`` applies."""
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = (
        IPv4Network("127.0.0.1/32"),
        IPv6Network("::1/128"),
    )
    """Reverse proxies (addresses or networks, comma-separated) whose ``X-Forwarded-For`` names the
    client: behind Caddy every request comes from the proxy, and clients must not share one limit."""

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _derive_public_url(self) -> Settings:
        if not self.public_url.strip():
            self.public_url = local_url(self.web_host, self.web_port)
            self._public_url_derived = True
        self.public_url = self.public_url.strip().rstrip("/")
        return self

    @property
    def public_url_derived(self) -> bool:
        """True when ``CONCIERGE_PUBLIC_URL`` was not set and ``public_url`` is the local default."""
        return self._public_url_derived

    def with_address(self, host: str, port: int) -> Settings:
        """These settings listening on ``host:port``; a derived public URL follows the actual port."""
        update: dict[str, object] = {"web_host": host, "web_port": port}
        if self._public_url_derived:
            update["public_url"] = local_url(host, port)
        return self.model_copy(update=update)

    def public_url_problem(self) -> str | None:
        """Why links cannot be built, or None: the derived default is refused outside loopback use."""
        if self._public_url_derived and not is_loopback(self.web_host):
            return (
                f"CONCIERGE_PUBLIC_URL is required when serving on {self.web_host}: set it to the address "
                "people reach, e.g. https://buurt.example"
            )
        return None

    def public_url_warning(self) -> str | None:
        if not self._public_url_derived:
            return None
        return (
            f"CONCIERGE_PUBLIC_URL is not set: links in pages, digests and MCP answers point at "
            f"{self.public_url}, which only this machine can open"
        )

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_url(host: str, port: int) -> str:
    """The URL of this machine's own web server: wildcard addresses become the loopback address."""
    if not is_loopback(host):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
