"""Settings from the environment (prefix VERIFIER_) or a .env file, read once per process."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_database_url() -> str:
    path = Path(user_data_dir("verifier", appauthor=False)) / "verifier.sqlite"
    return f"sqlite:///{path}"


def _origin(entry: str) -> tuple[str, int]:
    host, sep, port = entry.strip().rpartition(":")
    host = host.strip().strip("[]").rstrip(".").lower()
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"VERIFIER_ALLOW_PRIVATE_HOSTS: {entry.strip()!r} is not host:port")
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        if ":" in host or "/" in host:
            raise ValueError(f"VERIFIER_ALLOW_PRIVATE_HOSTS: {entry.strip()!r} is not host:port") from None
    return host, int(port)


def private_origins(text: str) -> frozenset[tuple[str, int]]:
    """'127.0.0.1:8765, [::1]:9000' → {('127.0.0.1', 8765), ('::1', 9000)}; a bad entry is a ValueError."""
    return frozenset(_origin(e) for e in text.split(",") if e.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VERIFIER_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    redis_url: str = "redis://localhost:6379/0"
    #: True/False, or "host:port,host:port": only those origins may be private (netguard.PrivateAllowance)
    allow_private_hosts: bool | str = False
    fetch_timeout: float = 20.0
    fetch_max_bytes: int = 50_000_000
    pdf_max_bytes: int = 300_000_000
    host_concurrency: int = 4
    host_interval: float = 1.0
    fetch_retries: int = 2
    max_redirects: int = 10
    respect_robots: bool = True
    user_agent: str = "verifier/0.1 (+{contact})"
    contact_url: str = "https://github.com/verifier/verifier"
    freshness: float = 3600.0

    recheck_interval: float = 604800.0
    dead_after: int = 3
    strike_spacing: float = 86400.0
    archive_url: str = "https://archive.org/wayback/available"
    archive_on_verify: bool = False  # ask the archive to save live sources when a brief is first checked
    archive_on_failure: bool = True  # judge quotes on an archived copy when a cited page cannot be read
    memento_url: str | None = None  # a Memento TimeGate (…/timegate/), tried after archive_url
    recheck_min_interval: float = 86400.0
    recheck_max_interval: float = 8 * 604800.0
    recheck_backoff: float = 1.5
    recheck_jitter: float = 0.1
    recheck_lease: float = 900.0
    recheck_batch_size: int = 200
    recheck_sweep_limit: int = 5000

    stall_after: float = 90.0  # seconds without progress before the service restarts a brief's work
    max_attempts: int = 4
    #: seconds between a worker's heartbeats; work whose heartbeat is 5 beats old is restarted
    heartbeat_interval: float = 2.0
    robots_ttl: float = 3600.0  # seconds a host's robots.txt is shared by every task and worker
    #: raw bodies larger than this are kept gzipped in blob_dir, not in the database
    blob_threshold: int = 8_000_000
    blob_dir: str | None = None  # None: "bodies" in the user data dir (share it between service machines)
    ocr_enabled: bool = True
    ocr_lang: str = "eng"
    ocr_workers: int = 2
    ocr_dpi: int = 300
    ocr_page_timeout: float = 120.0
    ocr_cache_dir: str | None = None  # None: the user cache dir
    #: headless Chromium for pages whose text scripts write, or behind a JavaScript challenge
    render: Literal["auto", "always", "never"] = "auto"
    chromium: str | None = None  # None: `chromium` on the PATH
    render_timeout: float = 20.0
    render_pages: int = 2  # pages rendered at once per process
    #: claims (cited sentences without quotation marks): coverage below this is `unsupported`…
    claims_unsupported: float = 0.4
    #: …and at or above this, with no flag, `supported`
    claims_supported: float = 0.8
    #: what makes a claim set the exit status 1: a contradiction (a flag with a source), any flag or
    #: an unsupported claim, or never
    claims_exit: Literal["contradiction", "flag", "never"] = "contradiction"
    api_rate_limit: int = 600
    #: seconds an API process trusts a key it has looked up: a revoked key stops working within this
    api_key_cache_seconds: float = 5.0
    max_brief_bytes: int = 10_000_000
    #: a brief with more quotes (worth checking) or more citations than this is refused, in one line
    max_quotes: int = 20_000
    max_citations: int = 50_000
    #: quotes judged per task in the service (a large brief is judged in several bounded tasks)
    judge_chunk: int = 500
    #: cited URLs fetched by one task in the service, concurrently (a brief citing more: several tasks)
    fetch_batch: int = 8
    #: "module:Class" of the jobs backend (verifier.service.jobs.Jobs); the API never imports Celery itself
    jobs_backend: str = "workers.jobs:CeleryJobs"

    # -- clamps: a value out of range means "as little as makes sense", never an error at use

    @field_validator("recheck_batch_size", "recheck_sweep_limit", "dead_after", "host_concurrency", "judge_chunk",
                     "fetch_batch")
    @classmethod
    def _at_least_one(cls, v: int) -> int:
        return max(1, v)

    @field_validator("fetch_retries")
    @classmethod
    def _not_negative_int(cls, v: int) -> int:
        return max(0, v)

    @field_validator("host_interval")
    @classmethod
    def _not_negative_float(cls, v: float) -> float:
        return max(0.0, v)

    @model_validator(mode="after")
    def _interval_bounds(self) -> Settings:
        """The recheck interval's bounds always hold it: min ≤ interval ≤ max."""
        self.recheck_min_interval = min(self.recheck_min_interval, self.recheck_interval)
        self.recheck_max_interval = max(self.recheck_max_interval, self.recheck_interval)
        return self

    @field_validator("allow_private_hosts", mode="before")
    @classmethod
    def _private_hosts(cls, value: object) -> bool | str:
        if isinstance(value, str):
            words = {"1": True, "true": True, "yes": True, "on": True,
                     "0": False, "false": False, "no": False, "off": False, "": False}
            flag = words.get(value.strip().lower())
            return flag if flag is not None else ",".join(
                f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in sorted(private_origins(value)))
        if isinstance(value, bool):
            return value
        raise ValueError("allow_private_hosts: true, false or a list of host:port origins")

    @property
    def ua(self) -> str:
        return self.user_agent.format(contact=self.contact_url)

    def for_briefs(self) -> Settings:
        """Settings for fetching a brief (not a source): read no more than a brief may be."""
        cap = min(self.fetch_max_bytes, self.max_brief_bytes)
        return self.model_copy(update={"fetch_max_bytes": cap, "pdf_max_bytes": cap})

    @property
    def blob_path(self) -> Path:
        return Path(self.blob_dir) if self.blob_dir else Path(user_data_dir("verifier", appauthor=False)) / "bodies"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
