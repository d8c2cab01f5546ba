"""ingest/: bringing tickets and survey answers in from outside — the canonical CSV importer
(canonical.py: `import_csv` → `ImportReport`, with its `BadRow`s), the validation of each row
(rows.py) and the staging tables an import loads into (staging.py). More importers (Zendesk,
Freshdesk) will sit beside it. Depends on storage (the tables, the dimension values), sql's
dialects (how each backend loads a batch) and the layers below; never on engine or question.
"""

from kpi_engine.ingest.canonical import BadRow, ImportReport, import_csv

__all__ = ["BadRow", "ImportReport", "import_csv"]
