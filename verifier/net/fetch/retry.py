"""When to ask again: Retry-After, backoff with jitter, retryable answers, and the retry decision.

Why its own module: the decision is policy (which failures are transient), kept apart from the
mechanics of sending, and named by an Enum so a typo cannot silently mean "never retry".
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from enum import Enum


class Retry(Enum):
    """How a failed attempt may be retried."""

    NEVER = "never"
    ONCE = "once"  # quickly, one time (a refused connection may be a restart)
    TRANSIENT = "transient"  # with exponential backoff, up to the retry budget


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: base·2^attempt scaled by a factor in [0.5, 1.5), capped."""
    return min(cap, base * (2**attempt) * (0.5 + rng()))


def is_retryable_status(code: int) -> bool:
    """Answers worth asking again: rate limits, timeouts and transient server errors."""
    return code in (408, 425, 429) or (500 <= code < 600 and code not in (501, 505))


