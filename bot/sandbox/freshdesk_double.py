"""A Freshdesk API double for tests and benchmarks: the server of zendesk_double.py
(`ApiDouble`: threaded, 127.0.0.1:0, scripted faults, held requests, every request recorded)
answering like Freshdesk's REST API v2 for what kpibot's sync reads —

- `/api/v2/tickets`: `updated_since`, `order_by=updated_at`, `order_type`, `per_page` (at most
  100), `page` (at most `max_page`, 300 as Freshdesk's, else a 400 validation error),
  `include=requester,stats`; a `Link: <…>; rel="next"` header on a full page; deleted and spam
  tickets left out unless `filter=deleted` or `filter=spam` asks for them alone;
- `/api/v2/surveys/satisfaction_ratings`: `created_since`, `per_page`, `page`;
- `/api/v2/agents` and `/api/v2/groups`: `per_page`, `page`;

behind HTTP basic auth with the API key as user and `X` as password (else 401).
`freshdesk_desk(n)` generates n tickets with ratings, agents and groups.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.zendesk_double import ApiDouble

PER_PAGE_LIMIT = 100


def _validation_error(field: str, message: str) -> dict:
    return {"description": "Validation failed",
            "errors": [{"field": field, "message": message, "code": "invalid_value"}]}


class FreshdeskDouble(ApiDouble):
    """Freshdesk: tickets (each its latest version), ratings, agents, groups."""

    def __init__(self, *, api_key: str = "fd-key", desk: dict | None = None,
                 max_page: int = 300) -> None:
        super().__init__(api_key, "X")
        self.max_page = max_page
        desk = desk or {}
        self.tickets: dict[int, dict] = {t["id"]: t for t in desk.get("tickets", ())}
        self.ratings: list[dict] = list(desk.get("ratings", ()))
        self.agents: list[dict] = list(desk.get("agents", ()))
        self.groups: list[dict] = list(desk.get("groups", ()))

    def put_ticket(self, ticket: dict) -> None:
        with self.lock:
            self.tickets[ticket["id"]] = ticket

    def mark(self, ticket_id: int, kind: str, at: str) -> None:
        """Delete a ticket (`kind` "deleted") or mark it spam ("spam") at `at`, as an agent
        would: it leaves the ticket list, its updated_at moves."""
        with self.lock:
            self.tickets[ticket_id] = dict(self.tickets[ticket_id], **{kind: True},
                                           updated_at=at)

    def route(self, path: str, query: dict[str, str]):
        try:
            per_page = int(query.get("per_page", 30))
            number = int(query.get("page", 1))
        except ValueError:
            return 400, {}, _validation_error("page", "It should be a Positive Integer")
        if not 0 < per_page <= PER_PAGE_LIMIT:
            return 400, {}, _validation_error("per_page", "Must be a number between 1 and 100")
        if not 0 < number <= self.max_page:
            return 400, {}, _validation_error(
                "page", f"Must be a number between 1 and {self.max_page}")
        with self.lock:
            if path == "/api/v2/tickets":
                found = self._tickets(query)
            elif path == "/api/v2/surveys/satisfaction_ratings":
                since = query.get("created_since")
                found = sorted((r for r in self.ratings
                                if since is None or _at(r["created_at"]) >= _at(since)),
                               key=lambda r: (_at(r["created_at"]), r["id"]))
            elif path == "/api/v2/agents":
                found = list(self.agents)
            elif path == "/api/v2/groups":
                found = list(self.groups)
            else:
                return 404, {}, {"code": "invalid_url", "message": "There is no such url"}
        start = (number - 1) * per_page
        chunk = found[start:start + per_page]
        headers = {}
        if len(chunk) == per_page:
            following = {**query, "page": number + 1}
            headers["Link"] = f'<{self.url}{path}?{urlencode(following)}>; rel="next"'
        return 200, headers, chunk

    def _tickets(self, query: dict[str, str]) -> list[dict]:
        since = query.get("updated_since")
        include = set(filter(None, query.get("include", "").split(",")))
        wanted = query.get("filter")
        if wanted not in (None, "deleted", "spam"):
            wanted = ""  # another predefined filter: nothing kpibot asks for
        found = [t for t in self.tickets.values()
                 if (since is None or _at(t["updated_at"]) >= _at(since))
                 and (t.get("deleted") is True if wanted == "deleted"
                      else t.get("spam") is True and t.get("deleted") is not True
                      if wanted == "spam"
                      else wanted is None and not t.get("deleted") and not t.get("spam"))]
        key = query.get("order_by", "created_at")
        found.sort(key=lambda t: (_at(t[key]), t["id"]),
                   reverse=query.get("order_type", "desc") == "desc")
        return [_shown(ticket, include) for ticket in found]


def _shown(ticket: dict, include: set[str]) -> dict:
    """The ticket as listed: `stats` and `requester` only when included."""
    return {key: value for key, value in ticket.items()
            if key not in ("stats", "requester") or key in include}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_RATINGS = (103, 103, 102, 101, 100, -101, -103)


def freshdesk_desk(count: int, *, seed: int = 16, first_id: int = 1, agents: int = 10,
                   teams: int = 4, start: datetime | None = None) -> dict:
    """`count` tickets as Freshdesk lists them with include=requester,stats, a rating for
    most resolved ones, the agents and the groups; updated a minute apart."""
    rng = random.Random(seed)
    base = start or datetime(2026, 10, 1, tzinfo=timezone.utc)
    agent_list = [{"id": 4000 + n, "contact": {"name": f"Agent {n}",
                                                "email": f"agent{n}@acme.example"}}
                  for n in range(agents)]
    group_list = [{"id": 600 + n, "name": f"Team {n}"} for n in range(teams)]
    tickets, ratings = [], []
    for number in range(count):
        ticket_id = first_id + number
        created = base + timedelta(minutes=number)
        status = rng.choice((2, 3, 4, 4, 4, 5, 5, 6))
        first = created + timedelta(minutes=rng.randrange(1, 300)) if status != 2 else None
        resolved = (first or created) + timedelta(minutes=rng.randrange(1, 900)) \
            if status in (4, 5) else None
        ticket: dict[str, Any] = {
            "id": ticket_id, "subject": f"Question {ticket_id}", "status": status,
            "priority": rng.choice((1, 2, 2, 3, 4)), "source": rng.choice((1, 2, 3, 7, 9, 10)),
            "requester_id": 9000 + ticket_id, "responder_id": 4000 + rng.randrange(agents),
            "group_id": 600 + rng.randrange(teams), "tags": rng.sample(
                ["refund", "bug", "tier_2", "escalated", "vip"], rng.randrange(0, 2)),
            "is_escalated": False, "fr_escalated": False, "spam": False,
            "created_at": _iso(created), "updated_at": _iso(base + timedelta(minutes=number)),
            "requester": {"id": 9000 + ticket_id, "name": f"Customer {ticket_id}",
                          "email": f"c{ticket_id}@example.com"},
            "stats": {"first_responded_at": _iso(first) if first else None,
                      "agent_responded_at": _iso(first) if first else None,
                      "resolved_at": _iso(resolved) if resolved else None,
                      "closed_at": _iso(resolved) if status == 5 else None,
                      "reopened_at": None, "status_updated_at": _iso(resolved or created),
                      "pending_since": None, "requester_responded_at": None},
        }
        tickets.append(ticket)
        if resolved is not None and rng.random() < 0.6:
            ratings.append({"id": 70_000 + ticket_id, "survey_id": 1, "user_id": 9000 + ticket_id,
                            "agent_id": ticket["responder_id"], "group_id": ticket["group_id"],
                            "ticket_id": ticket_id, "feedback": None,
                            "ratings": {"default_question": rng.choice(_RATINGS)},
                            "created_at": _iso(resolved + timedelta(hours=1)),
                            "updated_at": _iso(resolved + timedelta(hours=1))})
    return {"tickets": tickets, "ratings": ratings, "agents": agent_list, "groups": group_list}
