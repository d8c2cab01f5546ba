"""The staged path's end (writer.py): late names filled in and ratings staged (those of tickets
neither in the pages nor stored are bad, or wait), then the staging tables merged into the real
ones the way the canonical import merges — a row is rewritten only when a value differs, so
writing the same pages twice changes nothing — with the counts of new, updated and unchanged
tickets and ratings, and the removal of the tickets a helpdesk deleted. `StagedMerge` is the
part of `HelpdeskWriter` that does it (its `connection`, `backend`, `source`, `counts`,
`readings`, `latest`, `ratings`, `pending`, …).
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.ingest.helpdesk.items import MINUTE_FIELDS, TICKET_FIELDS, bounded_text
from kpi_engine.ingest.helpdesk.versions import Versions
from kpi_engine.ingest.merging import merge_staged_surveys, upsert
from kpi_engine.ingest.staging import (
    added_tags,
    removed_tags,
    staged_surveys,
    staged_tags,
    staged_tickets,
)
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    surveys,
    ticket_tags,
    tickets,
)

CHUNK = 500  # ids per IN (…) list

_helpdesk_staging = sa.MetaData()
staged_minutes = sa.Table(
    "kpibot_staged_minutes", _helpdesk_staging,
    sa.Column("line", sa.Integer(), nullable=False),
    *(sa.Column(c.name, c.type) for c in helpdesk_metrics.columns),
    prefixes=["TEMPORARY"],
)
_STAGED_COLUMNS = list(staged_tickets.c.keys())[1:]  # the ticket record's columns, `line` off
# What a helpdesk says of a stored ticket: its fields and (the tags being the page's) their list.
_OWN = [name for name in TICKET_FIELDS if name not in ("source", "id")] + ["tag_list"]
_READINGS = list(BUSINESS_READINGS)
_CSAT = "csat"
_CREATED, _FIRST, _SOLVED = (TICKET_FIELDS.index(name) for name in (
    "created_at", "first_response_at", "solved_at"))


class StagedMerge:
    """The end of what a writer staged (a mixin of `HelpdeskWriter`)."""

    connection: sa.Connection
    source: str
    versions: Versions

    def _resolve_pending(self) -> None:
        """Fill in the names that pages read later gave (and, for a team, the readings under
        its calendar); an id never named stays the id. Only the version written counts."""
        updates: dict[str, list[dict]] = {}
        readings = self.readings
        for seq, _, field_name, _, name, row in self.versions.late_names():
            if name is None:
                continue
            params = {"key_": seq, "value_": bounded_text(name, field_name)}
            if field_name == "team" and readings is not None:
                params.update(zip((f"{name}_" for name in _READINGS), readings(
                    params["value_"], row[_CREATED], row[_FIRST], row[_SOLVED])))
            updates.setdefault(field_name, []).append(params)
        self._update_names(staged_tickets, staged_tickets.c.line == sa.bindparam("key_"),
                           updates)

    def _stage_ratings(self, removed: set[str]) -> int:
        """Stage the ratings of tickets in the pages or already stored, drop those of removed
        tickets; the others are bad (strict) or wait for their ticket. How many were staged."""
        rows = [(line, self.source, ticket_id, _CSAT, rating.sent_at, rating.score,
                 rating.responded_at, rating.comment)
                for line, (ticket_id, rating) in enumerate(
                    self.versions.ratings_to_write(removed, self._stored_ids), start=1)]
        if rows:
            self.backend.write(self.connection, staged_surveys, rows)
        return len(rows)

    def _stored_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            found.update(self.connection.execute(
                sa.select(tickets.c.id).where(tickets.c.source == self.source,
                                              tickets.c.id.in_(ids[start:start + CHUNK]))
            ).scalars())
        return found

    def _merge_tickets(self) -> None:
        execute = self.connection.execute
        s, t, st, tt, sm, hm = (staged_tickets, tickets, staged_tags, ticket_tags,
                                staged_minutes, helpdesk_metrics)
        same_tag = lambda a, b: sa.and_(  # noqa: E731
            a.c.source == b.c.source, a.c.ticket_id == b.c.ticket_id, a.c.tag == b.c.tag)
        execute(added_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            st.c.source, st.c.ticket_id, st.c.tag).where(~sa.exists().where(same_tag(tt, st)))))
        execute(removed_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            tt.c.source, tt.c.ticket_id, tt.c.tag
        ).where(sa.exists().where(s.c.source == tt.c.source, s.c.id == tt.c.ticket_id),
                ~sa.exists().where(same_tag(st, tt)))))
        # Outer joins, not EXISTS in an OR (which PostgreSQL would run once per row).
        tag_changes = sa.union(sa.select(added_tags.c.source, added_tags.c.ticket_id),
                               sa.select(removed_tags.c.source, removed_tags.c.ticket_id)
                               ).subquery()
        differs = sa.or_(
            *(t.c[name].is_distinct_from(s.c[name]) for name in _OWN),
            tag_changes.c.ticket_id.is_not(None),
            *(hm.c[name].is_distinct_from(sm.c[name]) for name in MINUTE_FIELDS),
            sa.and_(sm.c.ticket_id.is_(None), hm.c.ticket_id.is_not(None)),
            sa.and_(sm.c.ticket_id.is_not(None), hm.c.ticket_id.is_(None)),
        )
        joined = (
            s.outerjoin(t, sa.and_(t.c.source == s.c.source, t.c.id == s.c.id))
            .outerjoin(tag_changes, sa.and_(tag_changes.c.source == s.c.source,
                                            tag_changes.c.ticket_id == s.c.id))
            .outerjoin(sm, sa.and_(sm.c.source == s.c.source, sm.c.ticket_id == s.c.id))
            .outerjoin(hm, sa.and_(hm.c.source == s.c.source, hm.c.ticket_id == s.c.id))
        )
        staged, existing, changed = execute(sa.select(
            sa.func.count(), sa.func.count(t.c.id),
            sa.func.count(sa.case((sa.and_(t.c.id.is_not(None), differs), 1))),
        ).select_from(joined)).one()
        self.counts.tickets_new += staged - existing
        self.counts.tickets_updated += changed
        self.counts.tickets_unchanged += existing - changed
        if staged == existing and not changed:
            return  # the pages say what the database says
        # The readings computed with the rows: a stored ticket's too while a calendar is stored.
        connection, backend = self.connection, self.backend
        upsert(connection, backend, t, s, ["source", "id"], _STAGED_COLUMNS[2:],
               update=_OWN + (_READINGS if self.readings is not None else []))
        if execute(sa.select(sa.func.count()).select_from(removed_tags)).scalar_one():
            execute(sa.delete(tt).where(sa.exists().where(same_tag(removed_tags, tt))))
        execute(tt.insert().from_select(["source", "ticket_id", "tag"], sa.select(added_tags)))
        upsert(connection, backend, hm, sm, ["source", "ticket_id"], list(MINUTE_FIELDS))
        execute(sa.delete(hm).where(
            sa.exists().where(s.c.source == hm.c.source, s.c.id == hm.c.ticket_id),
            ~sa.exists().where(sm.c.source == hm.c.source, sm.c.ticket_id == hm.c.ticket_id)))

    def _merge_ratings(self) -> None:
        """Upsert the staged ratings as survey requests and responses."""
        new, changed, unchanged = merge_staged_surveys(self.connection, self.backend)
        self.counts.ratings_new += new
        self.counts.ratings_updated += changed
        self.counts.ratings_unchanged += unchanged

    def _remove(self, ids: list[str]) -> int:
        """Delete these tickets with everything that hangs on them; how many were stored."""
        execute, removed = self.connection.execute, 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            for table in (ticket_tags, survey_requests, survey_responses, helpdesk_metrics,
                          surveys):
                execute(sa.delete(table).where(table.c.source == self.source,
                                               table.c.ticket_id.in_(chunk)))
            removed += execute(sa.delete(tickets).where(
                tickets.c.source == self.source, tickets.c.id.in_(chunk))).rowcount
        return removed
