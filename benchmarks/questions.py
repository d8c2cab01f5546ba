"""Question benchmarks: how many questions the offline reader reads per second on one core
(text → validated KpiQuery, no database), and the cold start of `kpibot ask` — a new process
that opens the database, reads its vocabulary, reads the question, runs the query and prints
the answer — on the benchmark databases.

    python -m benchmarks.questions [--db URL ...] [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from kpi_engine.errors import UserError
from kpi_engine.question import Lexicon, Workspace, follow_up, read_question
from kpi_engine.samples.desk import AGENTS, TAGS, TEAMS

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
COLD_START_QUESTION = "what was FCR last week for tier 1?"

# A mix like a support lead's day: plain, filtered, broken down, compared, misspelt, refused.
QUESTIONS = (
    "what was FCR last week for tier 1?",
    "CSAT by agent this month vs last month",
    "how many tickets did Asha resolve yesterday?",
    "frist response time for chat, last 30 days",
    "which agent had the best CSAT last month?",
    "top 3 teams by resolution time in October",
    "backlog for urgent tickets",
    "median FRT on email since Nov 1",
    "service level by channel and priority this quarter",
    "how did NPS change this month",
    "escalaton rate in billing, past fortnight",
    "reopen rate per team last wk",
    "survey response rate by kind so far this month",
    "complaint rate between Oct 1 and Oct 15",
    "worst 5 agents by first contact resolution",
    "CES for tier 2 on chat in Q3",
    "contacts to resolution for the technical team",
    "next issue avoidance vs last month",
    "tickets tagged refund yesterday",
    "what's the weather like?",
)
FOLLOW_UPS = ("and tier 2?", "by agent", "what about last month?", "vs the week before")


def lexicon() -> Lexicon:
    return Lexicon.of(agents=list(AGENTS), teams=TEAMS, tags=TAGS)


def questions_per_second(seconds: float, rounds: int = 5) -> dict:
    """Median over `rounds` of how many questions (and follow-ups) are read per second."""
    workspace = Workspace(lexicon=lexicon(), now=NOW, tz="UTC")
    previous = read_question(QUESTIONS[0], workspace)

    def read_all() -> int:
        for question in QUESTIONS:
            try:
                read_question(question, workspace)
            except UserError:
                pass
        for question in FOLLOW_UPS:
            follow_up(previous, question, workspace)
        return len(QUESTIONS) + len(FOLLOW_UPS)

    read_all()  # warm-up: the phrase index is built once per lexicon
    rates = []
    for _ in range(rounds):
        done, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds / rounds:
            done += read_all()
        rates.append(done / elapsed)
    rate = statistics.median(rates)
    return {"questions_per_second": round(rate), "microseconds_per_question": round(1e6 / rate, 1),
            "questions": len(QUESTIONS) + len(FOLLOW_UPS)}


def cold_start(url: str, runs: int = 7) -> dict:
    """Median wall time of a new `kpibot ask` process answering one question on `url`."""
    command = [sys.executable, "-m", "bot", "ask", COLD_START_QUESTION, "--db", url,
               "--now", NOW.isoformat()]
    times = []
    with tempfile.TemporaryDirectory() as elsewhere:  # no .env of the checkout applies
        for _ in range(runs + 1):
            started = time.perf_counter()
            completed = subprocess.run(command, cwd=elsewhere, capture_output=True, text=True,
                                       check=False, env={"PATH": "/usr/bin:/bin"})
            times.append(time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(f"kpibot ask failed on {url}:\n{completed.stderr}")
    return {"backend": make_url(url).get_backend_name(),
            "cold_start_seconds": round(statistics.median(times[1:]), 3),
            "answer": completed.stdout.splitlines()[1].strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", default=[], help="database URL (repeat)")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    result = {"reading": questions_per_second(args.seconds),
              "cold_start": [cold_start(url) for url in args.db]}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
