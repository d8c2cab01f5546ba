"""kpi_engine: customer-support KPIs computed in the database, knowing nothing of Slack.

The public API, re-exported here and loaded on first use (so importing one submodule stays
cheap):

- `open_database(url)` → a SQLAlchemy engine with the schema migrated;
- `KpiEngine(db, settings).run(KpiQuery(...))` → `KpiResult` (`.to_json()` is the contract's
  JSON answer); `.explain(query)` → the SQL and the definition line;
- `QuestionAnswerer.from_settings(settings).ask("what was FCR last week for tier 1?")` →
  `Answer` (the result, or the refusal with suggestions); `read_question(text, workspace)` and
  `follow_up(previous_query, text, workspace)` → `KpiQuery` (offline, no database);
- `import_csv(db, tickets_csv, surveys_csv)` → `ImportReport`;
- `parse_period(words, now=..., tz=...)`, `previous_period(...)` → `Period`;
- `METRICS`, `get_metric(id)`: the metric registry;
- `Settings`: the engine's settings of interfaces.md (the Slack app adds its own on top:
  `bot.settings.BotSettings`);
- errors: `KpiError`, `UserError` (shown to people, with suggestions) and its kinds.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "open_database": "kpi_engine.storage.database",
    "KpiEngine": "kpi_engine.engine",
    "Explanation": "kpi_engine.engine",
    "KpiQuery": "kpi_engine.query.model",
    "KpiResult": "kpi_engine.query.model",
    "Filter": "kpi_engine.query.model",
    "Measurement": "kpi_engine.query.model",
    "QuestionAnswerer": "kpi_engine.question.answers",
    "Answer": "kpi_engine.question.answers",
    "read_question": "kpi_engine.question.rules",
    "follow_up": "kpi_engine.question.followup",
    "understand": "kpi_engine.question.understanding",
    "Workspace": "kpi_engine.question.draft",
    "Lexicon": "kpi_engine.question.lexicon",
    "load_lexicon": "kpi_engine.question.lexicon",
    "QuestionRefused": "kpi_engine.errors",
    "import_csv": "kpi_engine.ingest.canonical",
    "ImportReport": "kpi_engine.ingest.canonical",
    "Period": "kpi_engine.periods.calendar",
    "parse_period": "kpi_engine.periods.calendar",
    "previous_period": "kpi_engine.periods.calendar",
    "METRICS": "kpi_engine.metrics.registry",
    "Metric": "kpi_engine.metrics.model",
    "get_metric": "kpi_engine.metrics.lookup",
    "Settings": "kpi_engine.settings",
    "Dimension": "kpi_engine.vocabulary",
    "Unit": "kpi_engine.vocabulary",
    "Direction": "kpi_engine.vocabulary",
    "SurveyKind": "kpi_engine.vocabulary",
    "Granularity": "kpi_engine.vocabulary",
    "KpiError": "kpi_engine.errors",
    "UserError": "kpi_engine.errors",
    "UnknownNameError": "kpi_engine.errors",
    "PeriodError": "kpi_engine.errors",
    "ImportRejected": "kpi_engine.errors",
    "DatabaseUnavailable": "kpi_engine.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kpi_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
