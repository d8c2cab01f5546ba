"""A straight load's reading in a worker process: the export's pages parsed, mapped and encoded
for COPY (straight.py) in a forked process, while this one COPYs the chunks it hands on and
the database takes them — three processes busy at once instead of one after the other. The
chunks come back through a pipe; so do the load's end (`Finished`) and any error, raised
here. Where processes cannot be forked (or this one runs other threads), the same reading runs
in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from kpi_engine.ingest.helpdesk.files import Page, read_pages
from kpi_engine.ingest.helpdesk.straight import Finished, StraightLoad

_JOIN_SECONDS = 10


def can_fork() -> bool:
    """Whether the reading can go to a forked process: on POSIX, from a process running one
    thread (a fork copies no other thread, nor releases a lock one of them holds)."""
    return (os.name == "posix" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def read_into(load: StraightLoad, vendor, files: Iterable[Path]) -> Finished:
    """Every page of `files` through `vendor` into `load`; its end."""
    people = load.people
    for page in read_pages(list(files)):
        if isinstance(page, Page):
            load.take(vendor.read_page(page, people))
        else:
            load.bad(page)
    return load.finish()


def read_in_worker(load: StraightLoad, vendor, files: list[Path],
                   sink: Callable[[str, bytes], None]) -> Finished:
    """`read_into` in a forked process, each chunk it hands on given to `sink` here."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(load, vendor, files, sending), daemon=True,
                              name="kpibot-import-reader")
    process.start()
    sending.close()
    kind = None
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:
                raise RuntimeError("the import's reading process ended without a word "
                                   f"(exit code {process.exitcode})") from None
            if kind == "chunk":
                sink(*payload)
            elif kind == "done":
                return payload
            else:
                raise payload
    finally:
        receiving.close()
        if kind == "done":
            process.join(_JOIN_SECONDS)
        if process.is_alive():  # stopped early here: the reading is of no more use
            process.kill()
        process.join()


def _work(load: StraightLoad, vendor, files: list[Path], sending) -> None:
    """The worker: read, hand each chunk on, then the end (or the error that stopped it)."""
    load.emit = lambda table, data: sending.send(("chunk", (table, data)))
    try:
        finished = read_into(load, vendor, files)
    except BaseException as error:  # told in the importing process
        try:
            pickle.loads(pickle.dumps(error))  # an error that will not cross whole…
        except Exception:  # …crosses as its text
            error = RuntimeError("".join(traceback.format_exception(error)))
        sending.send(("error", error))
        return
    finally:
        load.emit = None
    sending.send(("done", finished))
    sending.close()
