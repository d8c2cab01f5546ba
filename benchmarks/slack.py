"""Slack benchmark: `kpibot serve` as its own process on a benchmark database, Slack played by
the Slack double (bot/sandbox/slack_double/). Rounds of 20 signed mentions are sent at once;
for each we measure the acknowledgement (the HTTP answer to Slack's request) and the time until
the answer is posted in its thread (the double records `chat.postMessage`).

    python -m benchmarks.slack --db URL [--db URL ...] [--rounds 5] [--concurrent 20]
                               [--processes N]

`--processes` is KPIBOT_SERVE_PROCESSES, the serving processes of `kpibot serve` (default: its
own, one per core). Prints JSON: per database, the percentiles of both times over every
request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.slack_double import SlackDouble
from bot.settings import default_serve_processes

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
NOW = "2026-11-22T14:05:00+00:00"
ASKER = "UBENCH"

# What a support team asks in a busy minute: plain, filtered, broken down, compared.
QUESTIONS = (
    "what was FCR last week for tier 1?",
    "CSAT last week",
    "how many tickets came in yesterday?",
    "first response time for chat yesterday",
    "escalation rate last week by tier",
    "resolved tickets yesterday by team",
    "backlog now",
    "reopen rate last week",
    "CES last week",
    "FCR yesterday vs the day before",
    "tickets created this week by channel",
    "service level yesterday",
    "NPS last week",
    "handle time on phone yesterday",
    "CSAT by team last week",
    "response rate yesterday",
    "complaint rate last week",
    "contacts to resolution yesterday",
    "what was FCR yesterday for tier 2?",
    "hold time last week",
)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (no interpolation: a value that happened)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(url: str, double: SlackDouble, *, secret: str = SECRET,
                  processes: int | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": secret,
           "SLACK_API_URL": double.api_url, "KPIBOT_DATABASE_URL": url, "KPIBOT_NOW": NOW,
           "KPIBOT_TZ": "UTC"}
    if processes:
        env["KPIBOT_SERVE_PROCESSES"] = str(processes)
    env.pop("SLACK_APP_TOKEN", None)
    # the server's log goes to a file: a pipe nobody reads fills up and blocks its logging
    log = open(os.environ["KPIBOT_BENCH_SERVER_LOG"], "w+") if os.environ.get(
        "KPIBOT_BENCH_SERVER_LOG") else tempfile.TemporaryFile(mode="w+", prefix="kpibot-serve-")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"kpibot serve exited: {log.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                _wait_for_every_process(base, log)
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("kpibot serve did not come up")


def _wait_for_every_process(base: str, log, timeout: float = 60) -> None:
    """Until every serving process has booted its app (the first one answers /healthz while
    the others may still be starting their answering processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        wanted = re.search(r"with (\d+) serving process", text)
        booted = len(re.findall(r"serving process \d+ ready", text))
        if wanted is None or booted >= int(wanted.group(1)):
            time.sleep(1.0)  # their answering processes warm up a chart each
            return
        time.sleep(0.2)


def _signed_mention(text: str, ts: str) -> tuple[str, dict]:
    event = slack_requests.app_mention(text, user=ASKER, channel="CBENCH", ts=ts)
    return slack_requests.signed(slack_requests.event_callback(event), SECRET)


def _ask(base: str, text: str, ts: str) -> None:
    _send(base, *_signed_mention(text, ts))


def _send(base: str, body: str, headers: dict) -> None:
    status, _, _ = slack_requests.post(f"{base}/slack/events", body, headers, timeout=10)
    if status != 200:
        raise SystemExit(f"the app answered {status} to a mention")


def _raw_request(body: str, headers: dict) -> bytes:
    """The whole HTTP request, built ahead so the measurement is the app's, not the client's."""
    lines = ["POST /slack/events HTTP/1.1", "Host: kpibot", "Connection: close",
             f"Content-Length: {len(body.encode())}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def send_raw(host: str, port: int, request: bytes, timeout: float = 10) -> int:
    """Send `request`; return the status once the response's status line has arrived (0 when
    the connection closed without one)."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n" not in received:
            chunk = connection.recv(1024)
            if not chunk:
                break
            received += chunk
    return int(received.split(b" ", 2)[1]) if received else 0


def _round(base: str, double: SlackDouble, round_number: int, concurrent: int) -> list[dict]:
    barrier = threading.Barrier(concurrent)
    timings: list[dict] = [{} for _ in range(concurrent)]

    host, port = base.removeprefix("http://").split(":")

    def one(index: int) -> None:
        ts = f"{1800000000 + round_number}.{index:06d}"
        request = _raw_request(*_signed_mention(QUESTIONS[index % len(QUESTIONS)], ts))
        barrier.wait()
        sent_wall, sent = time.time(), time.perf_counter()
        status = send_raw(host, int(port), request)
        ack_ms = (time.perf_counter() - sent) * 1000
        if status != 200:
            raise SystemExit(f"the app answered {status} to a mention")
        timings[index] = {"ts": ts, "sent_wall": sent_wall, "ack_ms": ack_ms}

    threads = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for timing in timings:
        ts = timing["ts"]
        posted = double.wait_for("chat.postMessage",
                                 lambda call, ts=ts: call.params.get("thread_ts") == ts,
                                 timeout=60, failed=False)
        timing["answer_ms"] = (posted.at - timing["sent_wall"]) * 1000
    return timings


def bench_database(url: str, rounds: int, concurrent: int,
                   processes: int | None = None) -> dict:
    with SlackDouble() as double:
        double.add_user(ASKER, real_name="Bench Lead")
        process, base = _start_server(url, double, processes=processes)
        try:
            for index, text in enumerate(QUESTIONS[:3]):  # warm-up: first query, first chart
                ts = f"1700000000.{index:06d}"
                _ask(base, text, ts)
                double.wait_for("chat.postMessage",
                                lambda c, ts=ts: c.params.get("thread_ts") == ts, timeout=60)
            timings = []
            for round_number in range(rounds):
                timings += _round(base, double, round_number, concurrent)
                time.sleep(1.5)  # let the round's charts finish uploading
            charts = len(double.calls("files.completeUploadExternal", failed=False))
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
    acks = [t["ack_ms"] for t in timings]
    print("ack max per round:",
          [round(max(acks[i:i + concurrent])) for i in range(0, len(acks), concurrent)],
          file=sys.stderr)
    answers = [t["answer_ms"] for t in timings]
    return {
        "backend": make_url(url).get_backend_name(),
        "processes": processes or default_serve_processes(),
        "requests": len(timings),
        "concurrent": concurrent,
        "charts_uploaded": charts,
        "ack_ms": {"p50": round(statistics.median(acks), 1),
                   "p99": round(percentile(acks, 0.99), 1), "max": round(max(acks), 1)},
        "answer_ms": {"p50": round(statistics.median(answers)),
                      "p95": round(percentile(answers, 0.95)), "max": round(max(answers))},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--processes", type=int, help="KPIBOT_SERVE_PROCESSES")
    args = parser.parse_args()
    results = [bench_database(url, args.rounds, args.concurrent, args.processes)
               for url in args.db]
    print(json.dumps({"slack": results}, indent=1))


if __name__ == "__main__":
    main()
