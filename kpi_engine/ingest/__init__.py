"""ingest/: bringing tickets and survey answers in from outside — the canonical CSV importer
(canonical.py: `import_csv` → `ImportReport`, with its `BadRow`s; where its rows come from,
sources.py; the checks that need the whole file, checks.py; the merge into the tables,
merging.py; what it reports, reporting.py), the validation of each row
(rows.py, one value at a time in values.py) and the staging tables an import loads into
(staging.py); any other helpdesk's CSV export read through a mapping file in front of it
(mapped.py: `import_mapped`; the map, column_map.py: `load_map` → `ColumnMap`; its timestamps,
timestamps.py). Zendesk and Freshdesk (zendesk.py, freshdesk.py, and what they share in
helpdesk/: their own API pages from export files, `import_helpdesk`, and the live sync,
`sync_once` → `SyncReport`) sit beside it, loaded on first use. Depends on storage (the
tables, the dimension values), sql's dialects (how each backend loads a batch) and the layers
below; never on engine or question.
"""

from kpi_engine.ingest.canonical import (
    BadRow,
    ImportReport,
    RowSource,
    RowWarning,
    import_csv,
    import_sources,
)
from kpi_engine.ingest.column_map import ColumnMap, load_map
from kpi_engine.ingest.mapped import import_mapped

__all__ = ["BadRow", "ColumnMap", "ImportReport", "RowSource", "RowWarning", "import_csv",
           "import_mapped", "import_sources", "load_map"]

# The helpdesks, loaded on first use (their HTTP client is not imported by a CSV import).
_HELPDESK_EXPORTS = ("import_helpdesk", "HelpdeskImportReport", "HelpdeskImportRejected",
                     "sync_once", "sync_configured", "SyncReport")


def __getattr__(name: str):
    if name in _HELPDESK_EXPORTS:
        import importlib

        return getattr(importlib.import_module("kpi_engine.ingest.helpdesk"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
