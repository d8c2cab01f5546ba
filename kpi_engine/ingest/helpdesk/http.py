"""Talking to a helpdesk's REST API: `HelpdeskClient`, one httpx client with HTTP basic auth,
timeouts, and the manners a sync needs —

- a 429 is waited out for its `Retry-After` seconds (60 when it gives none), then asked again;
- a 5xx, a timeout or a refused connection is retried a few times with exponential backoff
  (a 503's `Retry-After` is honoured), then the sync stops with one sentence;
- a 401 or 403 stops at once — `HelpdeskRefused`, one sentence, no retry storm;
- endpoints with a published request budget (Zendesk's incremental exports: 10 requests a
  minute) go through a client-side `RateLimiter`, so a sync never asks for a 429 there.

httpx rather than urllib: timeouts per phase, connection reuse across a sync's pages, and
basic auth and query encoding done right, in a library that is well kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from kpi_engine.errors import UserError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 4  # after the first try, for a 5xx or a network failure
MAX_RATE_LIMITED = 10  # 429s in a row before giving up
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 900.0


class HelpdeskError(UserError):
    """The helpdesk could not be synced: one sentence for the person running it."""


class HelpdeskRefused(HelpdeskError):
    """The helpdesk refused the credentials (401/403): nothing to retry."""


class HelpdeskUnavailable(HelpdeskError):
    """The helpdesk could not be reached, or kept failing, after the retries."""


class RateLimiter:
    """A token bucket: at most `per_minute` requests in any minute, bursts up to that many."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()
        self.lock = threading.Lock()

    def acquire(self, sleep: Callable[[float], None] | None = None) -> float:
        """Take one request's token, sleeping (with `sleep`, else the limiter's own) until
        there is one; the seconds slept."""
        sleep = sleep or self.sleep
        with self.lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            waited = 0.0
            if self.tokens < 1.0:
                waited = (1.0 - self.tokens) / self.rate
                sleep(waited)
                self.stamp = self.clock()
                self.tokens = 1.0
            self.tokens -= 1.0
            return waited


_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(key: str, per_minute: float) -> RateLimiter:
    """The process's limiter for one helpdesk account's endpoint (every sync shares it)."""
    with _limiters_lock:
        return _limiters.setdefault((key, per_minute), RateLimiter(per_minute))


class HelpdeskClient:
    """GET JSON from one helpdesk account, with the manners described above."""

    def __init__(self, label: str, base_url: str, auth: tuple[str, str], *,
                 refused_hint: str, sleep: Callable[[float], None] = time.sleep,
                 backoff: float = 1.0, retries: int = RETRIES,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.refused_hint = refused_hint
        self.sleep = sleep
        self.backoff = backoff
        self.retries = retries
        self.requests = 0
        self.waited = 0.0  # seconds spent waiting: Retry-After, backoff, the limiter
        self.http = httpx.Client(base_url=self.base_url, auth=httpx.BasicAuth(*auth),
                                 timeout=TIMEOUT, transport=transport,
                                 headers={"Accept": "application/json",
                                          "User-Agent": "kpibot-sync"})

    def __enter__(self) -> HelpdeskClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: dict[str, Any] | None = None, *,
            limiter: RateLimiter | None = None) -> Any:
        """The parsed JSON body of GET `path`; a HelpdeskError when it cannot be had."""
        failures = rate_limited = 0
        while True:
            if limiter is not None:
                self.waited += limiter.acquire(self.sleep)
            self.requests += 1
            try:
                response = self.http.get(path, params=params)
            except httpx.TransportError as error:
                failures += 1
                if failures > self.retries:
                    raise HelpdeskUnavailable(
                        f"cannot reach {self.label} at {self.base_url}: {_describe(error)}",
                        [f"check the network and the {self.label} URL"]) from None
                self._pause(self.backoff * 2 ** (failures - 1))
                continue
            status = response.status_code
            if status == 429:
                rate_limited += 1
                if rate_limited > MAX_RATE_LIMITED:
                    raise HelpdeskUnavailable(
                        f"{self.label} kept answering 429 (too many requests) "
                        f"{MAX_RATE_LIMITED} times in a row; try again later")
                wait = _retry_after(response)
                self._pause(DEFAULT_RETRY_AFTER if wait is None else wait)
                continue
            if status in (401, 403):
                raise HelpdeskRefused(
                    f"{self.label} refused the API token ({status} "
                    f"{response.reason_phrase}): {self.refused_hint}")
            if status >= 500:
                failures += 1
                if failures > self.retries:
                    raise HelpdeskUnavailable(
                        f"{self.label} kept failing: {status} {response.reason_phrase} to "
                        f"GET {path} after {self.retries + 1} tries; the next sync resumes "
                        "from the last page written")
                wait = _retry_after(response)
                self._pause(self.backoff * 2 ** (failures - 1) if wait is None else wait)
                continue
            if status != 200:
                raise HelpdeskError(
                    f"{self.label} answered {status} {response.reason_phrase} to GET {path}: "
                    f"{_short(response.text)}")
            try:
                return response.json()
            except ValueError:
                raise HelpdeskError(f"{self.label} answered GET {path} with something that is "
                                    "not JSON") from None

    def _pause(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (the delta-seconds form), capped; None when absent or a date."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _describe(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text[:200] + ("…" if len(text) > 200 else "")
