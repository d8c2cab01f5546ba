"""Zendesk's satisfaction ratings (`/api/v2/satisfaction_ratings` pages) as survey rows, as
docs/helpdesks.md documents: `good` is a CSAT answer of 5 and `bad` of 1 (so kpibot's CSAT, the
share of 4–5, is Zendesk's good ÷ (good + bad)), both also a request sent when the rating was
offered; `offered` is a request without an answer; `unoffered` is nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kpi_engine.ingest.helpdesk.files import BadItem, Page
from kpi_engine.ingest.helpdesk.items import (
    MAX_TEXT,
    ItemError,
    MappedRating,
    identifier,
    timestamp,
)
from kpi_engine.ingest.helpdesk.vendor import Item
from kpi_engine.ingest.values import MAX_COMMENT

SCORES = {"good": 5, "bad": 1}
_from_iso = datetime.fromisoformat


def ratings_of(page: Page, data: dict) -> Iterator[Item]:
    """The ratings of a page of `satisfaction_ratings`; each one that cannot be taken a bad
    item naming its position."""
    ratings = data["satisfaction_ratings"]
    if not isinstance(ratings, list):
        yield BadItem(page.file, page.where, "`satisfaction_ratings` is not a list")
        return
    where = page.where
    for index, raw in enumerate(ratings):
        position = f"{where}, satisfaction_ratings[{index}]" if where else \
            f"satisfaction_ratings[{index}]"  # page.position(…), made quicker
        try:
            rating = _rating(raw, page.file, position)
        except ItemError as error:
            yield BadItem(page.file, position, error.reason)
            continue
        if rating is not None:
            yield rating


def _rating(raw: Any, file: str, position: str) -> MappedRating | None:
    """good → a CSAT answer of 5, bad → 1 (both also a request, sent when the rating was
    offered); offered → a request without an answer; unoffered → nothing."""
    if not isinstance(raw, dict):
        raise ItemError("is not a satisfaction rating object")
    raw_id = raw.get("ticket_id")
    ticket_id = str(raw_id) if type(raw_id) is int else None
    if ticket_id is None or len(ticket_id) > MAX_TEXT["id"]:
        ticket_id = identifier(raw_id, "the rating's ticket_id")
    score = raw.get("score")
    if score == "unoffered":
        return None
    if score != "offered" and score not in SCORES:
        raise ItemError(f"the rating of ticket {ticket_id}: score {score!r} is not good, bad, "
                        "offered or unoffered")
    created_text = raw.get("created_at")
    updated_text = raw.get("updated_at") or created_text
    try:  # the timestamps as Zendesk writes them; anything else told by `timestamp`
        sent, updated = _from_iso(created_text), _from_iso(updated_text)
        if sent.tzinfo is None or updated.tzinfo is None:
            raise ValueError
    except (TypeError, ValueError):
        what = f"the rating of ticket {ticket_id}"
        sent = timestamp(created_text, f"{what}: created_at")
        updated = timestamp(updated_text, f"{what}: updated_at")
    answer = SCORES.get(score)
    comment = raw.get("comment")
    comment = comment.strip()[:MAX_COMMENT] or None if isinstance(comment, str) else None
    return MappedRating(ticket_id, sent, answer, max(updated, sent) if answer else None,
                        comment if answer else None, updated, file, position)
