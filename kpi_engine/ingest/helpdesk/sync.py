"""The live sync: `sync_once(db, settings, source)` pulls what changed in a helpdesk since the
last sync, stream by stream (tickets first, then ratings), and returns a `SyncReport`.

Each page is written in one transaction together with the cursor that follows it, in the
`sync_state` table (the cursor store below): a sync killed at any point — between pages, in
the middle of a page — resumes from the last page written, and since writing is an upsert by
(source, id) no ticket is lost or doubled. A stream ends when the helpdesk says there is
nothing newer (Zendesk's `end_of_stream`, a short Freshdesk page); its cursor then waits for the
next sync. An error stops the sync with one sentence, kept in `sync_state.last_error`; a ticket
the mapping cannot take (an unknown channel, say) stops it too, on that page, so nothing is
guessed or skipped silently — the sentence says which setting maps it.

`sync_configured(db, settings)` runs every configured helpdesk: the scheduler's job.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.ingest.helpdesk.http import HelpdeskError
from kpi_engine.ingest.helpdesk.items import People
from kpi_engine.ingest.helpdesk.vendor import SOURCES, vendor_class, vendor_for
from kpi_engine.ingest.helpdesk.writer import HelpdeskWriter, WriteCounts
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.schema import sync_state

logger = logging.getLogger("kpibot.sync")
MAX_ERROR = 1000


@dataclass
class SyncReport:
    """What one sync pulled and wrote, per stream."""

    source: str
    streams: dict[str, WriteCounts] = field(default_factory=dict)
    requests: int = 0
    waited_seconds: float = 0.0
    seconds: float = 0.0

    def total(self) -> WriteCounts:
        total = WriteCounts()
        for counts in self.streams.values():
            total.add(counts)
        return total

    def to_json(self) -> dict:
        return {"source": self.source, "requests": self.requests,
                "waited_seconds": round(self.waited_seconds, 3),
                "seconds": round(self.seconds, 3),
                "streams": {name: counts.to_json() for name, counts in self.streams.items()}}


class SyncNotConfigured(UserError):
    """A helpdesk whose settings are missing."""


def sync_once(db: sa.Engine, settings, source: str, *,
              sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0,
              transport=None) -> SyncReport:
    """Pull what changed in `source` since the stored cursors, page by page; see the module
    docstring. Raises a UserError (HelpdeskError, SyncNotConfigured) with one sentence."""
    started = time.perf_counter()
    vendor = vendor_for(source, settings)
    missing = vendor.missing_settings()
    if missing:
        raise SyncNotConfigured(f"{vendor.label} is not configured: set {', '.join(missing)}",
                                missing)
    report = SyncReport(vendor.source)
    people = People()
    stream_name = "setup"
    with vendor.client(sleep=sleep, backoff=backoff, transport=transport) as client:
        try:
            vendor.prelude(client, people)
            for stream in vendor.streams():
                stream_name = stream.name
                counts = report.streams.setdefault(stream.name, WriteCounts())
                stored = read_cursor(db, vendor.source, stream.name)
                cursor = stored if stored is not None else stream.start()
                while True:
                    fetched = stream.fetch(client, cursor)
                    counts.add(_write_page(db, vendor, people, stream.name, fetched))
                    cursor = fetched.cursor
                    if fetched.done:
                        break
        except UserError as error:
            _record_error(db, vendor.source, stream_name, error.message)
            raise
        except Exception as error:
            _record_error(db, vendor.source, stream_name,
                          f"internal error: {type(error).__name__}")
            raise
        finally:
            report.requests = client.requests
            report.waited_seconds = client.waited
    report.seconds = time.perf_counter() - started
    return report


def _write_page(db: sa.Engine, vendor, people: People, stream: str, fetched) -> WriteCounts:
    """One page and the cursor after it, in one transaction."""
    with db.begin() as connection:
        writer = HelpdeskWriter(connection, vendor.source, people, strict=False)
        try:
            writer.take(vendor.read_page(fetched.page, people))
            writer.settle()
            if writer.counts.bad_count:
                first = writer.counts.bad_items[0]
                more = writer.counts.bad_count - 1
                raise HelpdeskError(
                    f"{vendor.label} sync stopped at a page it cannot take "
                    f"({first.position or first.file}): {first.reason}"
                    + (f" (and {more} more on that page)" if more else "")
                    + "; nothing of that page was written")
            counts = writer.merge()
        finally:
            writer.close()
        _save_cursor(connection, vendor.source, stream, fetched.cursor, done=fetched.done)
    return counts


def sync_configured(db: sa.Engine, settings, **options) -> dict[str, SyncReport | str]:
    """Sync every helpdesk whose settings are there; a report or the error's sentence each.
    Never raises for a helpdesk's failure (the scheduler's job runs again). `options` go to
    `sync_once`."""
    results: dict[str, SyncReport | str] = {}
    for source in configured_sources(settings):
        try:
            results[source] = report = sync_once(db, settings, source, **options)
            total = report.total()
            logger.info("%s sync: %d tickets (%d new, %d updated, %d removed), %d ratings in %d "
                        "requests", source, total.tickets_read, total.tickets_new,
                        total.tickets_updated, total.tickets_removed, total.ratings_read,
                        report.requests)
        except UserError as error:
            results[source] = error.message
            logger.warning("%s sync: %s", source, error.message)
        except Exception:
            results[source] = "internal error"
            logger.exception("%s sync failed", source)
    return results


def configured_sources(settings) -> list[str]:
    """The helpdesks whose sync settings are all set."""
    return [source for source in SOURCES if not vendor_class(source).missing(settings)]


# -- the cursor store -----------------------------------------------------------------------------


def read_cursor(db: sa.Engine | sa.Connection, source: str, stream: str) -> dict | None:
    """The stored cursor of a stream, or None before its first page."""
    query = sa.select(sync_state.c.cursor).where(sync_state.c.source == source,
                                                 sync_state.c.stream == stream)
    if isinstance(db, sa.Connection):
        text = db.execute(query).scalar()
    else:
        with db.connect() as connection:
            text = connection.execute(query).scalar()
    return json.loads(text) if text else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _save_cursor(connection: sa.Connection, source: str, stream: str, cursor: dict, *,
                 done: bool) -> None:
    now = _now()
    values = {"cursor": json.dumps(cursor, sort_keys=True), "updated_at": now}
    if done:
        values |= {"last_success_at": now, "last_error": None}
    _upsert_state(connection, source, stream, values)


def _record_error(db: sa.Engine, source: str, stream: str, message: str) -> None:
    try:
        with db.begin() as connection:
            _upsert_state(connection, source, stream,
                          {"updated_at": _now(), "last_error": message[:MAX_ERROR]})
    except sa.exc.SQLAlchemyError:
        logger.exception("could not record the %s sync error", source)


def _upsert_state(connection: sa.Connection, source: str, stream: str, values: dict) -> None:
    statement = backend_for(connection).insert(sync_state).values(
        source=source, stream=stream, **values)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["source", "stream"], set_=values))


def reset_sync(db: sa.Engine, source: str) -> int:
    """Forget the cursors of `source`: its next sync starts over (an upsert, so nothing is
    doubled). How many streams were forgotten."""
    with db.begin() as connection:
        return connection.execute(sa.delete(sync_state).where(
            sync_state.c.source == source)).rowcount


def sync_states(db: sa.Engine) -> list[dict]:
    """Every stream's state, for `kpibot sync status` and `kpibot doctor`."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(sync_state).order_by(
            sync_state.c.source, sync_state.c.stream)).mappings().all()
    return [dict(row) for row in rows]
