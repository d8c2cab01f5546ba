"""Finding a KPI by name: `get_metric(words)` is the registry entry whose id or synonym the
words are, or an error naming the nearest ones (suggestions.py) when there is none.
"""

from __future__ import annotations

from kpi_engine.errors import UnknownNameError
from kpi_engine.metrics.model import Metric
from kpi_engine.metrics.registry import METRICS, METRICS_BY_ID
from kpi_engine.metrics.suggestions import suggest_metrics


def get_metric(metric_id: str) -> Metric:
    """The registry entry for `metric_id`, or an error that names the nearest ones."""
    key = metric_id.strip().lower().replace("-", "_").replace(" ", "_")
    if key in METRICS_BY_ID:
        return METRICS_BY_ID[key]
    for metric in METRICS:
        if metric_id.strip().lower() in metric.synonyms:
            return metric
    raise UnknownNameError(f"there is no KPI called {metric_id!r}", suggest_metrics(metric_id))
