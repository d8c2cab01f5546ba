"""The digest and alert scheduler: APScheduler 3's `BackgroundScheduler`, its jobs kept in the
bot's database by a `SQLAlchemyJobStore` (the `apscheduler_jobs` table of the migrations). It
runs inside `kpibot serve`, or alone as `kpibot scheduler`.

Jobs, each under a stable id:

- `digest:<id>`, one per digest: a cron trigger at the digest's local time on its days (every
  day, weekdays, named weekdays, or a day of the month — the 31st on a shorter month's last
  day), in its own zone. `coalesce` and a misfire grace time (KPIBOT_DIGEST_GRACE): a digest
  missed during a short outage runs once when the process is back; one missed for longer is
  skipped, with a log line saying so.
- `alerts`: every KPIBOT_ALERT_INTERVAL minutes, the alert rules of every digest.
- `retry`: takes over the claims of posters that died before posting (see
  kpi_engine/storage/claims.py).
- `sync`: every minute, brings the digest jobs in line with the `digests` table, so digests
  added, edited or removed from Slack or the command line, in any process, are scheduled.
- `surveys`: every KPIBOT_SURVEY_CHECK_MINUTES, surveys for tickets with a Slack thread found
  solved (imported from a helpdesk, or resolved while kpibot was away), expired surveys closed.
- `helpdesk-sync`: every KPIBOT_SYNC_MINUTES when a helpdesk (Zendesk, Freshdesk) is configured,
  what changed there since the last sync (kpi_engine/ingest/helpdesk/sync.py); a job newly
  scheduled runs first at once, not after its first interval.

- `heartbeat`: every minute (and at start), this scheduler's row in `scheduler_heartbeats`
  (host, pid, when last seen; rows gone quiet for a week are dropped), for `kpibot doctor`.

At start, beside the jobs (a thread of its own, which a stop waits for like a job): when
business hours are in use (readings were stored) and the configured calendars changed since —
a restart with new KPIBOT_BUSINESS_HOURS, KPIBOT_HOLIDAYS or team calendars — every ticket's
business clock readings are recomputed (`refresh_calendars`), rather than by the first
business-hours question; the engine does it there too, for a process without a scheduler
(`KpiEngine.calendars`).

Syncing keeps a job whose schedule did not change, with its stored next run time: re-adding
it with `replace_existing` would compute the next run from now and silently drop a run missed
while the process was down. Any number of schedulers may share one database — each posts
through claims, so a digest is posted once whoever runs it.

The job functions are module-level, as a persistent job store names them by their module path,
and run with the process's scheduler, registered when it starts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.posting.digest_posting import DigestPoster
from bot.posting.survey_posting import SurveyPoster
from bot.services import DigestServices
from kpi_engine.digests.definitions import Days, DigestDefinition
from kpi_engine.storage.schema import apscheduler_jobs, scheduler_heartbeats

logger = logging.getLogger("kpibot.scheduler")

DIGEST_JOB_PREFIX = "digest:"
ALERTS_JOB, RETRY_JOB, SYNC_JOB, SURVEYS_JOB = "alerts", "retry", "sync", "surveys"
HELPDESK_JOB = "helpdesk-sync"
HEARTBEAT_JOB, HEARTBEAT_SECONDS = "heartbeat", 60
HEARTBEAT_KEPT = timedelta(days=7)  # a row of a scheduler not seen for this long is dropped
SYNC_SECONDS = 60
JOB_THREADS = 4
SHUTDOWN_SECONDS = 60  # how long a stop waits for the jobs running (a digest being posted)

# The scheduler of this process, for the job functions below (set by `DigestScheduler.start`).
_running: DigestScheduler | None = None


def run_digest(digest_id: str) -> None:
    """Job: post one digest for its latest scheduled instant."""
    _current().run(lambda scheduler: scheduler.poster.post_due(digest_id))


def check_alerts() -> None:
    """Job: read every alert rule and post the new crossings."""
    _current().run(lambda scheduler: scheduler.poster.check_alerts())


def retry_claims() -> None:
    """Job: post again what a dead poster claimed."""
    _current().run(lambda scheduler: scheduler.poster.retry_stale())


def sync_digests() -> None:
    """Job: schedule the digests as the database has them now."""
    _current().run(lambda scheduler: scheduler.sync())


def check_surveys() -> None:
    """Job: survey the tickets found solved, close the expired surveys."""
    _current().run(lambda scheduler: scheduler.surveys and scheduler.surveys.check())


def sync_helpdesks() -> None:
    """Job: pull what changed in each configured helpdesk (errors are logged, not raised)."""
    from kpi_engine.ingest.helpdesk import sync_configured

    _current().run(lambda scheduler: sync_configured(scheduler.services.engine.db,
                                                     scheduler.services.settings))


def beat() -> None:
    """Job: record that this scheduler is alive."""
    _current().run(lambda scheduler: scheduler.beat())


def _current() -> DigestScheduler:
    if _running is None:
        raise RuntimeError("no kpibot scheduler is running in this process")
    return _running


def digest_trigger(definition: DigestDefinition) -> CronTrigger | OrTrigger:
    """At the digest's local time, on its days, in its zone (APScheduler's cron works on the
    zone's wall clock: 09:00 Berlin stays 09:00 across daylight saving). A monthly digest on
    a day some months lack runs on their last day instead: cron alone would skip those months
    (`day=31` never fires in April), so the 29th and 30th are "that day, or the last day of
    February", and the 31st is every month's last day."""
    days = definition.days
    at = dict(hour=definition.at.hour, minute=definition.at.minute, timezone=definition.zone)
    if days.month_day is None:
        weekdays = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day]
                            for day in sorted(days.weekdays))
        if days == Days.WEEKDAYS:  # as stored by earlier versions: their jobs stay as they are
            weekdays = "mon-fri"
        return CronTrigger(day_of_week="*" if days == Days.DAILY else weekdays, **at)
    if days.month_day <= 28:
        return CronTrigger(day=days.month_day, **at)
    if days.month_day == 31:
        return CronTrigger(day="last", **at)
    return OrTrigger([CronTrigger(month="1,3-12", day=days.month_day, **at),
                      CronTrigger(month=2, day="last", **at)])


class DigestScheduler:
    """One process's scheduler of digests and alerts."""

    def __init__(self, services: DigestServices, client: WebClient, *,
                 poster: DigestPoster | None = None,
                 surveys: SurveyPoster | None = None) -> None:
        self.services = services
        self.poster = poster or DigestPoster(services, client)
        self.surveys = surveys
        settings = services.settings
        self.grace = settings.digest_grace_seconds
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=services.engine.db,
                                                     tablename=apscheduler_jobs.name)},
            executors={"default": ThreadPoolExecutor(JOB_THREADS)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        self._jobs_running = 0
        self._stopping = False
        self.heartbeat_id = f"{socket.gethostname()[:120]}:{os.getpid()}"
        self.started_at = datetime.now(timezone.utc)
        self._idle = threading.Condition()
        self._fixed_jobs = {
            ALERTS_JOB: (check_alerts, IntervalTrigger(minutes=settings.alert_interval_minutes)),
            RETRY_JOB: (retry_claims, IntervalTrigger(
                seconds=max(settings.claim_timeout_seconds // 2, 5))),
            SYNC_JOB: (sync_digests, IntervalTrigger(seconds=SYNC_SECONDS)),
            SURVEYS_JOB: (check_surveys, IntervalTrigger(minutes=settings.survey_check_minutes)),
            HEARTBEAT_JOB: (beat, IntervalTrigger(seconds=HEARTBEAT_SECONDS)),
        }
        from kpi_engine.ingest.helpdesk import configured_sources

        if configured_sources(settings):
            self._fixed_jobs[HELPDESK_JOB] = (sync_helpdesks,
                                              IntervalTrigger(minutes=settings.sync_minutes))

    def start(self) -> None:
        """Start processing jobs: paused first, so the jobs are in line with the digests
        before anything due runs."""
        global _running
        _running = self
        self.scheduler.start(paused=True)
        now = datetime.now(timezone.utc)
        for job_id, (function, trigger) in self._fixed_jobs.items():
            self._ensure(job_id, function, trigger, name=job_id,
                         first_run=now if job_id == HELPDESK_JOB else None)
        self.sync()
        self.beat()
        self.scheduler.resume()
        self.calendars_thread = threading.Thread(
            target=self.run, args=(DigestScheduler.refresh_calendars,),
            name="kpibot-calendars", daemon=True)
        self.calendars_thread.start()
        logger.info("kpibot scheduler: %d digest(s) scheduled",
                    len(self._digest_jobs()))

    def run(self, work: Callable[[DigestScheduler], object]) -> None:
        """Run one job's work, unless the scheduler is stopping."""
        with self._idle:
            if self._stopping:
                return
            self._jobs_running += 1
        try:
            work(self)
        finally:
            with self._idle:
                self._jobs_running -= 1
                self._idle.notify_all()

    def shutdown(self, wait: bool = True) -> None:
        """Stop: no new job starts, the running ones finish (up to a timeout), then APScheduler
        shuts down. (Its own `shutdown(wait=True)` holds the job stores' lock while it waits
        for running jobs, and a job that syncs needs that lock: it would wait forever.)"""
        global _running
        with self._idle:
            self._stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
            with self._idle:
                if not self._idle.wait_for(lambda: self._jobs_running == 0,
                                           timeout=SHUTDOWN_SECONDS if wait else 0):
                    logger.warning("stopping with %d job(s) still running", self._jobs_running)
            self.scheduler.shutdown(wait=wait and self._jobs_running == 0)
        self.poster.chart_queue.close()
        if _running is self:
            _running = None

    def beat(self) -> None:
        """This scheduler's heartbeat: its row seen now (the real clock, not a pinned "now"),
        and the rows of schedulers quiet for a week dropped. A failure is logged, not raised."""
        now = datetime.now(timezone.utc)
        host, pid = self.heartbeat_id.rsplit(":", 1)
        try:
            with self.services.engine.db.begin() as connection:
                seen = connection.execute(
                    sa.update(scheduler_heartbeats)
                    .where(scheduler_heartbeats.c.id == self.heartbeat_id)
                    .values(seen_at=now))
                if seen.rowcount == 0:
                    connection.execute(sa.insert(scheduler_heartbeats).values(
                        id=self.heartbeat_id, host=host, pid=int(pid),
                        started_at=self.started_at, seen_at=now))
                connection.execute(sa.delete(scheduler_heartbeats).where(
                    scheduler_heartbeats.c.seen_at < now - HEARTBEAT_KEPT))
        except sa.exc.SQLAlchemyError as error:
            logger.warning("could not record the scheduler's heartbeat: %s",
                           type(error).__name__)

    def refresh_calendars(self):
        """Recompute the stored business clock readings when the configured calendars are
        not those they were computed with; nothing while business hours were never used (the
        first business-hours question computes them). The report, or None. A calendar that
        cannot be read is logged: the questions say it to whoever asks."""
        from kpi_engine.calendars import configured_calendars, ensure_current, stored_calendars
        from kpi_engine.errors import UserError

        db = self.services.engine.db
        try:
            with db.connect() as connection:
                if stored_calendars(connection) is None:
                    return None
            report = ensure_current(db, configured_calendars(self.services.settings))
        except UserError as error:
            logger.warning("business calendars: %s", error.message)
            return None
        if report is not None:
            logger.info("business calendars %s changed: %d tickets' readings recomputed in "
                        "%.1f s", ", ".join(report.calendars), report.tickets_changed,
                        report.seconds)
        return report

    def sync(self) -> None:
        """Add, change or remove `digest:` jobs to match the stored digests."""
        wanted = {DIGEST_JOB_PREFIX + definition.id: definition
                  for definition in self.services.digests.all()}
        for job_id, definition in wanted.items():
            self._ensure(job_id, run_digest, digest_trigger(definition), args=[definition.id],
                         name=f"digest {definition.name}", misfire_grace_time=self.grace)
        for job_id in self._digest_jobs():
            if job_id not in wanted:
                self.scheduler.remove_job(job_id)
                logger.info("digest job %s removed", job_id)

    def _digest_jobs(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()
                if job.id.startswith(DIGEST_JOB_PREFIX)]

    def _ensure(self, job_id: str, function, trigger, *, args=(), name: str,
                misfire_grace_time: int | None = None,
                first_run: datetime | None = None) -> None:
        """The job as wanted; one already stored with the same schedule keeps its next run.
        `first_run`: when a job added (or changed) now first runs, rather than its trigger's
        next time."""
        grace = misfire_grace_time if misfire_grace_time is not None else self.grace
        existing = self.scheduler.get_job(job_id)
        if existing is not None and _same_schedule(existing.trigger, trigger) \
                and list(existing.args) == list(args) and existing.misfire_grace_time == grace:
            return
        first = {"next_run_time": first_run} if first_run is not None else {}
        self.scheduler.add_job(function, trigger, args=list(args), id=job_id, name=name,
                               replace_existing=True, coalesce=True,
                               misfire_grace_time=grace, max_instances=1, **first)
        if job_id.startswith(DIGEST_JOB_PREFIX):
            logger.info("%s scheduled: next run %s", name,
                        self.scheduler.get_job(job_id).next_run_time)

    def _missed(self, event: JobExecutionEvent) -> None:
        late = timedelta(seconds=self.grace)
        logger.warning("job %s due %s was missed for longer than its grace of %s: skipped "
                       "(it runs again at its next time)", event.job_id,
                       event.scheduled_run_time, late)


def _same_schedule(stored, wanted) -> bool:
    return _schedule_key(stored) == _schedule_key(wanted)


def _schedule_key(trigger) -> tuple:
    """What makes a trigger's schedule: its fields and zone (those of each trigger combined)."""
    if isinstance(trigger, OrTrigger):
        return ("or", *(_schedule_key(inner) for inner in trigger.triggers))
    return (type(trigger).__name__, str(trigger), str(getattr(trigger, "timezone", "")))
