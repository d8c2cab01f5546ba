"""What the end-to-end tests see of a process tree, read from /proc: a process's descendants,
its command line and its resident memory."""

from __future__ import annotations

import re
import time
from pathlib import Path


def children_by_parent() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found.setdefault(parent, []).append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, …)."""
    tree, found, todo = children_by_parent(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))


def serving_processes(pid: int) -> list[int]:
    """The serving processes of a `kpibot serve` over HTTP: its children running its own
    command (gunicorn forks them)."""
    own = cmdline(pid)
    return [child for child in children_by_parent().get(pid, []) if cmdline(child) == own]


def wait_gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    """The processes of `pids` still alive after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    left = [pid for pid in pids if alive(pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [pid for pid in left if alive(pid)]
    return left


def wait_serving_ready(pid: int, count: int | None = None, timeout: float = 60.0) -> list[int]:
    """The serving processes of `pid` once each has built its app (its answering process is
    up), `count` of them when given; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        serving = serving_processes(pid)
        tree = children_by_parent()
        if serving and (count is None or len(serving) == count) and \
                all(tree.get(child) for child in serving):
            time.sleep(1.0)  # the answering processes draw their first chart
            return serving
        time.sleep(0.2)
    raise AssertionError(f"the serving processes of {pid} did not come up")
