"""Zendesk's live streams, as `kpibot sync zendesk` pulls them (ingest/zendesk.py maps the
pages): the cursor-based incremental ticket export, under its own request budget, and the
satisfaction ratings by cursor pagination, read again within a lookback so a rating answered
or changed later is not missed. Each stream's cursor is what the sync stores with the page."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from kpi_engine.ingest.helpdesk.files import Page
from kpi_engine.ingest.helpdesk.http import HelpdeskClient, HelpdeskError
from kpi_engine.ingest.helpdesk.items import ItemError, timestamp
from kpi_engine.ingest.helpdesk.vendor import Fetched, Stream

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
RATINGS_PATH = "/api/v2/satisfaction_ratings"
SIDELOADS = "metric_sets,users,groups"
RATINGS_PAGE_SIZE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch(start: datetime | None) -> int:
    if start is None:
        return 0
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return max(int((start - _EPOCH).total_seconds()), 0)


class TicketExport(Stream):
    """The cursor-based incremental ticket export: start_time first, then after_cursor, until
    end_of_stream; its own request budget through the limiter."""

    name = "tickets"

    def __init__(self, start: int, limiter) -> None:
        self.start_time = start
        self.limiter = limiter

    def start(self) -> dict:
        return {"start_time": self.start_time}

    def fetch(self, client: HelpdeskClient, cursor: dict) -> Fetched:
        params = {**cursor, "include": SIDELOADS}
        body = client.get(EXPORT_PATH, params, limiter=self.limiter)
        if not isinstance(body, dict) or not isinstance(body.get("tickets"), list):
            raise HelpdeskError("Zendesk's incremental export answered without a tickets list")
        after = body.get("after_cursor")
        following = {"cursor": after} if after else cursor
        where = "page " + ("after start_time " + str(cursor["start_time"])
                           if "start_time" in cursor else f"at cursor {cursor['cursor']}")
        return Fetched(Page("Zendesk API", where, body), following,
                       bool(body.get("end_of_stream")) or not after)


class Ratings(Stream):
    """Satisfaction ratings by cursor pagination (page[size], meta.has_more, the after
    cursor) from start_time; at the end, start_time moves to the newest rating read less the
    lookback, so a rating answered or changed within it is read again."""

    name = "ratings"

    def __init__(self, start: int, lookback_seconds: int) -> None:
        self.start_time = start
        self.lookback = lookback_seconds

    def start(self) -> dict:
        return {"start_time": self.start_time}

    def fetch(self, client: HelpdeskClient, cursor: dict) -> Fetched:
        params = {"page[size]": RATINGS_PAGE_SIZE, "start_time": cursor["start_time"]}
        if cursor.get("after"):
            params["page[after]"] = cursor["after"]
        body = client.get(RATINGS_PATH, params)
        if not isinstance(body, dict) or not isinstance(body.get("satisfaction_ratings"), list):
            raise HelpdeskError("Zendesk's satisfaction ratings answered without a "
                                "satisfaction_ratings list")
        newest = cursor.get("newest", 0)
        for rating in body["satisfaction_ratings"]:
            created = rating.get("created_at") if isinstance(rating, dict) else None
            try:
                newest = max(newest, epoch(timestamp(created, "created_at")))
            except ItemError:
                continue  # the page's reading reports it
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        after = meta.get("after_cursor") or _after_from_link(body)
        where = f"ratings page from start_time {cursor['start_time']}" + (
            f" after {cursor['after']}" if cursor.get("after") else "")
        page = Page("Zendesk API", where, body)
        if meta.get("has_more") and after:
            return Fetched(page, {"start_time": cursor["start_time"], "after": after,
                                  "newest": newest}, False)
        next_start = max(cursor["start_time"], newest - self.lookback) if newest else \
            cursor["start_time"]
        return Fetched(page, {"start_time": next_start}, True)


def _after_from_link(body: dict) -> str | None:
    links = body.get("links")
    following = links.get("next") if isinstance(links, dict) else None
    if not isinstance(following, str):
        return None
    values = parse_qs(urlsplit(following).query).get("page[after]")
    return values[0] if values else None
