"""Merging an import's staged rows into the real tables: tickets by an upsert that rewrites
a row only where a value differs (so importing a file twice changes nothing) with their tags
replaced by the file's (only the differences written), a file's missing columns kept on the
stored tickets (or blanked with `replace_missing`), the business clock readings staged with the
rows merged with them (or refreshed after the merge from what is stored); many tickets into
empty tables the backend's bulk way (PostgreSQL: the indexes built after the load); survey
requests and responses by the same upsert. `StagedMerge` is the part of an import run
(canonical.py's `_Run`) that does it; it uses the run's `connection`, `backend`,
`replace_missing`, `ticket_columns` and `readings`, and sets `kept_columns`. The upsert
(`upsert`) and the survey merge (`merge_staged_surveys`) serve the helpdesk import's merge too.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.calendars.readings import refresh_readings
from kpi_engine.ingest.rows import TICKET_COLUMNS
from kpi_engine.ingest.staging import (
    added_tags,
    removed_tags,
    staged_surveys,
    staged_tags,
    staged_tickets,
)
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    RECORD_COLUMNS,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)

# From this many tickets into an empty table, PostgreSQL builds the indexes after the load.
BULK_LOAD_MIN_ROWS = 100_000
_TICKET_VALUES = [name for name in RECORD_COLUMNS if name not in ("source", "id")]
# The columns the business clock readings are computed from (a file without one of them,
# merged into stored tickets, has them computed after the merge instead, from what is stored).
_READ_FROM = ("team", "created_at", "first_response_at", "solved_at")


class StagedMerge:
    """The merge of an import run's staged rows."""

    def merge_tickets(self) -> tuple[int, int, int]:
        """Upsert the staged tickets and replace their tags; (new, updated, unchanged). Of a
        ticket already stored, only the columns of the file are compared and rewritten (all of
        them with `replace_missing`)."""
        execute = self.connection.execute
        s, t, st, tt = staged_tickets, tickets, staged_tags, ticket_tags
        if self.backend.bulk_loads:
            loaded = self._bulk_load()
            if loaded is not None:  # the business clock readings went in with the rows
                return loaded, 0, 0
        absent = () if self.replace_missing else tuple(
            name for name in TICKET_COLUMNS if name not in self.ticket_columns)
        with_tags = "tags" not in absent
        # A file without the tags column keeps the stored tags, and so their list.
        values = [name for name in _TICKET_VALUES
                  if name not in absent and (with_tags or name != "tag_list")]
        # The business clock readings staged with the rows go into new tickets, and into stored
        # ones unless the file lacks a column they are read from: those are computed after the
        # merge, from what is stored (`stale`).
        readings = list(BUSINESS_READINGS) if self.readings else []
        stale = bool(readings) and any(name in absent for name in _READ_FROM)
        same_tag = lambda a, b: sa.and_(  # noqa: E731
            a.c.source == b.c.source, a.c.ticket_id == b.c.ticket_id, a.c.tag == b.c.tag)
        # The tag rows to add and to remove, worked out before anything is written.
        execute(added_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            st.c.source, st.c.ticket_id, st.c.tag
        ).where(~sa.exists().where(same_tag(tt, st)))))
        if with_tags:  # a file without the tags column keeps every stored tag
            execute(removed_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
                tt.c.source, tt.c.ticket_id, tt.c.tag
            ).where(
                sa.exists().where(s.c.source == tt.c.source, s.c.id == tt.c.ticket_id),
                ~sa.exists().where(same_tag(st, tt)),
            )))
        differs = sa.or_(
            *(t.c[name].is_distinct_from(s.c[name]) for name in values),
            *(sa.exists().where(tags.c.source == s.c.source, tags.c.ticket_id == s.c.id)
              for tags in (added_tags, removed_tags)),
        )
        staged, existing, changed = execute(sa.select(
            sa.func.count(), sa.func.count(t.c.id),
            sa.func.count(sa.case((sa.and_(t.c.id.is_not(None), differs), 1))),
        ).select_from(s.outerjoin(t, sa.and_(t.c.source == s.c.source, t.c.id == s.c.id)))).one()

        if existing and absent:
            self.kept_columns = absent
        if staged > existing or changed:  # else the file says what the database says
            self._upsert(t, s, ["source", "id"], _TICKET_VALUES + readings,
                         update=values + ([] if stale else readings))
            if execute(sa.select(sa.func.count()).select_from(removed_tags)).scalar_one():
                execute(sa.delete(tt).where(sa.exists().where(same_tag(removed_tags, tt))))
            execute(tt.insert().from_select(["source", "ticket_id", "tag"], sa.select(added_tags)))
        if stale:
            refresh_readings(self.connection, keys=staged_tickets)  # business clock readings
        return staged - existing, changed, existing - changed

    def _bulk_load(self) -> int | None:
        """Many tickets into empty tables: load them the backend's bulk way (PostgreSQL: the
        indexes built after the load) and return how many; None when this is not such a load
        (or the user may not)."""
        execute = self.connection.execute
        s, t, st, tt = staged_tickets, tickets, staged_tags, ticket_tags
        staged = execute(sa.select(sa.func.count()).select_from(s)).scalar_one()
        if staged < BULK_LOAD_MIN_ROWS or execute(sa.select(sa.exists(t.select()))).scalar_one():
            return None

        def load() -> None:
            # The tables are empty and locked, and staging holds each key once: plain INSERTs.
            columns = RECORD_COLUMNS + BUSINESS_READINGS  # the readings staged with the rows
            execute(t.insert().from_select(columns, sa.select(*(s.c[name] for name in columns))))
            execute(tt.insert().from_select(
                tt.c.keys(), sa.select(st.c.source, st.c.ticket_id, st.c.tag)))

        if not self.backend.load_into_empty(self.connection, load, tickets=t, ticket_tags=tt):
            return None
        return staged

    def merge_surveys(self) -> tuple[int, int, int]:
        """Upsert the staged survey requests and responses; (new, updated, unchanged) rows."""
        return merge_staged_surveys(self.connection, self.backend)

    def _upsert(self, table: sa.Table, staged: sa.Table, key: list[str], values: list[str],
                where: sa.ColumnElement | None = None, *,
                update: list[str] | None = None) -> None:
        upsert(self.connection, self.backend, table, staged, key, values, where, update=update)


def merge_staged_surveys(connection: sa.Connection, backend) -> tuple[int, int, int]:
    """Upsert the staged survey requests and responses (`staged_surveys`, a canonical import's
    or a helpdesk's ratings); (new, updated, unchanged) rows."""
    execute = connection.execute
    s, req, resp = staged_surveys, survey_requests, survey_responses

    def key(table):
        return sa.and_(table.c.source == s.c.source, table.c.ticket_id == s.c.ticket_id,
                       table.c.kind == s.c.kind)

    is_request, is_response = s.c.sent_at.is_not(None), s.c.score.is_not(None)
    new = sa.or_(sa.and_(is_request, req.c.kind.is_(None)),
                 sa.and_(is_response, resp.c.kind.is_(None)))
    differs = sa.or_(
        sa.and_(is_request, req.c.sent_at.is_distinct_from(s.c.sent_at)),
        sa.and_(is_response, sa.or_(*(resp.c[name].is_distinct_from(s.c[name])
                                      for name in ("score", "responded_at", "comment")))),
    )
    staged, new_count, changed = execute(sa.select(
        sa.func.count(),
        sa.func.count(sa.case((new, 1))),
        sa.func.count(sa.case((sa.and_(sa.not_(new), differs), 1))),
    ).select_from(s.outerjoin(req, key(req)).outerjoin(resp, key(resp)))).one()
    if new_count or changed:
        keys = ["source", "ticket_id", "kind"]
        upsert(connection, backend, req, s, keys, ["sent_at"], is_request)
        upsert(connection, backend, resp, s, keys, ["score", "responded_at", "comment"],
               is_response)
    return new_count, changed, staged - new_count - changed


def upsert(connection: sa.Connection, backend, table: sa.Table, staged: sa.Table,
           key: list[str], values: list[str], where: sa.ColumnElement | None = None, *,
           update: list[str] | None = None) -> None:
    """INSERT … SELECT … ON CONFLICT (key) DO UPDATE only the rows where a value differs;
    a row already there has only the `update` columns compared and set (default: all)."""
    columns = key + values
    rows = sa.select(*(staged.c[name] for name in columns))
    # SQLite needs a WHERE to tell the upsert's ON from a join's.
    rows = rows.where(where if where is not None else sa.true())
    statement = backend.insert(table).from_select(columns, rows)
    update = values if update is None else update
    statement = statement.on_conflict_do_update(
        index_elements=key,
        set_={name: statement.excluded[name] for name in update},
        where=sa.or_(*(table.c[name].is_distinct_from(statement.excluded[name])
                       for name in update)),
    )
    connection.execute(statement)
