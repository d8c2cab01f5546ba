"""The digests of a workspace, kept in the `digests` table.

Each row holds the definition as JSON — the same mapping a YAML or TOML file holds — so every
definition read back goes through `DigestDefinition.from_dict` again; one that no longer
validates (a KPI this version does not know) is left out with a warning rather than breaking
the others. Names are unique whatever their case. Filter values are checked against the known
agents, teams and tags when a digest is saved, so a misspelt team is caught then, not at 9 am.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.digests.definitions import DigestDefinition, DigestInvalid, name_key
from kpi_engine.errors import UnknownNameError
from kpi_engine.metrics import nearest
from kpi_engine.storage.dimension_values import FREE_TEXT_DIMENSIONS, read_dimension_values
from kpi_engine.storage.schema import digests

logger = logging.getLogger("kpibot.digests")


@dataclass(frozen=True)
class LoadReport:
    """What loading a file of definitions did, by digest name."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


class DigestStore:
    def __init__(self, db: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    # ---------------------------------------------------------------- reading

    def all(self) -> list[DigestDefinition]:
        """Every readable digest, by name."""
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(digests).order_by(digests.c.name_key)).all()
        return [definition for row in rows if (definition := self._read(row)) is not None]

    def by_id(self, digest_id: str) -> DigestDefinition | None:
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(digests).where(digests.c.id == digest_id)).first()
        return None if row is None else self._read(row)

    def find(self, name: str) -> DigestDefinition | None:
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(digests).where(digests.c.name_key == name_key(name))).first()
        return None if row is None else self._read(row)

    def get(self, name: str) -> DigestDefinition:
        """The digest called `name`, or an error naming the nearest ones."""
        found = self.find(name)
        if found is not None:
            return found
        names = [definition.name for definition in self.all()]
        raise UnknownNameError(f"there is no digest called {name!r}",
                               nearest(name, names) if names else ["kpibot digest list"])

    def _read(self, row) -> DigestDefinition | None:
        try:
            return DigestDefinition.from_dict(json.loads(row.definition), digest_id=row.id)
        except (ValueError, DigestInvalid) as problem:
            logger.warning("digest %r cannot be read and is left out: %s", row.name, problem)
            return None

    # ---------------------------------------------------------------- writing

    def add(self, definition: DigestDefinition, *,
            replace_existing: bool = False) -> DigestDefinition:
        """Store a new digest; with `replace_existing`, one of the same name is replaced."""
        self.check_filter_values(definition)
        existing = self.find(definition.name)
        if existing is not None:
            if not replace_existing:
                raise DigestInvalid(
                    {"name": f"a digest called {existing.name!r} exists already"},
                    [f"kpibot digest remove {existing.name!r}", "add --replace to replace it"])
            return self.update(replace(definition, id=existing.id))
        stored = replace(definition, id=uuid.uuid4().hex[:12])
        now = self.clock()
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(digests).values(
                    id=stored.id, created_at=now, updated_at=now, **_columns(stored)))
        except sa.exc.IntegrityError:  # added by someone else a moment ago
            raise DigestInvalid({"name": f"a digest called {definition.name!r} exists "
                                         "already"}) from None
        return stored

    def update(self, definition: DigestDefinition) -> DigestDefinition:
        """Save an edited digest (found by its id; it may have been renamed)."""
        if definition.id is None:
            raise ValueError("update needs a stored digest")
        self.check_filter_values(definition)
        clash = self.find(definition.name)
        if clash is not None and clash.id != definition.id:
            raise DigestInvalid({"name": f"another digest is called {clash.name!r}"})
        with self.db.begin() as connection:
            changed = connection.execute(
                sa.update(digests).where(digests.c.id == definition.id)
                .values(updated_at=self.clock(), **_columns(definition)))
        if changed.rowcount != 1:
            raise UnknownNameError(f"the digest {definition.name!r} was removed meanwhile")
        return definition

    def remove(self, name: str) -> DigestDefinition:
        definition = self.get(name)
        with self.db.begin() as connection:
            connection.execute(sa.delete(digests).where(digests.c.id == definition.id))
        return definition

    def load(self, definitions: Iterable[DigestDefinition], *, prune: bool = False) -> LoadReport:
        """Make the stored digests match a file's: add new names, replace changed ones, keep
        equal ones; with `prune`, remove those the file does not name. All or nothing."""
        definitions = list(definitions)
        for definition in definitions:
            self.check_filter_values(definition)
        current = {definition.key: definition for definition in self.all()}
        added, updated, unchanged = [], [], []
        now = self.clock()
        with self.db.begin() as connection:
            for definition in definitions:
                existing = current.get(definition.key)
                if existing is None:
                    connection.execute(sa.insert(digests).values(
                        id=uuid.uuid4().hex[:12], created_at=now, updated_at=now,
                        **_columns(definition)))
                    added.append(definition.name)
                elif replace(definition, id=existing.id) == existing:
                    unchanged.append(definition.name)
                else:
                    connection.execute(sa.update(digests).where(digests.c.id == existing.id)
                                       .values(updated_at=now, **_columns(definition)))
                    updated.append(definition.name)
            named = {definition.key for definition in definitions}
            removed = [existing.name for key, existing in current.items()
                       if prune and key not in named]
            if removed:
                connection.execute(sa.delete(digests).where(
                    digests.c.name_key.in_([name_key(name) for name in removed])))
        return LoadReport(added=tuple(added), updated=tuple(updated),
                          unchanged=tuple(unchanged), removed=tuple(removed))

    def check_filter_values(self, definition: DigestDefinition) -> None:
        """A team, agent or tag that no ticket has is refused, with the nearest known ones."""
        checked = [f for f in definition.filters if f.dimension in FREE_TEXT_DIMENSIONS]
        if not checked:
            return
        with self.db.connect() as connection:
            known = read_dimension_values(connection)
        for condition in checked:
            values = known[condition.dimension]
            folded = {value.casefold() for value in values}
            for value in condition.values:
                if value.casefold() not in folded:
                    hint = nearest(value, list(values)) if values else []
                    raise DigestInvalid(
                        {"where": f"no ticket has {condition.dimension.value} {value!r}"
                                  + (f" (nearest: {', '.join(hint)})" if hint else "")},
                        hint)


def _columns(definition: DigestDefinition) -> dict:
    return {"name": definition.name, "name_key": definition.key,
            "channel_id": definition.channel_id,
            "definition": json.dumps(definition.to_dict(), ensure_ascii=False)}
