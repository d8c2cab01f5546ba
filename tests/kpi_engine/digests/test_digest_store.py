"""The digests table: names unique whatever their case, filter values checked against the known
teams, agents and tags, edits by id, a file loaded all or nothing, unreadable rows left out."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from kpi_engine.digests.definitions import DigestDefinition, DigestInvalid
from kpi_engine.digests.store import DigestStore
from kpi_engine.errors import UnknownNameError
from kpi_engine.storage.schema import digests
from tests.builders import add_tickets

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def definition(name="Morning pulse", **fields) -> DigestDefinition:
    return DigestDefinition.from_dict(
        {"name": name, "channel": "C1", "at": "09:00", "kpis": ["fcr", "csat"]} | fields)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, migrated_database):
    db = migrated_database(request.param)
    add_tickets(db, {"id": "1", "created_at": NOW, "team": "billing", "tags": ["refund"]})
    return DigestStore(db, lambda: NOW)


def test_an_added_digest_reads_back_equal_with_an_id(store):
    added = store.add(definition(where={"team": ["Billing"]}))
    assert added.id
    assert store.get("morning PULSE") == added and store.get("morning PULSE").id == added.id
    assert store.all() == [added]


def test_a_second_digest_of_the_same_name_is_refused_unless_replaced(store):
    first = store.add(definition())
    with pytest.raises(DigestInvalid) as refused:
        store.add(definition(name="MORNING pulse", kpis=["frt"]))
    assert "exists already" in refused.value.errors["name"]
    replaced = store.add(definition(kpis=["frt"]), replace_existing=True)
    assert replaced.id == first.id
    assert [kpi.metric for kpi in store.get("Morning pulse").kpis] == ["frt"]


def test_an_unknown_team_is_refused_with_the_nearest_known_one(store):
    with pytest.raises(DigestInvalid) as refused:
        store.add(definition(where={"team": ["biling"]}))
    assert "no ticket has team 'biling'" in refused.value.errors["where"]
    assert "billing" in refused.value.suggestions
    assert store.all() == []


def test_an_edit_keeps_the_id_and_may_rename(store):
    added = store.add(definition())
    store.add(definition(name="Evening"))
    renamed = store.update(DigestDefinition.from_dict(
        definition(name="Tier 1 morning").to_dict(), digest_id=added.id))
    assert store.by_id(added.id) == renamed and store.find("Morning pulse") is None
    with pytest.raises(DigestInvalid, match="another digest is called 'Evening'"):
        store.update(DigestDefinition.from_dict(definition(name="evening").to_dict(),
                                                digest_id=added.id))


def test_removing_an_unknown_digest_names_the_nearest(store):
    store.add(definition())
    with pytest.raises(UnknownNameError) as unknown:
        store.remove("Morning puls")
    assert unknown.value.suggestions == ["Morning pulse"]
    assert store.remove("morning pulse").name == "Morning pulse" and store.all() == []


def test_loading_adds_replaces_keeps_and_prunes(store):
    store.add(definition())
    store.add(definition(name="Old one"))
    store.add(definition(name="Same"))
    report = store.load([definition(kpis=["frt"]), definition(name="Same"),
                         definition(name="New")], prune=True)
    assert (report.added, report.updated, report.unchanged, report.removed) == (
        ("New",), ("Morning pulse",), ("Same",), ("Old one",))
    assert [d.name for d in store.all()] == ["Morning pulse", "New", "Same"]


def test_a_load_with_a_bad_filter_writes_nothing(store):
    with pytest.raises(DigestInvalid):
        store.load([definition(name="New"), definition(name="Bad", where={"tag": ["refnd"]})])
    assert store.all() == []


def test_a_row_that_no_longer_validates_is_left_out(store):
    kept = store.add(definition())
    broken = definition(name="Broken").to_dict() | {"kpis": ["a_kpi_from_the_future"]}
    with store.db.begin() as connection:
        connection.execute(sa.insert(digests).values(
            id="x", name="Broken", name_key="broken", channel_id="C1",
            definition=json.dumps(broken), created_at=NOW, updated_at=NOW))
    assert store.all() == [kept]
    assert store.by_id("x") is None
