"""query/: what is asked and what is answered — `KpiQuery` in, `KpiResult` out (model.py), the
aggregates of a result row as measurements and the change between two of them (measurements.py),
honest rankings of a breakdown's groups (ranking.py) and the statistics behind them (stats.py).
Depends only on metrics, periods, vocabulary, errors (and formatting.py, for a ranking's notes):
no SQL is built or run here.
"""

from kpi_engine.query.model import (
    EXPLAIN_DIMENSIONS,
    MAX_GROUP_BY,
    PERCENTILES,
    RANK_BY_VALUE,
    RANK_BY_WILSON_HIGH,
    RANK_BY_WILSON_LOW,
    THRESHOLD_OPERATORS,
    Change,
    Filter,
    GroupRow,
    KpiQuery,
    KpiResult,
    Measurement,
    Ranking,
    Threshold,
    filters_json,
    parse_dimension,
    parse_granularity,
)

__all__ = [
    "EXPLAIN_DIMENSIONS", "MAX_GROUP_BY", "PERCENTILES", "RANK_BY_VALUE", "RANK_BY_WILSON_HIGH",
    "RANK_BY_WILSON_LOW",
    "THRESHOLD_OPERATORS", "Change", "Filter", "GroupRow", "KpiQuery", "KpiResult",
    "Measurement", "Ranking", "Threshold", "filters_json", "parse_dimension",
    "parse_granularity",
]
