"""ingest/helpdesk/: what the helpdesk importers (ingest/zendesk.py, ingest/freshdesk.py) share —

- items.py: what a helpdesk object becomes (a canonical ticket row, a rating, a removal), the
  names pages give by id (`People`), the tier rule and small parsers;
- files.py: export files into pages, each with its file and position (`BadItem`s otherwise);
- writer.py: pages → the canonical import's staging tables → an upsert (merge.py), or straight
  into empty tables (straight.py: rows encoded for COPY as they are mapped; worker.py: the
  pages read in a worker process meanwhile); counts.py: what a writer read and wrote;
- imports.py: `import_helpdesk(db, settings, source, paths)`, one transaction;
- http.py: the HTTP client (httpx): basic auth, timeouts, Retry-After, backoff, a rate limiter;
- vendor.py: what a helpdesk module provides, and `vendor_for(source, settings)`;
- sync.py: `sync_once(db, settings, source)` → `SyncReport`, page by page with its cursor in
  `sync_state`; `sync_configured` for the scheduler.

The public names below load on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "import_helpdesk": "imports", "HelpdeskImportReport": "imports",
    "HelpdeskImportRejected": "imports", "sync_once": "sync", "sync_configured": "sync",
    "configured_sources": "sync", "SyncReport": "sync", "SyncNotConfigured": "sync",
    "reset_sync": "sync", "sync_states": "sync", "read_cursor": "sync",
    "HelpdeskError": "http", "HelpdeskRefused": "http", "HelpdeskUnavailable": "http",
    "BadItem": "files", "WriteCounts": "writer", "SOURCES": "vendor",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
