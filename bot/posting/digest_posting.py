"""Posting digests and alerts to Slack, each exactly once.

`DigestPoster.post(definition, due)` claims (digest, the period `due` covers) in the database
(kpi_engine.storage.claims), builds the digest, posts it with the claim in the message's metadata,
records the post, then adds the definitions and the trend chart in the digest's thread. A
second process, a restart or a second `kpibot digest run` finds the claim and posts nothing.
A holder that died after claiming is taken over after the claim timeout (`retry_stale`, run
by the scheduler every few minutes); the taker first looks in the channel's recent history
for a message carrying the claim — the dead holder may have posted and died before recording
it — and records that one instead of posting twice. Charts are drawn by a `ChartQueue` in a
process of their own, after the digest is posted.

Alerts (`check_alerts`) read every alert rule of every digest, move its state, and post one
message per new episode, claimed the same way; the alert's thread continues its question, so
"by agent" in reply digs in. Failures are logged and never raised: a scheduler's job must not
die of one bad digest.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.asking.asking import thread_conversation
from bot.blocks.digest import alert_message, definitions_message, digest_message
from bot.errors import log_internal_error
from bot.services import DigestServices
from kpi_engine.digests.alerts import alert_claim_key, alert_text, read_alerts
from kpi_engine.digests.content import DigestReport, build_digest, covered_period
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.schedules import last_due, next_due
from kpi_engine.query import KpiQuery
from kpi_engine.storage.claims import Claim

logger = logging.getLogger("kpibot.digests")

POST_EVENT = "kpibot_post"  # the metadata event type of every digest and alert kpibot posts
HISTORY_PAGES = 5  # pages of channel history searched for a post a dead holder made


class Outcome(Enum):
    POSTED = "posted"
    ALREADY_POSTED = "already posted"
    BEING_POSTED = "being posted by another process"
    GIVEN_UP = "given up after repeated failures"
    TOO_LATE = "too late to be useful"
    FAILED = "failed"


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    digest: DigestDefinition
    due: datetime
    ts: str | None = None
    report: DigestReport | None = None


def digest_claim_key(definition: DigestDefinition, due: datetime,
                     week_start: str = "monday") -> str:
    """`digest:<id>:<day>`: the digest and the period it covers, named by the local day that
    period ends on (its exclusive end) — a digest of yesterday due on 23 Nov is
    `…:2026-11-23`, one of last week due on any day of the week of 23 Nov is `…:2026-11-23`
    too. A digest is posted once per period, whichever of its days it runs on: a weekly
    digest of "last week" that runs on weekdays posts on Monday and not again that week."""
    period = covered_period(definition, due, week_start=week_start)
    return f"digest:{definition.id}:{period.end.astimezone(definition.zone).date().isoformat()}"


class ChartQueue:
    """Digest charts drawn one after another in a process of their own (started at the first
    chart), so that posting digests never waits for matplotlib nor shares its interpreter
    lock; each PNG is handed to its upload when drawn. `drain()` waits for every chart."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def draw(self, report: DigestReport, upload: Callable[[bytes], None]) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_ignore_interrupts)
            future = self._pool.submit(_draw_chart, report)
            self._pending.add(future)

        def drawn(done: Future) -> None:
            try:
                upload(done.result())
            except Exception:
                log_internal_error(f"the chart of digest {report.definition.name!r}")
            finally:
                with self._lock:
                    self._pending.discard(done)

        future.add_done_callback(drawn)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every chart asked for so far is drawn and handed over."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)
        for future in pending:  # the callbacks run just after the result is set
            while future in self._pending:
                time.sleep(0.005)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal's group: the chart process is stopped by
    the scheduler (`ChartQueue.close`), not interrupted with a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _draw_chart(report: DigestReport) -> bytes:
    from bot.charts import digest_chart_png

    return digest_chart_png(report)


class DigestPoster:
    def __init__(self, services: DigestServices, client: WebClient, *,
                 charts: bool | None = None, chart_queue: ChartQueue | None = None) -> None:
        self.services = services
        self.client = client
        self.charts = services.settings.digest_charts if charts is None else charts
        self.chart_queue = chart_queue or ChartQueue()
        self._team_id: str | None = None
        self._app_id = ""

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.services.settings.digest_grace_seconds)

    # ---------------------------------------------------------------- digests

    def post_due(self, digest_id: str) -> PostResult | None:
        """The scheduler's job at a digest's time: post it for its latest scheduled instant,
        unless that is longer ago than the grace time."""
        definition = self.services.digests.by_id(digest_id)
        if definition is None:
            logger.info("digest %s was removed: nothing to post", digest_id)
            return None
        now = self.services.engine.now()
        due = last_due(definition, now)
        if now - due > self.grace:
            logger.warning("digest %r due %s skipped: %s late, past the grace of %s",
                           definition.name, due.isoformat(timespec="minutes"), now - due,
                           self.grace)
            return PostResult(Outcome.TOO_LATE, definition, due)
        return self.post(definition, due)

    def post(self, definition: DigestDefinition, due: datetime, *,
             force: bool = False) -> PostResult:
        """Post `definition` for its instant `due`, once (again on purpose with `force`)."""
        key = digest_claim_key(definition, due, self.services.settings.week_start)
        claims = self.services.claims
        claim = claims.force(key) if force else claims.claim(key)
        if claim is None:
            return PostResult(self._why_not(key), definition, due)
        found = self._lost_post(definition.channel_id, claim)
        if found is not None:
            claims.complete(claim, found)
            logger.info("digest %r for %s was posted by a holder that died: recorded %s",
                        definition.name, due.astimezone(definition.zone).date(), found)
            return PostResult(Outcome.ALREADY_POSTED, definition, due, ts=found)
        try:
            report = build_digest(self.services.engine, definition, due)
            message = digest_message(report)
            posted = self.client.chat_postMessage(
                channel=definition.channel_id, text=message.text, blocks=list(message.blocks),
                metadata=_metadata(key), unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            claims.release(claim)
            logger.error("digest %r could not be posted in %s: %s", definition.name,
                         definition.channel_id, error.response.get("error"))
            return PostResult(Outcome.FAILED, definition, due)
        except Exception:
            claims.release(claim)
            log_internal_error(f"posting digest {definition.name!r}")
            return PostResult(Outcome.FAILED, definition, due)
        ts = posted.get("ts")
        claims.complete(claim, ts)
        self._in_thread(definition, report, ts)
        return PostResult(Outcome.POSTED, definition, due, ts=ts, report=report)

    def _why_not(self, key: str) -> Outcome:
        record = self.services.claims.record(key)
        if record is not None and record.posted:
            return Outcome.ALREADY_POSTED
        if record is not None and record.attempts >= self.services.claims.max_attempts:
            return Outcome.GIVEN_UP
        return Outcome.BEING_POSTED

    def _in_thread(self, definition: DigestDefinition, report: DigestReport, ts: str) -> None:
        """The definitions and the chart in the digest's thread, and its question kept so a
        reply such as "by agent" continues the digest's first KPI. Best effort: the digest
        itself is posted."""
        try:
            if not report.no_data:
                self.services.conversations.remember(
                    self._thread_key(definition.channel_id, ts),
                    KpiQuery(metric=report.lines[0].metric.id, period=report.period,
                             filters=definition.filters))
            reply = definitions_message(report)
            self.client.chat_postMessage(channel=definition.channel_id, thread_ts=ts,
                                         text=reply.text, blocks=list(reply.blocks))
            if self.charts and not report.no_data:
                self.chart_queue.draw(report, lambda png: self._upload_chart(report, ts, png))
        except SlackApiError as error:
            logger.warning("digest %r: the thread reply failed: %s", definition.name,
                           error.response.get("error"))
        except Exception:
            log_internal_error(f"the thread of digest {definition.name!r}")

    def _upload_chart(self, report: DigestReport, ts: str, png: bytes) -> None:
        definition = report.definition
        try:
            self.client.files_upload_v2(
                channel=definition.channel_id, thread_ts=ts,
                file_uploads=[{"content": png, "filename": "digest-trend.png",
                               "title": f"{definition.name}: the last 14 "
                                        f"{report.period.unit.value}s"}])
        except SlackApiError as error:
            logger.warning("digest %r: the chart upload failed: %s", definition.name,
                           error.response.get("error"))

    def _lost_post(self, channel: str, claim: Claim) -> str | None:
        """The ts of a message carrying the claim, posted since it was first made — only
        worth looking for when a dead holder's claim was taken over."""
        if claim.attempt == 1:
            return None
        oldest = f"{claim.first_claimed_at.timestamp() - 60:.6f}"
        cursor = None
        try:
            for _ in range(HISTORY_PAGES):
                page = self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200,
                    **({"cursor": cursor} if cursor else {}))
                for message in page.get("messages", []):
                    metadata = message.get("metadata") or {}
                    if metadata.get("event_type") == POST_EVENT and \
                            (metadata.get("event_payload") or {}).get("claim") == claim.key:
                        return message.get("ts")
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except SlackApiError as error:  # no history scope, not in the channel: post anyway
            logger.warning("could not look for an earlier post in %s: %s", channel,
                           error.response.get("error"))
        return None

    def retry_stale(self) -> list[PostResult]:
        """Post again the digests whose claim holder died, while they are still useful."""
        results = []
        now = self.services.engine.now()
        for record in self.services.claims.stale("digest:"):
            _, digest_id, day = record.key.split(":", 2)
            definition = self.services.digests.by_id(digest_id)
            if definition is None:
                continue
            due = self._claimed_due(definition, record.key, record.first_claimed_at, day)
            if due is None or now - due > self.grace:
                continue
            logger.info("digest %r for %s: its poster died, trying again", definition.name, day)
            results.append(self.post(definition, due))
        return results

    def _claimed_due(self, definition: DigestDefinition, key: str, claimed_at: datetime,
                     day: str) -> datetime | None:
        """The scheduled instant a dead holder was posting for: the last one at or before its
        claim (a run is never earlier than its instant), else the first on or after the day
        the key's period ends; None when neither covers the key's period (the digest's
        schedule changed since)."""
        week_start = self.services.settings.week_start
        candidates = [last_due(definition, claimed_at)]
        try:
            ends = datetime.combine(date.fromisoformat(day), datetime.min.time(),
                                    tzinfo=definition.zone)
            candidates.append(next_due(definition, ends - timedelta(microseconds=1)))
        except ValueError:
            pass
        return next((due for due in candidates
                     if digest_claim_key(definition, due, week_start) == key), None)

    # ---------------------------------------------------------------- alerts

    def check_alerts(self) -> list[str]:
        """Read every alert rule; post each new crossing once. Returns the claim keys posted."""
        settings, services = self.services.settings, self.services
        now = services.engine.now()
        posted = []
        for definition in services.digests.all():
            if not any(kpi.alerts for kpi in definition.kpis):
                continue
            try:
                readings = read_alerts(services.engine, definition, now=now,
                                       window_hours=settings.alert_window_hours,
                                       min_n=settings.alert_min_n)
                for reading in readings:
                    state = services.alert_states.apply(reading)
                    if state.firing and reading.crossed:
                        key = alert_claim_key(definition, reading, state.episode)
                        if self._post_alert(definition, reading, key):
                            posted.append(key)
            except Exception:
                log_internal_error(f"checking the alerts of digest {definition.name!r}")
        return posted

    def _post_alert(self, definition: DigestDefinition, reading, key: str) -> bool:
        claim = self.services.claims.claim(key)
        if claim is None:
            return False
        found = self._lost_post(definition.channel_id, claim)
        if found is not None:
            self.services.claims.complete(claim, found)
            return False
        message = alert_message(reading, alert_text(reading), ask_link=self._ask_link())
        try:
            posted = self.client.chat_postMessage(
                channel=definition.channel_id, text=message.text, blocks=list(message.blocks),
                metadata=_metadata(key), unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            self.services.claims.release(claim)
            logger.error("alert %s could not be posted: %s", key, error.response.get("error"))
            return False
        ts = posted.get("ts")
        self.services.claims.complete(claim, ts)
        self.services.conversations.remember(self._thread_key(definition.channel_id, ts),
                                             reading.result.query)
        return True


    def _identity(self) -> tuple[str, str]:
        """The workspace's and the app's ids (asked of Slack once; "" where it cannot say)."""
        if self._team_id is None:
            identity = self.client.auth_test()
            self._team_id = identity.get("team_id") or ""
            try:
                bot = self.client.bots_info(bot=identity.get("bot_id"))
                self._app_id = (bot.get("bot") or {}).get("app_id") or ""
            except SlackApiError:
                self._app_id = ""
        return self._team_id, self._app_id

    def _thread_key(self, channel: str, ts: str) -> str:
        """The conversation key of the post's thread, as the listeners name it."""
        return thread_conversation(self._identity()[0] or None, channel, ts)

    def _ask_link(self) -> str | None:
        """A link that opens kpibot's DM, to ask more there."""
        team_id, app_id = self._identity()
        return f"https://slack.com/app_redirect?app={app_id}&team={team_id}" if app_id else None


def _metadata(key: str) -> dict:
    return {"event_type": POST_EVENT, "event_payload": {"claim": key}}
