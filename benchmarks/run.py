"""`make bench`: generate N tickets with surveys, then for each backend and size run the
workload (benchmarks/workload.py) in a fresh process on a fresh database, then the question,
Slack, digest, survey-click and change-explained benchmarks on the large databases, the business
hours and Zendesk import benchmarks on databases of their own, and write the results to
benchmarks/results/ and a summary table into docs/benchmarks.md.

    python -m benchmarks.run [--tickets 1000000] [--small 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.databases import DATA, POSTGRES_URL, empty_database
from kpi_engine.samples.data import SampleSpec, write_csv

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
END = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def dataset(tickets: int) -> tuple[Path, Path]:
    """The generated CSVs for `tickets` tickets, made once and kept under benchmarks/data/."""
    folder = DATA / str(tickets)
    tickets_csv, surveys_csv = folder / "tickets.csv", folder / "surveys.csv"
    if not (tickets_csv.exists() and surveys_csv.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        written = write_csv(SampleSpec(tickets=tickets, end=END), tickets_csv, surveys_csv)
        print(f"generated {written[0]:,} tickets, {written[1]:,} survey rows in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return tickets_csv, surveys_csv


def fresh_database(backend: str, tickets: int) -> str:
    """The URL of an empty database for one run."""
    return empty_database(backend, f"kpibot_bench_{tickets}" if backend == "postgresql"
                          else f"bench-{tickets}")


def run_workload(backend: str, tickets: int, repeat: int) -> dict:
    tickets_csv, surveys_csv = dataset(tickets)
    url = fresh_database(backend, tickets)
    print(f"{backend}, {tickets:,} tickets …", file=sys.stderr)
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.workload", "--db", url,
         "--tickets-csv", str(tickets_csv), "--surveys-csv", str(surveys_csv),
         "--now", END.isoformat(), "--repeat", str(repeat), "--reimport"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"workload failed on {backend}:\n{completed.stderr}")
    return {**json.loads(completed.stdout), "url": url}


def run_on_databases(module: str, urls: list[str], *options: str) -> dict:
    """One benchmark module (benchmarks/questions.py, benchmarks/slack.py) in a process of its
    own on the benchmark databases; its JSON output."""
    return run_module(module, *options, *(part for url in urls for part in ("--db", url)))


def run_module(module: str, *options: str) -> dict:
    """One benchmark module in a process of its own; its JSON output."""
    print(f"{module} …", file=sys.stderr)
    command = [sys.executable, "-m", f"benchmarks.{module}", *options]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{module} benchmark failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def summary(runs: list[dict], large: int, small: int, questions: dict | None = None,
            slack: dict | None = None, digests: dict | None = None,
            surveys: dict | None = None, why: dict | None = None,
            business_hours: dict | None = None, helpdesk: dict | None = None) -> str:
    by_key = {(run["backend"], run["tickets"]): run for run in runs}
    backends = sorted({run["backend"] for run in runs})
    lines = [f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on this project's CI machine "
             f"(2 cores); {large:,} tickets unless said; median of 5 runs after a warm-up.", ""]
    lines.append("| | " + " | ".join(backends) + " |")
    lines.append("|---|" + "---|" * len(backends))
    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(b) for b in backends) + " |")

    row("import, tickets/s (fresh)",
        lambda b: f"{by_key[(b, large)]['import_tickets_per_second']:,}")
    row("re-import of the same file, tickets/s",
        lambda b: f"{by_key[(b, large)]['reimport_tickets_per_second']:,}")
    row("survey import, rows/s", lambda b: f"{by_key[(b, large)]['survey_rows_per_second']:,}")
    row(f"peak memory at {small:,} / {large:,} tickets",
        lambda b: (f"{by_key[(b, small)]['peak_rss_mb']:.0f} / "
                   f"{by_key[(b, large)]['peak_rss_mb']:.0f} MB"))
    row("worst engine / hand-written SQL ratio",
        lambda b: f"{max(q['ratio'] for q in by_key[(b, large)]['queries']):.2f}×")
    row("all queries give the hand-written numbers",
        lambda b: ("yes" if all(q["same_numbers"] for q in by_key[(b, large)]["queries"])
                   else "**no**"))
    if questions:
        starts = {start["backend"]: start["cold_start_seconds"]
                  for start in questions["cold_start"]}
        row("`kpibot ask` cold start, one question answered",
            lambda b: f"{starts[b]:.2f} s" if b in starts else "–")
        reading = questions["reading"]
        lines.append(f"| question reading, one core (no database) | "
                     f"{reading['questions_per_second']:,} questions/s "
                     f"({reading['microseconds_per_question']} µs each) |"
                     + " |" * (len(backends) - 1))
    if slack:
        by_backend = {result["backend"]: result for result in slack["slack"]}
        some = next(iter(by_backend.values()))
        row(f"Slack: acknowledgement p50 / p99, {some['concurrent']} concurrent mentions "
            f"({some['requests']} in all)",
            lambda b: (f"{by_backend[b]['ack_ms']['p50']:.0f} / "
                       f"{by_backend[b]['ack_ms']['p99']:.0f} ms" if b in by_backend else "–"))
        row("Slack: answer posted in the thread, p50 / p95",
            lambda b: (f"{by_backend[b]['answer_ms']['p50']} / "
                       f"{by_backend[b]['answer_ms']['p95']} ms" if b in by_backend else "–"))
    if digests:
        by_backend = {result["backend"]: result for result in digests["digests"]}
        some = next(iter(by_backend.values()))
        row(f"digests: {some['digests']} of {some['kpis_per_digest']} KPIs built and posted "
            f"({some['threads']} job threads)",
            lambda b: f"{by_backend[b]['seconds']:.2f} s" if b in by_backend else "–")
        row("… with charts on: all digests posted / last chart in its thread",
            lambda b: (f"{by_backend[b]['seconds_posted_with_charts_on']:.2f} / "
                       f"{by_backend[b]['seconds_until_charts_uploaded']:.2f} s"
                       if b in by_backend else "–"))
    if surveys:
        loads = surveys["surveys"]
        loads = loads if isinstance(loads, list) else [{"backend": "postgresql", **loads}]
        by_backend = {load["backend"]: load for load in loads}
        some = loads[0]
        row(f"survey clicks: {some['clicks']:,} at once ({some['repeats']} repeats, "
            f"{some['wrong_user_clicks']} by the wrong user), {some.get('processes', 1)} serving "
            "processes: stored / lost / wrong user / 5xx",
            lambda b: (f"{by_backend[b]['answers_stored']} of {by_backend[b]['distinct_answers']}"
                       f" / {by_backend[b]['lost']} / {by_backend[b]['from_the_wrong_user']} / "
                       f"{by_backend[b]['server_errors']}" if b in by_backend else "–"))
        row("survey clicks: acknowledgement p50 / p99",
            lambda b: (f"{by_backend[b]['ack_ms']['p50']:,.0f} / "
                       f"{by_backend[b]['ack_ms']['p99']:,.0f} ms" if b in by_backend else "–"))
    if why:
        by_backend = {result["backend"]: result for result in why["why"]}
        row("a change explained over six dimensions / the comparison it explains, worst of "
            f"{len(next(iter(by_backend.values()))['questions'])} questions",
            lambda b: (f"{by_backend[b]['worst_ratio']:.2f}×" if b in by_backend else "–"))
    if business_hours:
        for label, key, unit in (
                ("business hours: worst query / the same in calendar time", "worst_ratio", "×"),
                ("business hours: recompute after a calendar change", "recompute_after_change_s",
                 " s"),
                ("import without / with a stored calendar", None, None)):
            if key is None:
                cells = {b: f"{r['import_without_readings_s']:.1f} / "
                            f"{r['import_with_readings_s']:.1f} s"
                         for b, r in business_hours.items()}
            else:
                cells = {b: f"{r[key]:.2f}{unit}" for b, r in business_hours.items()}
            row(label, lambda b, cells=cells: cells.get(b, "–"))
    if helpdesk:
        by_backend = {result["backend"]: result for result in helpdesk["helpdesk"]}
        row("Zendesk export import, tickets/s: fresh / again / with a stored calendar",
            lambda b: (f"{by_backend[b]['fresh']['tickets_per_s']:,} / "
                       f"{by_backend[b]['again']['tickets_per_s']:,} / "
                       f"{by_backend[b]['calendar']['tickets_per_s']:,}"
                       if b in by_backend else "–"))
    lines += ["", "| query | " + " | ".join(f"{b} engine / SQL (ratio)" for b in backends) + " |",
              "|---|" + "---|" * len(backends)]
    names = [q["query"] for q in by_key[(backends[0], large)]["queries"]]
    for index, name in enumerate(names):
        cells = []
        for backend in backends:
            q = by_key[(backend, large)]["queries"][index]
            cells.append(f"{q['engine_ms']:.0f} / {q['floor_ms']:.0f} ms ({q['ratio']:.2f}×)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(table: str) -> None:
    readme = ROOT / "docs" / "benchmarks.md"
    text = readme.read_text(encoding="utf-8")
    updated = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->",
                     lambda _: f"<!-- bench:start -->\n{table}\n<!-- bench:end -->", text,
                     flags=re.S)
    readme.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000,
                        help="the size the peak memory is compared with")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    runs = []
    for backend in args.backends.split(","):
        for tickets in sorted({args.small, args.tickets}):
            runs.append(run_workload(backend, tickets, args.repeat))
    large_urls = [run["url"] for run in runs if run["tickets"] == args.tickets]
    questions = run_on_databases("questions", large_urls, "--seconds", "5")
    slack = run_on_databases("slack", large_urls)
    digests = run_on_databases("digests", large_urls)
    surveys = run_on_databases("surveys", large_urls)
    why = run_on_databases("why", large_urls)
    business_hours = {
        backend: run_module("business_hours", "--tickets", str(args.tickets), "--url",
                            POSTGRES_URL if backend == "postgresql"
                            else f"sqlite:///{DATA / f'bh-{args.tickets}.db'}")
        for backend in args.backends.split(",")}
    helpdesk = run_module("helpdesk", "--tickets", str(args.tickets), "--backends", args.backends)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {"measured_at": stamp, "tickets": args.tickets, "small": args.small, "runs": runs,
               "questions": questions, "slack": slack, "digests": digests, "surveys": surveys,
               "why": why, "business_hours": business_hours, "helpdesk": helpdesk}
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    table = summary(runs, args.tickets, args.small, questions, slack, digests, surveys, why,
                    business_hours, helpdesk)
    (RESULTS / "latest.md").write_text(table + "\n", encoding="utf-8")
    if not args.no_readme:
        write_readme(table)
    print(table)


if __name__ == "__main__":
    main()
