"""A Zendesk API double for tests and benchmarks: a threaded `http.server` on 127.0.0.1:0 that
answers like Zendesk's REST API for what kpibot's sync reads — the cursor-based incremental
ticket export (`/api/v2/incremental/tickets/cursor.json`: start_time or cursor, sideloads by
`include`, `after_cursor`, `end_of_stream`) and the satisfaction ratings (`page[size]`,
`page[after]`, `start_time`; `meta.has_more`, `links.next`) — behind HTTP basic auth
(`email/token:TOKEN`, else 401). Faults are scripted per request (`fail`: a 429 with
Retry-After, a 5xx…), a request can be held until released (`hold`: a process killed
mid-sync), and every request is recorded.

`ApiDouble` is the server part, shared with the Freshdesk double (freshdesk_double.py);
`zendesk_desk(n)` generates n realistic tickets with their metric sets, users, groups and
ratings, and `export_page` lays them out as an export page (the benchmark writes files of them).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    at: float
    status: int = 0
    authorization: str = ""


@dataclass
class _Fault:
    match: Any
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class _Hold:
    match: Any
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class ApiDouble:
    """The server: `route(path, query)` → (status, headers, body) is the API's own part."""

    def __init__(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.expected_authorization = f"Basic {token}"
        self.requests: list[Recorded] = []
        self.faults: list[_Fault] = []
        self.holds: list[_Hold] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for hold in self.holds:
            hold.release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, *, match=None, times: int = 1, retry_after: float | None = None,
             body: Any = None) -> None:
        """The next `times` requests that `match(path, query)` (all, by default) get
        `status` (with Retry-After when given)."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        with self.lock:
            self.faults.append(_Fault(match or (lambda path, query: True), status, headers,
                                      body if body is not None else {"error": f"{status}"},
                                      times))

    def hold(self, match) -> _Hold:
        """Hold the first request matching `match(path, query)` until `.release` is set;
        `.arrived` is set when it comes."""
        held = _Hold(match)
        with self.lock:
            self.holds.append(held)
        return held

    def paths(self, prefix: str = "") -> list[Recorded]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def answer(self, path: str, query: dict[str, str], authorization: str
               ) -> tuple[int, dict[str, str], Any]:
        record = Recorded(path, query, time.monotonic(), authorization=authorization)
        with self.lock:
            self.requests.append(record)
            hold = next((h for h in self.holds
                         if not h.arrived.is_set() and h.match(path, query)), None)
            if hold is not None:
                hold.arrived.set()
        if hold is not None:
            hold.release.wait(60)
        if authorization != self.expected_authorization:
            record.status = 401
            return 401, {}, {"error": "Couldn't authenticate you"}
        with self.lock:
            fault = next((f for f in self.faults if f.times > 0 and f.match(path, query)), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None:
            record.status = fault.status
            return fault.status, fault.headers, fault.body
        status, headers, body = self.route(path, query)
        record.status = status
        return status, headers, body

    def route(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError


def _handler(double: ApiDouble):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            status, headers, body = double.answer(parts.path, query,
                                                  self.headers.get("Authorization", ""))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    return Handler


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode()


def _position(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        return int(text.removeprefix("pos:")) if text.startswith("pos:") else None
    except (ValueError, UnicodeDecodeError):
        return None


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


class ZendeskDouble(ApiDouble):
    """Zendesk: tickets (each with its metric set) in the order they changed, users, groups,
    ratings. `put_ticket` adds a ticket or a newer version of one (it is exported again)."""

    EXPORT = "/api/v2/incremental/tickets/cursor.json"
    RATINGS = "/api/v2/satisfaction_ratings"

    def __init__(self, *, email: str = "lead@acme.example", token: str = "zd-token",
                 page_size: int = 1000, desk: dict | None = None) -> None:
        super().__init__(f"{email}/token", token)
        self.page_size = page_size
        self.log: list[tuple[dict, dict]] = []  # (ticket, metric set), oldest change first
        self.users: dict[int, dict] = {}
        self.groups: dict[int, dict] = {}
        self.ratings: list[dict] = []
        for user in (desk or {}).get("users", ()):
            self.users[user["id"]] = user
        for group in (desk or {}).get("groups", ()):
            self.groups[group["id"]] = group
        metric_sets = {m["ticket_id"]: m for m in (desk or {}).get("metric_sets", ())}
        for ticket in (desk or {}).get("tickets", ()):
            self.put_ticket(ticket, metric_sets[ticket["id"]])
        self.ratings = list((desk or {}).get("ratings", ()))

    def put_ticket(self, ticket: dict, metric_set: dict) -> None:
        """A new ticket, or a change to one: appended to the log the export reads, so a
        cursor already given sees it (as Zendesk exports a ticket again when it changes)."""
        with self.lock:
            self.log.append((ticket, metric_set))

    def route(self, path: str, query: dict[str, str]):
        if path == self.EXPORT:
            return self._export(query)
        if path in (self.RATINGS, self.RATINGS + ".json"):
            return self._ratings(query)
        return 404, {}, {"error": "InvalidEndpoint", "description": "Not found"}

    def _export(self, query: dict[str, str]):
        with self.lock:
            log = list(self.log)
        if "cursor" in query:
            start = _position(query["cursor"])
            if start is None:
                return 400, {}, {"error": "InvalidPaginationParameter",
                                 "description": "cursor is invalid"}
        elif "start_time" in query:
            since = float(query["start_time"])
            start = next((i for i, (t, _) in enumerate(log) if _epoch(t["updated_at"]) >= since),
                         len(log))
        else:
            return 400, {}, {"error": "InvalidValue", "description": "start_time is required"}
        chunk = log[start:start + self.page_size]
        following = start + len(chunk)
        include = set(filter(None, query.get("include", "").split(",")))
        body = export_page(chunk, self.users, self.groups, include,
                           after_cursor=_cursor(following), end_of_stream=following >= len(log))
        body["after_url"] = f"{self.url}{self.EXPORT}?cursor={body['after_cursor']}"
        return 200, {}, body

    def _ratings(self, query: dict[str, str]):
        size = min(int(query.get("page[size]", 100)), 100)
        since = float(query.get("start_time", 0))
        with self.lock:
            found = [r for r in self.ratings if _epoch(r["created_at"]) >= since]
        start = _position(query["page[after]"]) if "page[after]" in query else 0
        chunk = found[start:start + size]
        more = start + len(chunk) < len(found)
        after = _cursor(start + len(chunk))
        following = f"{self.url}{self.RATINGS}.json?" + urlencode(
            {"page[after]": after, "page[size]": size, "start_time": int(since)})
        return 200, {}, {"satisfaction_ratings": chunk,
                         "meta": {"has_more": more, "after_cursor": after,
                                  "before_cursor": _cursor(start)},
                         "links": {"next": following if more else None, "prev": None}}


def export_page(chunk: list[tuple[dict, dict]], users: dict[int, dict], groups: dict[int, dict],
                include: set[str], *, after_cursor: str, end_of_stream: bool) -> dict:
    """An incremental export page of `chunk` (ticket, metric set) with the sideloads asked."""
    body: dict[str, Any] = {"tickets": [ticket for ticket, _ in chunk]}
    if "metric_sets" in include:
        body["metric_sets"] = [metric for _, metric in chunk]
    if "users" in include:
        wanted = {ticket.get(key) for ticket, _ in chunk
                  for key in ("requester_id", "assignee_id", "submitter_id")}
        body["users"] = [users[key] for key in wanted if key in users]
    if "groups" in include:
        wanted = {ticket.get("group_id") for ticket, _ in chunk}
        body["groups"] = [groups[key] for key in wanted if key in groups]
    body.update(after_url=None, after_cursor=after_cursor, before_url=None, before_cursor=None,
                end_of_stream=end_of_stream)
    return body


_CHANNELS = ("email",) * 5 + ("web",) * 2 + ("chat", "native_messaging", "voice", "api",
                                              "whatsapp", "facebook", "mobile_sdk")
_STATUSES = ("solved",) * 5 + ("closed",) * 3 + ("open", "pending", "new", "hold")
_PRIORITIES = (None, "low", "normal", "normal", "high", "urgent")
_TAGS = ("billing", "login", "refund", "bug", "feature_request", "complaint", "vip", "tier_2",
         "t3", "escalated", "api", "mobile")
_BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def zendesk_desk(count: int, *, seed: int = 16, first_id: int = 1, agents: int = 40,
                 teams: int = 8) -> dict:
    """`count` tickets as Zendesk exports them, each with its metric set, its requester (one
    per ticket), agents and groups, and a rating for most solved tickets."""
    users, groups = desk_people(agents, teams)
    tickets, metric_sets, ratings = [], [], []
    for ticket, metric, user, rating in zendesk_stream(count, seed=seed, first_id=first_id,
                                                         agents=agents, teams=teams):
        tickets.append(ticket)
        metric_sets.append(metric)
        users.append(user)
        if rating is not None:
            ratings.append(rating)
    return {"tickets": tickets, "metric_sets": metric_sets, "users": users, "groups": groups,
            "ratings": ratings}


def zendesk_stream(count: int, *, seed: int = 16, first_id: int = 1, agents: int = 40,
                   teams: int = 8) -> Iterator[tuple[dict, dict, dict, dict | None]]:
    """`zendesk_desk(count)`'s tickets one at a time — so that a million need not sit in
    memory (benchmarks/helpdesk.py) —: (ticket, metric set, requester, rating or None). The
    agents and groups are `desk_people(agents, teams)`."""
    rng = random.Random(seed)
    for number in range(count):
        ticket_id = first_id + number
        created = _BASE + timedelta(seconds=number * 40 + rng.randrange(30))
        status = rng.choice(_STATUSES)
        reply = None if status == "new" or rng.random() < 0.05 else rng.randrange(1, 600)
        solved = status in ("solved", "closed")
        resolution = (reply or 0) + rng.randrange(5, 5000) if solved else None
        solved_at = created + timedelta(minutes=resolution) if solved else None
        updated = (solved_at or created) + timedelta(minutes=rng.randrange(0, 60))
        requester = 1_000_000 + ticket_id
        user = {"id": requester, "name": f"Customer {ticket_id}",
                "email": f"c{ticket_id}@example.com", "role": "end-user"}
        reopens = 1 if solved and rng.random() < 0.08 else 0
        ticket = {
            "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json", "id": ticket_id,
            "via": {"channel": rng.choice(_CHANNELS), "source": {"from": {}, "to": {},
                                                                "rel": None}},
            "created_at": _iso(created), "updated_at": _iso(updated), "type": "question",
            "subject": f"Question {ticket_id}", "priority": rng.choice(_PRIORITIES),
            "status": status, "requester_id": requester, "submitter_id": requester,
            "assignee_id": None if status == "new" else 900_000 + rng.randrange(agents),
            "group_id": 700 + rng.randrange(teams),
            "tags": rng.sample(_TAGS, rng.randrange(0, 3)), "is_public": True,
            "custom_fields": [], "satisfaction_rating": None}
        metric = {
            "id": 5_000_000 + ticket_id, "ticket_id": ticket_id, "created_at": _iso(created),
            "updated_at": _iso(updated), "group_stations": 1 + (rng.random() < 0.1),
            "assignee_stations": 1, "reopens": reopens,
            "replies": 0 if reply is None else 1 + rng.randrange(3) + reopens,
            "solved_at": _iso(solved_at) if solved else None,
            "reply_time_in_minutes": {"calendar": reply,
                                      "business": None if reply is None else reply // 2},
            "full_resolution_time_in_minutes": {
                "calendar": resolution, "business": None if resolution is None
                else resolution // 3},
            "on_hold_time_in_minutes": {"calendar": 0, "business": 0}}
        rating = None
        if solved and rng.random() < 0.6:
            score = rng.choice(("good", "good", "good", "bad", "offered"))
            offered = solved_at + timedelta(hours=1)
            rating = {"id": 8_000_000 + ticket_id, "ticket_id": ticket_id, "score": score,
                      "created_at": _iso(offered),
                      "updated_at": _iso(offered + timedelta(hours=2)),
                      "comment": None, "assignee_id": None, "group_id": None,
                      "requester_id": requester}
        yield ticket, metric, user, rating


def desk_people(agents: int = 40, teams: int = 8) -> tuple[list[dict], list[dict]]:
    """zendesk_desk's agents and groups."""
    return ([{"id": 900_000 + n, "name": f"Agent {n}", "email": f"agent{n}@acme.example",
              "role": "agent"} for n in range(agents)],
            [{"id": 700 + n, "name": f"Team {n}", "deleted": False} for n in range(teams)])
