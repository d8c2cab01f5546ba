"""Survey load test: `kpibot serve` as its own process on a database (PostgreSQL or SQLite),
Slack played by the double, and 1,000 signed survey clicks sent at once — 700 distinct answers
(a CSAT for each of 600 surveys, a CES for 100 of them), 210 repeats of them (30%), and 90
clicks by someone other than the customer on 90 further surveys. Then the database is asked
what was stored: exactly one answer per (ticket, kind) clicked, each with its score, none
lost, none from the wrong user; and every HTTP answer is checked (no 5xx).

    python -m benchmarks.surveys --db URL [--db URL ...] [--clicks 1000] [--processes N]

`--processes` is KPIBOT_SERVE_PROCESSES, the serving processes of `kpibot serve` (default: its
own, one per core). Prints JSON: per database, the counts, the status codes, the
acknowledgement times (p50, p99, max).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.slack import _raw_request, _start_server, percentile
from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.slack_double import SlackDouble
from bot.settings import default_serve_processes
from kpi_engine.desk.conversations import TicketRef
from kpi_engine.desk.surveys import SurveyPolicy, SurveyStore
from kpi_engine.storage.database import open_database
from kpi_engine.storage.schema import survey_responses, tickets

SECRET = "bench-signing-secret"
CHANNEL = "CBENCHSURVEY"
SURVEYED, WITH_CES, WRONG_USER = 600, 100, 90
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def ticket_id(index: int) -> str:
    return f"{CHANNEL}-1800000000.{index:06d}"


def message_ts(index: int) -> str:
    return f"1800000100.{index:06d}"


def customer(index: int) -> str:
    return f"UB{index:05d}"


def prepare(db: sa.Engine) -> None:
    """Surveys posted for SURVEYED + WRONG_USER tickets, no answers yet."""
    remove(db)
    count = SURVEYED + WRONG_USER
    with db.begin() as connection:
        connection.execute(tickets.insert(), [{
            "source": "slack", "id": ticket_id(i), "created_at": NOW, "solved_at": NOW,
            "status": "solved", "channel": "slack", "priority": "normal", "tier": 1,
            "customer": customer(i), "agent_replies": 1, "customer_messages": 1, "reopens": 0,
            "escalated": False, "slack_channel": CHANNEL,
            "slack_thread_ts": f"1800000000.{i:06d}"} for i in range(count)])
    store = SurveyStore(db, lambda: NOW, SurveyPolicy())
    for i in range(count):
        ref = TicketRef(source="slack", ticket_id=ticket_id(i), customer=customer(i),
                        channel_id=CHANNEL, thread_id=f"1800000000.{i:06d}", status="solved",
                        solved_at=NOW, agent=None)
        store.posted(store.begin(ref, customer(i)), message_ts(i))


def remove(db: sa.Engine) -> None:
    with db.begin() as connection:  # the surveys, requests and responses go with them
        connection.execute(sa.delete(tickets).where(tickets.c.source == "slack",
                                                    tickets.c.id.like(f"{CHANNEL}-%")))


def clicks(total: int) -> tuple[list[dict], dict[tuple[str, str], int]]:
    """The clicks to send, shuffled, and the answer each (ticket, kind) must end with."""
    rng = random.Random(7)
    distinct, expected = [], {}
    for i in range(SURVEYED):
        kinds = ("csat", "ces") if i < WITH_CES else ("csat",)
        for kind in kinds:
            score = rng.randint(1, 5 if kind == "csat" else 7)
            distinct.append({"index": i, "kind": kind, "score": score, "user": customer(i)})
            expected[(ticket_id(i), kind)] = score
    repeats = [dict(rng.choice(distinct)) for _ in range(round(len(distinct) * 0.3))]
    wrong = [{"index": SURVEYED + i, "kind": "csat", "score": 1, "user": f"UINTRUDER{i}"}
             for i in range(WRONG_USER)]
    planned = distinct + repeats + wrong
    if len(planned) != total:
        raise SystemExit(f"the plan has {len(planned)} clicks, not {total}")
    rng.shuffle(planned)
    return planned, expected


class DoubleProcess:
    """The Slack double in a process of its own, at the lowest priority: what it does for each
    click (the message's next question, a thanks) is Slack's work, not kpibot's — it must not
    take the interpreter lock from the process that sends the clicks and times them, nor the
    cores from kpibot."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_run_double, args=(child,), daemon=True)

    def __enter__(self) -> DoubleProcess:
        self._process.start()
        self.api_url, self.base_url = self._pipe.recv()
        return self

    def __exit__(self, *exc_info) -> None:
        self._pipe.send("stop")
        self._process.join(10)

    def response_url(self, response_id: str) -> str:
        return f"{self.base_url}/response/{response_id}"

    def updates(self) -> int:
        """The `chat.update` calls answered so far."""
        self._pipe.send("updates")
        return self._pipe.recv()


def _run_double(pipe) -> None:
    os.nice(19)  # Slack's own work: on its servers, not on the cores kpibot is measured on
    with SlackDouble() as double:
        pipe.send((double.api_url, double.base_url))
        while (asked := pipe.recv()) != "stop":
            if asked == "updates":
                pipe.send(len(double.calls("chat.update", failed=False)))


def signed_click(click: dict, double: DoubleProcess) -> bytes:
    i = click["index"]
    value = json.dumps({"t": ["slack", ticket_id(i)], "s": click["score"]},
                       separators=(",", ":"))
    payload = slack_requests.block_actions(
        user=click["user"], channel=CHANNEL, message_ts=message_ts(i),
        thread_ts=f"1800000000.{i:06d}", action_id=f"kpi_survey_{click['kind']}", value=value,
        response_url=double.response_url(f"click-{i}"))
    return _raw_request(*slack_requests.signed(payload, SECRET))


def send_all(base: str, planned: list[dict], double: DoubleProcess) -> list[tuple[int, float]]:
    """Every click at once, each on its own connection, all opened in the same instant (one
    event loop: a thousand client threads would spend the time measured waiting for their
    own interpreter lock): (status, ms from sending to the status line of the answer)."""
    host, port = base.removeprefix("http://").split(":")
    requests = [signed_click(click, double) for click in planned]
    return asyncio.run(_send_all(host, int(port), requests))


async def _send_all(host: str, port: int, requests: list[bytes]) -> list[tuple[int, float]]:
    async def one(request: bytes) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 60)
            writer.write(request)
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), 60)
            elapsed = (time.perf_counter() - started) * 1000
            writer.close()
            status = int(line.split(b" ", 2)[1]) if line else 0
        except (TimeoutError, OSError, ValueError, IndexError):
            status, elapsed = 0, (time.perf_counter() - started) * 1000
        return status, elapsed

    return list(await asyncio.gather(*(one(request) for request in requests)))


def stored(db: sa.Engine) -> dict[tuple[str, str], tuple[int, int]]:
    """(ticket, kind) → (answers stored, the score)."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(
            survey_responses.c.ticket_id, survey_responses.c.kind, survey_responses.c.score)
            .where(survey_responses.c.ticket_id.like(f"{CHANNEL}-%"))).all()
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for ticket, kind, score in rows:
        count = found.get((ticket, kind), (0, score))[0]
        found[(ticket, kind)] = (count + 1, score)
    return found


def bench(url: str, total: int, processes: int | None = None) -> dict:
    db = open_database(url)
    prepare(db)
    planned, expected = clicks(total)
    try:
        with DoubleProcess() as double:
            process, base = _start_server(url, double, secret=SECRET, processes=processes)
            try:
                results = send_all(base, planned, double)
                time.sleep(1.0)  # the message updates after the acknowledgements
                updates = double.updates()
            finally:
                process.terminate()
                process.wait(20)
        found = stored(db)
    finally:
        remove(db)
    statuses = [status for status, _ in results]
    acks = [ms for status, ms in results if status == 200]
    wrong_tickets = {ticket_id(SURVEYED + i) for i in range(WRONG_USER)}
    print(f"statuses: { {s: statuses.count(s) for s in set(statuses)} }", file=sys.stderr)
    return {
        "backend": make_url(url).get_backend_name(),
        "processes": processes or default_serve_processes(),
        "clicks": len(planned),
        "distinct_answers": len(expected),
        "repeats": len(planned) - len(expected) - WRONG_USER,
        "wrong_user_clicks": WRONG_USER,
        "status_counts": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "server_errors": sum(1 for s in statuses if s >= 500 or s == 0),
        "answers_stored": sum(count for count, _ in found.values()),
        "exactly_one_per_ticket_and_kind": all(found.get(key, (0, None))[0] == 1
                                               for key in expected)
        and all(count == 1 for count, _ in found.values()),
        "lost": sum(1 for key in expected if key not in found),
        "wrong_scores": sum(1 for key, score in expected.items()
                            if key in found and found[key][1] != score),
        "from_the_wrong_user": sum(1 for (ticket, _) in found if ticket in wrong_tickets),
        "messages_updated": updates,
        "ack_ms": {"p50": round(statistics.median(acks), 1),
                   "p99": round(percentile(acks, 0.99), 1), "max": round(max(acks), 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--processes", type=int, help="KPIBOT_SERVE_PROCESSES")
    args = parser.parse_args()
    print(json.dumps({"surveys": [bench(url, args.clicks, args.processes) for url in args.db]},
                     indent=1))


if __name__ == "__main__":
    main()
