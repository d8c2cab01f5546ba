"""`import_helpdesk(db, settings, source, paths)`: a helpdesk's export files (Zendesk's or
Freshdesk's own API pages, saved as JSON or JSON Lines) into the database in one transaction,
like the canonical CSV import — every problem told by file and position, nothing written when
there is one (unless `skip_bad`), and importing the same pages again changes nothing.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.ingest.helpdesk.files import export_files
from kpi_engine.ingest.helpdesk.items import People
from kpi_engine.ingest.helpdesk.vendor import vendor_for
from kpi_engine.ingest.helpdesk.writer import SUPPORTED_DIALECTS, HelpdeskWriter, WriteCounts


@dataclass(frozen=True)
class HelpdeskImportReport:
    """What an import of export files read and wrote."""

    source: str
    files: int
    counts: WriteCounts
    written: bool
    seconds: float
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {"source": self.source, "files": self.files, **self.counts.to_json(),
                "written": self.written, "seconds": round(self.seconds, 3),
                "notes": list(self.notes)}


class HelpdeskImportRejected(UserError):
    """Export files with bad items: nothing was written; `report` names every item."""

    def __init__(self, message: str, report: HelpdeskImportReport) -> None:
        super().__init__(message, ["fix the items named, or pass --skip-bad to write the rest"])
        self.report = report


def import_helpdesk(db: sa.Engine, settings, source: str, paths: list[Path], *,
                    skip_bad: bool = False) -> HelpdeskImportReport:
    """Import the pages of `paths` (files or directories) of helpdesk `source`."""
    started = time.perf_counter()
    vendor = vendor_for(source, settings)
    if db.dialect.name not in SUPPORTED_DIALECTS:
        raise UserError(f"import writes to {', '.join(SUPPORTED_DIALECTS)}; not {db.dialect.name}")
    files = export_files(list(paths))
    people = People()
    with _without_cyclic_gc(), db.begin() as connection:
        # Into an empty database (PostgreSQL), the rows go straight into the tables, the pages
        # read in a worker process meanwhile.
        writer = HelpdeskWriter(connection, vendor.source, people, strict=True,
                                into_empty=True)
        try:
            writer.read(vendor, files)
            writer.settle()
            counts = writer.counts
            if counts.bad_count and not skip_bad:
                report = HelpdeskImportReport(vendor.source, len(files), counts, False,
                                              time.perf_counter() - started)
                first = counts.bad_items[0]
                raise HelpdeskImportRejected(
                    f"{counts.bad_count:,} bad item{'s' * (counts.bad_count != 1)} in the "
                    f"{vendor.label} export; nothing was written (first: {first.sentence()})",
                    report)
            counts = writer.merge()
        finally:
            writer.close()
    notes = _notes(vendor.label, counts)
    return HelpdeskImportReport(vendor.source, len(files), counts, True,
                                time.perf_counter() - started, notes)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while pages are read: an export is millions of
    small dicts and lists, which the collector would walk over and over (two thirds of the
    parsing time) to find cycles the import never makes. Reference counting still frees every
    page once it is staged."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _notes(label: str, counts: WriteCounts) -> tuple[str, ...]:
    if not counts.tickets_read and not counts.ratings_read:
        return (f"no {label} tickets or ratings were found in these pages",)
    return ()

