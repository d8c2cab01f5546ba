"""metrics/: the KPI registry — each KPI's entry (`Metric`, its variants and details, how it is
counted in business hours, the SQL of its per-record value against a `Scope`), the registry
itself (`METRICS`), finding an entry by name (`get_metric`), and the fuzzy suggestions when a
name matches none. Depends only on vocabulary and errors: the parser, the SQL, the labels and
the digests all read the registry, never the other way round.
"""

from kpi_engine.metrics.lookup import get_metric
from kpi_engine.metrics.model import (
    BusinessHours,
    Condition,
    Detail,
    Measure,
    Metric,
    Scope,
    Variant,
)
from kpi_engine.metrics.registry import METRICS, METRICS_BY_ID, SURVEY_RATE_NOTE
from kpi_engine.metrics.suggestions import nearest, suggest_metrics

__all__ = [
    "METRICS", "METRICS_BY_ID", "SURVEY_RATE_NOTE", "BusinessHours", "Condition", "Detail",
    "Measure", "Metric", "Scope", "Variant", "get_metric", "nearest", "suggest_metrics",
]
