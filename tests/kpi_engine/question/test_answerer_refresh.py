"""A long-running answerer (the Slack app) learns names imported after it started, once its copy
of the known values is older than `lexicon_max_age`; a one-shot answerer keeps its copy."""

from __future__ import annotations

from datetime import datetime, timezone

from kpi_engine.engine import KpiEngine
from kpi_engine.question.answers import QuestionAnswerer
from tests.builders import add_tickets, make_settings

QUESTION = "FCR for Zanele Mokoena last week"


def _import_zanele(db) -> None:
    add_tickets(db, dict(id="z1", created_at=datetime(2026, 11, 10, 9, tzinfo=timezone.utc),
                         agent="Zanele Mokoena", status="solved",
                         solved_at=datetime(2026, 11, 10, 10, tzinfo=timezone.utc)))


def test_names_imported_later_are_learnt_when_the_copy_is_stale(sqlite_db):
    add_tickets(sqlite_db, dict(id="a1", created_at=datetime(2026, 11, 10, 9, tzinfo=timezone.utc)))
    answerer = QuestionAnswerer(KpiEngine(sqlite_db, make_settings()), lexicon_max_age=0.0)
    _import_zanele(sqlite_db)
    answer = answerer.ask(QUESTION)
    assert answer.refusal is None
    assert answer.result.n == 1


def test_without_a_max_age_the_first_copy_is_kept(sqlite_db):
    add_tickets(sqlite_db, dict(id="a1", created_at=datetime(2026, 11, 10, 9, tzinfo=timezone.utc)))
    answerer = QuestionAnswerer(KpiEngine(sqlite_db, make_settings()))
    _import_zanele(sqlite_db)
    assert answerer.ask(QUESTION).refusal is not None
