"""Survey load test: `kpibot serve` as its own process on a PostgreSQL database, Slack played by
the double, and 1,000 signed survey clicks sent at once — 700 distinct answers (a CSAT for
each of 600 surveys, a CES for 100 of them), 210 repeats of them (30%), and 90 clicks by
someone other than the customer on 90 further surveys. Then the database is asked what was
stored: exactly one answer per (ticket, kind) clicked, each with its score, none lost, none
from the wrong user; and every HTTP answer is checked (no 5xx).

    python -m benchmarks.surveys --db URL [--clicks 1000]

Prints JSON: the counts, the status codes, the acknowledgement times (p50, p99, max).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.slack import _raw_request, _start_server, percentile, send_raw
from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.slack_double import SlackDouble
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


def signed_click(click: dict, double: SlackDouble) -> bytes:
    i = click["index"]
    value = json.dumps({"t": ["slack", ticket_id(i)], "s": click["score"]},
                       separators=(",", ":"))
    payload = slack_requests.block_actions(
        user=click["user"], channel=CHANNEL, message_ts=message_ts(i),
        thread_ts=f"1800000000.{i:06d}", action_id=f"kpi_survey_{click['kind']}", value=value,
        response_url=double.response_url(f"click-{i}"))
    return _raw_request(*slack_requests.signed(payload, SECRET))


def send_all(base: str, planned: list[dict], double: SlackDouble) -> list[tuple[int, float]]:
    """Every click at once (a thread each, released together): (status, ms to the answer)."""
    host, port = base.removeprefix("http://").split(":")
    requests = [signed_click(click, double) for click in planned]
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, float] | None] = [None] * len(requests)

    def one(index: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            status = send_raw(host, int(port), requests[index], timeout=60)
        except OSError:
            status = 0
        results[index] = (status, (time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


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


def bench(url: str, total: int) -> dict:
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("the survey load test runs on PostgreSQL")
    db = open_database(url)
    prepare(db)
    planned, expected = clicks(total)
    try:
        with SlackDouble() as double:
            process, base = _start_server(url, double, secret=SECRET)
            try:
                results = send_all(base, planned, double)
                time.sleep(1.0)  # the message updates after the acknowledgements
                updates = len(double.calls("chat.update", failed=False))
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
    parser.add_argument("--db", required=True)
    parser.add_argument("--clicks", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps({"surveys": bench(args.db, args.clicks)}, indent=1))


if __name__ == "__main__":
    main()
