"""The business clock readings of the tickets, in the database: `tickets.created_business`,
`first_response_business` and `solved_business` — the business seconds from the epoch up to
each timestamp under the ticket's calendar (its team's, else the workspace's) — and the
`business_calendars` they were computed with (each calendar's canonical text and hash).

- `recompute(db, calendars)`: bring the readings in line with the configured calendars —
  only the tickets whose calendar changed (a team's, or every ticket of the workspace's), all
  of them with `force`; `ensure_current` does it when a stored hash differs (the engine asks
  before a business-hours query; `kpibot calendar recompute` asks outright).
- `import_readings(connection)`: for an import, the readings of each ticket computed in the
  same pass as the rows are read and staged (ticket_clocks.py's `TicketReadings`: a bisect per
  timestamp under the stored calendar of the ticket's team), so that a stored calendar costs
  an import little; None while no calendar was ever stored.
- `refresh_readings(connection, keys=…)`: the readings of some tickets under the *stored*
  calendars, in the writer's transaction — a support conversation's ticket, an import whose
  rows cannot tell them (a CSV without a timestamp or team column, merged into stored
  tickets) — so every writer of tickets keeps them; nothing while no calendar was ever stored
  (the first business-hours question computes them all).

Both go in batches of `BATCH` tickets: the timestamps as UTC epoch seconds are read by one
streamed SELECT (pages in key order on DuckDB), the readings computed in Python
(`BusinessClock`: a bisect each), and only those that differ are written back — a few by plain
UPDATEs, more loaded into a TEMPORARY table by the backend's bulk path (binary COPY on
PostgreSQL, read_csv on DuckDB, executemany on SQLite) and applied by one `UPDATE … FROM`; most
of the table, the backend's way (PostgreSQL: its secondary indexes dropped meanwhile and built
again, see sql/dialects/). On PostgreSQL a recompute holds an advisory lock that the writers'
refreshes wait for, so no ticket is written under a calendar being replaced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import sqlalchemy as sa

from kpi_engine.calendars.clock import BusinessClock
from kpi_engine.calendars.model import (
    WORKSPACE,
    BusinessCalendar,
    CalendarSet,
    calendar_hash,
)
from kpi_engine.calendars.ticket_clocks import CLOCKS_LOCK, TicketReadings, clock_for
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.schema import Timestamp, business_calendars, tickets

BATCH = 50_000
# Where the tickets are read by one streamed query while the readings are written: the others
# (DuckDB) read them in pages.
STREAMING_DIALECTS = ("postgresql", "sqlite")
FEW = 200  # this many changed readings or fewer are written by plain UPDATEs
MANY = 50_000  # from this many, the backend's way of rewriting most of a table (`rewrite`)
LOCK = "kpibot business readings"  # PostgreSQL: a recompute excludes the writers' refreshes
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

readings_metadata = sa.MetaData()
staged_readings = sa.Table(
    "kpibot_business_readings", readings_metadata,
    sa.Column("source", sa.String(64)), sa.Column("id", sa.String(128)),
    sa.Column("created_business", sa.BigInteger()),
    sa.Column("first_response_business", sa.BigInteger()),
    sa.Column("solved_business", sa.BigInteger()),
    prefixes=["TEMPORARY"],
)
# The keys of the tickets to refresh (an import's), each once and in key order: the batches
# walk it, so each costs its own rows however many there are.
refresh_keys = sa.Table(
    "kpibot_business_keys", readings_metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RecomputeReport:
    """What a recompute did: the calendars it recomputed (keys: `*` the workspace's, else a
    team), the tickets it read and those whose readings changed."""

    calendars: tuple[str, ...]
    tickets_read: int
    tickets_changed: int
    seconds: float
    definitions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"calendars": list(self.calendars), "tickets_read": self.tickets_read,
                "tickets_changed": self.tickets_changed, "seconds": round(self.seconds, 3),
                "definitions": self.definitions}


# -- the stored calendars -----------------------------------------------------------------------


def stored_hashes(connection: sa.Connection) -> dict[str, str]:
    """The hash of each stored calendar, by key."""
    return dict(connection.execute(
        sa.select(business_calendars.c.key, business_calendars.c.hash)).all())


def stored_calendars(connection: sa.Connection) -> CalendarSet | None:
    """The calendars the stored readings were computed with; None when none was ever stored."""
    rows = tuple(connection.execute(sa.select(
        business_calendars.c.key, business_calendars.c.definition)
        .order_by(business_calendars.c.key)).all())
    if not rows:
        return None
    return _from_canonical(rows)


@lru_cache(maxsize=8)
def _from_canonical(rows: tuple[tuple[str, str], ...]) -> CalendarSet:
    calendars = {}
    for key, definition in rows:
        fields = dict(part.split("=", 1) for part in definition.split("|"))
        calendars[key] = BusinessCalendar.parse(fields["hours"], fields["tz"],
                                                fields.get("holidays", ""))
    workspace = calendars.pop(WORKSPACE)
    return CalendarSet(workspace=workspace, teams=calendars)


def changed_calendars(connection: sa.Connection, calendars: CalendarSet) -> set[str]:
    """The keys of the calendars whose readings are not current: new, changed or removed."""
    stored, wanted = stored_hashes(connection), calendars.hashes()
    return {key for key in stored.keys() | wanted.keys() if stored.get(key) != wanted.get(key)}


def _store(connection: sa.Connection, calendars: CalendarSet) -> None:
    now = datetime.now(timezone.utc)
    connection.execute(business_calendars.delete())
    connection.execute(business_calendars.insert(), [
        {"key": key, "definition": calendar.canonical, "hash": calendar_hash(calendar),
         "computed_at": now}
        for key, calendar in calendars.by_key().items()])


# -- recomputing --------------------------------------------------------------------------------


def ensure_current(db: sa.Engine, calendars: CalendarSet) -> RecomputeReport | None:
    """Recompute the readings when a configured calendar is not the stored one (None when all
    are current)."""
    with db.connect() as connection:
        if not changed_calendars(connection, calendars):
            return None
    return recompute(db, calendars)


def recompute(db: sa.Engine, calendars: CalendarSet, *, force: bool = False,
              progress: Callable[[int], None] | None = None) -> RecomputeReport:
    """Bring every ticket's readings in line with `calendars` and store them as the current
    ones, in one transaction: the tickets of the calendars that changed (all with `force`).
    `progress(tickets_read)` is called after every batch."""
    started = time.perf_counter()
    with db.begin() as connection:
        if connection.dialect.name == "postgresql":  # one at a time, and no writer's refresh
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                               {"name": LOCK})
        everything = force or not stored_hashes(connection)
        changed = set(calendars.by_key()) if everything \
            else changed_calendars(connection, calendars)
        if not changed:
            return RecomputeReport(calendars=(), tickets_read=0, tickets_changed=0,
                                   seconds=time.perf_counter() - started)
        where = None if everything else _tickets_of(changed, calendars)
        read, written = _refresh(connection, calendars, where=where, progress=progress)
        _store(connection, calendars)
    keys = tuple(sorted(changed))
    definitions = {key: calendars.by_key()[key].describe() for key in keys
                   if key in calendars.by_key()}
    return RecomputeReport(calendars=keys, tickets_read=read, tickets_changed=written,
                           seconds=time.perf_counter() - started, definitions=definitions)


def _tickets_of(keys: set[str], calendars: CalendarSet) -> sa.ColumnElement:
    """The tickets whose readings a change of these calendars moves: those of the teams named
    (a team added, changed or removed), and with the workspace's calendar every ticket that
    has no calendar of its own."""
    team = sa.func.lower(tickets.c.team)
    conditions = []
    teams = sorted(key for key in keys if key != WORKSPACE)
    if teams:
        conditions.append(team.in_(teams))
    if WORKSPACE in keys:
        own = sorted(calendars.teams)
        conditions.append(tickets.c.team.is_(None))
        conditions.append(team.not_in(own) if own else sa.true())
    return sa.or_(*conditions)


def import_readings(connection: sa.Connection) -> TicketReadings | None:
    """The readings an import computes as it stages its tickets, under the stored calendars —
    in the import's transaction, which (on PostgreSQL) then holds the lock a recompute waits
    for, so no ticket is written under a calendar being replaced; None while no calendar was
    ever stored (the first business-hours question computes them all)."""
    if connection.dialect.name == "postgresql":  # waits for a recompute under way
        connection.execute(sa.text("SELECT pg_advisory_xact_lock_shared(hashtext(:name))"),
                           {"name": LOCK})
    calendars = stored_calendars(connection)
    return None if calendars is None else TicketReadings(calendars)


def refresh_readings(connection: sa.Connection, *, keys: sa.FromClause | None = None,
                     where: sa.ColumnElement | None = None) -> int:
    """Recompute the readings of some tickets under the stored calendars, in the caller's
    transaction: those of `keys` (a table or subquery with `source` and `id`: an import's
    staged tickets) and/or matching `where`. Returns how many changed; 0 and nothing done
    while no calendar is stored."""
    if connection.dialect.name == "postgresql":  # waits for a recompute under way
        connection.execute(sa.text("SELECT pg_advisory_xact_lock_shared(hashtext(:name))"),
                           {"name": LOCK})
    calendars = stored_calendars(connection)
    if calendars is None:
        return 0
    return _refresh(connection, calendars, keys=keys, where=where)[1]


def refresh_ticket(connection: sa.Connection, source: str, ticket_id: str) -> int:
    """`refresh_readings` of one ticket (a support conversation's, after it changed)."""
    return refresh_readings(connection,
                            where=sa.and_(tickets.c.source == source, tickets.c.id == ticket_id))


def _refresh(connection: sa.Connection, calendars: CalendarSet, *,
             keys: sa.FromClause | None = None, where: sa.ColumnElement | None = None,
             progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """(read, changed): the readings of the tickets selected, computed and written where they
    differ, `BATCH` tickets at a time."""
    t = tickets
    backend = backend_for(connection)
    epoch = sa.literal(_UNIX_EPOCH, Timestamp())
    seconds = [backend.seconds_between(t.c[name], epoch)
               for name in ("created_at", "first_response_at", "solved_at")]
    query = sa.select(t.c.source, t.c.id, t.c.team, *seconds, t.c.created_business,
                      t.c.first_response_business, t.c.solved_business)
    clocks = {key: clock_for(calendar) for key, calendar in calendars.by_key().items()}
    read = written = 0
    few: list[tuple] = []  # the changed readings while there are few
    try:
        for rows in _batches(connection, backend, query, keys, where):
            read += len(rows)
            changed = _changed_readings(rows, calendars, clocks)
            before, written = written, written + len(changed)
            if written <= FEW:
                few.extend(changed)
            elif changed:
                if before <= FEW:  # many after all: stage them, the few kept so far too
                    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {staged_readings.name}")
                    staged_readings.create(connection)
                    changed, few = few + changed, []
                backend.write(connection, staged_readings, changed)
            if progress is not None:
                progress(read)
        if few:
            _update(connection, few)
        elif written:
            _apply(connection, backend, many=written >= MANY)
    finally:
        backend.close()
    return read, written


def _batches(connection: sa.Connection, backend, query: sa.Select,
             keys: sa.FromClause | None, where: sa.ColumnElement | None) -> Iterator[Sequence]:
    """The selected tickets' rows, `BATCH` at a time: one streamed query where the database
    lets a batch be written while the query is open (PostgreSQL's server-side cursor, SQLite),
    else pages in key order (DuckDB), the keys of an import put in a table of their own."""
    t = tickets
    if where is not None:
        query = query.where(where)
    if connection.dialect.name in STREAMING_DIALECTS:
        if keys is not None:
            distinct = sa.select(keys.c.source, keys.c.id).distinct().subquery("staged_keys")
            query = query.select_from(distinct.join(
                t, sa.and_(distinct.c.source == t.c.source, distinct.c.id == t.c.id)))
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")  # the join in memory
        streamed = query.execution_options(stream_results=True, yield_per=BATCH)
        yield from connection.execute(streamed).partitions()
        return
    order = (t.c.source, t.c.id)
    if keys is not None:
        k = refresh_keys
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {k.name}")
        k.create(connection)
        connection.execute(k.insert().from_select(
            ["source", "id"], sa.select(keys.c.source, keys.c.id).distinct()))
        query = query.select_from(k.join(t, sa.and_(k.c.source == t.c.source,
                                                    k.c.id == t.c.id)))
        order = (k.c.source, k.c.id)
    query = query.order_by(*order).limit(BATCH)
    last: Sequence | None = None
    while True:
        rows = connection.execute(query if last is None else query.where(
            sa.tuple_(*order) > sa.tuple_(*last))).all()
        if rows:
            yield rows
        if len(rows) < BATCH:
            break
        last = (rows[-1][0], rows[-1][1])
    if keys is not None:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {refresh_keys.name}")


def _changed_readings(rows: Sequence, calendars: CalendarSet,
                      clocks: dict[str, BusinessClock]) -> list[tuple]:
    """(source, id, readings…) of the rows whose computed readings differ from the stored."""
    by_key: dict[str, list] = {}
    key_of = calendars.key_of
    for row in rows:
        by_key.setdefault(key_of(row[2]), []).append(row)
    changed = []
    with CLOCKS_LOCK:
        for key, group in by_key.items():
            clock = clocks[key]
            values = clock.readings(value for row in group for value in row[3:6])
            for index, row in enumerate(group):
                computed = tuple(values[3 * index:3 * index + 3])
                if computed != tuple(row[6:9]):
                    changed.append((row[0], row[1], *computed))
    return changed


def _update(connection: sa.Connection, rows: list[tuple]) -> None:
    """A few changed readings (a support conversation's ticket): UPDATE by key."""
    t = tickets
    connection.execute(
        sa.update(t).where(t.c.source == sa.bindparam("key_source"),
                           t.c.id == sa.bindparam("key_id"))
        .values(created_business=sa.bindparam("created"),
                first_response_business=sa.bindparam("first_response"),
                solved_business=sa.bindparam("solved")),
        [{"key_source": source, "key_id": ticket_id, "created": created,
          "first_response": first_response, "solved": solved}
         for source, ticket_id, created, first_response, solved in rows])


def _apply(connection: sa.Connection, backend, *, many: bool) -> None:
    """The staged readings into the tickets by one UPDATE … FROM (`many`: most of the table,
    the backend's way), then the TEMPORARY table dropped."""
    s, t = staged_readings, tickets
    backend.prepare_for_queries(connection, ((s, ("source", "id")),))
    update = sa.update(t).where(t.c.source == s.c.source, t.c.id == s.c.id).values(
        created_business=s.c.created_business,
        first_response_business=s.c.first_response_business,
        solved_business=s.c.solved_business)
    if many:
        backend.rewrite(connection, t, lambda: connection.execute(update))
    else:
        connection.execute(update)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {s.name}")
