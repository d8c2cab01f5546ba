"""The helpdesk file import, measured: N generated Zendesk tickets — each with its metric set,
its requester, agents and groups sideloaded, and ratings for most solved tickets — laid out as
Zendesk's own API pages in JSON Lines files (1,000 tickets a page, 100 ratings a page), then
`kpibot import --from zendesk` of them, a new process each time, into an empty database; the
same pages again (nothing changes); and into an empty database whose business calendar is
stored (the readings computed as the tickets are staged).

    python -m benchmarks.helpdesk [--tickets 1000000] [--backends sqlite,postgresql]
                                  [--postgres-url postgresql+psycopg://…] [--repeat 1]

Prints one JSON object: for each backend and run the wall time, the CPU time of the kpibot
process (with the process that reads the pages for it, on PostgreSQL) and (PostgreSQL on this
machine) of the server process that served it, tickets/s of each, and the load average — other
work on the machine shows in the wall time, not in the CPU times. The pages are generated once
and kept in benchmarks/data/zendesk-N/; the databases are made afresh (PostgreSQL:
kpibot_bench_zendesk_N beside the database of the URL; SQLite: a file in benchmarks/data/).

The tickets are those of `zendesk_desk` (bot/sandbox/zendesk_double.py), drawn one at a time
by its `zendesk_stream` so that a million of them never sit in memory at once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import sqlalchemy as sa

from bot.sandbox.zendesk_double import desk_people, export_page, zendesk_stream

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
TICKETS_A_PAGE = 1000
RATINGS_A_PAGE = 100
SEED = 16
POSTGRES_URL = os.environ.get(
    "KPIBOT_BENCH_POSTGRES_URL",
    os.environ.get("KPIBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
# The business calendar stored before the third import (as benchmarks/business_hours.py's).
CALENDAR = {"KPIBOT_BUSINESS_HOURS": "mon-fri 09:00-12:00,13:00-17:00",
            "KPIBOT_BUSINESS_TZ": "Europe/Berlin", "KPIBOT_HOLIDAYS": "DE-BE,2026-12-24"}

def _ratings_page(chunk: list[dict], start: int, more: bool) -> dict:
    after = f"r{start + len(chunk)}"
    return {"satisfaction_ratings": chunk,
            "meta": {"has_more": more, "after_cursor": after, "before_cursor": f"r{start}"},
            "links": {"next": None, "prev": None}}


def write_export(folder: Path, count: int, *, seed: int = SEED) -> tuple[int, int]:
    """`count` tickets as export pages in `folder`/tickets.jsonl (1,000 tickets a page, their
    users and groups sideloaded) and `folder`/ratings.jsonl (100 ratings a page); (tickets,
    ratings) written. Written to a temporary name first: a partial export is never kept."""
    folder.mkdir(parents=True, exist_ok=True)
    agents, groups = desk_people()
    by_id = {user["id"]: user for user in agents}
    groups_by_id = {group["id"]: group for group in groups}
    include = {"metric_sets", "users", "groups"}
    chunk: list[tuple[dict, dict]] = []
    users: dict[int, dict] = dict(by_id)
    ratings: list[dict] = []
    rated = written_tickets = page = 0
    tickets_tmp, ratings_tmp = folder / "tickets.jsonl.part", folder / "ratings.jsonl.part"
    with open(tickets_tmp, "wb") as tickets_out, open(ratings_tmp, "wb") as ratings_out:
        def flush_tickets(last: bool) -> None:
            nonlocal chunk, users, page, written_tickets
            page += 1
            written_tickets += len(chunk)
            body = export_page(chunk, users, groups_by_id, include,
                               after_cursor=f"c{written_tickets}", end_of_stream=last)
            tickets_out.write(orjson.dumps(body) + b"\n")
            chunk, users = [], dict(by_id)

        for ticket, metric, user, rating in zendesk_stream(count, seed=seed):
            chunk.append((ticket, metric))
            users[user["id"]] = user
            if len(chunk) == TICKETS_A_PAGE:
                flush_tickets(written_tickets + len(chunk) == count)
            if rating is not None:
                ratings.append(rating)
                if len(ratings) == RATINGS_A_PAGE:
                    ratings_out.write(orjson.dumps(_ratings_page(ratings, rated, True)) + b"\n")
                    rated += len(ratings)
                    ratings = []
        if chunk:
            flush_tickets(True)
        if ratings or not rated:
            ratings_out.write(orjson.dumps(_ratings_page(ratings, rated, False)) + b"\n")
            rated += len(ratings)
    tickets_tmp.rename(folder / "tickets.jsonl")
    ratings_tmp.rename(folder / "ratings.jsonl")
    return written_tickets, rated


def export(count: int) -> Path:
    """The export of `count` tickets, generated once and kept under benchmarks/data/."""
    folder = DATA / f"zendesk-{count}"
    if not ((folder / "tickets.jsonl").exists() and (folder / "ratings.jsonl").exists()):
        started = time.perf_counter()
        tickets, ratings = write_export(folder, count)
        print(f"generated a Zendesk export of {tickets:,} tickets and {ratings:,} ratings in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return folder


# -- databases --------------------------------------------------------------------------------


def fresh_database(backend: str, tickets: int, postgres_url: str) -> str:
    """The URL of an empty, migrated database for one run."""
    from kpi_engine.storage.database import create_database_engine, migrate

    if backend == "sqlite":
        path = DATA / f"bench-zendesk-{tickets}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        base = sa.engine.make_url(postgres_url)
        name = f"kpibot_bench_zendesk_{tickets}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    db = create_database_engine(url)
    migrate(db)
    db.dispose()
    return url


def store_calendar(url: str) -> None:
    """Store the benchmark's business calendar in the (empty) database, as the first
    business-hours question or `kpibot calendar recompute` would."""
    from kpi_engine.calendars import configured_calendars, recompute
    from kpi_engine.settings import Settings
    from kpi_engine.storage.database import create_database_engine

    settings = Settings(_env_file=None, database_url=url, tz="Europe/Berlin",
                        business_hours=CALENDAR["KPIBOT_BUSINESS_HOURS"],
                        business_tz=CALENDAR["KPIBOT_BUSINESS_TZ"],
                        holidays=CALENDAR["KPIBOT_HOLIDAYS"])
    db = create_database_engine(url)
    recompute(db, configured_calendars(settings))
    db.dispose()


# -- timing one import ------------------------------------------------------------------------


APPLICATION = "kpibot_bench_import"
# The `kpibot` console script beside this interpreter (the venv's), else the same entry point.
_SCRIPT = Path(sys.executable).with_name("kpibot")
KPIBOT = [str(_SCRIPT)] if _SCRIPT.exists() else \
    [sys.executable, "-c", "import sys; from bot.cli import main; sys.argv[0] = 'kpibot'; main()"]


class _ServerCpu(threading.Thread):
    """The CPU seconds of the PostgreSQL backends serving connections named APPLICATION,
    sampled from /proc while the import runs (the server is on this machine); None elsewhere."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.ticks = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        db = sa.create_engine(self.url)
        try:
            with db.connect() as connection:
                while not self.stop.is_set():
                    pids = connection.execute(sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                        {"name": APPLICATION}).scalars().all()
                    connection.rollback()
                    for pid in pids:
                        cpu = self._cpu(pid)
                        if cpu is not None:
                            self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))
                    self.stop.wait(0.05)
        finally:
            db.dispose()

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime + stime

    def total(self) -> float | None:
        return round(sum(self.seen.values()), 2) if self.seen else None


def time_import(url: str, folder: Path, env: dict[str, str] | None = None) -> dict:
    """`kpibot import --from zendesk FOLDER --json` in a new process: its report, the wall
    time, the process's CPU time and (PostgreSQL here) its server backend's."""
    backend = sa.engine.make_url(url).get_backend_name()
    if backend == "postgresql":
        url = sa.engine.make_url(url).update_query_dict(
            {"application_name": APPLICATION}).render_as_string(hide_password=False)
    watch = _ServerCpu(url) if backend == "postgresql" and Path("/proc/self/stat").exists() \
        else None
    if watch is not None:
        watch.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    completed = subprocess.run(
        [*KPIBOT, "import", "--from", "zendesk", str(folder), "--json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "KPIBOT_DATABASE_URL": url, **(env or {})})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if watch is not None:
        watch.stop.set()
        watch.join()
    if completed.returncode != 0:
        raise SystemExit(f"kpibot import --from zendesk failed:\n{completed.stderr}")
    report = json.loads(completed.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server = watch.total() if watch is not None else None
    tickets = report["tickets_read"]
    return {
        "tickets": tickets, "ratings": report["ratings_read"],
        "new": report["tickets_new"], "unchanged": report["tickets_unchanged"],
        "wall_s": round(wall, 2), "kpibot_cpu_s": round(cpu, 2), "server_cpu_s": server,
        "tickets_per_s": round(tickets / wall),
        "tickets_per_cpu_s": round(tickets / (cpu + (server or 0.0))),
        "load": round(load, 1),
    }


def _median_run(runs: list[dict]) -> dict:
    chosen = sorted(runs, key=lambda run: run["wall_s"])[len(runs) // 2]
    return {**chosen, "wall_s_all": [run["wall_s"] for run in runs]}


def measure(backend: str, tickets: int, folder: Path, postgres_url: str, repeat: int) -> dict:
    """Fresh, again (unchanged), and fresh with a calendar stored: the median of `repeat`."""
    fresh, again, calendar = [], [], []
    for _ in range(repeat):
        url = fresh_database(backend, tickets, postgres_url)
        fresh.append(time_import(url, folder))
        again.append(time_import(url, folder))
        url = fresh_database(backend, tickets, postgres_url)
        store_calendar(url)
        calendar.append(time_import(url, folder))
    return {"backend": backend, "tickets": tickets, "fresh": _median_run(fresh),
            "again": _median_run(again), "calendar": _median_run(calendar),
            "calendar_cost": round(statistics.median(
                c["wall_s"] / f["wall_s"] for c, f in zip(calendar, fresh)) - 1, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    folder = export(args.tickets)
    results = [measure(backend, args.tickets, folder, args.postgres_url, args.repeat)
               for backend in args.backends.split(",")]
    print(json.dumps({"helpdesk": results}))


if __name__ == "__main__":
    main()
